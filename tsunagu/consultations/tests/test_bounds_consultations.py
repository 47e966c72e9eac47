"""Hostile numbers, dates and ids on the intake's forms and polling views: a clear message, never a
500 (issue 15, findings 2-4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagu.consultations.models import Consultation
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.consultations.tests.test_views import counsellor_client, start_chat
from tsunagu.core.bounds import EARLIEST_RECORD

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000  # Python refuses to convert more than 4,300 digits
TOO_BIG_FOR_SQL = "99999999999999999999"  # above 2**63 - 1


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def english(desks: Desks, who: str = "counsellor_a") -> Client:
    client = counsellor_client(desks, who)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are asserted in English
    return client


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("started_at", "message"),
    [
        ("0001-01-01T00:00", "Enter a date from 2020-01-01 onwards."),  # was a 500: underflow when converted to UTC
        ("0001-01-01T09:30", "Enter a date from 2020-01-01 onwards."),  # was stored as a real call
        ("2019-12-31T23:59", "Enter a date from 2020-01-01 onwards."),
        ("9999-12-31T23:59", "The call cannot start in the future."),
    ],
)
def test_the_call_log_refuses_implausible_start_times_with_a_message(desks, started_at, message):
    counsellor = english(desks)
    response = counsellor.post(reverse("consultations:call"), {"started_at": started_at, "risk_level": "0"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_call_log_accepts_a_call_from_the_first_day_and_one_just_now(desks):
    counsellor = english(desks)
    first = dt.datetime.combine(EARLIEST_RECORD, dt.time(9, 30))
    for started_at in (first.strftime("%Y-%m-%dT%H:%M"), local(timezone.now())):
        logged = counsellor.post(reverse("consultations:call"), {"started_at": started_at, "risk_level": "0"})
        assert logged.status_code == 302
    assert Consultation.objects.count() == 2


def test_the_call_log_refuses_an_end_far_in_the_future_and_a_follow_up_in_another_age(desks):
    counsellor = english(desks)
    started = local(timezone.now() - dt.timedelta(minutes=30))
    ended = counsellor.post(
        reverse("consultations:call"), {"started_at": started, "ended_at": "9999-12-31T23:59", "risk_level": "0"}
    )
    assert ended.status_code == 400 and "The call cannot end in the future." in ended.content.decode()
    for follow_up_on in ("0001-01-01", "9999-12-31"):
        follow_up = counsellor.post(
            reverse("consultations:call"),
            {"started_at": started, "risk_level": "0", "outcomes": ["follow_up"], "follow_up_on": follow_up_on},
        )
        assert follow_up.status_code == 400
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("concern", [TOO_BIG_FOR_SQL, HUGE, "-1", "1e3", "١٢"])
def test_the_call_log_refuses_an_unknown_concern_id_of_any_size(desks, concern):
    counsellor = english(desks)
    started = local(timezone.now() - dt.timedelta(minutes=5))
    response = counsellor.post(
        reverse("consultations:call"), {"started_at": started, "risk_level": "0", "concerns": [concern]}
    )
    assert response.status_code == 400  # was a 500: "Python int too large to convert to SQLite INTEGER"
    assert "is not one of the available choices" in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_record_refuses_a_huge_concern_id(desks):
    start_chat(Client())
    chat = Consultation.objects.get()
    counsellor = english(desks)
    counsellor.post(reverse("consultations:take", kwargs={"code": chat.code}))
    response = counsellor.post(
        reverse("consultations:record", kwargs={"code": chat.code}),
        {"record-consulting_as": "self", "record-language": "ja", "record-concerns": [TOO_BIG_FOR_SQL],
         "record-summary": "x"},
    )  # fmt: skip
    assert response.status_code == 400
    chat.refresh_from_db()
    assert chat.summary == "" and not chat.concerns.exists()


@pytest.mark.parametrize("after", [HUGE, TOO_BIG_FOR_SQL, "-5", "x", "1.5"])
def test_the_polling_views_answer_400_to_a_bad_after(desks, after):
    secret = start_chat(Client())
    person = Client().post("/chat/messages/", {"secret": secret, "after": after, "wait": "0"})
    assert person.status_code == 400 and "error" in person.json()
    chat = Consultation.objects.get()
    counsellor = english(desks)
    counsellor.post(reverse("consultations:take", kwargs={"code": chat.code}))
    staff = counsellor.get(reverse("consultations:messages", kwargs={"code": chat.code}), {"after": after})
    assert staff.status_code == 400
    poll = counsellor.get(reverse("consultations:poll", kwargs={"code": chat.code}), {"after": after})
    assert poll.status_code == 400
