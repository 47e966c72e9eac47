"""Remind recipients of referrals past their reply date, and alert their supervisors some business
days later (TSUNAGU_REFERRAL_RESPOND_DAYS, TSUNAGU_REFERRAL_ESCALATE_DAYS). Run it every morning on
business days, or daily (docs/operations.md): it sends each reminder and each escalation once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.referrals import services


class Command(BaseCommand):
    help = "Remind recipients of overdue referrals; escalate to their supervisors."

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.reminders_send()
        self.stdout.write(f"Reminded: {run.reminded}; escalated: {run.escalated}")
