"""Pure rules of referrals: the lifecycle, what each side may do next, business days, consent cover."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable

import jpholiday

from tsunagu.referrals.models import ConsentStatus, Item, Purpose, ReferralStatus

S = ReferralStatus

# What the recipient may do next, from which states (docs/referrals.md, "Lifecycle").
RECIPIENT_STEPS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({S.SENT, S.VIEWED}), S.ACCEPTED),
    "decline": (frozenset({S.SENT, S.VIEWED}), S.DECLINED),
    "start_support": (frozenset({S.ACCEPTED}), S.IN_SUPPORT),
    "complete": (frozenset({S.ACCEPTED, S.IN_SUPPORT}), S.COMPLETED),
    "close_no_contact": (frozenset({S.ACCEPTED, S.IN_SUPPORT}), S.CLOSED_NO_CONTACT),
}
# The sender of a referral outside tsunagu reports the outcome for the recipient.
EXTERNAL_STEPS: dict[str, tuple[frozenset[str], str]] = {
    "complete": (frozenset({S.SENT}), S.COMPLETED),
    "close_no_contact": (frozenset({S.SENT}), S.CLOSED_NO_CONTACT),
}
SENDER_WITHDRAWABLE = frozenset({S.DRAFT, S.AWAITING_APPROVAL, S.SENT, S.VIEWED, S.ACCEPTED, S.IN_SUPPORT})
# Sent and not finished: a withdrawal of the person's consent closes these.
GOING_ON = frozenset({S.SENT, S.VIEWED, S.ACCEPTED, S.IN_SUPPORT})
# Waiting for the recipient's answer: reminders and escalation apply.
AWAITING_RESPONSE = frozenset({S.SENT, S.VIEWED})
# The recipient sees what was shared in these states (not after declining or a withdrawal). After
# completion it keeps its record of the support it gave, until retention empties it.
RECIPIENT_READS = frozenset({S.SENT, S.VIEWED, S.ACCEPTED, S.IN_SUPPORT, S.COMPLETED, S.CLOSED_NO_CONTACT})
OPEN = frozenset({S.DRAFT, S.AWAITING_APPROVAL, S.SENT, S.VIEWED, S.ACCEPTED, S.IN_SUPPORT})


def is_business_day(day: dt.date) -> bool:
    """Weekdays that are not national holidays nor the year-end closure (12/29–1/3) of most offices."""
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def add_business_days(start: dt.date, days: int) -> dt.date:
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


def normalised_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def consent_gap(
    *,
    status: str,
    expires_on: dt.date,
    purposes: Iterable[str],
    recipient_ids: Iterable[int],
    other_recipient: str,
    to_organisation_id: int | None,
    external_name: str,
    items: Iterable[str],
    consent_items: Iterable[str],
    today: dt.date,
) -> str | None:
    """Why a consent does not cover a provision, or None when it does."""
    if status != ConsentStatus.ACTIVE:
        return "consent_withdrawn"
    if expires_on < today:
        return "consent_expired"
    if Purpose.SUPPORT not in set(purposes):
        return "consent_purpose"
    if to_organisation_id is not None:
        if to_organisation_id not in set(recipient_ids):
            return "consent_recipient"
    elif not other_recipient or normalised_name(other_recipient) != normalised_name(external_name):
        return "consent_recipient"
    wanted = set(items)
    if not wanted or not wanted <= set(consent_items) or not wanted <= set(Item.values):
        return "consent_items"
    return None
