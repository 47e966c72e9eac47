from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from tsunagu.audit.maintenance import append_only_guard_lifted
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor, _append, verify_chain

ACTOR = SystemActor("test")


def _events(n: int) -> list[AuditEvent]:
    return [
        _append(actor=ACTOR, action="test.event", target_type="thing", target_code=str(i), detail={"i": i})
        for i in range(n)
    ]


@pytest.mark.django_db
def test_intact_chain_verifies_and_command_exits_zero(capsys):
    _events(5)
    result = verify_chain()
    assert result.ok and result.checked == 5 and result.last_seq == 5
    call_command("verify_audit")
    assert "5 rows" in capsys.readouterr().out


@pytest.mark.django_db
def test_sequence_links_each_row_to_the_previous():
    events = _events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hmac == events[0].hmac and events[2].prev_hmac == events[1].hmac


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.innocent"),
        ("actor_label", "someone-else"),
        ("outcome", "denied"),
        ("detail", '{"i": 99}'),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_tampering_any_column_is_detected_and_named(column, value):
    _events(6)
    with append_only_guard_lifted(connection), connection.cursor() as cursor:
        # An attacker with database owner rights: bypasses the triggers, edits row 4.
        cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 4", [value])
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_seq == 4
    with pytest.raises(CommandError, match="seq 4"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_deleting_a_row_in_the_middle_is_detected():
    _events(5)
    with append_only_guard_lifted(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    result = verify_chain()
    assert (result.ok, result.first_broken_seq) == (False, 3)


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused():
    event = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db
def test_raw_sql_update_and_delete_are_refused():
    _events(1)
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action="test.event").count() == 1


@pytest.mark.django_db
def test_postgresql_refuses_truncate():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")


@pytest.mark.django_db
def test_audit_row_rolls_back_with_the_change():
    with pytest.raises(RuntimeError), transaction.atomic():
        _append(actor=ACTOR, action="test.doomed")
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="test.doomed").exists()
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    writers, per_writer = 8, 40
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    _append(actor=ACTOR, action="test.concurrent", target_code=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    assert verify_chain().ok


def test_flush_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, verbosity=0)
