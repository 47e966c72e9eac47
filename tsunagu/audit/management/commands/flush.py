"""``flush`` that works with the guarded tables (audit trail, provision ledger), for the test suite's teardown.

Refused in production: there, wiping the database is a restore-from-backup operation, and the
audit trail must not be erasable by a management command.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from tsunagu.audit.maintenance import GUARDED_TABLES, append_only_guard_lifted


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("flush is disabled in production: the audit trail is append-only")
        with append_only_guard_lifted(connections[options["database"]], GUARDED_TABLES):
            super().handle(**options)
