"""Reads of referrals, scoped to what the actor may see (docs/referrals.md, "Access")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.accounts.selectors import organisations_with
from tsunagu.consultations.indexes import person_phone_index
from tsunagu.consultations.models import Consultation, Person
from tsunagu.core.crypto import normalise_phone
from tsunagu.directory.models import Service, ServiceStatus
from tsunagu.referrals import access, rules
from tsunagu.referrals.models import (
    Consent,
    ConsentStatus,
    ExceptionStatus,
    Notification,
    Provision,
    Referral,
    ReferralStatus,
    SharingException,
)


def people_direct(*, actor: Actor, limit: int = 200) -> list[Person]:
    """The people the actor's organisation recorded directly, newest first."""
    return list(Person.objects.filter(access.people_direct_q(actor)).order_by("-created_at")[:limit])


def shared_for(actor: Actor, referral: Referral) -> dict[str, dict[str, Any]]:
    """What was shared, as the actor may see it now; the server's consent check on every read.

    The recipient sees it while the referral is in a state that needs it and the consent stands (or
    the exception was approved); never after a withdrawal or a decline.
    """
    side = access.side_of(actor, referral)
    if side is None or not referral.shared or referral.consent_withdrawn_at is not None:
        return {}
    if side == access.RECIPIENT:
        if referral.status not in rules.RECIPIENT_READS:
            return {}
        if referral.consent_id is not None:
            consent = Consent.objects.only("status").get(pk=referral.consent_id)
            if consent.status != ConsentStatus.ACTIVE:
                return {}
        elif not referral.exceptions.filter(status=ExceptionStatus.APPROVED).exists():
            return {}
    shared: dict[str, dict[str, Any]] = json.loads(referral.shared)
    return {item: values for item, values in shared.items() if item in referral.items}


def _listed(q: Q) -> QuerySet[Referral]:
    return Referral.objects.filter(q).select_related("from_organisation", "to_organisation", "from_user")


def sent(*, actor: Actor, overdue: bool = False) -> QuerySet[Referral]:
    found = _listed(access.sent_q(actor))
    return _overdue(found) if overdue else found


def received(*, actor: Actor, overdue: bool = False) -> QuerySet[Referral]:
    found = _listed(access.received_q(actor))
    return _overdue(found) if overdue else found


def _overdue(found: QuerySet[Referral]) -> QuerySet[Referral]:
    return found.filter(status__in=rules.AWAITING_RESPONSE, respond_by__lt=timezone.localdate()).order_by("respond_by")


def counts(*, actor: Actor) -> dict[str, int]:
    today = timezone.localdate()
    overdue = Q(status__in=rules.AWAITING_RESPONSE, respond_by__lt=today)
    return {
        "sent_overdue": Referral.objects.filter(access.sent_q(actor) & overdue).count(),
        "received_new": received_new_count(actor=actor),
        "received_overdue": Referral.objects.filter(access.received_q(actor) & overdue).count(),
        "unread": unread_count(actor=actor),
    }


def received_new_count(*, actor: Actor) -> int:
    """Referrals sent to the actor's organisation that nobody there has opened yet."""
    return Referral.objects.filter(access.received_q(actor), status=ReferralStatus.SENT).count()


def exception_of(*, referral: Referral) -> SharingException | None:
    """The referral's latest request to share without consent, with who asked and who decided."""
    return referral.exceptions.select_related("requested_by", "decided_by").first()


def pending_exception(*, referral: Referral) -> SharingException | None:
    return SharingException.objects.filter(referral=referral, status=ExceptionStatus.PENDING).first()


def consents_of(*, person: Person, organisation: Organisation) -> list[Consent]:
    return list(
        Consent.objects.filter(person=person, organisation=organisation)
        .select_related("taken_by")
        .prefetch_related("recipients")
    )


def referrals_of(*, person: Person) -> list[Referral]:
    return list(person.referrals.select_related("to_organisation").order_by("-created_at"))


def service_by_code(code: UUID) -> Service | None:
    """A directory service chosen as a recipient (a suggestion), with its organisation."""
    return Service.objects.select_related("organisation").filter(code=code).first()


def referrals_of_consultation(*, consultation: Consultation) -> list[Referral]:
    """The referrals started from this consultation, newest first, with their state."""
    return list(
        Referral.objects.filter(consultation=consultation).select_related("to_organisation").order_by("-created_at")
    )


def receiving_organisations(*, exclude: Organisation | None) -> QuerySet[Organisation]:
    """Organisations in tsunagu with someone who may receive referrals."""
    found = organisations_with(perm=Perm.REFERRAL_RECEIVE)
    return found.exclude(pk=exclude.pk) if exclude is not None else found


@dataclass(frozen=True)
class Suggestion:
    service: Service
    matches: int


def suggestions(*, consultation: Consultation | None, exclude: Organisation | None, limit: int = 8) -> list[Suggestion]:
    """Services open to referrals, of organisations that receive them in tsunagu, that serve the
    consultation's concerns (most shared concerns first)."""
    concern_ids = list(consultation.concerns.values_list("pk", flat=True)) if consultation is not None else []
    receivers = receiving_organisations(exclude=exclude).values("pk")
    found = Service.objects.filter(
        accepts_referrals=True, status=ServiceStatus.ACTIVE, organisation_id__in=receivers
    ).select_related("organisation")
    if concern_ids:
        found = found.annotate(
            matches=Count("attributes", filter=Q(attributes__taxonomy_term_id__in=concern_ids), distinct=True)
        ).order_by("-matches", "name")
    else:
        found = found.annotate(matches=Count("pk", filter=Q(pk__in=[]))).order_by("name")
    return [Suggestion(service=s, matches=int(s.matches)) for s in found[:limit]]  # type: ignore[attr-defined]


# -- the provision ledger ------------------------------------------------------------------------


def ledger(*, actor: Actor, phone: str = "") -> QuerySet[Provision]:
    """Entries the organisation made or received. A search by phone number finds the organisation's
    own people only (a recipient must not learn a name by trying numbers)."""
    found = Provision.objects.filter(access.ledger_q(actor)).select_related(
        "person",
        "from_organisation",
        "to_organisation",
        "provided_by",
        "received_by",
        "referral",
        "consent",
        "withdrawal",  # the entry appended when the consent was withdrawn, shown with the provision
    )
    if phone:
        digits = normalise_phone(phone)
        index = person_phone_index(digits) if digits else "-"
        found = found.filter(from_organisation=actor.organisation, person__phone_index=index)
    return found


@dataclass(frozen=True)
class LedgerEntry:
    """An entry as the actor's organisation may see it: its own people by name, a person it received
    data about only by what was shared."""

    provision: Provision
    label: str
    ours: bool


def entries_of(*, actor: Actor, provisions: Iterable[Provision]) -> list[LedgerEntry]:
    org = actor.organisation.pk if actor.organisation is not None else None
    return [
        LedgerEntry(
            provision=p,
            label=p.person_label if p.from_organisation_id == org else p.recipient_label,
            ours=p.from_organisation_id == org,
        )
        for p in provisions
    ]


def ledger_of_person(*, actor: Actor, person: Person) -> list[Provision]:
    """What the actor's organisation provided about one of its people (for a disclosure request)."""
    return list(
        ledger(actor=actor).filter(person=person, from_organisation=actor.organisation).order_by("provided_at", "pk")
    )


def person_in_ledger(*, actor: Actor, code: UUID | str) -> Person | None:
    """A person the actor's organisation holds (recorded from its consultations or directly)."""
    if not access.may_view_ledger(actor):
        return None
    return Person.objects.filter(code=code, organisation=actor.organisation).first()


def exceptions_report(*, actor: Actor) -> QuerySet[Provision]:
    """Every provision without consent that the actor's organisation made, for review."""
    return (
        ledger(actor=actor)
        .filter(from_organisation=actor.organisation)
        .exclude(basis="consent")
        .select_related("exception__requested_by", "exception__decided_by")
    )


# -- the inbox -----------------------------------------------------------------------------------


def inbox(*, actor: Actor, limit: int = 100) -> list[Notification]:
    if actor.user is None or actor.organisation is None:
        return []
    return list(
        Notification.objects.filter(user=actor.user, organisation=actor.organisation)
        .select_related("referral")
        .order_by("-created_at", "-id")[:limit]
    )


def unread_count(*, actor: Actor) -> int:
    if actor.user is None or actor.organisation is None:
        return 0
    return Notification.objects.filter(user=actor.user, organisation=actor.organisation, read_at__isnull=True).count()
