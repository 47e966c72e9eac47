"""The conversation itself: an anonymous web chat starts, messages are stored, LINE messages arrive
and replies go back, the person leaves."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import ANONYMOUS, Actor
from tsunagu.audit import aggregate
from tsunagu.audit.services import record, record_denied, refusals_audited
from tsunagu.consultations import access, events, line, selectors
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.indexes import chat_secret_index, line_user_index, sender_index_of
from tsunagu.consultations.models import Channel, Consultation, Message, Sender, Status
from tsunagu.consultations.rules import MESSAGE_MAX_CHARS, on_duty_organisations
from tsunagu.consultations.services.common import ConsultationError, Refused, append_message, touch
from tsunagu.consultations.services.handover import end_pending_handover

# -- the person's side: web chat -----------------------------------------------------------------


@dataclass(frozen=True)
class ChatStarted:
    consultation: Consultation
    secret: str  # goes into the person's browser only (the page and the tab's storage), never stored


def _refuse(reason: str, message: str) -> ConsultationError:
    """The refusal is counted per source and hour and reaches the audit trail as one row each
    (``audit.aggregate``): anyone can ask for a chat, and must not grow the trail at will."""
    aggregate.refusal_count(action=ConsultationAction.CHAT_REFUSED, reason=reason)
    return ConsultationError(message, code=reason)


def chat_start(*, address: str, at_risk: bool, language: str, at: dt.datetime | None = None) -> ChatStarted:
    """An anonymous web chat enters the shared queue (refused outside every organisation's hours,
    for a blocked sender, and past the hourly limit of new chats per address)."""
    at = at or timezone.now()
    sender = sender_index_of(address)
    if selectors.is_blocked(sender_index=sender, channel=Channel.WEB_CHAT, at=at):
        raise _refuse("blocked", str(_("The chat is not available to you right now.")))
    if selectors.chats_started(sender_index=sender, since=at - dt.timedelta(hours=1)) >= (
        settings.TSUNAGU_CHAT_STARTS_PER_HOUR
    ):
        raise _refuse("rate", str(_("Too many chats were started from here. Please call one of the lines below.")))
    if not on_duty_organisations(at):
        raise ConsultationError(str(_("Nobody is answering the chat right now.")), code="closed")
    return _chat_create(sender=sender, at_risk=at_risk, language=language, at=at)


@transaction.atomic
def _chat_create(*, sender: str, at_risk: bool, language: str, at: dt.datetime) -> ChatStarted:
    secret = secrets.token_urlsafe(32)
    consultation = Consultation.objects.create(
        channel=Channel.WEB_CHAT,
        started_at=at,
        waiting_since=at,
        risk_flag=at_risk,
        language=language[:16],
        chat_secret_index=chat_secret_index(secret),
        sender_index=sender,
    )
    record(
        actor=ANONYMOUS,
        action=ConsultationAction.STARTED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"channel": Channel.WEB_CHAT, "risk_flag": at_risk},
    )
    events.queue_changed()
    return ChatStarted(consultation=consultation, secret=secret)


@transaction.atomic
def chat_end_by_person(*, consultation: Consultation) -> None:
    """The person left (quick exit, or "end the chat"): the chat closes and cannot be resumed."""
    if consultation.status == Status.CLOSED:
        return
    now = timezone.now()
    end_pending_handover(consultation)
    if consultation.status == Status.WAITING:
        # Nobody took it: it leaves the queue, and stays only as a count of chats given up.
        touch(
            consultation,
            status=Status.CLOSED,
            ended_at=now,
            ended_by_person=True,
            transfer_to=None,
            transfer_to_user=None,
        )
        record(
            actor=ANONYMOUS,
            action=ConsultationAction.ABANDONED,
            target_type="consultation",
            target_code=consultation.code,
        )
        events.queue_changed()
        return
    append_message(consultation=consultation, sender=Sender.SYSTEM, body="", system="person_left")
    touch(consultation, status=Status.CLOSED, ended_at=now, ended_by_person=True)
    record(
        actor=ANONYMOUS,
        action=ConsultationAction.ENDED_BY_PERSON,
        target_type="consultation",
        target_code=consultation.code,
    )
    events.conversation(consultation, kind="closed")


# -- messages ------------------------------------------------------------------------------------


STAFF_SENDERS = (Sender.COUNSELLOR, Sender.SUPERVISOR)


def _staff_sender(actor: Actor | None, consultation: Consultation) -> str:
    """Who a staff member writes as: the handler as the counsellor; a supervisor only after joining
    the conversation openly, as the supervisor. Anyone else is refused (a private note is
    ``note_post``)."""
    fresh = selectors.consultation_by_pk(consultation.pk)
    if actor is None or actor.user is None or fresh is None or not access.may_reply(actor, fresh):
        raise Refused(
            str(
                _(
                    "Only the counsellor handling this conversation can write to the person. "
                    "A supervisor joins it first."
                )
            ),
            code="forbidden",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    return Sender.COUNSELLOR if fresh.counsellor_id == actor.user.pk else Sender.SUPERVISOR


def clean_body(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ConsultationError(str(_("Please write a message.")), code="empty")
    if len(text) > MESSAGE_MAX_CHARS:
        raise ConsultationError(
            str(_("A message can be at most %(limit)d characters.")) % {"limit": MESSAGE_MAX_CHARS}, code="too_long"
        )
    return text


@refusals_audited(ConsultationAction.MESSAGE_SENT)
@transaction.atomic
def message_post(
    *,
    consultation: Consultation,
    sender: str,
    body: str,
    actor: Actor | None = None,
    client_key: str = "",
    external_id: str = "",
) -> Message:
    """Store one message, then tell the other side. The same ``client_key`` (a resend after a dropped
    connection) or ``external_id`` (a LINE redelivery) gives back the message already stored. A
    counsellor's message needs the right to write to the consultation (access.py)."""
    text = clean_body(body)
    if client_key:
        senders = STAFF_SENDERS if sender in STAFF_SENDERS else (sender,)
        existing = Message.objects.filter(
            consultation=consultation, sender__in=senders, client_key=client_key[:64]
        ).first()
        if existing is not None:
            return existing
    if external_id:
        existing = Message.objects.filter(external_id=external_id[:64]).first()
        if existing is not None:
            return existing
    current = Consultation.objects.filter(pk=consultation.pk).values_list("status", flat=True).first()
    if current == Status.CLOSED or current is None:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")
    if sender in STAFF_SENDERS and current != Status.ACTIVE:
        raise ConsultationError(str(_("Take the conversation before you reply.")), code="not_taken")
    if sender in STAFF_SENDERS:
        sender = _staff_sender(actor, consultation)
    message = append_message(
        consultation=consultation,
        sender=sender,
        body=text,
        author=actor.user if actor is not None else None,
        client_key=client_key,
        external_id=external_id,
    )
    touch(consultation)
    record(
        actor=actor or ANONYMOUS,
        action=ConsultationAction.MESSAGE_SENT,
        target_type="consultation",
        target_code=consultation.code,
        detail={"seq": message.seq, "sender": sender},
    )
    if sender in STAFF_SENDERS and consultation.channel == Channel.LINE:
        # Pushed after the commit (a reply is never sent unless it is stored) and before anyone is told
        # of the message, so whoever reads it reads whether LINE accepted it.
        transaction.on_commit(lambda: deliver_line_reply(message=message), robust=True)
    events.conversation(consultation, kind="message", seq=message.seq)
    return message


#: Whether LINE accepted a staff reply (``Message.delivery``; "" on the other channels, and while
#: the first push is on its way).
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"
DELIVERY_SENDING = "sending"  # a retry is on its way


def _push(message_pk: int) -> bool:
    """One push of a stored reply to its LINE user (False when refused, unreachable, or the user's id
    is gone). Never inside a transaction: a slow platform must not hold the database's write lock."""
    stored = Message.objects.select_related("consultation").get(pk=message_pk)
    user_id = stored.consultation.line_user_id
    return bool(user_id) and line.push(user_id, stored.body)


def deliver_line_reply(*, message: Message) -> bool:
    """Send a stored staff reply to the LINE user (after the commit: a reply is never sent unless it
    is stored). Whether LINE accepted it is kept on the message (and on the instance, so the sender's
    acknowledgement shows it); one that failed is shown as such and can be sent again
    (``line_reply_retry``)."""
    delivered = _push(message.pk)
    message.delivery = DELIVERY_SENT if delivered else DELIVERY_FAILED
    Message.objects.filter(pk=message.pk).update(delivery=message.delivery)
    if not delivered:
        events.queue_changed()  # the supervisors' dashboard counts replies not delivered
    return delivered


@transaction.atomic
def _retry_claim(*, actor: Actor, consultation: Consultation, seq: int) -> Message:
    """Check the retry and mark the reply as being sent again, so that a second retry (a double
    click, the supervisor at the same moment) is refused instead of sending it twice."""
    if not access.may_write_consultation(actor, consultation):
        raise Refused(
            str(_("Only the counsellor handling this contact, or a supervisor, can do that.")),
            code="forbidden",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    current = Consultation.objects.filter(pk=consultation.pk).values_list("status", flat=True).first()
    if current == Status.CLOSED or current is None:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")
    if current != Status.ACTIVE:
        raise ConsultationError(str(_("Take the conversation before you reply.")), code="not_taken")
    message = None
    if 0 < seq < 2**31:  # a number from a URL: beyond any stored one (and the database's integers)
        message = Message.objects.filter(consultation=consultation, seq=seq).first()
    if message is None or not message.delivery:
        raise ConsultationError(str(_("There is no LINE reply to send again here.")), code="not_a_reply")
    # One conditional UPDATE decides between two retries at the same moment.
    if not Message.objects.filter(pk=message.pk, delivery=DELIVERY_FAILED).update(delivery=DELIVERY_SENDING):
        now = Message.objects.filter(pk=message.pk).values_list("delivery", flat=True).get()
        if now == DELIVERY_SENDING:
            raise ConsultationError(str(_("This reply is already being sent again.")), code="in_progress")
        raise ConsultationError(str(_("This reply has already been delivered.")), code="already_sent")
    message.delivery = DELIVERY_SENDING
    return message


@refusals_audited(ConsultationAction.LINE_REPLY_RETRIED)
def line_reply_retry(*, actor: Actor, consultation: Consultation, seq: int) -> Message:
    """Send a staff reply that LINE did not accept once more, exactly as it is stored. Only the
    handler or a supervisor of the handling organisation, while the conversation is open; refused
    when it was delivered meanwhile or another retry is under way. The push runs between the claim
    and its outcome, outside any transaction; the outcome and its audit row commit together."""
    message = _retry_claim(actor=actor, consultation=consultation, seq=seq)
    delivered = False
    try:
        delivered = _push(message.pk)
    finally:
        outcome = DELIVERY_SENT if delivered else DELIVERY_FAILED
        with transaction.atomic():
            Message.objects.filter(pk=message.pk, delivery=DELIVERY_SENDING).update(delivery=outcome)
            message.delivery = outcome
            record(
                actor=actor,
                action=ConsultationAction.LINE_REPLY_RETRIED,
                target_type="consultation",
                target_code=consultation.code,
                detail={"seq": message.seq, "delivery": outcome},
            )
            events.queue_changed()
    return message


# -- LINE ----------------------------------------------------------------------------------------


def line_receive(*, incoming: line.Incoming, at: dt.datetime | None = None) -> str:
    """One message from a LINE user into the shared queue: their open conversation, or a new one.

    Returns what happened: "stored", "duplicate" (a redelivered event), "blocked", or "closed"
    (nobody on duty and no open conversation: the caller answers with the 24-hour lines)."""
    at = at or timezone.now()
    # The first (or only) piece of a message carries the event id as it is; later pieces add "#n".
    if Message.objects.filter(external_id=incoming.event_id[:60]).exists():
        return "duplicate"
    index = line_user_index(incoming.user_id)
    if selectors.is_blocked(sender_index=index, channel=Channel.LINE, at=at):
        with transaction.atomic():
            record_denied(actor=ANONYMOUS, action=ConsultationAction.LINE_REFUSED, detail={"reason": "blocked"})
        return "blocked"
    with transaction.atomic():
        consultation = selectors.open_line_conversation(line_user_index=index)
        if consultation is None:
            if not on_duty_organisations(at):
                return "closed"
            consultation = Consultation.objects.create(
                channel=Channel.LINE,
                started_at=at,
                waiting_since=at,
                line_user_id=incoming.user_id,
                line_user_index=index,
                sender_index=index,
            )
            record(
                actor=ANONYMOUS,
                action=ConsultationAction.STARTED,
                target_type="consultation",
                target_code=consultation.code,
                detail={"channel": Channel.LINE, "risk_flag": False},
            )
            events.queue_changed()
        text = incoming.text.strip() or "[empty]"
        # LINE allows 5,000 characters; longer ones are kept as several messages, in order.
        pieces = [text[i : i + MESSAGE_MAX_CHARS] for i in range(0, len(text), MESSAGE_MAX_CHARS)]
        for number, piece in enumerate(pieces):
            suffix = f"#{number}" if number else ""
            message_post(
                consultation=consultation,
                sender=Sender.PERSON,
                body=piece,
                external_id=f"{incoming.event_id[:60]}{suffix}",
            )
    return "stored"
