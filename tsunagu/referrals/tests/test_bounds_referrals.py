"""Implausible dates and numbers on the referral forms: a clear message, nothing written, never a
500 (issue 15, findings 2-4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagu.referrals.models import Consent, Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import Case, consent_for, make_case, send
from tsunagu.referrals.tests.test_views import referral_post

pytestmark = pytest.mark.django_db

HUGE = "9" * 5000


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def english(case: Case, persona: str) -> Client:
    client = case.world.client(persona)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are asserted in English
    return client


@pytest.mark.parametrize(
    ("handoff_at", "message"),
    [
        ("0001-01-01T00:00", "Enter a date from 2020-01-01 onwards."),  # was a 500: underflow converting to UTC
        ("0001-01-01T09:30", "Enter a date from 2020-01-01 onwards."),
        ("9999-12-31T23:59", "Enter a date no later than"),  # a hand-off eight thousand years ahead
    ],
)
def test_a_proposed_handoff_time_out_of_any_plausible_range_is_refused_with_a_message(case, handoff_at, message):
    consent = consent_for(case).consent
    counsellor = english(case, "counsellor_a")
    response = counsellor.post(
        reverse("referrals:new", kwargs={"code": case.consultation.code}),
        referral_post(
            case, consent=str(consent.code), **{"referral-handoff": "appointment", "referral-handoff_at": handoff_at}
        ),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Referral.objects.exists()


def test_a_proposed_handoff_next_week_is_taken(case):
    consent = consent_for(case).consent
    next_week = timezone.localtime() + dt.timedelta(days=7)
    response = case.world.client("counsellor_a").post(
        reverse("referrals:new", kwargs={"code": case.consultation.code}),
        referral_post(
            case,
            consent=str(consent.code),
            **{"referral-handoff": "appointment", "referral-handoff_at": next_week.strftime("%Y-%m-%dT%H:%M")},
        ),
    )
    assert response.status_code == 302
    assert Referral.objects.get().handoff_at is not None


@pytest.mark.parametrize("expires_on", ["0001-01-01", "9999-12-31"])
def test_a_consent_valid_until_another_age_is_refused_with_a_message(case, expires_on):
    response = english(case, "counsellor_a").post(
        reverse("referrals:consent", kwargs={"code": case.consultation.code}),
        {
            "consent-purposes": ["support"],
            "consent-recipients": [str(case.b.code)],
            "consent-items": ["concerns"],
            "consent-method": "oral",
            "consent-expires_on": expires_on,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a date from 2020-01-01 onwards." in html or "Enter a date no later than" in html
    assert not Consent.objects.exists()


@pytest.mark.parametrize("version", [HUGE, "99999999999999999999", "9223372036854775808"])
def test_a_version_no_database_can_hold_is_refused_and_changes_nothing(case, version):
    referral = send(case, consent_for(case).consent)
    response = case.world.client("support_worker_b").post(
        reverse("referrals:respond", kwargs={"code": referral.code}),
        {"respond-version": version, "respond-step": "accept"},
    )
    assert response.status_code < 500
    assert Referral.objects.get().status == ReferralStatus.SENT
