"""Every write of the consultation intake: keyword-only, in one transaction with its audit row.

The person in a web chat is anonymous: `ANONYMOUS` is the audit actor of what they do. A message is
stored before anyone is told of it (`events.notify` runs after the commit), so a message a sender
saw acknowledged survives a crash or a restart. Nothing here puts personal data into an audit row:
rows name the consultation and the fields, never their values.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Membership, Organisation, User
from tsunagu.accounts.policy import ANONYMOUS, ROLE_PERMISSIONS, Actor, Perm, Role
from tsunagu.audit.services import AuditActor, SystemActor, record
from tsunagu.consultations import events, line
from tsunagu.consultations.models import (
    OUTCOME_FIELDS,
    Block,
    Channel,
    ConsentMethod,
    Consultation,
    ConsultationDesk,
    ConsultingAs,
    EmergencyStep,
    Message,
    Person,
    RiskAssessment,
    RiskLevel,
    RiskStep,
    Sender,
    Status,
    Transfer,
)
from tsunagu.consultations.rules import MESSAGE_MAX_CHARS, on_duty_organisations, risk_level_of
from tsunagu.core.crypto import blind_index, normalise_phone
from tsunagu.directory.models import Service, TaxonomyTerm


class ConsultationError(Exception):
    """A write that cannot be done, with a message for the person or counsellor (translated)."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def chat_secret_index(secret: str) -> str:
    return blind_index(secret, purpose="consultations.chat_secret")


def sender_index_of(address: str) -> str:
    return blind_index(address, purpose="consultations.sender")


def _touch(consultation: Consultation, **fields: object) -> None:
    fields["updated_at"] = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(**fields)
    for name, value in fields.items():
        setattr(consultation, name, value)


# -- the person's side: web chat -----------------------------------------------------------------


@dataclass(frozen=True)
class ChatStarted:
    consultation: Consultation
    secret: str  # goes into the person's browser only (an HttpOnly cookie), never stored


def is_blocked(*, sender_index: str, channel: str, at: dt.datetime) -> bool:
    return Block.objects.filter(sender_index=sender_index, channel=channel, until__gt=at).exists()


def _refuse(reason: str, message: str) -> ConsultationError:
    """The refusal is audited in its own transaction: it must stay even though nothing else is written."""
    with transaction.atomic():
        record(actor=ANONYMOUS, action="consultation.chat_refused", outcome="denied", detail={"reason": reason})
    return ConsultationError(message, code=reason)


def chat_start(*, address: str, at_risk: bool, language: str, at: dt.datetime | None = None) -> ChatStarted:
    """An anonymous web chat enters the shared queue (refused outside every organisation's hours,
    for a blocked sender, and past the hourly limit of new chats per address)."""
    at = at or timezone.now()
    sender = sender_index_of(address)
    if is_blocked(sender_index=sender, channel=Channel.WEB_CHAT, at=at):
        raise _refuse("blocked", str(_("The chat is not available to you right now.")))
    recent = Consultation.objects.filter(sender_index=sender, started_at__gte=at - dt.timedelta(hours=1)).count()
    if recent >= settings.TSUNAGU_CHAT_STARTS_PER_HOUR:
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
        action="consultation.start",
        target_type="consultation",
        target_code=consultation.code,
        detail={"channel": Channel.WEB_CHAT, "risk_flag": at_risk},
    )
    events.queue_changed()
    return ChatStarted(consultation=consultation, secret=secret)


def chat_of_secret(secret: str) -> Consultation | None:
    """The open chat whose secret the browser holds (none for a closed one: it cannot be resumed)."""
    if not secret:
        return None
    return Consultation.objects.filter(
        chat_secret_index=chat_secret_index(secret),
        channel=Channel.WEB_CHAT,
        status__in=[Status.WAITING, Status.ACTIVE],
    ).first()


@transaction.atomic
def chat_end_by_person(*, consultation: Consultation) -> None:
    """The person left (quick exit, or "end the chat"): the chat closes and cannot be resumed."""
    if consultation.status == Status.CLOSED:
        return
    now = timezone.now()
    if consultation.status == Status.WAITING:
        # Nobody took it: it leaves the queue, and stays only as a count of chats given up.
        _touch(
            consultation,
            status=Status.CLOSED,
            ended_at=now,
            ended_by_person=True,
            transfer_to=None,
            transfer_to_user=None,
        )
        record(
            actor=ANONYMOUS, action="consultation.abandoned", target_type="consultation", target_code=consultation.code
        )
        events.queue_changed()
        return
    _message(consultation=consultation, sender=Sender.SYSTEM, body="", system="person_left")
    _touch(consultation, status=Status.CLOSED, ended_at=now, ended_by_person=True)
    record(actor=ANONYMOUS, action="consultation.end", target_type="consultation", target_code=consultation.code)
    events.conversation(consultation, kind="closed")


# -- messages ------------------------------------------------------------------------------------

#: System messages are stored as keys and shown in the reader's language.
SYSTEM_MESSAGES = {
    "taken": _("A counsellor has joined the chat."),
    "transferred": _(
        "Another counsellor will continue. They have been told what you said, so you do not need to repeat it."
    ),
    "person_left": _("The person has left the chat."),
    "closed": _("The chat has ended. Thank you for talking with us."),
}


def _message(
    *,
    consultation: Consultation,
    sender: str,
    body: str,
    author: User | None = None,
    client_key: str = "",
    external_id: str = "",
    system: str = "",
) -> Message:
    # The consultation row is locked while the next number is chosen, so two senders never share one.
    Consultation.objects.select_for_update().filter(pk=consultation.pk).values_list("pk", flat=True).get()
    last = Message.objects.filter(consultation=consultation).aggregate(last=Max("seq"))["last"] or 0
    return Message.objects.create(
        consultation=consultation,
        seq=last + 1,
        sender=sender,
        author=author,
        body=system or body,
        client_key=client_key[:64],
        external_id=external_id[:64],
    )


def clean_body(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ConsultationError(str(_("Please write a message.")), code="empty")
    if len(text) > MESSAGE_MAX_CHARS:
        raise ConsultationError(
            str(_("A message can be at most %(limit)d characters.")) % {"limit": MESSAGE_MAX_CHARS}, code="too_long"
        )
    return text


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
    connection) or ``external_id`` (a LINE redelivery) gives back the message already stored."""
    text = clean_body(body)
    if client_key:
        existing = Message.objects.filter(consultation=consultation, sender=sender, client_key=client_key[:64]).first()
        if existing is not None:
            return existing
    if external_id:
        existing = Message.objects.filter(external_id=external_id[:64]).first()
        if existing is not None:
            return existing
    current = Consultation.objects.filter(pk=consultation.pk).values_list("status", flat=True).first()
    if current == Status.CLOSED or current is None:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")
    if sender == Sender.COUNSELLOR and current != Status.ACTIVE:
        raise ConsultationError(str(_("Take the conversation before you reply.")), code="not_taken")
    author = actor.user if actor is not None else None
    message = _message(
        consultation=consultation,
        sender=sender,
        body=text,
        author=author,
        client_key=client_key,
        external_id=external_id,
    )
    _touch(consultation)
    record(
        actor=actor or ANONYMOUS,
        action="consultation.message",
        target_type="consultation",
        target_code=consultation.code,
        detail={"seq": message.seq, "sender": sender},
    )
    events.conversation(consultation, kind="message", seq=message.seq)
    if sender == Sender.COUNSELLOR and consultation.channel == Channel.LINE:
        transaction.on_commit(lambda: deliver_line_reply(message_pk=message.pk))
    return message


def deliver_line_reply(*, message_pk: int) -> bool:
    """Send a stored counsellor reply to the LINE user (after the commit: a reply is never sent
    unless it is stored). Whether LINE accepted it is kept on the message."""
    message = Message.objects.select_related("consultation").get(pk=message_pk)
    user_id = message.consultation.line_user_id
    delivered = bool(user_id) and line.push(user_id, message.body)
    Message.objects.filter(pk=message_pk).update(delivery="sent" if delivered else "failed")
    return delivered


# -- LINE ----------------------------------------------------------------------------------------


def line_user_index(user_id: str) -> str:
    return blind_index(user_id, purpose="consultations.line_user")


def line_receive(*, incoming: line.Incoming, at: dt.datetime | None = None) -> str:
    """One message from a LINE user into the shared queue: their open conversation, or a new one.

    Returns what happened: "stored", "duplicate" (a redelivered event), "blocked", or "closed"
    (nobody on duty and no open conversation: the caller answers with the 24-hour lines)."""
    at = at or timezone.now()
    # The first (or only) piece of a message carries the event id as it is; later pieces add "#n".
    if Message.objects.filter(external_id=incoming.event_id[:60]).exists():
        return "duplicate"
    index = line_user_index(incoming.user_id)
    if is_blocked(sender_index=index, channel=Channel.LINE, at=at):
        with transaction.atomic():
            record(actor=ANONYMOUS, action="consultation.line_refused", outcome="denied", detail={"reason": "blocked"})
        return "blocked"
    with transaction.atomic():
        consultation = (
            Consultation.objects.filter(
                line_user_index=index, channel=Channel.LINE, status__in=[Status.WAITING, Status.ACTIVE]
            )
            .order_by("-started_at")
            .first()
        )
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
                action="consultation.start",
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


# -- the counsellor's side -----------------------------------------------------------------------


def participates(organisation: Organisation | None) -> bool:
    return (
        organisation is not None and ConsultationDesk.objects.filter(organisation=organisation, is_active=True).exists()
    )


@transaction.atomic
def consultation_take(*, actor: Actor, consultation: Consultation) -> bool:
    """Take a waiting contact. Exactly one of several counsellors who press at once gets it: the
    update only matches while the contact is still waiting."""
    assert actor.user is not None and actor.organisation is not None
    if not actor.has(Perm.CONSULTATION_HANDLE) or not participates(actor.organisation):
        raise ConsultationError(str(_("Your organisation does not answer the shared queue.")), code="not_participating")
    now = timezone.now()
    for_us = Q(transfer_to__isnull=True) | Q(transfer_to=actor.organisation)
    for_me = Q(transfer_to_user__isnull=True) | Q(transfer_to_user=actor.user)
    won = (
        Consultation.objects.filter(pk=consultation.pk, status=Status.WAITING)
        .filter(for_us, for_me)
        .update(
            status=Status.ACTIVE,
            organisation=actor.organisation,
            counsellor=actor.user,
            taken_at=now,
            transfer_to=None,
            transfer_to_user=None,
            updated_at=now,
        )
    )
    if not won:
        return False
    consultation.refresh_from_db()
    Transfer.objects.filter(consultation=consultation, taken_at__isnull=True).update(taken_at=now)
    if consultation.channel in (Channel.WEB_CHAT, Channel.LINE):
        _message(consultation=consultation, sender=Sender.SYSTEM, body="", system="taken")
    record(actor=actor, action="consultation.take", target_type="consultation", target_code=consultation.code)
    events.queue_changed()
    events.conversation(consultation, kind="taken")
    return True


def _may_handle(actor: Actor, consultation: Consultation) -> bool:
    if consultation.organisation_id is None or actor.organisation is None:
        return False
    if consultation.organisation_id != actor.organisation.pk:
        return False
    return consultation.counsellor_id == getattr(actor.user, "pk", None) or actor.has(Perm.CONSULTATION_SUPERVISE)


def _require_handler(actor: Actor, consultation: Consultation, *, open_only: bool = True) -> None:
    if not _may_handle(actor, consultation):
        raise ConsultationError(
            str(_("Only the counsellor handling this contact, or a supervisor, can do that.")), code="forbidden"
        )
    if open_only and consultation.status != Status.ACTIVE:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")


def handling_roles() -> list[Role]:
    """The roles that answer the shared queue (from the one role → permission table)."""
    return [role for role in Role if Perm.CONSULTATION_HANDLE in ROLE_PERMISSIONS[role]]


def counsellors_of(organisation: Organisation) -> list[User]:
    """Active users of the organisation whose roles there answer the queue."""
    members = Membership.objects.filter(organisation=organisation, role__in=handling_roles())
    ids = members.values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


@transaction.atomic
def consultation_transfer(
    *, actor: Actor, consultation: Consultation, to_organisation: Organisation, to_user: User | None, note: str
) -> Transfer:
    """Hand the conversation over with a note: it waits for the other organisation (or counsellor),
    who sees everything said so far."""
    _require_handler(actor, consultation)
    assert actor.user is not None and actor.organisation is not None
    note = (note or "").strip()
    if not note:
        raise ConsultationError(
            str(_("Write a note for the next counsellor, so the person need not repeat their story.")), code="note"
        )
    if len(note) > MESSAGE_MAX_CHARS:
        raise ConsultationError(str(_("The note is too long.")), code="note")
    if not participates(to_organisation):
        raise ConsultationError(str(_("That organisation does not answer the shared queue.")), code="organisation")
    if to_user is not None and to_user not in counsellors_of(to_organisation):
        raise ConsultationError(str(_("That counsellor does not answer for that organisation.")), code="user")
    if to_user is not None and to_user.pk == actor.user.pk:
        raise ConsultationError(str(_("You are already handling this conversation.")), code="user")
    transfer = Transfer.objects.create(
        consultation=consultation,
        from_organisation=actor.organisation,
        from_user=actor.user,
        to_organisation=to_organisation,
        to_user=to_user,
        note=note,
    )
    now = timezone.now()
    _touch(
        consultation,
        status=Status.WAITING,
        counsellor=None,
        organisation=None,
        transfer_to=to_organisation,
        transfer_to_user=to_user,
        waiting_since=now,
    )
    if consultation.channel in (Channel.WEB_CHAT, Channel.LINE):
        _message(consultation=consultation, sender=Sender.SYSTEM, body="", system="transferred")
    record(
        actor=actor,
        action="consultation.transfer",
        target_type="consultation",
        target_code=consultation.code,
        detail={"to_organisation": str(to_organisation.code), "to_user": str(to_user.code) if to_user else ""},
    )
    events.queue_changed()
    events.conversation(consultation, kind="transferred")
    return transfer


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


@transaction.atomic
def consultation_record(*, actor: Actor, consultation: Consultation, data: RecordData) -> None:
    """What the counsellor records: who consulted, concerns, summary, outcome, follow-up."""
    _require_handler(actor, consultation, open_only=False)
    if consultation.erased_at is not None:
        raise ConsultationError(str(_("This record was anonymised after the retention period.")), code="erased")
    if "follow_up" in data.outcomes and data.follow_up_on is None:
        raise ConsultationError(str(_("Give the follow-up date.")), code="follow_up")
    _touch(
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
        action="consultation.record",
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


@transaction.atomic
def risk_assess(
    *, actor: Actor, consultation: Consultation, answers: RiskAnswers, raise_to: int | None = None, notes: str = ""
) -> RiskAssessment:
    """Record an assessment. High and imminent alert every supervisor on duty at once."""
    _require_handler(actor, consultation, open_only=False)
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
    _touch(consultation, risk_level=level, risk_flag=consultation.risk_flag or level >= RiskLevel.HIGH)
    record(
        actor=actor,
        action="consultation.risk",
        target_type="consultation",
        target_code=consultation.code,
        detail={"level": int(level)},
    )
    if level >= RiskLevel.HIGH:
        events.high_risk(consultation)
    return assessment


@transaction.atomic
def risk_step_record(*, actor: Actor, consultation: Consultation, step: str, note: str = "") -> RiskStep:
    _require_handler(actor, consultation, open_only=False)
    assert actor.user is not None
    if step not in EmergencyStep.values:
        raise ConsultationError(str(_("Choose a step from the checklist.")), code="step")
    taken = RiskStep.objects.create(consultation=consultation, step=step, note=note.strip(), taken_by=actor.user)
    record(
        actor=actor,
        action="consultation.risk_step",
        target_type="consultation",
        target_code=consultation.code,
        detail={"step": step},
    )
    events.high_risk(consultation)
    return taken


@transaction.atomic
def consultation_close(*, actor: Actor, consultation: Consultation) -> None:
    _require_handler(actor, consultation)
    if consultation.channel in (Channel.WEB_CHAT, Channel.LINE):
        _message(consultation=consultation, sender=Sender.SYSTEM, body="", system="closed")
    _touch(consultation, status=Status.CLOSED, ended_at=timezone.now())
    if consultation.person_id is not None:
        Person.objects.filter(pk=consultation.person_id).update(last_contact_at=timezone.now())
    record(actor=actor, action="consultation.close", target_type="consultation", target_code=consultation.code)
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


@transaction.atomic
def call_log(*, actor: Actor, data: CallData) -> Consultation:
    """A phone call, logged during or after it: it appears in the same list as chats and LINE."""
    assert actor.user is not None and actor.organisation is not None
    if not actor.has(Perm.CONSULTATION_HANDLE):
        raise ConsultationError(str(_("You cannot log consultations.")), code="forbidden")
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
        action="consultation.call_log",
        target_type="consultation",
        target_code=consultation.code,
        detail={"risk_level": int(data.risk_level)},
    )
    if data.risk_level >= RiskLevel.HIGH:
        events.high_risk(consultation)
    return consultation


# -- the person's record (with consent) ----------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    consent_method: str
    name: str = ""
    name_kana: str = ""
    phone: str = ""
    address: str = ""
    birth_year: str = ""
    gender: str = ""
    municipality: str = ""


PERSON_FIELDS = ("name", "name_kana", "phone", "address", "birth_year", "gender", "municipality")


def _person_new(actor: Actor, data: PersonData) -> Person:
    assert actor.user is not None and actor.organisation is not None
    if data.consent_method not in ConsentMethod.values:
        raise ConsultationError(str(_("Record how the person agreed to their details being recorded.")), code="consent")
    values = {name: getattr(data, name).strip() for name in PERSON_FIELDS}
    if not any(values.values()):
        raise ConsultationError(str(_("Nothing to record.")), code="empty")
    phone = normalise_phone(values["phone"])
    now = timezone.now()
    person = Person.objects.create(
        organisation=actor.organisation,
        consent_method=data.consent_method,
        consent_at=now,
        consent_taken_by=actor.user,
        phone_index=blind_index(phone, purpose="consultations.person_phone") if phone else "",
        last_contact_at=now,
        **values,
    )
    record(
        actor=actor,
        action="person.create",
        target_type="person",
        target_code=person.code,
        detail={"fields": sorted(name for name, value in values.items() if value), "consent": data.consent_method},
    )
    return person


@transaction.atomic
def person_record(*, actor: Actor, consultation: Consultation, data: PersonData) -> Person:
    """Record the person's details, only with their consent to record: how, when and by whom it
    was given is kept with them (APPI Art. 20(2))."""
    _require_handler(actor, consultation, open_only=False)
    person = _person_new(actor, data)
    _touch(consultation, person=person)
    return person


@transaction.atomic
def person_record_direct(*, actor: Actor, data: PersonData) -> Person:
    """A person a support organisation supports directly, recorded without a consultation (to refer
    them on, docs/referrals.md). The caller decides who may; the consent to record is kept the same way."""
    if actor.user is None or actor.organisation is None:
        raise ConsultationError(str(_("Choose the organisation you act for first.")), code="organisation")
    return _person_new(actor, data)


def people_with_phone(*, organisation: Organisation, phone: str) -> list[Person]:
    """Re-contact: people of the organisation recorded with this phone number (by its blind index)."""
    digits = normalise_phone(phone)
    if not digits:
        return []
    index = blind_index(digits, purpose="consultations.person_phone")
    return list(Person.objects.filter(organisation=organisation, phone_index=index, erased_at__isnull=True))


@transaction.atomic
def person_link(*, actor: Actor, consultation: Consultation, person: Person) -> None:
    """Join this contact to a person already recorded, so they need not tell their story again."""
    _require_handler(actor, consultation, open_only=False)
    if actor.organisation is None or person.organisation_id != actor.organisation.pk or person.erased_at is not None:
        raise ConsultationError(str(_("That person is not recorded by your organisation.")), code="person")
    _touch(consultation, person=person)
    Person.objects.filter(pk=person.pk).update(last_contact_at=timezone.now())
    record(
        actor=actor,
        action="person.link",
        target_type="consultation",
        target_code=consultation.code,
        detail={"person": str(person.code)},
    )


# -- abuse ---------------------------------------------------------------------------------------


@transaction.atomic
def sender_block(*, actor: Actor, consultation: Consultation, days: int, reason: str) -> Block:
    """Keep a harassing sender out for a period, with the reason recorded."""
    _require_handler(actor, consultation, open_only=False)
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
        action="consultation.block",
        target_type="consultation",
        target_code=consultation.code,
        detail={"days": days},
    )
    return block


# -- phone: the CTI notice of a call --------------------------------------------------------------


def cti_token_index(token: str) -> str:
    return blind_index(token, purpose="consultations.cti_token")


@transaction.atomic
def cti_token_issue(*, actor: Actor, organisation: Organisation) -> str:
    """A new token for the organisation's telephony system (shown once; the old one stops working)."""
    token = "cti_" + secrets.token_urlsafe(32)
    updated = ConsultationDesk.objects.filter(organisation=organisation).update(
        cti_token_index=cti_token_index(token), updated_at=timezone.now()
    )
    if not updated:
        raise ConsultationError(str(_("Save the intake settings first.")), code="not_participating")
    record(actor=actor, action="intake.cti_token", target_type="organisation", target_code=organisation.code)
    return token


def cti_organisation(token: str) -> ConsultationDesk | None:
    if not token.startswith("cti_"):
        return None
    return (
        ConsultationDesk.objects.filter(cti_token_index=cti_token_index(token), organisation__is_active=True)
        .select_related("organisation")
        .first()
    )


@dataclass(frozen=True)
class CallNotice:
    call_id: str
    caller: str = ""  # the caller's number, when the network gives it
    counsellor: str = ""  # the username of the counsellor whose phone rings, when known
    started_at: dt.datetime | None = None


@transaction.atomic
def cti_call_started(*, desk: ConsultationDesk, notice: CallNotice) -> tuple[Consultation, bool]:
    """A call starts: a draft phone consultation opens at once, for the counsellor whose phone rings
    (or waiting for the organisation's counsellors). The same call notified twice opens one record."""
    organisation = desk.organisation
    key = f"{organisation.pk}:{notice.call_id}"[:150]
    existing = Consultation.objects.filter(cti_call_id=key).first()
    if existing is not None:
        return existing, False
    counsellor = None
    if notice.counsellor:
        counsellor = next((u for u in counsellors_of(organisation) if u.username == notice.counsellor), None)
        if counsellor is None:
            raise ConsultationError("unknown counsellor", code="counsellor")
    started = notice.started_at or timezone.now()
    digits = normalise_phone(notice.caller)
    consultation = Consultation.objects.create(
        channel=Channel.PHONE,
        status=Status.ACTIVE if counsellor else Status.WAITING,
        started_at=started,
        waiting_since=started,
        taken_at=started if counsellor else None,
        organisation=organisation if counsellor else None,
        counsellor=counsellor,
        transfer_to=None if counsellor else organisation,
        caller_number=digits,
        caller_index=blind_index(digits, purpose="consultations.person_phone") if digits else "",
        sender_index=blind_index(digits, purpose="consultations.person_phone") if digits else "",
        cti_call_id=key,
    )
    actor = SystemActor(label="cti")
    record(
        actor=actor,
        action="consultation.cti_call",
        target_type="consultation",
        target_code=consultation.code,
        detail={"organisation": str(organisation.code), "caller_given": bool(digits)},
    )
    events.queue_changed()
    return consultation, True


# -- participation -------------------------------------------------------------------------------


@transaction.atomic
def desk_settings_save(
    *, actor: AuditActor, organisation: Organisation, hours: dict[str, Any], hours_text: str, active: bool
) -> ConsultationDesk:
    desk, _created = ConsultationDesk.objects.update_or_create(
        organisation=organisation,
        defaults={"hours": hours, "hours_text": hours_text[:500], "is_active": active, "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action="intake.settings",
        target_type="organisation",
        target_code=organisation.code,
        detail={"active": active, "hours": hours_text[:500]},
    )
    events.queue_changed()
    return desk
