"""The list of entries due for verification: never verified or over a year ago, the oldest first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tsunagu.directory import selectors
from tsunagu.directory.models import ServiceStatus
from tsunagu.directory.services import service_set_status
from tsunagu.directory.tests.factories import ACTOR, make_service

pytestmark = pytest.mark.django_db


def test_cutoff_is_one_year_and_leap_day_safe():
    assert selectors.verification_cutoff(dt.date(2026, 5, 1)) == dt.date(2025, 5, 1)
    assert selectors.verification_cutoff(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    today = dt.date(2026, 5, 1)
    assert selectors.freshness(dt.date(2025, 5, 1), today) == "fresh"
    assert selectors.freshness(dt.date(2025, 4, 30), today) == "due"
    assert selectors.freshness(None, today) == "never"


def test_lists_never_verified_first_then_the_oldest_and_leaves_out_fresh_and_defunct(world):
    today = timezone.localdate()
    a, d = world.organisations["A"], world.organisations["D"]
    make_service(organisation=a, name="確認済み", assured_date=today - dt.timedelta(days=30))
    make_service(organisation=a, name="13か月前", assured_date=today - dt.timedelta(days=395))
    make_service(organisation=d, name="3年前", assured_date=today - dt.timedelta(days=1100))
    make_service(organisation=d, name="未確認", name_kana="みかくにん")
    gone = make_service(organisation=d, name="廃止", assured_date=today - dt.timedelta(days=2000))
    service_set_status(actor=ACTOR, service=gone, status=ServiceStatus.DEFUNCT)
    response = world.client("platform_member_d").get(reverse("directory:needs_verification"))
    assert response.status_code == 200
    assert [row["service"].name for row in response.context["rows"]] == ["未確認", "3年前", "13か月前"]


def test_only_entries_the_actor_may_edit_get_the_button(world):
    own = make_service(organisation=world.organisations["A"], name="Aの窓口")
    other = make_service(organisation=world.organisations["D"], name="Dの居場所")
    response = world.client("supervisor_a").get(reverse("directory:needs_verification"))
    may = {row["service"].name: row["may_edit"] for row in response.context["rows"]}
    assert may == {"Aの窓口": True, "Dの居場所": False}
    assert reverse("directory:service_verify", kwargs={"code": own.code}) in response.text
    assert reverse("directory:service_verify", kwargs={"code": other.code}) not in response.text
    # Read-only staff see the list without any button; curators get every button.
    response = world.client("counsellor_a").get(reverse("directory:needs_verification"))
    assert "/verify/" not in response.text
    response = world.client("platform_secretariat_c").get(reverse("directory:needs_verification"))
    assert all(row["may_edit"] for row in response.context["rows"])
    # "Only my organisation's services".
    response = world.client("supervisor_a").get(reverse("directory:needs_verification"), {"mine": "1"})
    assert [row["service"].name for row in response.context["rows"]] == ["Aの窓口"]


def test_verifying_from_the_list_takes_the_entry_off_it(world):
    service = make_service(organisation=world.organisations["A"], name="Aの窓口")
    client = world.client("supervisor_a")
    page = reverse("directory:needs_verification")
    response = client.post(reverse("directory:service_verify", kwargs={"code": service.code}), {"next": page})
    assert response["Location"] == page
    assert client.get(page).context["rows"] == []


def test_the_list_runs_the_same_number_of_queries_for_two_or_eight_entries(world, django_assert_num_queries):
    client = world.client("counsellor_a")
    for i in range(2):
        make_service(organisation=world.organisations["A"], name=f"窓口{i}")
    client.get(reverse("directory:needs_verification"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("directory:needs_verification"))
    for i in range(2, 8):
        make_service(organisation=world.organisations["D"], name=f"窓口{i}")
    with django_assert_num_queries(len(two)):
        response = client.get(reverse("directory:needs_verification"))
    assert len(response.context["rows"]) == 8
    # The selector itself: the rows with their organisation, then their kinds.
    with django_assert_num_queries(2):
        rows = list(selectors.needs_verification(today=timezone.localdate()))
        assert {r.organisation.name for r in rows} and all(r.kind_attributes for r in rows)


def test_the_list_answers_only_get(world):
    assert world.client("supervisor_a").post(reverse("directory:needs_verification")).status_code == 405
