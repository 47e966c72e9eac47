"""Reminders: past the reply date the recipient is reminded once; some business days later its
supervisors are alerted (``send_referral_reminders``, run by the scheduler)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tsunagu.audit.services import SystemActor, record
from tsunagu.referrals import rules
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import EventKind, NotificationKind, Referral, ReferralEvent
from tsunagu.referrals.services.notify import notify, receivers, supervisors


@dataclass(frozen=True)
class ReminderRun:
    reminded: int
    escalated: int


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> ReminderRun:
    """Past the reply date: remind the recipient once; some business days later, alert its supervisors."""
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
            notify(receivers(referral.to_organisation), referral.to_organisation, NotificationKind.REMINDER, referral)
            record(actor=system, action=ReferralAction.REMINDED, target_type="referral", target_code=referral.code)
            reminded += 1
        escalate_on = rules.add_business_days(referral.respond_by, settings.TSUNAGU_REFERRAL_ESCALATE_DAYS)
        if referral.escalated_at is None and escalate_on < today:
            Referral.objects.filter(pk=referral.pk).update(escalated_at=now)
            ReferralEvent.objects.create(referral=referral, kind=EventKind.ESCALATED, at=now)
            notify(
                supervisors(referral.to_organisation), referral.to_organisation, NotificationKind.ESCALATION, referral
            )
            record(actor=system, action=ReferralAction.ESCALATED, target_type="referral", target_code=referral.code)
            escalated += 1
    return ReminderRun(reminded=reminded, escalated=escalated)
