"""Empty what finished referrals carried past the retention period, and delete provision ledger
entries past their keep date. Run it daily (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.audit.services import SystemActor
from tsunagu.referrals import retention


class Command(BaseCommand):
    help = "Erase personal details of finished referrals past retention; delete ledger entries past their keep date."

    def handle(self, *args: Any, **options: Any) -> None:
        erased = retention.erase_expired(actor=SystemActor(label="erase_expired_referral_data"))
        self.stdout.write(f"Erased: {erased.referrals} referrals; deleted {erased.provisions} ledger entries")
