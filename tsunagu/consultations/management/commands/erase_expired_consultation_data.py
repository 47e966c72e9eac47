"""Erase personal details past the retention period (TSUNAGU_CONSULTATION_RETENTION_DAYS after the
last contact); the consultations stay as anonymous statistics. Run it daily (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.audit.services import SystemActor
from tsunagu.consultations import retention


class Command(BaseCommand):
    help = "Erase personal details of consultations and people past the retention period (keeps anonymous figures)."

    def handle(self, *args: Any, **options: Any) -> None:
        erased = retention.erase_expired(actor=SystemActor(label="erase_expired_consultation_data"))
        self.stdout.write(
            f"Erased: {erased.people} people, {erased.consultations} consultations, {erased.messages} messages"
        )
