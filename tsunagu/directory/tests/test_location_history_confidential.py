"""A location that becomes confidential (a DV shelter) keeps nothing in its history that says where it is.

Every staff member with ``directory.view`` reads a location's change history, so the public address,
name and description recorded while the place was public must go when it becomes a shelter, and the
history page shows no such value of a confidential location, even one recorded by older versions.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from tsunagu.audit.models import AuditEvent
from tsunagu.directory.models import ChangeRecord
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_location, make_service
from tsunagu.directory.tests.form_data import location_form

pytestmark = pytest.mark.django_db

#: What could locate a shelter (services.LOCATING_FIELDS; docs/security.md).
LOCATING = [
    "accessibility",
    "address_1",
    "address_2",
    "alternate_name",
    "confidential_address",
    "description",
    "latitude",
    "longitude",
    "name",
    "name_kana",
    "phones",
    "postal_code",
    "transportation",
]
OLD = ("秘密町1-2-3", "公民館2階", "駅前の青い建物", "1600022", "ひみつばし", "03-9999-0000")


def values_of(code: object) -> str:
    return "\n".join(
        f"{r.previous_value}\n{r.replacement_value}" for r in ChangeRecord.objects.filter(resource_code=code)
    )


def test_making_a_location_confidential_removes_its_old_address_from_the_history(world) -> None:
    location = make_location(
        organisation=world.organisations["D"],
        name="公民館2階",
        description="駅前の青い建物",
        postal_code="1600022",
        address_1="秘密町1-2-3",
        transportation="ひみつばし駅から徒歩5分",
        phones=(PhoneData("03-9999-0000"),),
    )
    make_service(organisation=world.organisations["D"], name="女性相談", location_codes=(location.code,))
    assert "秘密町1-2-3" in values_of(location.code)  # the history holds the public address so far
    url = reverse("directory:location_edit", kwargs={"code": location.code})
    data = location_form(
        name="安心の家",
        description="",
        is_confidential="on",
        confidential_address="秘密町1-2-3",
        postal_code="",
        address_1="",
        transportation="",
    )

    assert world.client("org_admin_d").post(url, data).status_code == 302

    text = values_of(location.code)
    for old in OLD:
        assert old not in text, old
    assert "安心の家" not in text  # the new name is not recorded either: it is the shelter's name now
    marker = ChangeRecord.objects.get(resource_code=location.code, field_name="history_redacted")
    redacted = int(marker.replacement_value)
    assert redacted >= 6  # created with name, postal code, address, directions, description, phones
    event = AuditEvent.objects.get(action="location.history_redacted", target_code=str(location.code))
    assert event.detail == {"records": redacted, "fields": LOCATING}
    assert event.actor_label == world.users["org_admin_d"].username
    # Which fields changed, and when, is still there.
    assert ChangeRecord.objects.filter(resource_code=location.code, field_name="address_1").count() == 2
    page = world.client("counsellor_a").get(reverse("directory:location_detail", kwargs={"code": location.code}))
    assert page.status_code == 200
    for old in OLD:
        assert old not in page.text, old
    assert any(row.after == str(redacted) for row in page.context["history"])


def test_the_history_of_a_confidential_location_shows_no_value_that_could_locate_it(world) -> None:
    shelter = make_location(
        organisation=world.organisations["D"],
        name="安心の家",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address="秘密町1-2-3",
    )
    # Rows an older version wrote before the location became confidential, with their values.
    for field_name, before, after in (
        ("address_1", "秘密町1-2-3", ""),
        ("name", "公民館2階", "安心の家"),
        ("description", "駅前の青い建物", ""),
        ("phones", "03-9999-0000 (voice)", ""),
    ):
        ChangeRecord.objects.create(
            resource_type="location",
            resource_code=shelter.code,
            action="update",
            field_name=field_name,
            previous_value=before,
            replacement_value=after,
            updated_by_label="NPO法人D",
        )
    page = world.client("counsellor_a").get(reverse("directory:location_detail", kwargs={"code": shelter.code}))
    assert page.status_code == 200
    for old in OLD:
        assert old not in page.text, old
    rows = [row for row in page.context["history"] if not row.created_fields]
    assert len(rows) == 4 and all(row.withheld and not row.before and not row.after for row in rows)


def test_a_public_location_history_still_shows_its_values(world) -> None:
    location = make_location(organisation=world.organisations["D"], name="公民館2階", address_1="栄町1-1")
    url = reverse("directory:location_edit", kwargs={"code": location.code})
    data = location_form(name="公民館3階", address_1="栄町1-1")
    assert world.client("org_admin_d").post(url, data).status_code == 302
    page = world.client("counsellor_a").get(reverse("directory:location_detail", kwargs={"code": location.code}))
    assert "公民館2階" in page.text and "公民館3階" in page.text


def test_location_forms_keep_the_confidential_address_out_of_error_reports(world) -> None:
    location = make_location(organisation=world.organisations["D"], name="安心の家")
    service = make_service(organisation=world.organisations["D"], name="女性相談")
    client = world.client("org_admin_d")
    data = location_form(
        name="安心の家", is_confidential="on", confidential_address="秘密町1-2-3", postal_code="", address_1=""
    )
    for url in (
        reverse("directory:location_edit", kwargs={"code": location.code}),
        reverse("directory:location_create", kwargs={"code": service.code}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302
        reported = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
        assert reported["confidential_address"] == "********************", url
        assert reported["name"] == "安心の家"
