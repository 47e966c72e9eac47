"""Re-index every directory service (after an import, an upgrade, or renamed organisations or terms).

``--stale-hours`` re-indexes only the services whose opening-hours tokens run out within 45 days
(search/hours.py): run it monthly, e.g. from cron or a systemd timer. Searches keep working while
either runs; services outside their window are then checked one by one, correctly but slower.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.directory.search import index


class Command(BaseCommand):
    help = "Rebuild the directory search index (or, with --stale-hours, renew ending opening-hours windows)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--stale-hours",
            action="store_true",
            help="Only services whose opening-hours window ends within 45 days (run monthly).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"indexed {done:,} / {total:,}")

        done = index.rebuild(
            stale_hours_only=options["stale_hours"], progress=progress if options["verbosity"] > 1 else None
        )
        self.stdout.write(f"Search index: {done:,} services indexed in {time.monotonic() - started:.1f} s")
