"""Making a referral: the draft, the consent check, and the release that sends it.

The server decides whether personal data may travel; forms only mirror it. A referral is released
(sent) only with an active consent that covers the recipient and every item, or with a sharing
exception a second supervisor approved. Releasing copies the items' values into the referral,
writes the provision ledger entry, the events, the audit rows and the notifications in one
transaction: all of them or none. A refusal is audited after the rollback, so it stays.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.consultations.models import Consultation, Person
from tsunagu.directory.models import Service
from tsunagu.referrals import rules
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import (
    Consent,
    EventKind,
    Handoff,
    Item,
    Means,
    NotificationKind,
    Provision,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SharingException,
)
from tsunagu.referrals.services.common import (
    CONSENT_MESSAGES,
    Conflict,
    ReferralError,
    Refused,
    conflict_message,
    lock,
    require_sender,
    subject_of,
)
from tsunagu.referrals.services.consent import CONSULTATION_ITEMS, NO_CONSULTATION_ITEMS
from tsunagu.referrals.services.notify import notify, receivers

S = ReferralStatus


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


def _validated(actor: Actor, data: ReferralData, *, has_consultation: bool) -> dict[str, Any]:
    external = data.external_name.strip()
    if (data.to_organisation is None) == (not external):
        raise ReferralError(
            str(_("Choose one recipient: an organisation in tsunagu, or one outside it by name.")), code="recipient"
        )
    if data.to_organisation is not None:
        check_recipient(actor, data.to_organisation)
    if data.to_service is not None and data.to_service.organisation_id != getattr(data.to_organisation, "pk", None):
        raise ReferralError(str(_("The service belongs to another organisation.")), code="service")
    items = sorted(set(data.items))
    if not set(items) <= set(Item.values):
        raise ReferralError(str(_("Choose items from the list.")), code="items")
    if not has_consultation and set(items) & CONSULTATION_ITEMS:
        raise ReferralError(str(NO_CONSULTATION_ITEMS), code="items")
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
        raise Refused(
            str(CONSENT_MESSAGES["consent_missing"]),
            code="consent_missing",
            target_type="referral",
            target_code=target,
            action=ReferralAction.SENT,
        )
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
        raise Refused(
            str(CONSENT_MESSAGES["consent_other"]),
            code="consent_other",
            target_type="referral",
            target_code=target,
            action=ReferralAction.SENT,
        )
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
        raise Refused(
            str(CONSENT_MESSAGES[gap]), code=gap, target_type="referral", target_code=target, action=ReferralAction.SENT
        )
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

    try:
        return _referral_create(
            actor=actor,
            consultation=consultation,
            person=person,
            data=data,
            key=key,
            consent_code=consent_code,
            send=send,
        )
    except IntegrityError:
        # A double submission raced the first one to the unique key: the first one's referral stands.
        existing = Referral.objects.filter(from_organisation=actor.organisation, idempotency_key=key).first()
        if existing is None:
            raise
        return existing


@refusals_audited(ReferralAction.CREATED)
@transaction.atomic
def _referral_create(
    *,
    actor: Actor,
    consultation: Consultation | None,
    person: Person | None,
    data: ReferralData,
    key: str,
    consent_code: UUID | str | None,
    send: bool,
) -> Referral:
    existing = Referral.objects.filter(from_organisation=actor.organisation, idempotency_key=key).first()
    if existing is not None:
        return existing
    subject = person
    person = subject_of(actor, consultation, subject)
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
        action=ReferralAction.CREATED,
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
        release(actor, referral, consent=consent, exception=None)
    return referral


@refusals_audited(ReferralAction.SENT)
@transaction.atomic
def referral_send(*, actor: Actor, referral: Referral, version: int, consent_code: UUID | str | None) -> Referral:
    """Send a draft under a consent."""
    locked = lock(referral, version)
    require_sender(actor, locked, action=ReferralAction.SENT)
    subject_of(actor, locked.consultation, locked.person)
    if locked.status != S.DRAFT:
        raise Conflict(conflict_message(locked), code="state")
    consent = _consent_for(actor, locked, consent_code)
    Referral.objects.filter(pk=locked.pk).update(consent=consent)
    locked.consent = consent
    release(actor, locked, consent=consent, exception=None)
    return locked


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


def check_recipient(actor: Actor, organisation: Organisation) -> None:
    if actor.organisation is not None and organisation.pk == actor.organisation.pk:
        raise ReferralError(str(_("A referral goes to another organisation.")), code="recipient")
    if not organisation.is_active or not receivers(organisation):
        raise ReferralError(
            str(_("This organisation does not receive referrals in tsunagu. Print a referral sheet instead.")),
            code="recipient",
        )


def provision_keep_until(day: dt.date) -> dt.date:
    years = settings.TSUNAGU_PROVISION_KEEP_YEARS
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def release(actor: Actor, referral: Referral, *, consent: Consent | None, exception: SharingException | None) -> None:
    """Send: the shared copy, the ledger entry, the event, the audit rows and notifications, together."""
    assert actor.user is not None and actor.organisation is not None
    now = timezone.now()
    external = referral.is_external
    if referral.to_organisation is not None:
        check_recipient(actor, referral.to_organisation)
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
        raise Conflict(conflict_message(referral), code="state")
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
        keep_until=provision_keep_until(timezone.localdate()),
    )
    ReferralEvent.objects.create(
        referral=referral, kind=EventKind.SENT, at=now, by_user=actor.user, by_organisation=actor.organisation
    )
    record(
        actor=actor,
        action=ReferralAction.SENT,
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
        action=ReferralAction.PROVISION_RECORDED,
        target_type="provision",
        target_code=provision.code,
        detail={"referral": str(referral.code), "items": referral.items, "basis": provision.basis},
    )
    if referral.to_organisation is not None:
        notify(receivers(referral.to_organisation), referral.to_organisation, NotificationKind.RECEIVED, referral)
