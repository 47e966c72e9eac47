"""Staff pages for services: list, entry, form, status and verification (docs/style.md: per view)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import verify_chain
from tsunagu.directory.models import ChangeRecord, Service, ServiceStatus
from tsunagu.directory.schedules import Schedule
from tsunagu.directory.tests.factories import make_areas, make_service
from tsunagu.directory.tests.form_data import hours, service_form

pytestmark = pytest.mark.django_db


def t(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


def writes() -> tuple[int, int, int]:
    """Everything a write leaves behind: services, history rows, audit rows other than refusals."""
    return Service.objects.count(), ChangeRecord.objects.count(), AuditEvent.objects.exclude(outcome="denied").count()


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("seq")


# -- list --------------------------------------------------------------------------------------


def test_list_shows_each_service_with_its_freshness(world):
    today = timezone.localdate()
    make_service(organisation=world.organisations["A"], name="新しく確認した窓口", assured_date=today)
    make_service(
        organisation=world.organisations["A"], name="一年以上前の窓口", assured_date=today - dt.timedelta(days=400)
    )
    make_service(organisation=world.organisations["D"], name="未確認の居場所")
    response = world.client("counsellor_a").get(reverse("directory:service_list"))
    assert response.status_code == 200
    rows = {row["service"].name: row["freshness"]["state"] for row in response.context["rows"]}
    assert rows == {"新しく確認した窓口": "fresh", "一年以上前の窓口": "due", "未確認の居場所": "never"}
    assert t("Due for verification") in response.text and t("Never verified") in response.text
    assert today.isoformat() in response.text


def test_list_search_and_filters(world):
    make_areas()
    make_service(organisation=world.organisations["A"], name="新宿こころの相談", area_codes=("131041",))
    make_service(
        organisation=world.organisations["D"],
        name="鳥取の居場所",
        area_codes=("312011",),
        resource_kinds=("ibasho",),
        concerns=("loneliness-talk",),
    )
    client = world.client("counsellor_a")

    def names(**query: str) -> set[str]:
        response = client.get(reverse("directory:service_list"), query)
        assert response.status_code == 200, response.context["form"].errors
        return {row["service"].name for row in response.context["rows"]}

    assert names(q="居場所") == {"鳥取の居場所"}
    assert names(area="312011") == {"鳥取の居場所"}
    assert names(area="新宿区") == {"新宿こころの相談"}
    assert names(kind="ibasho") == {"鳥取の居場所"}
    assert names(concern="mind-life") == {"新宿こころの相談"}
    assert names(status="defunct") == set()


def test_list_refuses_an_unknown_area_with_a_message(world):
    response = world.client("counsellor_a").get(reverse("directory:service_list"), {"area": "999999"})
    assert response.status_code == 400
    assert response.context["form"].errors["area"]
    assert response.context["rows"] == []


@pytest.mark.parametrize("query", [{}, {"q": "窓口", "kind": "consultation", "area": "131041"}])
def test_list_runs_the_same_number_of_queries_for_two_or_eight_services(world, django_assert_num_queries, query):
    client = world.client("counsellor_a")
    url = reverse("directory:service_list")
    for i in range(2):
        make_service(organisation=world.organisations["A"], name=f"窓口{i}")
    client.get(url, query)  # session and caches warm
    with CaptureQueriesContext(connection) as two:
        client.get(url, query)
    for i in range(2, 8):
        make_service(organisation=world.organisations["D"], name=f"窓口{i}")
    with django_assert_num_queries(len(two)):
        response = client.get(url, query)
    assert len(response.context["rows"]) == 8


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_list_and_detail_answer_only_get(world, method):
    service = make_service(organisation=world.organisations["A"])
    client = world.client("supervisor_a")
    assert getattr(client, method)(reverse("directory:service_list")).status_code == 405
    assert (
        getattr(client, method)(reverse("directory:service_detail", kwargs={"code": service.code})).status_code == 405
    )


# -- detail ------------------------------------------------------------------------------------


def test_detail_shows_the_entry_hours_in_words_and_its_history(world):
    service = make_service(
        organisation=world.organisations["A"],
        hours="月～金 9時～17時 第2・第4土曜 10時～12時 祝日休み",
        phones=(),
        is_national=True,
        alert="年末は短縮営業です。",
    )
    client = world.client("supervisor_a")
    client.post(reverse("directory:service_status", kwargs={"code": service.code}), {"status": "temporarily closed"})
    response = client.get(reverse("directory:service_detail", kwargs={"code": service.code}))
    assert response.status_code == 200
    text = response.text
    for line in ("月～金 9:00～17:00", "第2・第4土曜 10:00～12:00", "祝日休み"):
        assert line in text
    assert "年末は短縮営業です。" in text and "こころの相談ダイヤル" in text
    history = response.context["history"]
    with translation.override("ja"):
        assert history[0].field == str(Service._meta.get_field("status").verbose_name).capitalize()
        assert (history[0].before, history[0].after) == (
            str(ServiceStatus.ACTIVE.label),
            str(ServiceStatus.TEMPORARILY_CLOSED.label),
        )
    assert history[0].who == world.organisations["A"].name
    assert history[-1].created_fields  # the creation, as one row naming its fields


def test_detail_shows_the_published_text_when_the_hours_were_only_partly_read(world):
    service = make_service(organisation=world.organisations["A"], hours="月～金 9:00～17:00 ただし第5週は不定休")
    response = world.client("counsellor_a").get(reverse("directory:service_detail", kwargs={"code": service.code}))
    assert response.context["hours"].partial
    assert "月～金 9:00～17:00 ただし第5週は不定休" in response.text
    assert "月～金 9:00～17:00</li>" in response.text  # what was understood, in words


def test_detail_in_english(world):
    service = make_service(organisation=world.organisations["A"], hours="月～金 9:00～17:00")
    client = world.client("counsellor_a")
    client.cookies["django_language"] = "en"
    response = client.get(reverse("directory:service_detail", kwargs={"code": service.code}))
    assert "Mon–Fri: 9:00–17:00" in response.text
    assert "Mental health and suicidal feelings" in response.text  # the concern's English label


def test_unknown_service_is_404_with_one_denied_row(world):
    code = uuid.uuid4()
    response = world.client("counsellor_a").get(reverse("directory:service_detail", kwargs={"code": code}))
    assert response.status_code == 404
    event = AuditEvent.objects.filter(outcome="denied").latest("seq")
    assert event.target_code == str(code) and event.detail["reason"] == "not_found_or_hidden"


# -- create and edit ---------------------------------------------------------------------------


def test_create_a_service_through_the_form(world):
    make_areas()
    client = world.client("supervisor_a")
    url = reverse("directory:service_create", kwargs={"code": world.organisations["A"].code})
    assert client.get(url).status_code == 200
    response = client.post(url, service_form(areas="新宿区、渋谷区 131130", other_languages="fr"))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    service = Service.objects.get(name="まちの相談室")
    assert response["Location"] == reverse("directory:service_detail", kwargs={"code": service.code})
    assert service.organisation == world.organisations["A"]
    assert set(service.service_areas.values_list("area__code", flat=True)) == {"131041", "131130"}
    assert set(service.languages.values_list("tag", flat=True)) == {"ja", "fr"}
    assert service.phones.get().number == "03-0000-0000"
    hours_json = service.schedules.get().hours
    assert Schedule.from_json(hours_json).original_text == "月～金 9:00～17:00、祝日休み"
    event = last_event("service.created")
    assert event.target_code == str(service.code) and event.actor_label == "supervisor-a"
    assert ChangeRecord.objects.filter(resource_code=service.code, action="create", field_name="hours").exists()
    assert verify_chain().ok


def test_edit_changes_only_what_changed_and_keeps_history(world):
    service = make_service(organisation=world.organisations["D"], hours="月～金 9:00～17:00")
    client = world.client("org_admin_d")
    url = reverse("directory:service_edit", kwargs={"code": service.code})
    form = client.get(url).context["form"]
    assert form.initial["name"] == service.name
    data = service_form(
        name=service.name,
        name_kana=service.name_kana,
        description=service.description,
        concerns=["mind-life"],
        people_served=["anyone"],
        channels=["phone"],
        areas="131041",
        fees="unknown",
        **hours(**{f"{d}_start_1": "9:00" for d in ("mon", "tue", "wed", "thu", "fri")}),
        **hours(**{f"{d}_end_1": "18:00" for d in ("mon", "tue", "wed", "thu", "fri")}),
        **{"hours-closed_on_holidays": ""},
    )
    data.update({"phones-TOTAL_FORMS": "1", "phones-0-number": "", "phones-0-description": ""})
    response = client.post(url, data)
    assert response.status_code == 302
    event = last_event("service.updated")
    assert event.detail == {"fields": ["hours"]}
    change = ChangeRecord.objects.filter(resource_code=service.code, field_name="hours").latest("id")
    assert (change.previous_value, change.replacement_value) == ("月～金 9:00～17:00", "月～金 9:00～18:00")
    assert change.changed_by == world.users["org_admin_d"]
    # Saving the same again changes nothing and writes nothing.
    before = writes()
    assert client.post(url, data).status_code == 302
    assert writes() == before


def test_edit_form_starts_from_the_saved_hours(world):
    service = make_service(
        organisation=world.organisations["A"], hours="月・水 9:00～12:00、13:00～17:00 第2土曜 10:00～"
    )
    response = world.client("system_admin_c").get(reverse("directory:service_edit", kwargs={"code": service.code}))
    hours_form = response.context["hours_form"]
    assert hours_form["mon_start_2"].value() == dt.time(13)
    assert hours_form["wed_end_1"].value() == dt.time(12)
    assert hours_form["nth1_weeks"].value() == ["2"] and hours_form["nth1_weekday"].value() == "5"
    assert 'value="13:00"' in response.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", None),
        ({"areas": "府中市"}, "areas", None),  # made ambiguous below
        ({"areas": "どこか町"}, "areas", None),
        ({"areas": "", "is_national": ""}, "areas", None),
        ({"kind": "not-a-kind"}, "kind", None),
        ({"minimum_age": "30", "maximum_age": "20"}, "maximum_age", "The maximum age is below the minimum age."),
        ({"other_languages": "日本語!"}, "other_languages", None),
        ({"url": "javascript:alert(1)"}, "url", None),
    ],
)
def test_bad_input_is_400_with_a_message_and_writes_nothing(world, changes, field, message):
    from tsunagu.directory.models import Area, AreaLevel

    areas = make_areas()
    Area.objects.create(code="132063", name="府中市", level=AreaLevel.MUNICIPALITY, parent=areas["130001"])
    Area.objects.create(code="342084", name="府中市", level=AreaLevel.MUNICIPALITY, parent=areas["310000"])
    before = writes()
    response = world.client("supervisor_a").post(
        reverse("directory:service_create", kwargs={"code": world.organisations["A"].code}), service_form(**changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    if message:
        assert t(message) in response.text
    assert writes() == before


def test_bad_hours_and_phones_are_400_and_write_nothing(world):
    make_areas()
    url = reverse("directory:service_create", kwargs={"code": world.organisations["A"].code})
    client = world.client("supervisor_a")
    before = writes()
    response = client.post(url, service_form(**hours(sat_end_1="17:00"), **{"phones-0-number": "電話して"}))
    assert response.status_code == 400
    assert "sat_start_1" in response.context["hours_form"].errors
    assert response.context["phones"].forms[0].errors["number"]
    response = client.post(url, {**service_form(), "phones-TOTAL_FORMS": "x"})
    assert response.status_code == 400
    assert writes() == before


def test_read_only_staff_get_403_on_every_write_and_nothing_changes(world):
    service = make_service(organisation=world.organisations["A"])
    client = world.client("counsellor_a")
    before = writes()
    for name, data in (
        ("directory:service_edit", service_form()),
        ("directory:service_status", {"status": "defunct"}),
        ("directory:service_verify", {}),
        ("directory:location_create", {}),
    ):
        assert client.post(reverse(name, kwargs={"code": service.code}), data).status_code == 403, name
    assert writes() == before
    # The organisation administrator of D may not change A's service either.
    assert (
        world.client("org_admin_d").get(reverse("directory:service_edit", kwargs={"code": service.code})).status_code
        == 403
    )
    create = reverse("directory:service_create", kwargs={"code": world.organisations["A"].code})
    assert world.client("org_admin_d").post(create, service_form()).status_code == 403
    assert writes() == before


@pytest.mark.parametrize("name", ["directory:service_edit", "directory:location_create"])
def test_form_pages_refuse_other_methods(world, name):
    service = make_service(organisation=world.organisations["A"])
    assert world.client("supervisor_a").put(reverse(name, kwargs={"code": service.code})).status_code == 405


# -- status and verification -------------------------------------------------------------------


def test_status_change_is_audited_and_kept_in_history(world):
    service = make_service(organisation=world.organisations["A"])
    client = world.client("council_secretariat_c")
    url = reverse("directory:service_status", kwargs={"code": service.code})
    assert client.get(url).status_code == 405
    response = client.post(url, {"status": "inactive"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == "inactive"
    assert last_event("service.status_changed").detail == {"from": "active", "to": "inactive"}
    change = ChangeRecord.objects.filter(resource_code=service.code, field_name="status").latest("id")
    assert (change.previous_value, change.replacement_value, change.updated_by_label) == (
        "active",
        "inactive",
        world.organisations["C"].name,
    )
    before = writes()
    response = client.post(url, {"status": "gone"})
    assert response.status_code == 400
    assert t("Choose one of the statuses.") in response.text
    assert writes() == before


def test_verified_today_sets_the_date_and_returns_to_the_page_it_came_from(world):
    service = make_service(organisation=world.organisations["D"], assured_date=dt.date(2020, 4, 1))
    client = world.client("org_admin_d")
    url = reverse("directory:service_verify", kwargs={"code": service.code})
    assert client.get(url).status_code == 405
    back = reverse("directory:needs_verification") + "?page=1"
    response = client.post(url, {"next": back})
    assert response["Location"] == back
    service.refresh_from_db()
    assert service.assured_date == timezone.localdate()
    assert last_event("service.verified").target_code == str(service.code)
    change = ChangeRecord.objects.filter(resource_code=service.code, field_name="assured_date").latest("id")
    assert change.previous_value == "2020-04-01"
    # A "next" that leaves the site is ignored.
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("directory:service_detail", kwargs={"code": service.code})
