"""Create (idempotently) a small, realistic directory for the demo. Refused in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tsunagu.directory import demo


class Command(BaseCommand):
    help = (
        "Create (idempotently) the demo directory: real national crisis and consultation lines and fictional "
        "local services of the demo organisations. Needs load_areas and seed_demo first. Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION or not settings.TSUNAGU_DEMO:
            raise CommandError("seed_directory_demo refuses to run in production mode or with TSUNAGU_DEMO=false")
        try:
            result = demo.seed(today=timezone.localdate())
        except demo.DemoDataMissing as exc:
            raise CommandError(f"Cannot create the demo directory: {exc}") from exc
        self.stdout.write(
            f"Demo directory: {result.created} services created, {result.existing} already there (source 'demo')"
        )
