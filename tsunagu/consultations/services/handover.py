"""Taking a contact and the warm transfer (handover).

A transfer no longer sends the conversation back to the queue: the first counsellor stays with the
person until the receiver joins (both read the conversation and the note meanwhile), and the person
is told that the conversation is being handed over, never a queue position. A high-risk handover
to nobody by name goes to the receiving organisation's supervisors. If nobody joins within
``TSUNAGU_HANDOVER_TIMEOUT_SECONDS`` the handover escalates: the supervisors are alerted and the
first counsellor is told, in a notice only staff see (``handover_check``, run by the first
counsellor's socket, their page, and the scheduler's ``check_handovers``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import SystemActor, record, refusals_audited
from tsunagu.consultations import access, events, selectors
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import AlertKind, Channel, Consultation, RiskLevel, Sender, Status, Transfer
from tsunagu.consultations.rules import MESSAGE_MAX_CHARS
from tsunagu.consultations.services.common import (
    ConsultationError,
    Refused,
    append_message,
    require_handler,
    touch,
)

A = ConsultationAction
_SCHEDULER = SystemActor(label="handover check")


def _is_conversation(consultation: Consultation) -> bool:
    return consultation.channel in (Channel.WEB_CHAT, Channel.LINE)


def needs_named_receiver(consultation: Consultation) -> bool:
    """A high-risk conversation is handed to a named counsellor or to the supervisors, never to a pool."""
    return consultation.risk_flag or consultation.risk_level >= RiskLevel.HIGH


@refusals_audited(A.TAKEN)
@transaction.atomic
def consultation_take(*, actor: Actor, consultation: Consultation) -> bool:
    """Take a waiting contact, or join a handover offered to the actor. Exactly one of several
    counsellors who press at once gets it: the row is locked and only matches while it is still
    takeable by them."""
    if not access.may_answer_queue(actor):
        raise Refused(
            str(_("Your organisation does not answer the shared queue.")),
            code="not_participating",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    assert actor.user is not None
    row = Consultation.objects.select_for_update().filter(access.takeable_q(actor), pk=consultation.pk).first()
    if row is None:
        return False
    handover = row.status == Status.ACTIVE
    now = timezone.now()
    Consultation.objects.filter(pk=row.pk).update(
        status=Status.ACTIVE,
        organisation=actor.organisation,
        counsellor=actor.user,
        taken_at=now,
        transfer_to=None,
        transfer_to_user=None,
        transfer_to_supervisors=False,
        updated_at=now,
    )
    consultation.refresh_from_db()
    Transfer.objects.filter(consultation=consultation, taken_at__isnull=True, cancelled_at__isnull=True).update(
        taken_at=now, taken_by=actor.user
    )
    if _is_conversation(consultation):
        append_message(
            consultation=consultation, sender=Sender.SYSTEM, body="", system="handover_joined" if handover else "taken"
        )
    record(
        actor=actor,
        action=A.HANDOVER_JOINED if handover else A.TAKEN,
        target_type="consultation",
        target_code=consultation.code,
    )
    events.queue_changed()
    events.conversation(consultation, kind="taken")
    return True


@refusals_audited(A.TRANSFERRED)
@transaction.atomic
def consultation_transfer(
    *, actor: Actor, consultation: Consultation, to_organisation: Organisation, to_user: User | None, note: str
) -> Transfer:
    """Offer the conversation to another organisation (or counsellor) with a note. The first
    counsellor keeps it until the receiver joins; the receiver reads everything said so far."""
    require_handler(actor, consultation)
    assert actor.user is not None and actor.organisation is not None
    note = (note or "").strip()
    if not note:
        raise ConsultationError(
            str(_("Write a note for the next counsellor, so the person need not repeat their story.")), code="note"
        )
    if len(note) > MESSAGE_MAX_CHARS:
        raise ConsultationError(str(_("The note is too long.")), code="note")
    if access.handover_pending(consultation):
        raise ConsultationError(
            str(_("A handover is already waiting for the receiver. Cancel it first to choose someone else.")),
            code="pending",
        )
    if not access.desk_is_open(to_organisation):
        raise ConsultationError(str(_("That organisation does not answer the shared queue.")), code="organisation")
    if to_user is not None and to_user not in selectors.counsellors_of(to_organisation):
        raise ConsultationError(str(_("That counsellor does not answer for that organisation.")), code="user")
    if to_user is not None and to_user.pk == actor.user.pk:
        raise ConsultationError(str(_("You are already handling this conversation.")), code="user")
    to_supervisors = to_user is None and needs_named_receiver(consultation)
    if to_supervisors and not selectors.supervisors_of(to_organisation):
        raise ConsultationError(
            str(_("A high-risk conversation goes to a named counsellor, and that organisation has no supervisor.")),
            code="user",
        )
    transfer = Transfer.objects.create(
        consultation=consultation,
        from_organisation=actor.organisation,
        from_user=actor.user,
        to_organisation=to_organisation,
        to_user=to_user,
        to_supervisors=to_supervisors,
        note=note,
    )
    touch(
        consultation,
        transfer_to=to_organisation,
        transfer_to_user=to_user,
        transfer_to_supervisors=to_supervisors,
    )
    if _is_conversation(consultation):
        append_message(consultation=consultation, sender=Sender.SYSTEM, body="", system="transferred")
    record(
        actor=actor,
        action=A.TRANSFERRED,
        target_type="consultation",
        target_code=consultation.code,
        detail={
            "to_organisation": str(to_organisation.code),
            "to_user": str(to_user.code) if to_user else "",
            "to_supervisors": to_supervisors,
        },
    )
    events.queue_changed()
    events.conversation(consultation, kind="transferred")
    return transfer


@refusals_audited(A.HANDOVER_CANCELLED)
@transaction.atomic
def handover_cancel(*, actor: Actor, consultation: Consultation) -> None:
    """The first counsellor takes the offer back (nobody came, or the person asked to stay)."""
    require_handler(actor, consultation)
    if not access.handover_pending(consultation):
        raise ConsultationError(str(_("No handover is waiting.")), code="none")
    _end_pending(consultation)
    if _is_conversation(consultation):
        append_message(consultation=consultation, sender=Sender.SYSTEM, body="", system="handover_cancelled")
    record(actor=actor, action=A.HANDOVER_CANCELLED, target_type="consultation", target_code=consultation.code)
    events.queue_changed()
    events.conversation(consultation, kind="handover")


def _end_pending(consultation: Consultation) -> None:
    Transfer.objects.filter(consultation=consultation, taken_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    touch(consultation, transfer_to=None, transfer_to_user=None, transfer_to_supervisors=False)


def end_pending_handover(consultation: Consultation) -> None:
    """A conversation that ends with a handover still offered (inside the caller's transaction)."""
    if consultation.transfer_to_id is not None:
        _end_pending(consultation)


def handover_deadline(transfer: Transfer) -> dt.datetime:
    return transfer.created_at + dt.timedelta(seconds=settings.TSUNAGU_HANDOVER_TIMEOUT_SECONDS)


@transaction.atomic
def handover_check(*, consultation: Consultation, now: dt.datetime | None = None) -> bool:
    """Escalate a handover nobody joined in time, once: the supervisors are alerted, the first
    counsellor is told in a notice only staff see. Returns whether it escalated now."""
    now = now or timezone.now()
    transfer = (
        Transfer.objects.select_for_update()
        .filter(consultation=consultation, taken_at__isnull=True, cancelled_at__isnull=True, escalated_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if transfer is None or handover_deadline(transfer) > now:
        return False
    current = selectors.consultation_by_pk(consultation.pk)
    if current is None or not access.handover_pending(current):
        return False
    Transfer.objects.filter(pk=transfer.pk).update(escalated_at=now)
    from tsunagu.consultations.services.alerts import alert_raise  # imported late: alerts may import handover

    alert_raise(consultation=current, kind=AlertKind.TRANSFER_UNANSWERED)
    message = append_message(
        consultation=current, sender=Sender.SYSTEM, body="", system="handover_unanswered", staff_only=True
    )
    record(
        actor=_SCHEDULER,
        action=A.HANDOVER_ESCALATED,
        target_type="consultation",
        target_code=current.code,
        detail={"seconds": settings.TSUNAGU_HANDOVER_TIMEOUT_SECONDS},
    )
    events.conversation(current, kind="note", seq=message.seq)
    return True


def handovers_check(*, now: dt.datetime | None = None) -> int:
    """Every handover past its time (the scheduler's backstop for pages and sockets that are gone)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.TSUNAGU_HANDOVER_TIMEOUT_SECONDS)
    due = selectors.handovers_due(before=cutoff)
    return sum(1 for consultation in due if handover_check(consultation=consultation, now=now))
