"""Phone: the telephony (CTI) webhook opens a draft phone consultation when a call starts, for the
counsellor whose phone rings or for the organisation's queue; only with the organisation's token."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tsunagu.audit.aggregate import refusal_counts_record
from tsunagu.audit.models import AuditEvent, RefusalTally
from tsunagu.audit.services import verify_chain
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import Channel, Consultation, Status
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.core import request_context

pytestmark = pytest.mark.django_db

URL = "/integrations/cti/calls/"


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def token(desks) -> str:
    return services.cti_token_issue(actor=desks.actor("local_supervisor"), organisation=desks.local)


def notify(token: str, body: object) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = Client().post(URL, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, response.json()


def test_a_call_for_a_named_counsellor_opens_their_draft_record(desks, token):
    status, body = notify(token, {"call_id": "c-1", "caller": "090-1234-5678", "counsellor": "local-counsellor"})
    assert status == 201
    call = Consultation.objects.get(code=body["consultation"])
    assert call.channel == Channel.PHONE and call.status == Status.ACTIVE
    assert call.counsellor == desks.local_counsellor and call.organisation == desks.local
    assert call in selectors.my_conversations(actor=desks.actor("local_counsellor"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_number FROM consultations_consultation WHERE id = %s", [call.pk])
        assert "5678" not in cursor.fetchone()[0]
    assert call.caller_number == "09012345678"
    # The same call notified again: the same record.
    again = notify(token, {"call_id": "c-1", "caller": "090-1234-5678", "counsellor": "local-counsellor"})
    assert again == (200, body) and Consultation.objects.count() == 1


def test_a_call_without_a_counsellor_waits_for_the_organisations_counsellors_only(desks, token):
    status, body = notify(token, {"call_id": "c-2", "started_at": "2026-11-26T22:05:00+09:00"})
    assert status == 201
    call = Consultation.objects.get(code=body["consultation"])
    assert call.status == Status.WAITING and call.transfer_to == desks.local
    assert call in selectors.queue(actor=desks.actor("local_counsellor"))
    assert call not in selectors.queue(actor=desks.actor("counsellor_a"))
    assert services.consultation_take(actor=desks.actor("local_counsellor"), consultation=call)


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer cti_wrong", "Basic abc"])
def test_without_the_token_nothing_opens_and_the_refusal_is_counted(desks, token, header):
    response = Client().post(URL, b'{"call_id": "x"}', content_type="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert not Consultation.objects.exists()
    [tally] = RefusalTally.objects.all()
    assert (tally.action, tally.reason, tally.count) == ("consultation.call_notice_refused", "token", 1)
    # In the audit trail once its hour has passed (below), not one row per call.
    assert not AuditEvent.objects.filter(action="consultation.call_notice_refused").exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", {"call_id": ""}, {"call_id": 5}, {"call_id": "x", "started_at": "yesterday"},
     {"call_id": "x", "started_at": "2026-11-26T22:05:00"}, {"call_id": "x", "counsellor": "counsellor-a"},
     {"call_id": "x" * 101},
     # Impossible or implausible times (issue 15): 30 February, year 1 (which underflowed into a
     # 500 when converted to UTC), year 9999, and a call that has not started yet.
     {"call_id": "x", "started_at": "2026-02-30T10:00:00+09:00"},
     {"call_id": "x", "started_at": "0001-01-01T00:00:00+09:00"},
     {"call_id": "x", "started_at": "9999-12-31T23:59:00-12:00"},
     {"call_id": "x", "started_at": "2999-01-01T00:00:00+09:00"}],
)  # fmt: skip
def test_a_malformed_notice_is_refused_and_opens_nothing(desks, token, body):
    status, answer = notify(token, body)
    assert status == 400 and answer["error"]
    assert not Consultation.objects.exists()


def test_a_new_token_replaces_the_old_one(desks, token):
    newer = services.cti_token_issue(actor=desks.actor("local_supervisor"), organisation=desks.local)
    assert notify(token, {"call_id": "a"})[0] == 401
    assert notify(newer, {"call_id": "a"})[0] == 201


# --- Refusals from anyone (issue 15, finding 11): counted, rate-limited, audited in aggregate only.

JST = dt.timezone(dt.timedelta(hours=9))
TEN_PAST = dt.datetime(2026, 12, 7, 22, 10, tzinfo=JST)


def refused_from(address: str, times: int) -> list[int]:
    client = Client(REMOTE_ADDR=address)
    return [client.post(URL, b"{}", content_type="application/json").status_code for _ in range(times)]


def test_refused_calls_reach_the_audit_trail_as_one_row_per_source_and_hour(desks, token):
    with time_machine.travel(TEN_PAST, tick=False):
        assert refused_from("203.0.113.5", 7) == [401] * 7
        assert refused_from("2001:db8:1:2::5", 2) + refused_from("2001:db8:1:2::6", 1) == [401] * 3  # one /64
    with time_machine.travel(TEN_PAST + dt.timedelta(minutes=30), tick=False):
        assert refused_from("203.0.113.5", 1) == [401]
    assert not AuditEvent.objects.filter(action="consultation.call_notice_refused").exists()
    with time_machine.travel(TEN_PAST + dt.timedelta(hours=1), tick=False):
        assert call_command_output("record_refusal_counts") == "recorded 2 count(s) of refused machine calls"
    rows = AuditEvent.objects.filter(action="consultation.call_notice_refused").order_by("seq")
    assert [(row.outcome, row.detail["count"], row.ip) for row in rows] == [("denied", 8, None), ("denied", 3, None)]
    first = rows[0].detail
    assert (first["from"], first["to"], first["reason"]) == (
        "2026-12-07T22:00+09:00",
        "2026-12-07T23:00+09:00",
        "token",
    )
    day = dt.date(2026, 12, 7)
    assert first["client"] == request_context.client_of_day("203.0.113.5", day)
    assert rows[1].detail["client"] == request_context.client_of_day("2001:db8:1:2::5", day)
    assert not RefusalTally.objects.exists()
    # Recorded once: running it again writes nothing; the trail still verifies.
    assert call_command_output("record_refusal_counts") == "recorded 0 count(s) of refused machine calls"
    assert verify_chain().ok


def test_the_next_refusal_records_the_hours_before_it(desks, token):
    with time_machine.travel(TEN_PAST, tick=False):
        refused_from("203.0.113.5", 3)
    with time_machine.travel(TEN_PAST + dt.timedelta(hours=1), tick=False):
        refused_from("198.51.100.9", 1)
    [row] = AuditEvent.objects.filter(action="consultation.call_notice_refused")
    assert row.detail["count"] == 3
    assert RefusalTally.objects.get().count == 1  # the new hour's, still counting


def test_a_source_over_the_limit_gets_429_for_its_refused_calls_only(desks, token, settings):
    settings.TSUNAGU_MACHINE_REFUSALS_PER_MINUTE = 3
    with time_machine.travel(TEN_PAST, tick=False):
        assert refused_from("203.0.113.5", 3) == [401] * 3
        over = Client(REMOTE_ADDR="203.0.113.5").post(URL, b'{"call_id": "c-9"}', content_type="application/json")
        assert over.status_code == 429 and over["Retry-After"] == "60"
        # The phone system behind the same address (a shared NAT), with its token, is answered.
        assert notify_from("203.0.113.5", token, {"call_id": "c-9"}) == 201
        assert refused_from("198.51.100.9", 1) == [401]  # another source has its own count
    with time_machine.travel(TEN_PAST + dt.timedelta(minutes=1), tick=False):
        assert refused_from("203.0.113.5", 1) == [401]  # a new minute
    with time_machine.travel(TEN_PAST + dt.timedelta(hours=1), tick=False):
        refusal_counts_record()
    rows = AuditEvent.objects.filter(action="consultation.call_notice_refused")
    assert sorted((row.detail["count"], row.detail.get("over_limit", 0)) for row in rows) == [(1, 0), (5, 1)]


def notify_from(address: str, token: str, body: dict[str, Any]) -> int:
    response = Client(REMOTE_ADDR=address).post(
        URL, json.dumps(body).encode(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    return int(response.status_code)


def call_command_output(name: str) -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db(transaction=True)
def test_refusals_are_counted_across_processes(world):
    """A refusal served by another process (a real daphne) and one served here count on one row."""
    server = asgi_server.start()
    try:
        request = urllib.request.Request(f"{server.url}{URL}", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    finally:
        server.stop()
    assert refused_from("127.0.0.1", 1) == [401]
    assert RefusalTally.objects.get().count == 2
