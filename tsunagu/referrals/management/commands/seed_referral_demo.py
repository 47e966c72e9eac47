"""Create (idempotently) one demo referral from the demo helpline to the demo council of social
welfare. Refused in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.referrals import demo


class Command(BaseCommand):
    help = "Demo: one referral from the demo helpline to the demo council of social welfare."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.TSUNAGU_DEMO:
            raise CommandError("seed_referral_demo refuses to run in production mode or with TSUNAGU_DEMO=false")
        try:
            result = demo.seed()
        except demo.DemoDataMissing as exc:
            raise CommandError(f"Cannot set up the demo referral: {exc}") from exc
        self.stdout.write(
            "Demo referral: "
            + ("one sent to the demo council of social welfare" if result.created else "already there")
        )
