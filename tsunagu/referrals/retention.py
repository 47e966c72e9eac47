"""Retention of referrals (docs/referrals.md, "Retention").

- A finished referral (declined, completed, closed without contact, withdrawn) keeps what it carried
  about the person for the consultation retention period (TSUNAGU_CONSULTATION_RETENTION_DAYS) after
  it finished; then the shared copy, the contact instructions, the notes and the justification of a
  sharing exception are emptied. Its status, dates, organisations and items stay, for the figures.
- A provision ledger entry is deleted once its ``keep_until`` has passed (three years or more); the
  database refuses any earlier deletion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tsunagu.audit.services import AuditActor, record
from tsunagu.referrals import rules
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import Provision, Referral, SharingException


@dataclass(frozen=True)
class Erased:
    referrals: int
    provisions: int


@transaction.atomic
def erase_expired(*, actor: AuditActor, now: dt.datetime | None = None) -> Erased:
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.TSUNAGU_CONSULTATION_RETENTION_DAYS)
    finished = Referral.objects.filter(erased_at__isnull=True, updated_at__lt=limit).exclude(status__in=rules.OPEN)
    ids = list(finished.values_list("pk", flat=True))
    SharingException.objects.filter(referral_id__in=ids).update(justification="", decision_note="")
    referrals = Referral.objects.filter(pk__in=ids).update(
        shared="", contact_when="", contact_note="", response_note="", outcome_note="", erased_at=now
    )
    provisions = Provision.objects.filter(keep_until__lt=timezone.localdate(now)).delete()[0]
    record(
        actor=actor,
        action=ReferralAction.ERASED,
        detail={"referrals": referrals, "provisions": provisions, "before": limit.isoformat()},
    )
    return Erased(referrals=referrals, provisions=provisions)
