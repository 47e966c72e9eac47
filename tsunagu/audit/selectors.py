from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.audit.models import AuditEvent

# A day inside datetime's range: 0001-01-01 00:00 in Tokyo is before 0001-01-01 in UTC (OverflowError).
_EARLIEST = date.min + timedelta(days=1)
_LATEST = date.max - timedelta(days=1)


def event_list(
    *,
    action: str = "",
    outcome: str = "",
    actor_label: str = "",
    target_code: str = "",
    org_code: UUID | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if actor_label:
        qs = qs.filter(actor_label=actor_label)
    if target_code:
        qs = qs.filter(target_code=target_code)
    if org_code is not None:
        qs = qs.filter(org_code=org_code)
    tz = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(occurred_at__gte=datetime.combine(max(since, _EARLIEST), time.min, tzinfo=tz))
    if until is not None:
        qs = qs.filter(occurred_at__lte=datetime.combine(min(until, _LATEST), time.max, tzinfo=tz))
    return qs.order_by("-seq")


def action_names() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
