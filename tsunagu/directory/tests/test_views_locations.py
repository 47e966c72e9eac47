"""Locations: adding one to a service, editing it, and confidential addresses (DV shelters).

A confidential address is shown only to ``directory.confidential.view`` holders (council secretariat
C, system administrator C) and to members of the owning organisation who may edit it (organisation
administrator D for D's shelter), and every display is audited. Everyone else, including the
platform secretariat who may edit the rest of the entry, sees that the address is not public.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from tsunagu.audit.models import AuditEvent
from tsunagu.directory.models import ChangeRecord, Location, PostalCode, ServiceAtLocation
from tsunagu.directory.tests.factories import make_areas, make_location, make_service
from tsunagu.directory.tests.form_data import location_form, phones

pytestmark = pytest.mark.django_db

SECRET_ADDRESS = "秘密町9-9-9 シェルター棟"


def t(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


@pytest.fixture
def shelter(world):
    location = make_location(
        organisation=world.organisations["D"],
        name="緊急一時避難先",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address=SECRET_ADDRESS,
    )
    service = make_service(
        organisation=world.organisations["D"], name="女性のための一時避難", location_codes=(location.code,)
    )
    return location, service


def reads(location: Location) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="personal_data.read", target_code=str(location.code)))


@pytest.mark.parametrize("persona", ["counsellor_a", "supervisor_a", "platform_secretariat_c", "platform_member_d"])
def test_confidential_address_is_hidden_from_others(world, shelter, persona):
    location, service = shelter
    client = world.client(persona)
    for url in (
        reverse("directory:location_detail", kwargs={"code": location.code}),
        reverse("directory:service_detail", kwargs={"code": service.code}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET_ADDRESS not in response.text
        assert t("Address not public") in response.text
    assert reads(location) == []


@pytest.mark.parametrize("persona", ["org_admin_d", "council_secretariat_c", "system_admin_c"])
def test_confidential_address_is_shown_to_the_owner_and_curators_and_every_display_audited(world, shelter, persona):
    location, service = shelter
    client = world.client(persona)
    for count, url in enumerate(
        (
            reverse("directory:location_detail", kwargs={"code": location.code}),
            reverse("directory:service_detail", kwargs={"code": service.code}),
        ),
        start=1,
    ):
        response = client.get(url)
        assert SECRET_ADDRESS in response.text
        events = reads(location)
        assert len(events) == count
        assert events[-1].detail == {"fields": ["confidential_address"]}
        assert events[-1].actor_label == world.users[persona].username
        assert SECRET_ADDRESS not in str(events[-1].detail)


def test_owner_edits_the_confidential_address_and_the_history_keeps_no_value(world, shelter):
    location, _service = shelter
    client = world.client("org_admin_d")
    url = reverse("directory:location_edit", kwargs={"code": location.code})
    response = client.get(url)
    assert response.context["form"].initial["confidential_address"] == SECRET_ADDRESS
    assert len(reads(location)) == 1  # the form shows the address: that is a display too
    data = location_form(
        name="緊急一時避難先",
        is_confidential="on",
        confidential_address="新しい秘密の住所 1-1",
        postal_code="",
        address_1="",
    )
    assert client.post(url, data).status_code == 302
    location.refresh_from_db()
    assert location.confidential_address == "新しい秘密の住所 1-1"
    change = ChangeRecord.objects.get(resource_code=location.code, field_name="confidential_address", action="update")
    assert (change.previous_value, change.replacement_value) == ("", "")
    assert AuditEvent.objects.filter(action="location.updated").latest("seq").detail == {
        "fields": ["confidential_address"]
    }
    page = client.get(reverse("directory:location_detail", kwargs={"code": location.code}))
    assert "秘密町" not in page.text  # the old address is nowhere, not even in the history


def test_curator_without_confidential_access_edits_the_rest_but_never_the_address(world, shelter):
    location, _service = shelter
    client = world.client("platform_secretariat_c")
    url = reverse("directory:location_edit", kwargs={"code": location.code})
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert "confidential_address" not in form.fields and "is_confidential" not in form.fields
    assert "address_1" not in form.fields  # a confidential location has no public address to fill in
    assert SECRET_ADDRESS not in response.text
    # Even posting the fields does nothing to them.
    data = location_form(
        name="緊急一時避難先（改称）", is_confidential="", confidential_address="上書き", postal_code="", address_1=""
    )
    assert client.post(url, data).status_code == 302
    location.refresh_from_db()
    assert location.name == "緊急一時避難先（改称）"
    assert location.is_confidential and location.confidential_address == SECRET_ADDRESS
    assert reads(location) == []


def test_a_confidential_location_refuses_a_public_address(world, shelter):
    location, _service = shelter
    before = (ChangeRecord.objects.count(), AuditEvent.objects.exclude(outcome="denied").count())
    response = world.client("org_admin_d").post(
        reverse("directory:location_edit", kwargs={"code": location.code}),
        location_form(is_confidential="on", confidential_address=SECRET_ADDRESS, address_1="公開してしまう住所"),
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert (ChangeRecord.objects.count(), AuditEvent.objects.exclude(outcome="denied").count()) == before
    location.refresh_from_db()
    assert location.address_1 == ""


def test_adding_a_location_to_a_service(world):
    service = make_service(organisation=world.organisations["A"])
    PostalCode.objects.create(code="1600022", area=make_areas()["131041"])
    client = world.client("supervisor_a")
    url = reverse("directory:location_create", kwargs={"code": service.code})
    assert client.get(url).status_code == 200
    response = client.post(url, location_form(area="", **phones({"number": "03-1111-2222"})))
    assert response.status_code == 302, response.context and response.context["form"].errors
    location = Location.objects.get(name="まちの相談室 本室")
    assert location.organisation == world.organisations["A"]
    assert location.area is not None and location.area.code == "131041"  # from the postal code
    assert location.postal_code == "1600022"
    assert location.phones.get().number == "03-1111-2222"
    assert ServiceAtLocation.objects.filter(service=service, location=location).exists()
    actions = list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["service.updated", "location.created"]
    link = ChangeRecord.objects.get(resource_code=service.code, field_name="location_codes", action="update")
    assert link.replacement_value == str(location.code)


def test_bad_location_input_is_400_and_writes_nothing(world):
    service = make_service(organisation=world.organisations["A"])
    before = (Location.objects.count(), ChangeRecord.objects.count(), AuditEvent.objects.count())
    response = world.client("supervisor_a").post(
        reverse("directory:location_create", kwargs={"code": service.code}),
        location_form(name="", postal_code="12-34", latitude="200", area="新宿区 渋谷区"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "postal_code", "latitude", "area"} <= set(errors)
    assert (Location.objects.count(), ChangeRecord.objects.count(), AuditEvent.objects.count()) == before


def test_location_pages_refuse_wrong_methods_unknown_codes_and_outsiders(world):
    location = make_location(organisation=world.organisations["D"])
    detail = reverse("directory:location_detail", kwargs={"code": location.code})
    edit = reverse("directory:location_edit", kwargs={"code": location.code})
    assert world.client("org_admin_d").post(detail).status_code == 405
    assert world.client("org_admin_d").delete(edit).status_code == 405
    unknown = reverse("directory:location_edit", kwargs={"code": uuid.uuid4()})
    assert world.client("counsellor_a").post(unknown, location_form()).status_code == 404
    before = ChangeRecord.objects.count()
    assert world.client("supervisor_a").post(edit, location_form()).status_code == 403
    assert world.client("counsellor_a").get(edit).status_code == 403
    assert ChangeRecord.objects.count() == before
