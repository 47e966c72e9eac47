"""Retention of referrals (docs/referrals.md, "Retention").

- A finished referral (declined, completed, closed without contact, withdrawn) keeps what it carried
  about the person for the consultation retention period (TSUNAGU_CONSULTATION_RETENTION_DAYS) after
  it finished; then the shared copy, the contact instructions, the notes and the justification of a
  sharing exception are emptied. Its status, dates, organisations and items stay, for the figures.
- A provision ledger entry is deleted once its ``keep_until`` has passed (three years or more), and
  with it the withdrawal entry appended to it (same date); the database refuses any earlier deletion.
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
from tsunagu.referrals.models import Provision, ProvisionWithdrawal, Referral, SharingException


@dataclass(frozen=True)
class Erased:
    referrals: int
    provisions: int
    withdrawals: int = 0  # withdrawal entries appended to those provisions


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
    today = timezone.localdate(now)
    # A withdrawal entry keeps its provision's date and protects it: it goes first.
    withdrawals = ProvisionWithdrawal.objects.filter(keep_until__lt=today).delete()[0]
    provisions = Provision.objects.filter(keep_until__lt=today).delete()[0]
    record(
        actor=actor,
        action=ReferralAction.ERASED,
        detail={
            "referrals": referrals,
            "provisions": provisions,
            "withdrawals": withdrawals,
            "before": limit.isoformat(),
        },
    )
    return Erased(referrals=referrals, provisions=provisions, withdrawals=withdrawals)
