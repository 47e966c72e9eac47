from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Max, QuerySet
from django.utils import timezone

from tsunagu.audit.actions import AuditAction, of, spellings
from tsunagu.audit.models import AuditEvent

# A day inside datetime's range: 0001-01-01 00:00 in Tokyo is before 0001-01-01 in UTC (OverflowError).
_EARLIEST = date.min + timedelta(days=1)
_LATEST = date.max - timedelta(days=1)


def event_list(
    *,
    action: AuditAction | str = "",
    outcome: str = "",
    actor_label: str = "",
    target_code: str = "",
    org_code: UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    up_to_seq: int | None = None,
) -> QuerySet[AuditEvent]:
    """The trail, newest first. ``action`` matches every stored spelling of it (old rows keep the
    string they were written with); ``since``/``until`` are whole days in the installation's time
    zone (JST); ``up_to_seq`` fixes the set to the rows that existed at one moment (an export)."""
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action__in=spellings(action))
    if outcome:
        qs = qs.filter(outcome=outcome)
    if actor_label:
        qs = qs.filter(actor_label=actor_label)
    if target_code:
        qs = qs.filter(target_code=target_code)
    if org_code is not None:
        qs = qs.filter(org_code=org_code)
    tz = timezone.get_default_timezone()
    if since is not None:
        qs = qs.filter(occurred_at__gte=datetime.combine(max(since, _EARLIEST), time.min, tzinfo=tz))
    if until is not None:
        qs = qs.filter(occurred_at__lte=datetime.combine(min(until, _LATEST), time.max, tzinfo=tz))
    if up_to_seq is not None:
        qs = qs.filter(seq__lte=up_to_seq)
    return qs.order_by("-seq")


def last_seq() -> int:
    """The newest row's number (0 for an empty trail)."""
    newest: int | None = AuditEvent.objects.aggregate(newest=Max("seq"))["newest"]
    return newest or 0


def unlisted_actions() -> list[str]:
    """Stored actions that no app's vocabulary knows (neither a value nor an old spelling), so the
    auditor can still filter by them."""
    stored = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return [action for action in stored if of(action) is None]
