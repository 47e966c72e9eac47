"""Lifting the append-only guard, for the test-database flush and for tamper drills only.

An attacker with database owner rights can do the same; that is why the HMAC chain, not the
triggers, is what proves integrity. The triggers stop mistakes and ordinary application paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"


# Tables whose rows the database guards with triggers: the audit trail (append-only) and the
# referrals' provision ledger with its appended withdrawal entries (no deletion within their
# retention period). Names, not imports: the flush below must lift every guard, and `audit` imports
# no outer app.
GUARDED_TABLES = (TABLE, "referrals_provision", "referrals_provisionwithdrawal")


@contextmanager
def append_only_guard_lifted(connection: BaseDatabaseWrapper, tables: Sequence[str] = (TABLE,)) -> Iterator[None]:
    present = set(connection.introspection.table_names())
    tables = [t for t in tables if t in present]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            triggers: list[tuple[str, str]] = []
            for table in tables:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
                triggers += cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for _, sql in triggers:
                    cursor.execute(sql)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    else:  # pragma: no cover - settings allow only SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
