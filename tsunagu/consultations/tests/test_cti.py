"""Phone: the telephony (CTI) webhook opens a draft phone consultation when a call starts, for the
counsellor whose phone rings or for the organisation's queue; only with the organisation's token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import Channel, Consultation, Status
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

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
def test_without_the_token_nothing_opens_and_the_refusal_is_audited(desks, token, header):
    response = Client().post(URL, b'{"call_id": "x"}', content_type="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert not Consultation.objects.exists()
    assert AuditEvent.objects.filter(action="consultation.call_notice_refused", outcome="denied").count() == 1


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", {"call_id": ""}, {"call_id": 5}, {"call_id": "x", "started_at": "yesterday"},
     {"call_id": "x", "started_at": "2026-11-26T22:05:00"}, {"call_id": "x", "counsellor": "counsellor-a"},
     {"call_id": "x" * 101}],
)  # fmt: skip
def test_a_malformed_notice_is_refused_and_opens_nothing(desks, token, body):
    status, answer = notify(token, body)
    assert status == 400 and answer["error"]
    assert not Consultation.objects.exists()


def test_a_new_token_replaces_the_old_one(desks, token):
    newer = services.cti_token_issue(actor=desks.actor("local_supervisor"), organisation=desks.local)
    assert notify(token, {"call_id": "a"})[0] == 401
    assert notify(newer, {"call_id": "a"})[0] == 201
