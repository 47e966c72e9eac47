"""How the audit trail reads to people: labelled details, lists, yes/no, JST times, safe CSV cells."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone, translation

from tsunagu.audit import display
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.models import AuditEvent

CODES = [str(uuid.UUID(int=i + 1)) for i in range(200)]


@pytest.fixture
def english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def texts(detail: object) -> list[str]:
    return [line.text for line in display.detail_lines(detail)]


def test_known_keys_are_labelled_and_unknown_keys_shown_as_stored(english: None) -> None:
    detail = {"reason": "missing_permission:audit.view", "method": "GET", "zz_new_key": "kept"}
    assert texts(detail) == ["Method: GET", "Reason: no permission for this page (audit.view)", "zz_new_key: kept"]


def test_the_order_is_the_same_whatever_order_the_database_kept(english: None) -> None:
    # PostgreSQL's jsonb returns keys shortest first; SQLite as they were written.
    assert texts({"reason": "x", "method": "GET"}) == texts({"method": "GET", "reason": "x"})


def test_lists_join_in_the_active_language() -> None:
    with translation.override("en"):
        assert texts({"fields": ["name", "phone"]}) == ["Fields: name, phone"]
    with translation.override("ja"):
        (line,) = display.detail_lines({"fields": ["name", "phone"]})
        assert line.value == "name、phone"
        assert line.text == f"{line.label}：name、phone"


def test_nothing_shows_as_a_dash_and_booleans_as_yes_or_no(english: None) -> None:
    assert texts({"filters": [], "to_user": "", "first_broken_seq": None}) == [
        "Filters: —",
        "First broken event: —",
        "To staff member: —",
    ]
    assert texts({"ok": True, "risk_flag": False}) == ["Intact: Yes", "Risk flag: No"]


def test_numbers_are_grouped(english: None) -> None:
    assert texts({"checked": 1234567, "count": 3}) == ["Events checked: 1,234,567", "Count: 3"]


def test_nested_dicts_flatten_to_key_value_pairs(english: None) -> None:
    detail = {"filters": {"action": AuditTrailAction.LOG_READ.value, "outcome": "denied", "since": "2026-12-01"}}
    assert texts(detail) == ["Filters: Action: Audit log viewed, Outcome: Denied, From date: 2026-12-01"]
    deeper = {"services": {"created": 2, "changed": {"names": ["a", "b"]}}}
    assert texts(deeper) == ["Services: Changed: (names: a, b), Created: 2"]


def test_a_long_list_of_codes_shows_the_first_few_and_the_count(english: None) -> None:
    (line,) = display.detail_lines({"entries": CODES})
    assert line.value == f"{CODES[0]}, {CODES[1]}, {CODES[2]} … (200 in all)"
    assert CODES[3] not in line.value
    assert line.full == ", ".join(CODES)
    # The CSV cell keeps every code; the page's text can ask for the short form.
    assert CODES[199] in display.detail_text({"entries": CODES})
    assert CODES[199] not in display.detail_text({"entries": CODES}, whole=False)


def test_a_short_list_of_codes_and_a_list_of_words_are_shown_whole(english: None) -> None:
    assert display.detail_lines({"entries": CODES[:3]})[0].full == ""
    words = [f"field{i}" for i in range(display.ITEMS_SHOWN)]
    assert display.detail_lines({"fields": words})[0].value == ", ".join(words)
    longer = [*words, "one_more"]
    assert display.detail_lines({"fields": longer})[0].value.endswith("… (11 in all)")


def test_no_python_repr_ever_reaches_the_reader(english: None) -> None:
    detail = {"x": {"y": [1, {"z": None}, True]}, "filters": ["reason"], "empty": {}}
    text = display.detail_text(detail)
    for mark in ("{", "}", "[", "]", "'", "None", "True"):
        assert mark not in text, (mark, text)
    assert text == "empty: —; Filters: reason; x: y: 1, (z: —), Yes"


def test_a_detail_that_is_not_a_dict_is_one_line(english: None) -> None:
    assert display.detail_lines({}) == []
    (line,) = display.detail_lines(["a", "b"])
    assert (line.label, line.value) == ("", "a, b")


def test_times_are_shown_in_japan_time_whatever_zone_is_active() -> None:
    instant = dt.datetime(2026, 12, 7, 14, 40, 5, tzinfo=dt.UTC)
    with timezone.override("UTC"):
        with translation.override("ja"):
            assert display.time_text(instant) == "2026年12月7日 23:40:05"
        with translation.override("en"):
            assert display.time_text(instant) == "7 Dec 2026 23:40:05"
        assert display.time_iso(instant) == "2026-12-07T23:40:05+09:00"


def test_a_day_boundary_in_japan_is_the_next_day() -> None:
    instant = dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        assert display.time_text(instant) == "1 Jan 2027 00:00:00"


def test_csv_row_has_every_column_readable(english: None) -> None:
    org = uuid.uuid4()
    event = AuditEvent(
        seq=7,
        occurred_at=dt.datetime(2026, 12, 7, 14, 40, 5, tzinfo=dt.UTC),
        actor_label="auditor-c",
        org_code=org,
        action="audit.viewed",
        target_type="url",
        target_code="accounts:audit_log",
        outcome="denied",
        ip="192.0.2.1",
        request_id="abc123",
        detail={"reason": "=cmd", "filters": ["outcome"]},
    )
    assert display.csv_row(event) == [
        "7",
        "2026-12-07T23:40:05+09:00",
        "auditor-c",
        str(org),
        "Audit log viewed",
        "audit.viewed",
        "url",
        "accounts:audit_log",
        "Denied",
        "192.0.2.1",
        "abc123",
        "Filters: outcome; Reason: =cmd",
    ]
    assert len(display.csv_header()) == len(display.csv_row(event))


def test_the_anonymous_actor_reads_as_not_signed_in_and_a_user_by_name(english: None) -> None:
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    anonymous = AuditEvent(seq=1, occurred_at=now, actor_label="anonymous", action="x", outcome="allowed")
    assert display.actor_text(anonymous) == "not signed in"
    named = AuditEvent(seq=2, occurred_at=now, actor_label="auditor-c", actor_code=uuid.uuid4(), action="x")
    assert display.actor_text(named) == "auditor-c"
