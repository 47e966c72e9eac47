"""Who may see and act on a referral, a consent, a sharing exception and the provision ledger: the
one place where these rules are written (docs/referrals.md, "Access"; docs/architecture.md, "Rules").

The views ask through ``access_referral`` and its siblings: a referral the actor may not know
exists (neither its sender nor, once it was sent, its recipient) is a 404 with its one "denied"
row; one they know but may not act on (the recipient asking to withdraw it) is a 403. The services
ask the same predicates and raise ``Refused``, audited after the rollback. Every display of a
referral writes ``referral.read``; every display of what it carries about the person writes
``personal_data.read`` naming the items (never their values).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, deny, not_found
from tsunagu.accounts.policy import Actor, Perm, Role
from tsunagu.audit.services import record, record_personal_data_read
from tsunagu.consultations import access as consultation_access
from tsunagu.consultations.models import Consultation, Person
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import Consent, Referral, SharingException

SENDER = "sender"
RECIPIENT = "recipient"

# -- rules --------------------------------------------------------------------------------------


def may_send(actor: Actor) -> bool:
    """Record a person's consent to share and refer them, from one's own organisation's records."""
    return actor.organisation is not None and actor.has(Perm.REFERRAL_SEND)


def may_receive(actor: Actor) -> bool:
    """See what was shared with one's organisation, accept, report the outcome."""
    return actor.organisation is not None and actor.has(Perm.REFERRAL_RECEIVE)


def may_use_referrals(actor: Actor) -> bool:
    return may_send(actor) or may_receive(actor)


def may_approve_exceptions(actor: Actor) -> bool:
    """Approve, as the second person, sharing without consent (APPI Art. 27(1) / Art. 69)."""
    return actor.organisation is not None and actor.has(Perm.SHARING_EXCEPTION_APPROVE)


def may_view_ledger(actor: Actor) -> bool:
    """The organisation's provision ledger (提供記録) and its report of provisions without consent."""
    return actor.organisation is not None and actor.has(Perm.PROVISION_LEDGER_VIEW)


def is_sender(actor: Actor, referral: Referral) -> bool:
    return may_send(actor) and actor.organisation is not None and referral.from_organisation_id == actor.organisation.pk


def is_recipient(actor: Actor, referral: Referral) -> bool:
    """The recipient knows a referral from the moment it was sent: never a draft, never one that
    waits for approval, never a draft the sender withdrew."""
    return (
        may_receive(actor)
        and actor.organisation is not None
        and referral.to_organisation_id == actor.organisation.pk
        and referral.sent_at is not None
    )


def side_of(actor: Actor, referral: Referral) -> str | None:
    """Which side the actor reads from, or None when they may not know the referral exists."""
    if is_sender(actor, referral):
        return SENDER
    if is_recipient(actor, referral):
        return RECIPIENT
    return None


def sent_q(actor: Actor) -> Q:
    return Q(from_organisation=actor.organisation) if may_send(actor) else Q(pk__in=[])


def received_q(actor: Actor) -> Q:
    if not may_receive(actor):
        return Q(pk__in=[])
    return Q(to_organisation=actor.organisation, sent_at__isnull=False)


def may_refer_from(actor: Actor, consultation: Consultation) -> bool:
    """From a consultation: its handler, or a supervisor of the handling organisation, who may refer."""
    return may_send(actor) and consultation_access.may_write_consultation(actor, consultation)


def may_act_for_directly(actor: Actor, person: Person) -> bool:
    """A person a support organisation recorded itself (no consultation): its members who may refer
    act for them. People recorded from a consultation are reached through the consultation."""
    return (
        may_send(actor)
        and actor.organisation is not None
        and person.organisation_id == actor.organisation.pk
        and not person.consultations.exists()
    )


def people_direct_q(actor: Actor) -> Q:
    """The people the actor's organisation recorded directly (for ``may_act_for_directly``, as a list)."""
    if not may_send(actor):
        return Q(pk__in=[])
    return Q(organisation=actor.organisation, erased_at__isnull=True, consultations__isnull=True)


def holds_consent(actor: Actor, consent: Consent) -> bool:
    """The organisation that took a consent keeps it: only it records its withdrawal or refers under it."""
    return may_send(actor) and actor.organisation is not None and consent.organisation_id == actor.organisation.pk


def may_decide_exception(actor: Actor, exception: SharingException, referral: Referral) -> bool:
    """A supervisor of the sending organisation other than the one who asked (two people decide)."""
    return (
        may_approve_exceptions(actor)
        and actor.organisation is not None
        and actor.user is not None
        and referral.from_organisation_id == actor.organisation.pk
        and exception.requested_by_id != actor.user.pk
    )


def ledger_q(actor: Actor) -> Q:
    """Entries of provisions the actor's organisation made or received."""
    if not may_view_ledger(actor):
        return Q(pk__in=[])
    return Q(from_organisation=actor.organisation) | Q(to_organisation=actor.organisation)


#: Who is told when personal data was released without consent: the organisation's administrators,
#: who answer the person's disclosure requests from the ledger (they do not open referrals).
TOLD_OF_RELEASE_WITHOUT_CONSENT = frozenset({Role.ORG_ADMIN})


# -- doors of views -----------------------------------------------------------------------------


def _load(code: UUID | str) -> Referral | None:
    try:
        return (
            Referral.objects.select_related(
                "from_organisation", "from_user", "to_organisation", "to_service", "consent", "person", "consultation"
            )
            .filter(code=code)
            .first()
        )
    except ValidationError:
        return None


def access_referral(request: HttpRequest, code: UUID, *, sender_only: bool = False) -> tuple[Referral, str]:
    """The referral and the side (sender or recipient) the actor reads it from. With
    ``sender_only``, the recipient, who knows the referral, gets a 403."""
    referral = _load(code)
    side = side_of(actor_of(request), referral) if referral is not None else None
    if referral is None or side is None:
        raise not_found(request, target_type="referral", target_code=str(code))
    if sender_only and side != SENDER:
        deny(request, reason="not_sender", target_type="referral", target_code=str(code))
        raise PermissionDenied
    return referral, side


def access_consent(request: HttpRequest, code: UUID) -> Consent:
    """A consent of the actor's organisation (anyone else may not know it exists)."""
    try:
        consent = Consent.objects.select_related("consultation", "person").filter(code=code).first()
    except ValidationError:
        consent = None
    if consent is None or not holds_consent(actor_of(request), consent):
        raise not_found(request, target_type="consent", target_code=str(code))
    return consent


def access_person(request: HttpRequest, code: UUID) -> Person:
    """A person the actor's organisation recorded directly, to refer them on."""
    person = Person.objects.filter(code=code, erased_at__isnull=True).first()
    if person is None or not may_act_for_directly(actor_of(request), person):
        raise not_found(request, target_type="person", target_code=str(code))
    return person


def record_read(request: HttpRequest, referral: Referral, *, side: str, items: list[str]) -> None:
    actor = actor_of(request)
    record(
        actor=actor,
        action=ReferralAction.READ,
        target_type="referral",
        target_code=referral.code,
        detail={"side": side},
    )
    if items:
        record_personal_data_read(actor=actor, target_type="referral", target_code=referral.code, fields=items)
