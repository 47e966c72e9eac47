"""Rows stored before addresses were kept for staff only: ``remove_anonymous_addresses`` removes an
anonymous actor's address, and the chain still verifies, and still catches any other change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tsunagu.audit import chain
from tsunagu.audit.maintenance import append_only_guard_lifted
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor, _append, verify_chain

pytestmark = pytest.mark.django_db

RESIDENT = "203.0.113.77"
STAFF = "192.0.2.15"


class _Staff:
    audit_actor_code = uuid.UUID("3b241101-e2bb-4255-8caf-4136c566a962")
    audit_actor_label = "counsellor-a"
    audit_org_code = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


ANONYMOUS = SystemActor("anonymous")


def _stored_before(actor: Any, action: str, ip: str) -> AuditEvent:
    """A row as tsunagu stored it before: the client's address whoever acted."""
    last = AuditEvent.objects.order_by("-seq").first()
    seq, prev = (last.seq + 1, last.hmac) if last else (1, chain.GENESIS)
    fields: dict[str, Any] = {
        "seq": seq,
        "occurred_at": timezone.now(),
        "actor_code": actor.audit_actor_code,
        "actor_label": actor.audit_actor_label,
        "org_code": actor.audit_org_code,
        "action": action,
        "target_type": "consultation",
        "target_code": str(uuid.uuid4()),
        "outcome": "allowed",
        "ip": ip,
        "request_id": uuid.uuid4().hex,
        "detail": {"channel": "web_chat", "risk_flag": True},
    }
    return AuditEvent.objects.create(**fields, prev_hmac=prev, hmac=chain.sign(prev, chain.canonical(**fields)))


@pytest.fixture
def old_rows() -> dict[str, AuditEvent]:
    rows = {
        "start": _stored_before(ANONYMOUS, "consultation.start", RESIDENT),
        "staff": _stored_before(_Staff(), "consultation.taken", STAFF),
        "message": _stored_before(ANONYMOUS, "consultation.message", RESIDENT),
        "command": _append(actor=SystemActor("test"), action="test.event"),  # no request: no address
        "refused": _stored_before(ANONYMOUS, "consultation.chat_refused", RESIDENT),
    }
    assert verify_chain().ok
    return rows


def _fresh(row: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=row.pk)


def test_old_anonymous_addresses_are_removed_and_the_chain_still_verifies(old_rows, capsys):
    call_command("remove_anonymous_addresses", "--dry-run")
    assert "3 anonymous audit rows hold an address" in capsys.readouterr().out
    call_command("remove_anonymous_addresses", "--batch-size", "2")  # two batches
    assert "address removed from 3 anonymous audit rows (seq 1–5)" in capsys.readouterr().out

    for name in ("start", "message", "refused"):
        row = _fresh(old_rows[name])
        assert row.ip is None and row.redaction_hmac and row.hmac == old_rows[name].hmac  # links unchanged
    staff = _fresh(old_rows["staff"])
    assert staff.ip == STAFF and staff.redaction_hmac is None
    assert not AuditEvent.objects.filter(ip=RESIDENT).exists()

    summary = AuditEvent.objects.order_by("-seq").first()
    assert summary.action == "audit.addresses_removed"
    assert summary.detail == {"rows": 3, "from": 1, "to": 5}
    result = verify_chain()
    assert result.ok and result.checked == 6
    call_command("verify_audit")
    assert "audit chain intact: 6 rows" in capsys.readouterr().out

    call_command("remove_anonymous_addresses")  # again: nothing left, no new row
    assert "address removed from 0 anonymous audit rows" in capsys.readouterr().out
    assert AuditEvent.objects.count() == 6


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "consultation.innocent"),
        ("detail", '{"channel": "line", "risk_flag": true}'),
        ("ip", RESIDENT),  # the address put back
        ("redaction_hmac", "f" * 64),
        ("actor_label", "someone-else"),
    ],
)
def test_a_row_changed_after_its_address_was_removed_is_detected(old_rows, column, value):
    call_command("remove_anonymous_addresses")
    seq = old_rows["message"].seq
    with append_only_guard_lifted(connection), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, seq])
    result = verify_chain()
    assert (result.ok, result.first_broken_seq, result.reason) == (False, seq, "content altered")


def test_removing_an_address_without_the_key_is_detected(old_rows):
    """The triggers let the removal through, but only the key can attest it."""
    seq = old_rows["start"].seq
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET ip = NULL, redaction_hmac = %s WHERE seq = %s", ["0" * 64, seq])
    result = verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, seq)


@pytest.mark.parametrize(
    ("row", "assignments"),
    [
        ("start", "ip = NULL"),  # no attestation
        ("start", "ip = NULL, redaction_hmac = 'x', action = 'consultation.other'"),  # and something else
        ("start", "ip = '198.51.100.1', redaction_hmac = 'x'"),  # another address, not none
        ("staff", "ip = NULL, redaction_hmac = 'x'"),  # a staff member's address stays
    ],
)
def test_the_triggers_let_through_only_the_removal_of_an_anonymous_address(old_rows, row, assignments):
    seq = old_rows[row].seq
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {assignments} WHERE seq = %s", [seq])
    assert _fresh(old_rows[row]).ip == old_rows[row].ip


def test_an_attested_removal_cannot_be_attested_again(old_rows):
    call_command("remove_anonymous_addresses")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET redaction_hmac = 'x' WHERE seq = %s", [old_rows["start"].seq])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=old_rows["start"].pk).delete()
    assert verify_chain().ok


def test_a_broken_chain_is_left_as_it_is(old_rows):
    with append_only_guard_lifted(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = %s", [old_rows["staff"].seq])
    with pytest.raises(CommandError, match="chain broken at seq 2"):
        call_command("remove_anonymous_addresses")
    assert AuditEvent.objects.filter(ip=RESIDENT).count() == 3
    assert not AuditEvent.objects.filter(redaction_hmac__isnull=False).exists()
