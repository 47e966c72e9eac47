"""Write the audit rows of refused machine calls whose hour has passed (tsunagu/audit/aggregate.py).

Each refusal records the earlier hours' counts already; run this hourly (docs/operations.md) so
that an hour after which nobody called is recorded too.
"""

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.audit.aggregate import refusal_counts_record


class Command(BaseCommand):
    help = "Record the counts of refused machine calls (CTI, LINE) of past hours in the audit trail."

    def handle(self, *args: Any, **options: Any) -> None:
        written = refusal_counts_record()
        self.stdout.write(f"recorded {written} count(s) of refused machine calls")
