"""Create (idempotently) the demo participation in the shared consultation queue. Refused in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.consultations import demo


class Command(BaseCommand):
    help = "Demo: the demo helpline and council of social welfare answer the shared queue; one chat waits."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.TSUNAGU_DEMO:
            raise CommandError("seed_consultation_demo refuses to run in production mode or with TSUNAGU_DEMO=false")
        try:
            result = demo.seed()
        except demo.DemoDataMissing as exc:
            raise CommandError(f"Cannot set up the demo intake: {exc}") from exc
        waiting = "one demo chat waits in the queue" if result.waiting_chat_created else "demo chats already there"
        self.stdout.write(f"Demo intake: {result.participants} organisations answer the shared queue; {waiting}")
