from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.audit import redaction
from tsunagu.audit.services import SystemActor


class Command(BaseCommand):
    help = (
        "Remove the client address from audit rows of anonymous actors stored before addresses were kept "
        "for staff only; the chain stays verifiable (docs/operations.md). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="only count the rows that hold an address")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            self.stdout.write(f"{redaction.pending()} anonymous audit rows hold an address")
            return
        try:
            removed = redaction.remove_anonymous_addresses(
                actor=SystemActor("remove_anonymous_addresses"), batch_size=max(1, options["batch_size"])
            )
        except redaction.RedactionError as error:
            raise CommandError(error.message) from error
        span = f" (seq {removed.first_seq}–{removed.last_seq})" if removed.rows else ""
        self.stdout.write(f"address removed from {removed.rows} anonymous audit rows{span}")
