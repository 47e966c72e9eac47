"""A supervisor in the conversation: a private note to the counsellor (staff only, never shown to
the person nor sent on LINE), or joining openly, which the person is told about and after which
the supervisor's messages reach the person under the role's name."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.consultations import access, events
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import Channel, Consultation, Message, Participant, Sender
from tsunagu.consultations.services.chat import clean_body
from tsunagu.consultations.services.common import ConsultationError, Refused, append_message, touch

A = ConsultationAction


@refusals_audited(A.NOTE_WRITTEN)
@transaction.atomic
def note_post(*, actor: Actor, consultation: Consultation, body: str, client_key: str = "") -> Message:
    """A note between staff in the conversation's log: the handler and the supervisors read it."""
    if not access.may_note(actor, consultation) or actor.user is None:
        raise Refused(
            str(_("Only the counsellor handling this conversation and supervisors write notes here.")),
            code="forbidden",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    text = clean_body(body)
    if client_key:
        existing = Message.objects.filter(
            consultation=consultation, sender__in=[Sender.COUNSELLOR, Sender.SUPERVISOR], client_key=client_key[:64]
        ).first()
        if existing is not None:
            return existing
    if not consultation.is_open:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")
    sender = Sender.COUNSELLOR if consultation.counsellor_id == actor.user.pk else Sender.SUPERVISOR
    message = append_message(
        consultation=consultation,
        sender=sender,
        body=text,
        author=actor.user,
        client_key=client_key,
        staff_only=True,
    )
    touch(consultation)
    record(
        actor=actor,
        action=A.NOTE_WRITTEN,
        target_type="consultation",
        target_code=consultation.code,
        detail={"seq": message.seq},
    )
    events.conversation(consultation, kind="note", seq=message.seq)
    return message


@refusals_audited(A.SUPERVISOR_JOINED)
@transaction.atomic
def supervisor_join(*, actor: Actor, consultation: Consultation) -> bool:
    """Join the conversation openly. Returns False if the supervisor had already joined."""
    if not access.may_join_openly(actor, consultation) or actor.user is None:
        raise Refused(
            str(_("Only a supervisor of the organisation handling this conversation can join it.")),
            code="forbidden",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    _participant, created = Participant.objects.get_or_create(consultation=consultation, user=actor.user)
    if not created:
        return False
    if consultation.channel in (Channel.WEB_CHAT, Channel.LINE):
        append_message(consultation=consultation, sender=Sender.SYSTEM, body="", system="supervisor_joined")
    record(actor=actor, action=A.SUPERVISOR_JOINED, target_type="consultation", target_code=consultation.code)
    events.conversation(consultation, kind="joined")
    return True
