"""Every write of referrals: keyword-only, in one transaction with its audit rows and ledger entry.

The server decides whether personal data may travel; forms only mirror it. A referral is released
(sent) only with an active consent that covers the recipient and every item, or with a sharing
exception a second supervisor approved. Releasing copies the items' values into the referral,
writes the provision ledger entry, the events, the audit rows and the notifications in one
transaction: all of them or none. A refusal is audited after the rollback, so it stays.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Membership, Organisation, User
from tsunagu.accounts.policy import ANONYMOUS, ROLE_PERMISSIONS, Actor, Perm, Role
from tsunagu.audit.services import AuditActor, record, record_denied
from tsunagu.consultations import selectors as consultation_selectors
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.models import ConsentMethod, Consultation, Person
from tsunagu.core.crypto import blind_index
from tsunagu.directory.models import Service
from tsunagu.referrals import rules, selectors
from tsunagu.referrals.models import (
    Consent,
    ConsentStatus,
    DeclineReason,
    EventKind,
    ExceptionStatus,
    Handoff,
    Item,
    LegalBasis,
    Means,
    Notification,
    NotificationKind,
    Provision,
    Purpose,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SharingException,
    WithdrawnVia,
)

S = ReferralStatus
T = TypeVar("T")
P = ParamSpec("P")


class ReferralError(Exception):
    """A write that cannot be done, with a message for the user (translated)."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Refused(ReferralError):
    """Refused for want of consent or authority: audited as denied once the transaction rolled back."""

    def __init__(self, message: str, *, code: str, target_type: str = "referral", target_code: str = "") -> None:
        super().__init__(message, code=code)
        self.target_type = target_type
        self.target_code = target_code


class Conflict(ReferralError):
    """Someone else changed the referral first (optimistic locking); the loser is told what happened."""


def _audited_refusal(actor: AuditActor, action: str, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a write; if it is refused, write the one "denied" row after the rollback, then re-raise."""
    try:
        return call(*args, **kwargs)
    except Refused as refusal:
        with transaction.atomic():
            record_denied(
                actor=actor,
                action=action,
                target_type=refusal.target_type,
                target_code=refusal.target_code,
                detail={"reason": refusal.code},
            )
        raise


_CONSENT_MESSAGES = {
    "consent_missing": _("No consent is recorded for this referral. Record the person's consent first."),
    "consent_withdrawn": _("The person has withdrawn this consent."),
    "consent_expired": _("This consent has expired. Ask the person again."),
    "consent_purpose": _("This consent does not cover a referral for support."),
    "consent_recipient": _("This consent does not cover this recipient."),
    "consent_items": _("This consent does not cover every item chosen. Share fewer items or ask the person again."),
    "consent_other": _("This consent belongs to another person or organisation."),
}


# -- consent -------------------------------------------------------------------------------------

# No 0/O, 1/I/L: the person types the code from a paper slip or an SMS.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def withdrawal_code_new() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def withdrawal_code_index(code: str) -> str:
    folded = unicodedata.normalize("NFKC", code).upper().replace("-", "").replace(" ", "")
    return blind_index(folded, purpose="referrals.withdrawal_code")


@dataclass(frozen=True)
class ConsentData:
    purposes: Sequence[str]
    recipients: Sequence[Organisation]
    other_recipient: str
    items: Sequence[str]
    method: str
    expires_on: dt.date | None = None


def _require_writer(actor: Actor, consultation: Consultation) -> None:
    if not actor.has(Perm.REFERRAL_SEND) or not consultation_selectors.may_write(actor, consultation):
        raise Refused(
            str(_("Only the counsellor handling this consultation, or a supervisor, may do this.")),
            code="not_handler",
            target_type="consultation",
            target_code=str(consultation.code),
        )


def _person_of(consultation: Consultation) -> Person:
    person = consultation.person
    if person is None or person.erased_at is not None:
        raise ReferralError(
            str(_("Record the person's details (with their consent to record) before a referral.")),
            code="no_person",
        )
    return person


def _subject(actor: Actor, consultation: Consultation | None, person: Person | None) -> Person:
    """The person a consent or a referral is about, once the actor is known to act for them: from a
    consultation, its handler or a supervisor of the handling organisation; for a person a support
    organisation recorded directly (no consultation), a member of that organisation who may refer."""
    if consultation is not None:
        _require_writer(actor, consultation)
        return _person_of(consultation)
    if person is None:
        raise ReferralError(str(_("Choose the person first.")), code="no_person")
    if not selectors.may_act_for_directly(actor, person):
        raise Refused(
            str(_("Only the organisation that recorded this person may do this.")),
            code="not_holder",
            target_type="person",
            target_code=str(person.code),
        )
    if person.erased_at is not None:
        raise ReferralError(str(_("This person's details have been erased.")), code="no_person")
    return person


def person_add(*, actor: Actor, data: consultation_services.PersonData) -> Person:
    """A support organisation records a person it supports directly (with their consent to record),
    to refer them on; a refusal is audited."""
    return _audited_refusal(actor, "person.create", _person_add, actor, data)


@transaction.atomic
def _person_add(actor: Actor, data: consultation_services.PersonData) -> Person:
    if actor.organisation is None or not actor.has(Perm.REFERRAL_SEND):
        raise Refused(str(_("You may not record people for referrals.")), code="not_sender", target_type="person")
    try:
        return consultation_services.person_record_direct(actor=actor, data=data)
    except consultation_services.ConsultationError as error:
        raise ReferralError(error.message, code=error.code) from error


@dataclass(frozen=True)
class ConsentRecorded:
    consent: Consent
    withdrawal_code: str  # shown once, for the person's slip; only its keyed hash is kept


def consent_record(
    *, actor: Actor, data: ConsentData, consultation: Consultation | None = None, person: Person | None = None
) -> ConsentRecorded:
    """Record the person's consent to share, from a consultation or for a person recorded directly."""
    return _audited_refusal(actor, "consent.create", _consent_record, actor, consultation, person, data)


@transaction.atomic
def _consent_record(
    actor: Actor, consultation: Consultation | None, subject: Person | None, data: ConsentData
) -> ConsentRecorded:
    person = _subject(actor, consultation, subject)
    assert actor.user is not None and actor.organisation is not None
    purposes = sorted(set(data.purposes))
    items = sorted(set(data.items))
    if not purposes or not set(purposes) <= set(Purpose.values):
        raise ReferralError(str(_("Choose what the person agreed the sharing is for.")), code="purposes")
    if not items or not set(items) <= set(Item.values):
        raise ReferralError(str(_("Choose which items the person agreed to share.")), code="items")
    if consultation is None and set(items) & CONSULTATION_ITEMS:
        raise ReferralError(str(_NO_CONSULTATION_ITEMS), code="items")
    other = data.other_recipient.strip()[:200]
    if not data.recipients and not other:
        raise ReferralError(str(_("Name at least one organisation the person agreed to.")), code="recipients")
    if data.method not in ConsentMethod.values:
        raise ReferralError(str(_("Record how the person gave their consent.")), code="method")
    today = timezone.localdate()
    expires_on = data.expires_on or today + dt.timedelta(days=settings.TSUNAGU_CONSENT_DAYS)
    if expires_on < today or expires_on > today + dt.timedelta(days=3 * 365):
        raise ReferralError(str(_("The end date must be between today and three years from now.")), code="expiry")
    code = withdrawal_code_new()
    consent = Consent.objects.create(
        person=person,
        organisation=actor.organisation,
        consultation=consultation,
        purposes=purposes,
        other_recipient=other,
        items=items,
        method=data.method,
        taken_by=actor.user,
        given_at=timezone.now(),
        expires_on=expires_on,
        withdrawal_code_index=withdrawal_code_index(code),
    )
    consent.recipients.set(data.recipients)
    record(
        actor=actor,
        action="consent.create",
        target_type="consent",
        target_code=consent.code,
        detail={
            "person": str(person.code),
            "purposes": purposes,
            "items": items,
            "recipients": sorted(str(o.code) for o in data.recipients),
            "other_recipient": bool(other),
            "method": data.method,
            "expires_on": expires_on.isoformat(),
        },
    )
    return ConsentRecorded(consent=consent, withdrawal_code=code)


def _withdraw(consent: Consent, *, actor: AuditActor, user: User | None, via: str) -> int:
    """Mark the consent withdrawn. A referral sent under it loses what it carried at once and, if it
    was still going on, is closed; a draft (or one awaiting approval) only loses the consent."""
    now = timezone.now()
    Consent.objects.filter(pk=consent.pk).update(
        status=ConsentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=user, withdrawn_via=via
    )
    consent.status, consent.withdrawn_at, consent.withdrawn_via = ConsentStatus.WITHDRAWN, now, via
    referrals = Referral.objects.filter(consent=consent, consent_withdrawn_at__isnull=True)
    affected = list(referrals.select_related("to_organisation", "from_organisation", "from_user"))
    for referral in affected:
        if referral.sent_at is None:
            Referral.objects.filter(pk=referral.pk).update(consent=None, version=F("version") + 1, updated_at=now)
            ReferralEvent.objects.create(referral=referral, kind=EventKind.CONSENT_WITHDRAWN, at=now)
            continue
        fields: dict[str, Any] = {"shared": "", "consent_withdrawn_at": now, "version": F("version") + 1}
        if referral.status in rules.GOING_ON:
            fields.update(status=S.CONSENT_WITHDRAWN, closed_at=now)
        Referral.objects.filter(pk=referral.pk).update(updated_at=now, **fields)
        ReferralEvent.objects.create(referral=referral, kind=EventKind.CONSENT_WITHDRAWN, at=now)
        if referral.to_organisation is not None:
            _notify(
                _receivers(referral.to_organisation),
                referral.to_organisation,
                NotificationKind.CONSENT_WITHDRAWN,
                referral,
            )
        _notify(_senders(referral), referral.from_organisation, NotificationKind.CONSENT_WITHDRAWN, referral)
    record(
        actor=actor,
        action="consent.withdraw",
        target_type="consent",
        target_code=consent.code,
        detail={"via": via, "referrals": [str(r.code) for r in affected]},
    )
    return len(affected)


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent) -> int:
    """Staff record that the person withdrew their consent (by phone, in person, in writing)."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if (
        actor.organisation is None
        or locked.organisation_id != actor.organisation.pk
        or not actor.has(Perm.REFERRAL_SEND)
    ):
        raise ReferralError(
            str(_("Only the organisation that took the consent may record its withdrawal.")), code="not_holder"
        )
    if locked.status == ConsentStatus.WITHDRAWN:
        return 0
    return _withdraw(locked, actor=actor, user=actor.user, via=WithdrawnVia.STAFF)


def consent_withdraw_by_code(*, code: str) -> bool:
    """The person withdraws with the code on their slip, without an account. A wrong code is audited."""
    index = withdrawal_code_index(code)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(withdrawal_code_index=index).first()
        if consent is not None:
            if consent.status == ConsentStatus.ACTIVE:
                _withdraw(consent, actor=ANONYMOUS, user=None, via=WithdrawnVia.PERSON)
            return True
    with transaction.atomic():
        record_denied(
            actor=ANONYMOUS, action="consent.withdraw", target_type="consent", detail={"reason": "wrong_code"}
        )
    return False


# -- notifications -------------------------------------------------------------------------------


def _members_with(organisation: Organisation, perm: Perm) -> list[User]:
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
    ids = Membership.objects.filter(organisation=organisation, role__in=roles, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _receivers(organisation: Organisation) -> list[User]:
    return _members_with(organisation, Perm.REFERRAL_RECEIVE)


def _supervisors(organisation: Organisation) -> list[User]:
    """Those who receive referrals and supervise: the recipient's supervisors, for escalations."""
    receivers = {u.pk for u in _receivers(organisation)}
    return [u for u in _members_with(organisation, Perm.SHARING_EXCEPTION_APPROVE) if u.pk in receivers]


def _senders(referral: Referral) -> list[User]:
    """The person who referred, and the sending organisation's supervisors (the loop closes there)."""
    users = {referral.from_user_id: referral.from_user}
    for user in _members_with(referral.from_organisation, Perm.SHARING_EXCEPTION_APPROVE):
        users.setdefault(user.pk, user)
    return [u for u in users.values() if u.is_active]


def notification_path(kind: str, referral: Referral) -> str:
    """Where a notification leads: the referral, or for administrators told of a provision without
    consent, the report they review it in (they do not open referrals)."""
    if kind == NotificationKind.EXCEPTION_RELEASED:
        return reverse("referrals:exceptions")
    return reverse("referrals:detail", kwargs={"code": referral.code})


def _notify(users: Iterable[User], organisation: Organisation, kind: str, referral: Referral) -> None:
    """The inbox row now; the e-mail after the commit. The e-mail holds no personal data: a link."""
    users = list(users)
    Notification.objects.bulk_create(
        Notification(user=u, organisation=organisation, kind=kind, referral=referral) for u in users
    )
    addresses = [u.email for u in users if u.email]
    if not addresses:
        return
    url = settings.TSUNAGU_BASE_URL + notification_path(kind, referral)

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            subject = "[tsunagu] " + str(NotificationKind(kind).label)
            body = gettext("There is news about a referral in tsunagu. Sign in to see it:") + f"\n{url}\n"
        for address in addresses:
            send_mail(subject, body, None, [address], fail_silently=True)

    transaction.on_commit(send)


@transaction.atomic
def notifications_read(*, actor: Actor, referral: Referral) -> None:
    if actor.user is not None:
        Notification.objects.filter(user=actor.user, referral=referral, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# -- referrals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralData:
    to_organisation: Organisation | None
    to_service: Service | None
    external_name: str
    external_contact: str
    items: Sequence[str]
    contact_how: Sequence[str] = ()
    contact_when: str = ""
    do_not_call_home: bool = False
    contact_note: str = ""
    handoff: str = ""
    handoff_at: dt.datetime | None = None


CONTACT_HOW = ("phone", "sms", "email", "letter", "visit")
# Items that come from a consultation's record: a person recorded directly has none of them.
CONSULTATION_ITEMS = frozenset({Item.CONCERNS, Item.SUMMARY, Item.RISK})
_NO_CONSULTATION_ITEMS = _("Concerns, the summary and the risk level come from a consultation; this person has none.")


def _validated(actor: Actor, data: ReferralData, *, has_consultation: bool) -> dict[str, Any]:
    external = data.external_name.strip()
    if (data.to_organisation is None) == (not external):
        raise ReferralError(
            str(_("Choose one recipient: an organisation in tsunagu, or one outside it by name.")), code="recipient"
        )
    if data.to_organisation is not None:
        _check_recipient(actor, data.to_organisation)
    if data.to_service is not None and data.to_service.organisation_id != getattr(data.to_organisation, "pk", None):
        raise ReferralError(str(_("The service belongs to another organisation.")), code="service")
    items = sorted(set(data.items))
    if not set(items) <= set(Item.values):
        raise ReferralError(str(_("Choose items from the list.")), code="items")
    if not has_consultation and set(items) & CONSULTATION_ITEMS:
        raise ReferralError(str(_NO_CONSULTATION_ITEMS), code="items")
    if not set(data.contact_how) <= set(CONTACT_HOW):
        raise ReferralError(str(_("Choose how the person may be contacted from the list.")), code="contact")
    if data.handoff not in Handoff.values:
        raise ReferralError(str(_("Choose a kind of handoff from the list.")), code="handoff")
    if data.handoff and data.handoff_at is None:
        raise ReferralError(str(_("Give the proposed time of the handoff.")), code="handoff")
    return {
        "to_organisation": data.to_organisation,
        "to_service": data.to_service,
        "external_name": "" if data.to_organisation is not None else external[:200],
        "external_contact": "" if data.to_organisation is not None else data.external_contact.strip()[:200],
        "items": items,
        "contact_how": sorted(set(data.contact_how)),
        "contact_when": data.contact_when.strip()[:500],
        "do_not_call_home": data.do_not_call_home,
        "contact_note": data.contact_note.strip()[:1000],
        "handoff": data.handoff,
        "handoff_at": data.handoff_at if data.handoff else None,
    }


def _consent_for(actor: Actor, referral: Referral, consent_code: UUID | str | None) -> Consent:
    """The consent named in the request, locked, checked against this referral; refused otherwise."""
    target = str(referral.code) if referral.pk else ""
    if not consent_code:
        raise Refused(str(_CONSENT_MESSAGES["consent_missing"]), code="consent_missing", target_code=target)
    try:
        consent = Consent.objects.select_for_update().filter(code=consent_code).first()
    except ValidationError:  # a malformed code is as good as none
        consent = None
    if (
        consent is None
        or actor.organisation is None
        or consent.organisation_id != actor.organisation.pk
        or consent.person_id != referral.person_id
    ):
        raise Refused(str(_CONSENT_MESSAGES["consent_other"]), code="consent_other", target_code=target)
    gap = rules.consent_gap(
        status=consent.status,
        expires_on=consent.expires_on,
        purposes=consent.purposes,
        recipient_ids=consent.recipients.values_list("pk", flat=True),
        other_recipient=consent.other_recipient,
        to_organisation_id=referral.to_organisation_id,
        external_name=referral.external_name,
        items=referral.items,
        consent_items=consent.items,
        today=timezone.localdate(),
    )
    if gap is not None:
        raise Refused(str(_CONSENT_MESSAGES[gap]), code=gap, target_code=target)
    return consent


def referral_create(
    *,
    actor: Actor,
    data: ReferralData,
    key: str,
    consent_code: UUID | str | None,
    send: bool,
    consultation: Consultation | None = None,
    person: Person | None = None,
) -> Referral:
    """Save a draft, or create and send at once. The same ``key`` twice gives the same referral."""
    key = key.strip()[:64]
    if not key:
        raise ReferralError(str(_("The form has expired. Open it again.")), code="key")

    action = "referral.send" if send else "referral.create"
    try:
        return _audited_refusal(
            actor, action, _referral_create, actor, consultation, person, data, key, consent_code, send
        )
    except IntegrityError:
        # A double submission raced the first one to the unique key: the first one's referral stands.
        existing = Referral.objects.filter(from_organisation=actor.organisation, idempotency_key=key).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _referral_create(
    actor: Actor,
    consultation: Consultation | None,
    subject: Person | None,
    data: ReferralData,
    key: str,
    consent_code: UUID | str | None,
    send: bool,
) -> Referral:
    existing = Referral.objects.filter(from_organisation=actor.organisation, idempotency_key=key).first()
    if existing is not None:
        return existing
    person = _subject(actor, consultation, subject)
    fields = _validated(actor, data, has_consultation=consultation is not None)
    assert actor.user is not None and actor.organisation is not None
    now = timezone.now()
    referral = Referral(
        consultation=consultation,
        person=person,
        from_organisation=actor.organisation,
        from_user=actor.user,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
        **fields,
    )
    consent = _consent_for(actor, referral, consent_code) if send else None
    if consent is None and consent_code:
        consent = Consent.objects.filter(code=consent_code, organisation=actor.organisation, person=person).first()
    referral.consent = consent
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, kind=EventKind.CREATED, at=now, by_user=actor.user, by_organisation=actor.organisation
    )
    record(
        actor=actor,
        action="referral.create",
        target_type="referral",
        target_code=referral.code,
        detail={
            "consultation": str(consultation.code) if consultation else "",
            "person": str(person.code),
            "items": referral.items,
            "external": referral.is_external,
        },
    )
    if send:
        assert consent is not None
        _release(actor, referral, consent=consent, exception=None)
    return referral


def referral_send(*, actor: Actor, referral: Referral, version: int, consent_code: UUID | str | None) -> Referral:
    """Send a draft under a consent."""
    return _audited_refusal(actor, "referral.send", _referral_send, actor, referral, version, consent_code)


@transaction.atomic
def _referral_send(actor: Actor, referral: Referral, version: int, consent_code: UUID | str | None) -> Referral:
    locked = _lock(referral, version)
    _require_sender(actor, locked)
    _subject(actor, locked.consultation, locked.person)
    if locked.status != S.DRAFT:
        raise Conflict(_conflict_message(locked), code="state")
    consent = _consent_for(actor, locked, consent_code)
    Referral.objects.filter(pk=locked.pk).update(consent=consent)
    locked.consent = consent
    _release(actor, locked, consent=consent, exception=None)
    return locked


def _require_sender(actor: Actor, referral: Referral) -> None:
    if (
        actor.organisation is None
        or referral.from_organisation_id != actor.organisation.pk
        or not actor.has(Perm.REFERRAL_SEND)
    ):
        raise Refused(
            str(_("Only the organisation that made the referral may do this.")),
            code="not_sender",
            target_code=str(referral.code),
        )


def _lock(referral: Referral, version: int) -> Referral:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("to_organisation", "from_organisation", "from_user", "person", "consultation")
        .get(pk=referral.pk)
    )
    if locked.version != version:
        raise Conflict(_conflict_message(locked), code="stale")
    return locked


def _conflict_message(referral: Referral) -> str:
    return str(
        _("Someone else updated this referral first. It is now: %(status)s. Check it and try again.")
        % {"status": referral.get_status_display()}
    )


PERSON_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    Item.NAME: ("name", "name_kana"),
    Item.PHONE: ("phone",),
    Item.ADDRESS: ("address",),
    Item.PROFILE: ("birth_year", "gender", "municipality"),
}


def _snapshot(referral: Referral) -> dict[str, dict[str, Any]]:
    """The values of the chosen items, as they are now; nothing else about the person."""
    person = referral.person
    consultation = referral.consultation
    shared: dict[str, dict[str, Any]] = {}
    for item in referral.items:
        if item in PERSON_ITEM_FIELDS:
            shared[item] = {name: getattr(person, name) for name in PERSON_ITEM_FIELDS[item]}
        elif consultation is None:
            continue
        elif item == Item.CONCERNS:
            shared[item] = {
                "terms": [t.name for t in consultation.concerns.all()],
                "words": consultation.concern_words,
            }
        elif item == Item.SUMMARY:
            shared[item] = {"summary": consultation.summary}
        elif item == Item.RISK:
            shared[item] = {"level": int(consultation.risk_level)}
    return shared


def _person_label(person: Person) -> str:
    return person.name or f"{gettext('Person')} {str(person.code)[:8]}"


def _recipient_label(referral: Referral, snapshot: dict[str, dict[str, Any]]) -> str:
    """How the receiving side's ledger names the person: only from what was shared."""
    name = snapshot.get(Item.NAME, {}).get("name", "")
    phone = snapshot.get(Item.PHONE, {}).get("phone", "")
    return str(name or phone or f"{gettext('Referral')} {str(referral.code)[:8]}")


def _check_recipient(actor: Actor, organisation: Organisation) -> None:
    if actor.organisation is not None and organisation.pk == actor.organisation.pk:
        raise ReferralError(str(_("A referral goes to another organisation.")), code="recipient")
    if not organisation.is_active or not _receivers(organisation):
        raise ReferralError(
            str(_("This organisation does not receive referrals in tsunagu. Print a referral sheet instead.")),
            code="recipient",
        )


def _keep_until(day: dt.date) -> dt.date:
    years = settings.TSUNAGU_PROVISION_KEEP_YEARS
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _release(actor: Actor, referral: Referral, *, consent: Consent | None, exception: SharingException | None) -> None:
    """Send: the shared copy, the ledger entry, the event, the audit rows and notifications, together."""
    assert actor.user is not None and actor.organisation is not None
    now = timezone.now()
    external = referral.is_external
    if referral.to_organisation is not None:
        _check_recipient(actor, referral.to_organisation)
    respond_by = (
        None if external else rules.add_business_days(timezone.localdate(), settings.TSUNAGU_REFERRAL_RESPOND_DAYS)
    )
    snapshot = _snapshot(referral)
    updated = Referral.objects.filter(pk=referral.pk, status__in=[S.DRAFT, S.AWAITING_APPROVAL]).update(
        status=S.SENT,
        shared=json.dumps(snapshot, ensure_ascii=False),
        sent_at=now,
        respond_by=respond_by,
        # What was released under an exception rests on the exception, not on a consent.
        consent=consent,
        version=F("version") + 1,
        updated_at=now,
    )
    if updated != 1:
        raise Conflict(_conflict_message(referral), code="state")
    referral.refresh_from_db()
    provision = Provision.objects.create(
        person=referral.person,
        person_label=_person_label(referral.person),
        recipient_label=_recipient_label(referral, snapshot),
        from_organisation=referral.from_organisation,
        to_organisation=referral.to_organisation,
        to_name=referral.recipient_name,
        items=referral.items,
        basis="consent" if exception is None else exception.legal_basis,
        consent=consent,
        exception=exception,
        referral=referral,
        means=Means.PAPER if external else Means.ELECTRONIC,
        provided_at=now,
        provided_by=actor.user,
        keep_until=_keep_until(timezone.localdate()),
    )
    ReferralEvent.objects.create(
        referral=referral, kind=EventKind.SENT, at=now, by_user=actor.user, by_organisation=actor.organisation
    )
    record(
        actor=actor,
        action="referral.send",
        target_type="referral",
        target_code=referral.code,
        detail={
            "to": str(referral.to_organisation.code) if referral.to_organisation else "external",
            "items": referral.items,
            "basis": provision.basis,
        },
    )
    record(
        actor=actor,
        action="provision.create",
        target_type="provision",
        target_code=provision.code,
        detail={"referral": str(referral.code), "items": referral.items, "basis": provision.basis},
    )
    if referral.to_organisation is not None:
        _notify(_receivers(referral.to_organisation), referral.to_organisation, NotificationKind.RECEIVED, referral)


def _step(
    actor: Actor,
    referral: Referral,
    *,
    version: int,
    allowed: frozenset[str],
    to: str,
    event: str,
    fields: dict[str, Any] | None = None,
) -> Referral:
    """One lifecycle step as a conditional UPDATE on the version the user saw: one of two racing wins."""
    now = timezone.now()
    values: dict[str, Any] = {"status": to, "version": F("version") + 1, "updated_at": now, **(fields or {})}
    changed = Referral.objects.filter(pk=referral.pk, version=version, status__in=allowed).update(**values)
    fresh = Referral.objects.select_related("to_organisation", "from_organisation", "from_user").get(pk=referral.pk)
    if changed != 1:
        raise Conflict(_conflict_message(fresh), code="stale")
    ReferralEvent.objects.create(
        referral=fresh, kind=event, at=now, by_user=actor.user, by_organisation=actor.organisation
    )
    record(
        actor=actor, action=f"referral.{event}", target_type="referral", target_code=fresh.code, detail={"status": to}
    )
    return fresh


def _require_recipient(actor: Actor, referral: Referral) -> None:
    if (
        actor.organisation is None
        or referral.to_organisation_id != actor.organisation.pk
        or not actor.has(Perm.REFERRAL_RECEIVE)
    ):
        raise Refused(
            str(_("Only the receiving organisation may do this.")), code="not_recipient", target_code=str(referral.code)
        )


def referral_open(*, actor: Actor, referral: Referral) -> Referral:
    """The recipient opens a sent referral: it is viewed, and the receipt is confirmed in the ledger
    (APPI Art. 30's 確認記録: who received what, from whom, when)."""
    if referral.status != S.SENT or referral.to_organisation_id is None or not referral.shared:
        return referral
    with transaction.atomic():
        _require_recipient(actor, referral)
        now = timezone.now()
        changed = Referral.objects.filter(pk=referral.pk, status=S.SENT).update(
            status=S.VIEWED, viewed_at=now, version=F("version") + 1, updated_at=now
        )
        if changed:
            ReferralEvent.objects.create(
                referral=referral, kind=EventKind.VIEWED, at=now, by_user=actor.user, by_organisation=actor.organisation
            )
            Provision.objects.filter(referral=referral, received_at__isnull=True).update(
                received_at=now, received_by=actor.user
            )
            record(actor=actor, action="referral.viewed", target_type="referral", target_code=referral.code)
            record(actor=actor, action="provision.receipt", target_type="referral", target_code=referral.code)
            _notify(_senders(referral), referral.from_organisation, NotificationKind.UPDATED, referral)
    referral.refresh_from_db()
    return referral


def referral_respond(
    *, actor: Actor, referral: Referral, version: int, step: str, reason: str = "", note: str = ""
) -> Referral:
    """The recipient's answer and progress: accept, decline (with a reason), start support, complete
    (with the outcome) or close without contact. The sender of an external referral reports the
    outcome for the organisation outside tsunagu."""
    return _audited_refusal(actor, f"referral.{step}", _referral_respond, actor, referral, version, step, reason, note)


@transaction.atomic
def _referral_respond(actor: Actor, referral: Referral, version: int, step: str, reason: str, note: str) -> Referral:
    if referral.is_external:
        _require_sender(actor, referral)
        steps = rules.EXTERNAL_STEPS
    else:
        _require_recipient(actor, referral)
        steps = rules.RECIPIENT_STEPS
    if step not in steps:
        raise ReferralError(str(_("That step is not possible.")), code="step")
    if referral.consent_withdrawn_at is not None:
        raise ReferralError(
            str(_("The person withdrew their consent; this referral is closed to you.")), code="consent"
        )
    allowed, to = steps[step]
    now = timezone.now()
    fields: dict[str, Any] = {}
    if step == "decline":
        if reason not in DeclineReason.values:
            raise ReferralError(str(_("Give the reason for declining.")), code="reason")
        fields = {"decline_reason": reason, "response_note": note.strip()[:2000], "responded_at": now, "shared": ""}
    elif step == "accept":
        fields = {"responded_at": now, "response_note": note.strip()[:2000]}
    elif step in ("complete", "close_no_contact"):
        if step == "complete" and not note.strip():
            raise ReferralError(str(_("Describe the outcome.")), code="outcome")
        fields = {"outcome_note": note.strip()[:2000], "closed_at": now}
    fresh = _step(actor, referral, version=version, allowed=allowed, to=to, event=to, fields=fields)
    _notify(_senders(fresh), fresh.from_organisation, NotificationKind.UPDATED, fresh)
    return fresh


def referral_withdraw(*, actor: Actor, referral: Referral, version: int) -> Referral:
    """The sender takes the referral back: the recipient loses what it carried."""
    return _audited_refusal(actor, "referral.withdrawn", _referral_withdraw, actor, referral, version)


@transaction.atomic
def _referral_withdraw(actor: Actor, referral: Referral, version: int) -> Referral:
    _require_sender(actor, referral)
    fresh = _step(
        actor,
        referral,
        version=version,
        allowed=rules.SENDER_WITHDRAWABLE,
        to=S.WITHDRAWN,
        event=EventKind.WITHDRAWN,
        fields={"shared": "", "closed_at": timezone.now()},
    )
    # Taking back a referral that waits for approval cancels the request: nothing was released.
    SharingException.objects.filter(referral=fresh, status=ExceptionStatus.PENDING).update(
        status=ExceptionStatus.CANCELLED, decided_at=timezone.now()
    )
    if fresh.to_organisation is not None and fresh.sent_at is not None:
        _notify(_receivers(fresh.to_organisation), fresh.to_organisation, NotificationKind.UPDATED, fresh)
    return fresh


# -- sharing without consent ---------------------------------------------------------------------


def exception_request(
    *,
    actor: Actor,
    referral: Referral,
    version: int,
    legal_basis: str,
    justification: str,
    reauthenticated_at: dt.datetime,
) -> SharingException:
    return _audited_refusal(
        actor,
        "sharing_exception.request",
        _exception_request,
        actor,
        referral,
        version,
        legal_basis,
        justification,
        reauthenticated_at,
    )


JUSTIFICATION_MIN_CHARS = 20


@transaction.atomic
def _exception_request(
    actor: Actor,
    referral: Referral,
    version: int,
    legal_basis: str,
    justification: str,
    reauthenticated_at: dt.datetime,
) -> SharingException:
    _require_sender(actor, referral)
    _subject(actor, referral.consultation, referral.person)
    if legal_basis not in LegalBasis.values:
        raise ReferralError(str(_("Choose the legal basis.")), code="basis")
    text = justification.strip()
    if len(text) < JUSTIFICATION_MIN_CHARS:
        raise ReferralError(
            str(_("Write why consent cannot be obtained and why sharing is necessary (at least %(n)d characters)."))
            % {"n": JUSTIFICATION_MIN_CHARS},
            code="justification",
        )
    if not referral.items:
        raise ReferralError(str(_("Choose the items to share first.")), code="items")
    if timezone.now() - reauthenticated_at > dt.timedelta(seconds=settings.TSUNAGU_REAUTH_SECONDS):
        raise Refused(
            str(_("Confirm your password and code again first.")), code="reauth", target_code=str(referral.code)
        )
    assert actor.user is not None and actor.organisation is not None
    requester = actor.user.pk
    approvers = [u for u in _members_with(actor.organisation, Perm.SHARING_EXCEPTION_APPROVE) if u.pk != requester]
    if not approvers:
        raise ReferralError(
            str(_("Nobody else in your organisation can approve (a second supervisor is needed).")),
            code="no_approver",
        )
    fresh = _step(
        actor,
        referral,
        version=version,
        allowed=frozenset({S.DRAFT}),
        to=S.AWAITING_APPROVAL,
        event=EventKind.EXCEPTION_REQUESTED,
    )
    exception = SharingException.objects.create(
        referral=fresh,
        legal_basis=legal_basis,
        justification=text[:4000],
        requested_by=actor.user,
        requester_reauthenticated_at=reauthenticated_at,
    )
    record(
        actor=actor,
        action="sharing_exception.request",
        target_type="sharing_exception",
        target_code=exception.code,
        detail={"referral": str(fresh.code), "basis": legal_basis, "items": fresh.items},
    )
    _notify(approvers, actor.organisation, NotificationKind.APPROVAL_NEEDED, fresh)
    return exception


def exception_decide(*, actor: Actor, exception: SharingException, approve: bool, note: str = "") -> Referral:
    return _audited_refusal(actor, "sharing_exception.decide", _exception_decide, actor, exception, approve, note)


@transaction.atomic
def _exception_decide(actor: Actor, exception: SharingException, approve: bool, note: str) -> Referral:
    locked = SharingException.objects.select_for_update(of=("self",)).select_related("referral").get(pk=exception.pk)
    referral = locked.referral
    target = str(referral.code)
    if (
        actor.user is None
        or actor.organisation is None
        or referral.from_organisation_id != actor.organisation.pk
        or not actor.has(Perm.SHARING_EXCEPTION_APPROVE)
    ):
        raise Refused(
            str(_("Only a supervisor of the sending organisation may decide.")), code="not_approver", target_code=target
        )
    if locked.requested_by_id == actor.user.pk:
        raise Refused(
            str(_("A second person must approve: you asked for this sharing yourself.")),
            code="same_person",
            target_code=target,
        )
    if locked.status != ExceptionStatus.PENDING:
        raise Conflict(str(_("This request has already been decided.")), code="decided")
    now = timezone.now()
    SharingException.objects.filter(pk=locked.pk).update(
        status=ExceptionStatus.APPROVED if approve else ExceptionStatus.REJECTED,
        decided_by=actor.user,
        decided_at=now,
        decision_note=note.strip()[:2000],
    )
    locked.refresh_from_db()
    record(
        actor=actor,
        action="sharing_exception.approve" if approve else "sharing_exception.reject",
        target_type="sharing_exception",
        target_code=locked.code,
        detail={"referral": target, "basis": locked.legal_basis},
    )
    fresh = Referral.objects.select_related("to_organisation", "from_organisation", "person", "consultation").get(
        pk=referral.pk
    )
    if not approve:
        return _step(
            actor,
            fresh,
            version=fresh.version,
            allowed=frozenset({S.AWAITING_APPROVAL}),
            to=S.DRAFT,
            event=EventKind.EXCEPTION_REJECTED,
        )
    ReferralEvent.objects.create(
        referral=fresh,
        kind=EventKind.EXCEPTION_APPROVED,
        at=now,
        by_user=actor.user,
        by_organisation=actor.organisation,
    )
    _release(actor, fresh, consent=None, exception=locked)
    admins = Membership.objects.filter(organisation=fresh.from_organisation, role=Role.ORG_ADMIN).values("user_id")
    _notify(
        User.objects.filter(pk__in=admins, is_active=True),
        fresh.from_organisation,
        NotificationKind.EXCEPTION_RELEASED,
        fresh,
    )
    fresh.refresh_from_db()
    return fresh


# -- reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRun:
    reminded: int
    escalated: int


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> ReminderRun:
    """Past the reply date: remind the recipient once; some business days later, alert its supervisors."""
    from tsunagu.audit.services import SystemActor

    today = today or timezone.localdate()
    system = SystemActor("referral_reminders")
    reminded = escalated = 0
    waiting = Referral.objects.select_related("to_organisation", "from_organisation").filter(
        status__in=rules.AWAITING_RESPONSE, respond_by__lt=today, to_organisation__isnull=False
    )
    now = timezone.now()
    for referral in waiting:
        assert referral.to_organisation is not None and referral.respond_by is not None
        if referral.reminded_at is None:
            Referral.objects.filter(pk=referral.pk).update(reminded_at=now)
            ReferralEvent.objects.create(referral=referral, kind=EventKind.REMINDED, at=now)
            _notify(_receivers(referral.to_organisation), referral.to_organisation, NotificationKind.REMINDER, referral)
            record(actor=system, action="referral.reminded", target_type="referral", target_code=referral.code)
            reminded += 1
        escalate_on = rules.add_business_days(referral.respond_by, settings.TSUNAGU_REFERRAL_ESCALATE_DAYS)
        if referral.escalated_at is None and escalate_on < today:
            Referral.objects.filter(pk=referral.pk).update(escalated_at=now)
            ReferralEvent.objects.create(referral=referral, kind=EventKind.ESCALATED, at=now)
            _notify(
                _supervisors(referral.to_organisation), referral.to_organisation, NotificationKind.ESCALATION, referral
            )
            record(actor=system, action="referral.escalated", target_type="referral", target_code=referral.code)
            escalated += 1
    return ReminderRun(reminded=reminded, escalated=escalated)
