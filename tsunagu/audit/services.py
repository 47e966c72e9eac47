"""Writing the audit trail. Callers pass who acted; the request id and address come from context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, ParamSpec, Protocol, TypeVar, cast
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from tsunagu.audit import chain
from tsunagu.audit.actions import AuditAction, AuditTrailAction, of
from tsunagu.audit.models import AuditEvent, Outcome
from tsunagu.core import request_context
from tsunagu.core.errors import Refused

P = ParamSpec("P")
T = TypeVar("T")

# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK_ID = 7_020_011


class AuditActor(Protocol):
    """Who acted. ``tsunagu.accounts.policy.Actor`` satisfies it; so does ``SystemActor``."""

    @property
    def audit_actor_code(self) -> UUID | None: ...

    @property
    def audit_actor_label(self) -> str: ...

    @property
    def audit_org_code(self) -> UUID | None: ...


class SystemActor:
    """Management commands and scheduled jobs."""

    def __init__(self, label: str = "system") -> None:
        self.audit_actor_code: UUID | None = None
        self.audit_actor_label = label
        self.audit_org_code: UUID | None = None


_HEAD_SQL = f"SELECT seq, hmac FROM {AuditEvent._meta.db_table} ORDER BY seq DESC LIMIT 1"  # noqa: S608 - constants only


def _lock_and_read_head() -> tuple[int, str] | None:
    """Serialise appenders, then read the newest row (the chain's head).

    PostgreSQL: a transaction-scoped advisory lock, sent with the head query in one round trip;
    under READ COMMITTED the second statement takes its snapshot after the lock is held, so it
    sees the row the previous holder committed. SQLite: every transaction is BEGIN IMMEDIATE
    (settings), so the write lock is already held. Plain SQL: the ORM's query building cost more
    than the query itself on this hot path (docs/performance.md).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK_ID}); {_HEAD_SQL}")
            cursor.nextset()
        else:
            cursor.execute(_HEAD_SQL)
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def record(
    *,
    actor: AuditActor,
    action: AuditAction,
    target_type: str = "",
    target_code: str | UUID = "",
    outcome: str = Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Joins the caller's transaction, so the change and its audit row commit together.

    ``action`` must be a member of the vocabulary (audit/actions.py): a free string is refused, so
    every stored action has a label for the auditor."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action {action!r} is not in the vocabulary (tsunagu/audit/actions.py)")
    return _append(
        actor=actor,
        action=action.value,
        target_type=target_type,
        target_code=target_code,
        outcome=outcome,
        detail=detail,
    )


def _append(
    *,
    actor: AuditActor,
    action: str,
    target_type: str = "",
    target_code: str | UUID = "",
    outcome: str = Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """The chained append itself, for any stored string (``record`` admits only the vocabulary; tests
    use this to write rows as they were stored before it)."""
    meta = request_context.current()
    # savepoint=False: inside a service's transaction the audit row needs no savepoint of its own
    # (two round trips saved); if it fails, the whole change fails with it, as it must.
    with transaction.atomic(savepoint=False):
        last = _lock_and_read_head()
        seq, prev = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
        occurred_at = timezone.now()
        # The client's address: a staff member's is kept (security monitoring, docs/security.md).
        # An anonymous actor's (a resident, LINE, a failed sign-in) is not: its row keeps only the
        # pseudonym of the day, so abuse from one source shows within a day but cannot be followed
        # across days, nor back to an address once the consultation is erased.
        ip = meta.ip if meta else None
        if ip is not None and actor.audit_actor_code is None:
            client = request_context.client_of_day(ip, timezone.localdate(occurred_at))
            detail, ip = {**(detail or {}), "client": client}, None
        fields: dict[str, Any] = {
            "seq": seq,
            "occurred_at": occurred_at,
            "actor_code": actor.audit_actor_code,
            "actor_label": actor.audit_actor_label[:150],
            "org_code": actor.audit_org_code,
            "action": action,
            "target_type": target_type,
            "target_code": str(target_code),
            "outcome": str(outcome),
            "ip": ip,
            "request_id": meta.request_id if meta else "",
            "detail": detail or {},
        }
        signature = chain.sign(prev, chain.canonical(**fields))
        return AuditEvent.objects.create(**fields, prev_hmac=prev, hmac=signature)


def record_denied(
    *,
    actor: AuditActor,
    action: AuditAction,
    target_type: str = "",
    target_code: str | UUID = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_code=target_code,
        outcome=Outcome.DENIED,
        detail=detail,
    )


def record_personal_data_read(
    *, actor: AuditActor, target_type: str, target_code: str | UUID, fields: list[str]
) -> AuditEvent:
    """Every display of decrypted personal data leaves a row naming the fields (not their values)."""
    return record(
        actor=actor,
        action=AuditTrailAction.PERSONAL_DATA_READ,
        target_type=target_type,
        target_code=target_code,
        detail={"fields": sorted(fields)},
    )


_NOBODY = SystemActor(label="anonymous")


def refusals_audited(action: AuditAction) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Around a service (outside its transaction): a ``Refused`` it raises is recorded as one
    "denied" row after the service's transaction rolled back, then raised again for the caller.
    The service's ``actor`` keyword argument is the audit actor (anonymous when it has none)."""

    def decorator(service: Callable[P, T]) -> Callable[P, T]:
        @wraps(service)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return service(*args, **kwargs)
            except Refused as refusal:
                actor = kwargs.get("actor")
                attempted = (of(refusal.action) if refusal.action else None) or action
                with transaction.atomic():
                    record_denied(
                        actor=cast(AuditActor, actor) if actor is not None else _NOBODY,
                        action=attempted,
                        target_type=refusal.target_type,
                        target_code=refusal.target_code,
                        detail={"reason": refusal.code},
                    )
                raise

        return wrapped

    return decorator


def verify_chain(*, batch_size: int = 2000) -> chain.VerifyResult:
    """Recompute every HMAC in order; report the first row whose content or link does not hold."""
    expected_seq = 1
    prev = chain.GENESIS
    checked = 0
    rows = cast(Iterator[dict[str, Any]], AuditEvent.objects.order_by("seq").values().iterator(chunk_size=batch_size))
    for row in rows:
        if row["seq"] != expected_seq:
            return chain.VerifyResult(
                False, checked, expected_seq, "missing row (gap in sequence)", expected_seq - 1, prev
            )
        if row["prev_hmac"] != prev:
            return chain.VerifyResult(False, checked, row["seq"], "link to previous row broken", row["seq"] - 1, prev)
        if not chain.content_holds(prev, row):  # by its hmac, or by its redaction_hmac once its address was removed
            return chain.VerifyResult(False, checked, row["seq"], "content altered", row["seq"] - 1, prev)
        prev = row["hmac"]
        expected_seq += 1
        checked += 1
    return chain.VerifyResult(True, checked, None, "", expected_seq - 1, prev)
