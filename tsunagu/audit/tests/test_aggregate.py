"""Anonymous refusals counted per kind, reason, source and hour (tsunagu/audit/aggregate.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.aggregate import refusal_count, refusal_counts_record, refusals_over_limit
from tsunagu.audit.models import AuditEvent, RefusalTally
from tsunagu.audit.services import verify_chain
from tsunagu.core import request_context

pytestmark = pytest.mark.django_db

ACTION = AuditTrailAction.ACCESS_DENIED


def _from(ip: str, request_id: str = "r1") -> Any:
    return request_context.activate(request_context.RequestMeta(request_id=request_id, ip=ip))


def test_each_reason_keeps_its_own_count_and_row() -> None:
    token = _from("192.0.2.1")
    try:
        for reason in ["rate", "blocked", "rate", "rate"]:
            refusal_count(action=ACTION, reason=reason)
    finally:
        request_context.deactivate(token)
    assert sorted(RefusalTally.objects.values_list("reason", "count")) == [("blocked", 1), ("rate", 3)]
    assert refusal_counts_record(at=timezone.now() + dt.timedelta(hours=1)) == 2
    rows = AuditEvent.objects.filter(action=ACTION.value, outcome="denied")
    assert sorted((row.detail["reason"], row.detail["count"]) for row in rows) == [("blocked", 1), ("rate", 3)]
    assert not RefusalTally.objects.exists()
    assert verify_chain().ok


def test_a_row_written_during_another_sources_request_carries_neither_its_id_nor_its_address() -> None:
    earlier = timezone.now() - dt.timedelta(hours=2)
    token = _from("192.0.2.1", "first")
    try:
        refusal_count(action=ACTION, reason="token", at=earlier)
    finally:
        request_context.deactivate(token)
    token = _from("198.51.100.7", "second")
    try:
        refusal_count(action=ACTION, reason="token")  # records the earlier hour's tally of 192.0.2.1
    finally:
        request_context.deactivate(token)
    [row] = AuditEvent.objects.filter(action=ACTION.value)
    assert row.request_id == "" and row.ip is None
    assert row.detail["client"] == request_context.client_of_day("192.0.2.1", timezone.localdate(earlier))


def test_the_limit_counts_every_reason_of_the_minute(settings) -> None:
    settings.TSUNAGU_MACHINE_REFUSALS_PER_MINUTE = 3
    at = timezone.now().replace(second=10)
    token = _from("192.0.2.1")
    try:
        refusal_count(action=ACTION, reason="a", at=at)
        refusal_count(action=ACTION, reason="b", at=at)
        assert refusals_over_limit(action=ACTION, at=at) is None
        refusal_count(action=ACTION, reason="b", at=at)
        assert refusals_over_limit(action=ACTION, at=at) == 50
        assert refusals_over_limit(action=ACTION, at=at + dt.timedelta(minutes=1)) is None
    finally:
        request_context.deactivate(token)
