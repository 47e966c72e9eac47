"""The desk's rules that are not writes: limits, the risk level of an assessment, who is on duty."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from tsunagu.accounts.models import Organisation
from tsunagu.consultations.models import ConsultationDesk, RiskLevel
from tsunagu.directory.schedules import Schedule, open_now

#: The longest message a person or counsellor can send (about a full phone screen of Japanese text
#: several times over; LINE allows 5,000, so a LINE message is cut into this size on arrival).
MESSAGE_MAX_CHARS = 2000


class Answers(Protocol):
    @property
    def suicidal_thoughts(self) -> bool: ...
    @property
    def plan(self) -> bool: ...
    @property
    def means(self) -> bool: ...
    @property
    def imminence(self) -> bool: ...
    @property
    def violence_at_home(self) -> bool: ...
    @property
    def child_at_risk(self) -> bool: ...
    @property
    def medical_emergency(self) -> bool: ...


def risk_level_of(answers: Answers) -> RiskLevel:
    """The level an assessment gives (docs/consultations.md, "Risk").

    Imminent: a medical emergency, or thoughts of suicide with a plan, the means and the intent to act
    soon. High: thoughts with a plan or the means or the intent, or a child at risk. Medium: thoughts
    of suicide alone, or violence at home. Low: none of these, but the counsellor assessed.
    """
    suicide = answers.suicidal_thoughts
    if answers.medical_emergency or (suicide and answers.plan and answers.means and answers.imminence):
        return RiskLevel.IMMINENT
    if (suicide and (answers.plan or answers.means or answers.imminence)) or answers.child_at_risk:
        return RiskLevel.HIGH
    if suicide or answers.violence_at_home:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def on_duty(desk: ConsultationDesk, at: dt.datetime) -> bool:
    """Whether the organisation answers at ``at``. No hours set means around the clock; hours that
    cannot be read completely count as not on duty (the person is sent to a 24-hour line instead)."""
    if not desk.is_active:
        return False
    if not desk.hours:
        return True
    try:
        schedule = Schedule.from_json(desk.hours)
    except ValueError:
        return False
    return bool(open_now(schedule, at))


def on_duty_organisations(at: dt.datetime) -> list[Organisation]:
    desks = ConsultationDesk.objects.filter(is_active=True, organisation__is_active=True).select_related("organisation")
    return [desk.organisation for desk in desks if on_duty(desk, at)]
