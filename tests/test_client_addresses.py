"""A resident's address never reaches the audit trail (issue 14, finding 5).

Rows written for an anonymous actor (the chat, its refusals, LINE, the consent withdrawal by code, a
failed sign-in) keep no address, only a pseudonym of the day (a keyed hash that changes at
midnight JST), so that abuse from one source shows within a day and cannot be followed across
days. A staff member's rows keep their address. The chain still verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.aggregate import refusal_counts_record
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import verify_chain
from tsunagu.consultations.tests import asgi_server, line_platform
from tsunagu.consultations.tests.consultation_data import make_desks
from tsunagu.consultations.tests.test_realtime import connect, receive, start_chat

pytestmark = pytest.mark.django_db

RESIDENT = "203.0.113.77"
OTHER_RESIDENT = "198.51.100.200"
STAFF = "192.0.2.15"
JST = ZoneInfo("Asia/Tokyo")


def _secret(html: str) -> str:
    marker = 'name="secret" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _anonymous_rows() -> list[AuditEvent]:
    """Rows of anonymous actors written while answering a request (not the set-up's commands)."""
    return list(AuditEvent.objects.filter(actor_code__isnull=True).exclude(request_id="").order_by("seq"))


def _aggregate_rows() -> list[AuditEvent]:
    """The rows that record refusals counted per source and hour (``audit.aggregate``)."""
    return list(AuditEvent.objects.filter(detail__has_key="count", outcome="denied").order_by("seq"))


def _assert_no_address(rows: list[AuditEvent], *addresses: str) -> None:
    for row in rows:
        stored = json.dumps([row.ip, row.actor_label, row.target_code, row.request_id, row.detail])
        for address in addresses:
            assert address not in stored, (row.action, stored)
        assert row.ip is None, (row.action, row.ip)
    assert not AuditEvent.objects.filter(actor_code__isnull=True, ip__isnull=False).exists()


def _assert_not_logged(caplog: pytest.LogCaptureFixture, address: str) -> None:
    assert caplog.records, "the requests were logged at all"
    for record in caplog.records:
        assert address not in record.getMessage() and address not in repr(record.args), record.getMessage()


def test_an_anonymous_chat_leaves_no_address_in_any_audit_row(world, settings, caplog):
    caplog.set_level(logging.DEBUG)
    make_desks(world)
    settings.TSUNAGU_CHAT_STARTS_PER_HOUR = 1
    person = Client(REMOTE_ADDR=RESIDENT)
    started = person.post("/chat/", {"at_risk": "yes"})
    assert started.status_code == 200
    secret = _secret(started.content.decode())
    assert person.post("/chat/send/", {"secret": secret, "body": "眠れません"}).status_code == 200
    assert person.post("/chat/", {"at_risk": ""}).status_code == 429  # the hourly limit: a refusal, counted
    assert refusal_counts_record(at=timezone.now() + dt.timedelta(hours=1)) == 1  # its hour's row

    rows = [*_anonymous_rows(), *_aggregate_rows()]
    assert {"consultation.started", "consultation.message_sent", "consultation.chat_refused"} <= {
        row.action for row in rows
    }
    _assert_no_address(rows, RESIDENT)
    pseudonyms = {row.detail.get("client") for row in rows}
    assert len(pseudonyms) == 1 and None not in pseudonyms  # one source, seen as one within the day
    assert verify_chain().ok
    _assert_not_logged(caplog, RESIDENT)  # nor in any log record


@pytest.mark.django_db(transaction=True)
def test_a_chat_over_a_real_server_and_its_socket_leaves_no_address(world):
    """daphne on a loopback port: the start over HTTP and a message over the WebSocket, from 127.0.0.1."""
    make_desks(world)
    server = asgi_server.start()
    try:
        secret = start_chat(server)

        async def write() -> None:
            async with connect(server, "/ws/chat/") as person:
                await person.send(json.dumps({"type": "hello", "secret": secret, "after": 0}))
                await receive(person, "messages")
                await person.send(json.dumps({"type": "send", "body": "ひとりです", "key": "k1"}))
                await receive(person, "ack")

        asyncio.run(write())
    finally:
        server.stop()
    rows = list(AuditEvent.objects.filter(actor_code__isnull=True).order_by("seq"))
    assert {"consultation.started", "consultation.message_sent"} <= {row.action for row in rows}
    _assert_no_address(rows, "127.0.0.1")
    assert verify_chain().ok


def test_other_anonymous_rows_keep_no_address(world, settings, caplog):
    """LINE, the consent withdrawal by code, a failed staff sign-in: no address either."""
    caplog.set_level(logging.DEBUG)
    settings.LINE_CHANNEL_SECRET = line_platform.CHANNEL_SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = line_platform.ACCESS_TOKEN
    make_desks(world)
    visitor = Client(REMOTE_ADDR=RESIDENT)
    body = json.dumps({"destination": "U0", "events": []}).encode()
    refused = visitor.post(
        "/integrations/line/webhook/", body, content_type="application/json", HTTP_X_LINE_SIGNATURE="AAAA"
    )
    assert refused.status_code == 400
    assert visitor.post("/consent/withdraw/", {"code": "ABCD-EFGH-JKLM"}).status_code == 400
    # The staff sign-in: neither django-axes nor the audit trail keeps the address.
    assert visitor.post(reverse("accounts:login"), {"username": "nobody", "password": "wrong" * 3}).status_code == 200
    _assert_not_logged(caplog, RESIDENT)
    # The refused LINE delivery, the wrong code and the failed sign-in are counted; their hour's rows keep no address.
    assert refusal_counts_record(at=timezone.now() + dt.timedelta(hours=1)) == 3  # and the wrong code

    rows = [*_anonymous_rows(), *_aggregate_rows()]
    actions = {row.action for row in rows}
    assert {"consultation.line_webhook_refused", "consent.withdrawn", "auth.sign_in_failed"} <= actions, actions
    _assert_no_address(rows, RESIDENT)
    assert verify_chain().ok


def test_the_pseudonym_changes_with_the_day_and_the_source():
    from tsunagu.core.request_context import client_of_day

    today = dt.date(2026, 4, 1)
    first = client_of_day(RESIDENT, today)
    assert first == client_of_day(RESIDENT, today)
    assert first != client_of_day(RESIDENT, today + dt.timedelta(days=1))
    assert first != client_of_day(OTHER_RESIDENT, today)
    # One IPv6 subscriber (its /64) is one source, whichever interface address it uses today.
    assert client_of_day("2001:db8:1:2::10", today) == client_of_day("2001:db8:1:2:aaaa::1", today)
    assert client_of_day("2001:db8:1:2::10", today) != client_of_day("2001:db8:1:3::10", today)


def test_the_same_source_reads_differently_on_the_next_day(world):
    make_desks(world)
    with time_machine.travel(dt.datetime(2026, 4, 1, 23, 50, tzinfo=JST), tick=False):
        Client(REMOTE_ADDR=RESIDENT).post("/consent/withdraw/", {"code": "ABCD-EFGH-JKLM"})
    with time_machine.travel(dt.datetime(2026, 4, 2, 0, 10, tzinfo=JST), tick=False):
        Client(REMOTE_ADDR=RESIDENT).post("/consent/withdraw/", {"code": "ABCD-EFGH-JKLM"})
    refusal_counts_record(at=dt.datetime(2026, 4, 2, 1, 10, tzinfo=JST))  # each wrong code's hour
    first, second = (row.detail["client"] for row in _aggregate_rows())
    assert first != second  # not linkable across midnight (JST)


def test_a_staff_action_keeps_its_address(world):
    desks = make_desks(world)
    staff = Client(REMOTE_ADDR=STAFF)
    sign_in(staff, desks.local_counsellor, organisation=desks.local)
    assert staff.get(reverse("consultations:queue")).status_code == 200
    refused = staff.get(reverse("accounts:audit_log"))  # a counsellor may not read the audit log
    assert refused.status_code == 403
    row = AuditEvent.objects.get(action="access.denied", actor_code=desks.local_counsellor.code)
    assert row.ip == STAFF and "client" not in row.detail
    assert verify_chain().ok
