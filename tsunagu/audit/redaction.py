"""Removing the client address from audit rows of anonymous actors stored before addresses were kept
for staff only (docs/security.md, "Client addresses"), without breaking the chain.

A row's ``hmac`` covers its address, so a row without it can no longer be checked against its
``hmac``. Each row is therefore first checked as it stands (its ``hmac`` must hold), then its address
is removed and ``redaction_hmac`` set: the HMAC of its links and its remaining content
(``chain.sign_redaction``), by which ``verify_chain`` checks it from then on. ``hmac`` itself stays,
so every link of the chain holds as before. The database triggers let through exactly this change
(migration 0003), and the run ends with one ``audit.addresses_removed`` row in the chain (how many
rows, which numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from tsunagu.audit import chain
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import AuditActor, record, verify_chain
from tsunagu.core.errors import ServiceError


class RedactionError(ServiceError):
    pass


_REDACT_SQL = f"UPDATE {AuditEvent._meta.db_table} SET ip = NULL, redaction_hmac = %s WHERE id = %s"  # noqa: S608 - constants only


@dataclass(frozen=True)
class Removed:
    rows: int
    first_seq: int | None
    last_seq: int | None


def pending() -> int:
    """Anonymous actors' rows that still hold an address."""
    return _pending().count()


def _pending() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor_code__isnull=True, ip__isnull=False, redaction_hmac__isnull=True)


def remove_anonymous_addresses(*, actor: AuditActor, batch_size: int = 500) -> Removed:
    """Refused on a chain that does not verify: the redaction attests each row's remaining content,
    so it must never attest a row that was altered."""
    result = verify_chain()
    if not result.ok:
        raise RedactionError(
            f"audit chain broken at seq {result.first_broken_seq}: {result.reason}; nothing was changed",
            code="chain_broken",
        )
    removed, first, last = 0, None, None
    while True:
        with transaction.atomic():
            rows = list(_pending().order_by("seq").values()[:batch_size])
            if not rows:
                break
            redacted = []
            for row in rows:
                if not chain.content_holds(row["prev_hmac"], row):
                    raise RedactionError(f"audit row {row['seq']} does not match its hmac", code="row_altered")
                content = chain.content_of({**row, "ip": None})
                redacted.append((chain.sign_redaction(row["prev_hmac"], row["hmac"], content), row["id"]))
            # Plain SQL: bulk_update's CASE expressions cost three times the rest of the work.
            with connection.cursor() as cursor:
                cursor.executemany(_REDACT_SQL, redacted)
        removed += len(rows)
        first = rows[0]["seq"] if first is None else first
        last = rows[-1]["seq"]
    if removed:
        with transaction.atomic():
            record(
                actor=actor,
                action=AuditTrailAction.ADDRESSES_REMOVED,
                detail={"rows": removed, "from": first, "to": last},
            )
    return Removed(rows=removed, first_seq=first, last_seq=last)
