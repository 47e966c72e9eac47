"""The person's consent to share: recorded with its scope, withdrawn by staff or by the person's code."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.policy import ANONYMOUS, Actor
from tsunagu.audit import aggregate
from tsunagu.audit.services import AuditActor, record, refusals_audited
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import ConsentMethod, Consultation, Person
from tsunagu.core.crypto import blind_index
from tsunagu.referrals import access, rules
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import (
    Consent,
    ConsentStatus,
    EventKind,
    Item,
    NotificationKind,
    Provision,
    ProvisionWithdrawal,
    Purpose,
    Referral,
    ReferralEvent,
    ReferralStatus,
    WithdrawnVia,
)
from tsunagu.referrals.services.common import ReferralError, Refused, subject_of
from tsunagu.referrals.services.notify import notify, receivers, senders

S = ReferralStatus

# No 0/O, 1/I/L: the person types the code from a paper slip or an SMS.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

# Items that come from a consultation's record: a person recorded directly has none of them.
CONSULTATION_ITEMS = frozenset({Item.CONCERNS, Item.SUMMARY, Item.RISK})
NO_CONSULTATION_ITEMS = _("Concerns, the summary and the risk level come from a consultation; this person has none.")


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


@refusals_audited(ConsultationAction.PERSON_RECORDED)
@transaction.atomic
def person_add(*, actor: Actor, data: consultation_services.PersonData) -> Person:
    """A support organisation records a person it supports directly (with their consent to record),
    to refer them on; a refusal is audited."""
    if not access.may_send(actor):
        raise Refused(str(_("You may not record people for referrals.")), code="not_sender", target_type="person")
    try:
        return consultation_services.person_record_direct(actor=actor, data=data)
    except consultation_services.ConsultationError as error:
        raise ReferralError(error.message, code=error.code) from error


@dataclass(frozen=True)
class ConsentRecorded:
    consent: Consent
    withdrawal_code: str  # shown once, for the person's slip; only its keyed hash is kept


@refusals_audited(ReferralAction.CONSENT_RECORDED)
@transaction.atomic
def consent_record(
    *, actor: Actor, data: ConsentData, consultation: Consultation | None = None, person: Person | None = None
) -> ConsentRecorded:
    """Record the person's consent to share, from a consultation or for a person recorded directly."""
    subject = subject_of(actor, consultation, person)
    assert actor.user is not None and actor.organisation is not None
    purposes = sorted(set(data.purposes))
    items = sorted(set(data.items))
    if not purposes or not set(purposes) <= set(Purpose.values):
        raise ReferralError(str(_("Choose what the person agreed the sharing is for.")), code="purposes")
    if not items or not set(items) <= set(Item.values):
        raise ReferralError(str(_("Choose which items the person agreed to share.")), code="items")
    if consultation is None and set(items) & CONSULTATION_ITEMS:
        raise ReferralError(str(NO_CONSULTATION_ITEMS), code="items")
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
        person=subject,
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
        action=ReferralAction.CONSENT_RECORDED,
        target_type="consent",
        target_code=consent.code,
        detail={
            "person": str(subject.code),
            "purposes": purposes,
            "items": items,
            "recipients": sorted(str(o.code) for o in data.recipients),
            "other_recipient": bool(other),
            "method": data.method,
            "expires_on": expires_on.isoformat(),
        },
    )
    return ConsentRecorded(consent=consent, withdrawal_code=code)


def _ledger_withdrawal(consent: Consent, *, at: dt.datetime, user: User | None, via: str) -> list[Provision]:
    """The provision ledger keeps its entries as written and gains one per provision that rested on
    this consent, kept as long as that provision (docs/referrals.md, "The provision ledger")."""
    provisions = list(Provision.objects.filter(consent=consent, basis="consent", withdrawal__isnull=True))
    ProvisionWithdrawal.objects.bulk_create(
        ProvisionWithdrawal(provision=p, withdrawn_at=at, via=via, recorded_by=user, keep_until=p.keep_until)
        for p in provisions
    )
    return provisions


def _withdraw(consent: Consent, *, actor: AuditActor, user: User | None, via: str) -> int:
    """Mark the consent withdrawn and append the withdrawal to the provision ledger. A referral sent
    under it loses what it carried at once and, if it was still going on, is closed; a draft (or one
    awaiting approval) only loses the consent."""
    now = timezone.now()
    Consent.objects.filter(pk=consent.pk).update(
        status=ConsentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by=user, withdrawn_via=via
    )
    consent.status, consent.withdrawn_at, consent.withdrawn_via = ConsentStatus.WITHDRAWN, now, via
    provisions = _ledger_withdrawal(consent, at=now, user=user, via=via)
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
            notify(
                receivers(referral.to_organisation),
                referral.to_organisation,
                NotificationKind.CONSENT_WITHDRAWN,
                referral,
            )
        notify(senders(referral), referral.from_organisation, NotificationKind.CONSENT_WITHDRAWN, referral)
    record(
        actor=actor,
        action=ReferralAction.CONSENT_WITHDRAWN,
        target_type="consent",
        target_code=consent.code,
        detail={
            "via": via,
            "referrals": [str(r.code) for r in affected],
            "provisions": [str(p.code) for p in provisions],
        },
    )
    return len(affected)


@refusals_audited(ReferralAction.CONSENT_WITHDRAWN)
@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent) -> int:
    """Staff record that the person withdrew their consent (by phone, in person, in writing)."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if not access.holds_consent(actor, locked):
        raise Refused(
            str(_("Only the organisation that took the consent may record its withdrawal.")),
            code="not_holder",
            target_type="consent",
            target_code=str(locked.code),
        )
    if locked.status == ConsentStatus.WITHDRAWN:
        return 0
    return _withdraw(locked, actor=actor, user=actor.user, via=WithdrawnVia.STAFF)


def consent_withdraw_by_code(*, code: str) -> bool:
    """The person withdraws with the code on their slip, without an account. A wrong code is counted
    per source and hour and reaches the audit trail as one row each (``audit.aggregate``): anyone can
    type codes, and must not grow the trail at will."""
    index = withdrawal_code_index(code)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(withdrawal_code_index=index).first()
        if consent is not None:
            if consent.status == ConsentStatus.ACTIVE:
                _withdraw(consent, actor=ANONYMOUS, user=None, via=WithdrawnVia.PERSON)
            return True
    aggregate.refusal_count(action=ReferralAction.CONSENT_WITHDRAWN, reason="wrong_code")
    return False
