"""The counsellor's side: record a contact, assess risk, close it, log a call, block a harassing
sender (taking and handing over: handover.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.consultations import access, events
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import (
    OUTCOME_FIELDS,
    AlertKind,
    Block,
    Channel,
    Consultation,
    ConsultingAs,
    EmergencyStep,
    Person,
    RiskAssessment,
    RiskLevel,
    RiskStep,
    Sender,
    Status,
)
from tsunagu.consultations.rules import risk_level_of
from tsunagu.consultations.services.alerts import alert_raise
from tsunagu.consultations.services.common import (
    ConsultationError,
    Refused,
    append_message,
    require_handler,
    touch,
)
from tsunagu.consultations.services.handover import end_pending_handover
from tsunagu.directory.models import Service, TaxonomyTerm

A = ConsultationAction


def outcome_fields(outcomes: Sequence[str]) -> dict[str, bool]:
    """The outcome columns (outcome_listened …) for the outcomes chosen."""
    return {f"outcome_{name}": name in outcomes for name in OUTCOME_FIELDS}


@dataclass(frozen=True)
class RecordData:
    consulting_as: str = ConsultingAs.UNKNOWN
    language: str = "ja"
    interpreter: bool = False
    concerns: Sequence[TaxonomyTerm] = ()
    concern_words: str = ""
    summary: str = ""
    outcomes: Sequence[str] = ()
    services_given: Sequence[Service] = ()
    follow_up_on: dt.date | None = None


@refusals_audited(A.RECORDED)
@transaction.atomic
def consultation_record(*, actor: Actor, consultation: Consultation, data: RecordData) -> None:
    """What the counsellor records: who consulted, concerns, summary, outcome, follow-up."""
    require_handler(actor, consultation, open_only=False)
    if consultation.erased_at is not None:
        raise ConsultationError(str(_("This record was anonymised after the retention period.")), code="erased")
    if "follow_up" in data.outcomes and data.follow_up_on is None:
        raise ConsultationError(str(_("Give the follow-up date.")), code="follow_up")
    touch(
        consultation,
        **outcome_fields(data.outcomes),
        consulting_as=data.consulting_as,
        language=data.language[:16] or "ja",
        interpreter=data.interpreter,
        concern_words=data.concern_words.strip(),
        summary=data.summary.strip(),
        follow_up_on=data.follow_up_on,
    )
    consultation.concerns.set(list(data.concerns))
    consultation.services_given.set(list(data.services_given))
    record(
        actor=actor,
        action=A.RECORDED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"outcomes": sorted(data.outcomes), "concerns": sorted(term.key for term in data.concerns)},
    )


@dataclass(frozen=True)
class RiskAnswers:
    suicidal_thoughts: bool = False
    plan: bool = False
    means: bool = False
    imminence: bool = False
    violence_at_home: bool = False
    child_at_risk: bool = False
    medical_emergency: bool = False


@refusals_audited(A.RISK_ASSESSED)
@transaction.atomic
def risk_assess(
    *, actor: Actor, consultation: Consultation, answers: RiskAnswers, raise_to: int | None = None, notes: str = ""
) -> RiskAssessment:
    """Record an assessment. High and imminent alert every supervisor on duty at once."""
    require_handler(actor, consultation, open_only=False)
    assert actor.user is not None
    computed = risk_level_of(answers)
    level = max(computed, raise_to or RiskLevel.NONE)
    assessment = RiskAssessment.objects.create(
        consultation=consultation,
        assessed_by=actor.user,
        level=level,
        notes=notes.strip(),
        **{name: getattr(answers, name) for name in RiskAnswers.__dataclass_fields__},
    )
    touch(consultation, risk_level=level, risk_flag=consultation.risk_flag or level >= RiskLevel.HIGH)
    record(
        actor=actor,
        action=A.RISK_ASSESSED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"level": int(level)},
    )
    if level >= RiskLevel.HIGH:
        alert_raise(consultation=consultation, kind=AlertKind.HIGH_RISK, actor=actor)
    return assessment


@refusals_audited(A.RISK_STEP_TAKEN)
@transaction.atomic
def risk_step_record(*, actor: Actor, consultation: Consultation, step: str, note: str = "") -> RiskStep:
    require_handler(actor, consultation, open_only=False)
    assert actor.user is not None
    if step not in EmergencyStep.values:
        raise ConsultationError(str(_("Choose a step from the checklist.")), code="step")
    taken = RiskStep.objects.create(consultation=consultation, step=step, note=note.strip(), taken_by=actor.user)
    record(
        actor=actor,
        action=A.RISK_STEP_TAKEN,
        target_type="consultation",
        target_code=consultation.code,
        detail={"step": step},
    )
    events.high_risk(consultation)
    return taken


@refusals_audited(A.CLOSED)
@transaction.atomic
def consultation_close(*, actor: Actor, consultation: Consultation) -> None:
    require_handler(actor, consultation)
    end_pending_handover(consultation)
    if consultation.channel in (Channel.WEB_CHAT, Channel.LINE):
        append_message(consultation=consultation, sender=Sender.SYSTEM, body="", system="closed")
    touch(consultation, status=Status.CLOSED, ended_at=timezone.now())
    if consultation.person_id is not None:
        Person.objects.filter(pk=consultation.person_id).update(last_contact_at=timezone.now())
    record(actor=actor, action=A.CLOSED, target_type="consultation", target_code=consultation.code)
    events.conversation(consultation, kind="closed")
    events.queue_changed()


@dataclass(frozen=True)
class CallData:
    started_at: dt.datetime
    ended_at: dt.datetime | None
    consulting_as: str = ConsultingAs.UNKNOWN
    concerns: Sequence[TaxonomyTerm] = ()
    summary: str = ""
    risk_level: int = RiskLevel.NONE
    outcomes: Sequence[str] = ()
    follow_up_on: dt.date | None = None


@refusals_audited(A.CALL_LOGGED)
@transaction.atomic
def call_log(*, actor: Actor, data: CallData) -> Consultation:
    """A phone call, logged during or after it: it appears in the same list as chats and LINE."""
    if not access.may_handle_consultations(actor) or actor.user is None or actor.organisation is None:
        raise Refused(str(_("You cannot log consultations.")), code="forbidden", target_type="consultation")
    if data.ended_at is not None and data.ended_at < data.started_at:
        raise ConsultationError(str(_("The call cannot end before it started.")), code="times")
    if "follow_up" in data.outcomes and data.follow_up_on is None:
        raise ConsultationError(str(_("Give the follow-up date.")), code="follow_up")
    ended = data.ended_at is not None
    consultation = Consultation.objects.create(
        channel=Channel.PHONE,
        status=Status.CLOSED if ended else Status.ACTIVE,
        started_at=data.started_at,
        ended_at=data.ended_at,
        waiting_since=data.started_at,
        taken_at=data.started_at,
        organisation=actor.organisation,
        counsellor=actor.user,
        consulting_as=data.consulting_as,
        summary=data.summary.strip(),
        risk_level=data.risk_level,
        risk_flag=data.risk_level >= RiskLevel.HIGH,
        **outcome_fields(data.outcomes),
        follow_up_on=data.follow_up_on,
    )
    consultation.concerns.set(list(data.concerns))
    record(
        actor=actor,
        action=A.CALL_LOGGED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"risk_level": int(data.risk_level)},
    )
    if data.risk_level >= RiskLevel.HIGH:
        alert_raise(consultation=consultation, kind=AlertKind.HIGH_RISK, actor=actor)
    return consultation


@refusals_audited(A.SENDER_BLOCKED)
@transaction.atomic
def sender_block(*, actor: Actor, consultation: Consultation, days: int, reason: str) -> Block:
    """Keep a harassing sender out for a period, with the reason recorded."""
    require_handler(actor, consultation, open_only=False)
    assert actor.user is not None and actor.organisation is not None
    reason = (reason or "").strip()
    if not reason:
        raise ConsultationError(str(_("Record why the sender is blocked.")), code="reason")
    if not 1 <= days <= 90:
        raise ConsultationError(str(_("Block for 1 to 90 days.")), code="days")
    index = consultation.sender_index or consultation.line_user_index or consultation.caller_index
    if not index:
        raise ConsultationError(
            str(_("This sender cannot be recognised again, so they cannot be blocked.")), code="unknown"
        )
    block = Block.objects.create(
        sender_index=index,
        channel=consultation.channel,
        until=timezone.now() + dt.timedelta(days=days),
        reason=reason,
        blocked_by=actor.user,
        organisation=actor.organisation,
        consultation=consultation,
    )
    record(
        actor=actor,
        action=A.SENDER_BLOCKED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"days": days},
    )
    return block
