"""Escalate handovers (warm transfers) nobody joined within TSUNAGU_HANDOVER_TIMEOUT_SECONDS
(docs/consultations.md, "The shared queue"). The first counsellor's open page checks too; this is
the backstop for a page that was closed. Run it every minute from the scheduler; each handover
escalates once, even when runs overlap."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.consultations import services


class Command(BaseCommand):
    help = "Escalate handovers that nobody joined in time."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Handovers escalated: {services.handovers_check()}")
