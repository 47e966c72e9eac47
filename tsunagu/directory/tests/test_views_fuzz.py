"""Hostile input to the directory's forms: never a 500, never a partial write, a message when refused.

The strategies are the suite's own (tests/test_fuzz_forms.py): full-width and kana/kanji text, control
characters, 10,000-character strings, lists for one key, injection strings, emoji, missing fields.
A random submission may be valid, so each example accepts either one whole new record (302) or
a 400 with a message and nothing written.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.test_fuzz_forms import FUZZ, JAPANESE, PHONE, VALUE, form_data, post, shows_error
from tsunagu.accounts.tests.personas import World
from tsunagu.audit.models import AuditEvent
from tsunagu.directory.models import ChangeRecord, Location, Service
from tsunagu.directory.tests.factories import make_areas, make_location, make_service
from tsunagu.directory.vocabularies import CONCERNS, RESOURCE_KINDS

TIME = st.sampled_from(["9:00", "09:00", "17:30", "22:00", "2:00", "０９:００", "24:00", "9", "9時", ""])
AREAS = st.sampled_from(["131041", "新宿区", "312011、鳥取市", "13104", "大阪市北区 (271276)", "", "東京都新宿区"])
CHECK = st.sampled_from(["on", ""])
SERVICE = {
    "name": JAPANESE,
    "kind": st.sampled_from([t.code for t in RESOURCE_KINDS]),
    "concerns": st.lists(st.sampled_from([t.code for t in CONCERNS]), max_size=3),
    "areas": AREAS,
    "is_national": CHECK,
    "fees": st.sampled_from(["free", "paid", "unknown"]),
    "minimum_age": st.sampled_from(["", "0", "18", "65"]),
    "maximum_age": st.sampled_from(["", "17", "64", "130"]),
    "url": st.sampled_from(["", "https://example.org/", "example.org"]),
    "phones-TOTAL_FORMS": st.just("1"),
    "phones-INITIAL_FORMS": st.just("0"),
    "phones-0-number": PHONE | st.just(""),
    "phones-0-type": st.sampled_from(["voice", "fax", "text"]),
    "hours-mon_start_1": TIME,
    "hours-mon_end_1": TIME,
    "hours-sat_start_2": TIME,
    "hours-nth1_weeks": st.lists(st.sampled_from(["1", "2", "4", "-1"]), max_size=2),
    "hours-nth1_weekday": st.sampled_from(["", "5", "6"]),
    "hours-nth1_start_1": TIME,
    "hours-always_open": CHECK,
    "hours-closed_on_holidays": CHECK,
    "hours-original_text": st.sampled_from(["", "月～金 9:00～17:00", "第2・第4土曜 10時～12時", "不定期"]) | JAPANESE,
}
LOCATION = {
    "name": JAPANESE,
    "location_type": st.sampled_from(["physical", "virtual"]),
    "area": AREAS,
    "postal_code": st.sampled_from(["", "160-0022", "１６００００２", "12-345"]),
    "address_1": JAPANESE | st.just(""),
    "latitude": st.sampled_from(["", "35.69", "91", "abc"]),
    "is_confidential": CHECK,
    "confidential_address": JAPANESE | st.just(""),
    "phones-TOTAL_FORMS": st.just("0"),
    "phones-INITIAL_FORMS": st.just("0"),
}


def state() -> tuple[Any, ...]:
    return (
        list(Service.objects.order_by("pk").values_list("pk", "name", "status", "updated_at")),
        list(Location.objects.order_by("pk").values_list("pk", "name", "updated_at")),
        ChangeRecord.objects.count(),
        AuditEvent.objects.exclude(outcome="denied").exclude(action="personal_data.read").count(),
    )


@FUZZ
@given(data=form_data(**SERVICE), multipart=st.booleans())
def test_service_form_survives_hostile_input(world: World, data: dict[str, Any], multipart: bool) -> None:
    make_areas()
    before = state()
    count = Service.objects.count()
    url = reverse("directory:service_create", kwargs={"code": world.organisations["A"].code})
    response = post(world.client("supervisor_a"), url, data, multipart)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert shows_error(response) or "error-summary" in response.content.decode()
        assert state() == before
    else:
        assert Service.objects.count() == count + 1
        assert response["Location"].startswith("/staff/directory/services/")


@FUZZ
@given(
    data=form_data(**LOCATION),
    multipart=st.booleans(),
    persona=st.sampled_from(["org_admin_d", "platform_secretariat_c"]),
)
def test_location_form_survives_hostile_input(
    world: World, data: dict[str, Any], multipart: bool, persona: str
) -> None:
    location = Location.objects.filter(name="壊れない拠点").first() or make_location(
        organisation=world.organisations["D"],
        name="壊れない拠点",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address="秘密の住所",
    )
    before = state()
    url = reverse("directory:location_edit", kwargs={"code": location.code})
    response = post(world.client(persona), url, data, multipart)
    assert response.status_code in (302, 400), response.status_code
    location.refresh_from_db()
    if response.status_code == 400:
        assert state() == before
    if persona == "platform_secretariat_c":  # may edit the entry, never the address
        assert location.is_confidential and location.confidential_address == "秘密の住所"


@FUZZ
@given(status=VALUE, next_url=VALUE)
def test_status_and_verify_survive_hostile_input(world: World, status: Any, next_url: Any) -> None:
    service = Service.objects.filter(name="壊れない窓口").first() or make_service(
        organisation=world.organisations["A"], name="壊れない窓口"
    )
    client = world.client("supervisor_a")
    response = client.post(reverse("directory:service_status", kwargs={"code": service.code}), {"status": status})
    assert response.status_code in (302, 400)
    response = client.post(reverse("directory:service_verify", kwargs={"code": service.code}), {"next": next_url})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
