"""Refused calls of machine endpoints, in the audit trail in aggregate only (docs/security.md,
"Hostile input"; docs/operations.md, "Refused machine calls").

A machine endpoint (the CTI webhook, the LINE webhook, later ones) authenticates each call by a
token or a signature. Anyone can send it calls without one, so a refusal must not write an audit
row each: whoever sent them could grow the trail at will. Instead:

- ``refusal_count`` counts the refusal in one ``RefusalTally`` row per kind, reason, source and hour,
  updated in place in the database (so every process counts on the same row). The source is the
  pseudonym of the day of the client's address (an IPv6 client's /64), never the address.
- ``refusals_over_limit``: a source with more than ``TSUNAGU_MACHINE_REFUSALS_PER_MINUTE`` refusals
  in the current minute is answered 429 before anything is checked; those calls are counted too.
- ``refusal_counts_record`` writes one "denied" audit row per tally whose hour has passed (how many
  refusals, how many over the limit, the hour, the source's pseudonym, the reason) and deletes the
  tally. Each refusal runs it for the tallies of earlier hours; ``manage.py record_refusal_counts``
  runs it on a schedule, so a quiet hour is recorded too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, PositiveIntegerField, Sum, Value, When
from django.utils import timezone

from tsunagu.audit.actions import AuditAction, AuditTrailAction, of
from tsunagu.audit.models import RefusalTally
from tsunagu.audit.services import SystemActor, record_denied
from tsunagu.core import request_context

#: Refusals per source and minute above which a machine endpoint answers 429 (the setting's default).
DEFAULT_LIMIT_PER_MINUTE = 10
#: Tallies recorded per refusal at most (the command records the rest).
RECORD_BATCH = 20

_MACHINES = SystemActor(label="anonymous")


def limit_per_minute() -> int:
    return int(getattr(settings, "TSUNAGU_MACHINE_REFUSALS_PER_MINUTE", DEFAULT_LIMIT_PER_MINUTE))


def _hour(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _minute(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


def _source(at: dt.datetime) -> str:
    """The current request's source: the pseudonym of the day of its address, or ``-``."""
    meta = request_context.current()
    if meta is None or meta.ip is None:
        return "-"
    return request_context.client_of_day(meta.ip, timezone.localdate(at))


def refusals_over_limit(*, action: AuditAction, at: dt.datetime | None = None) -> int | None:
    """Whether the current request's source was refused more than the limit this minute: the
    seconds until the minute ends (for ``Retry-After``), or None."""
    at = at or timezone.now()
    minute = _minute(at)
    counted = RefusalTally.objects.filter(
        action=action.value, source=_source(at), period_start=_hour(at), minute_start=minute
    ).aggregate(total=Sum("minute_count"))["total"]
    if counted is None or counted < limit_per_minute():
        return None
    return max(1, math.ceil((minute + dt.timedelta(minutes=1) - at).total_seconds()))


def refusal_count(*, action: AuditAction, reason: str, over_limit: bool = False, at: dt.datetime | None = None) -> None:
    """Count one refused call of the current request's source (answered 429 when ``over_limit``),
    then record the tallies of earlier hours."""
    at = at or timezone.now()
    minute = _minute(at)
    key = {"action": action.value, "reason": reason[:64], "source": _source(at), "period_start": _hour(at)}
    # One UPDATE: every SET reads the row as it was, so a new minute starts its count at 1.
    changes = {
        "count": F("count") + 1,
        "over_limit": F("over_limit") + int(over_limit),
        "minute_count": Case(
            When(minute_start=minute, then=F("minute_count") + 1), default=Value(1), output_field=PositiveIntegerField()
        ),
        "minute_start": Value(minute),
    }
    with transaction.atomic():
        if not RefusalTally.objects.filter(**key).update(**changes):
            # The first refusal of the hour: create the row (another process may just have), then count.
            RefusalTally.objects.bulk_create([RefusalTally(**key, minute_start=minute)], ignore_conflicts=True)
            RefusalTally.objects.filter(**key).update(**changes)
    refusal_counts_record(at=at, batch=RECORD_BATCH)


@contextmanager
def _without_client_address() -> Iterator[None]:
    """The aggregate row names its own source: the current request's address must not be added to
    it, nor its id (the row counts the calls of a whole hour, maybe from another source)."""
    token = request_context.activate(request_context.RequestMeta(request_id="", ip=None))
    try:
        yield
    finally:
        request_context.deactivate(token)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes")


def refusal_counts_record(*, at: dt.datetime | None = None, batch: int | None = None) -> int:
    """One "denied" audit row per tally of an hour that has passed; the tally is deleted with it, in
    one transaction, so a tally is recorded once even when several processes record at the same time.
    Returns how many rows were written."""
    hour = _hour(at or timezone.now())
    closed = RefusalTally.objects.filter(period_start__lt=hour).order_by("period_start", "id")
    written = 0
    for tally in closed[:batch] if batch else closed.iterator():
        with transaction.atomic():
            if not RefusalTally.objects.filter(pk=tally.pk).delete()[0]:
                continue  # recorded by another process meanwhile
            detail: dict[str, object] = {
                "reason": tally.reason,
                "count": tally.count,
                "from": _local(tally.period_start),
                "to": _local(tally.period_start + dt.timedelta(hours=1)),
                "client": tally.source,
            }
            if tally.over_limit:
                detail["over_limit"] = tally.over_limit
            with _without_client_address():
                record_denied(
                    actor=_MACHINES,
                    action=of(tally.action) or AuditTrailAction.ACCESS_DENIED,
                    target_type="url",
                    detail=detail,
                )
        written += 1
    return written
