"""Every real value of the Tokyo 子ども食堂 file's schedule columns: no crash, nothing silently dropped.

Coverage on the 290 distinct non-blank values of the six columns (printed by `test_coverage_summary`):
123 complete, 47 partial, 120 not at all. The 49 values of 開催開始時間/開催終了時間 are lone times, which
say nothing without days; on the 241 free-text values it is 123 / 47 / 71. Joined per row,
開催曜日 + 開催開始時間 + 開催終了時間 parse completely for 140 of 191 distinct rows; the rest have no
weekday in that column (their days are in 開催日 or 開催頻度) or say 非公開.
The figures are pinned so that a change to the parser shows up here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tsunagu.directory.schedules import Schedule, next_open, open_now, parse_opendata_hours, parse_schedule
from tsunagu.directory.schedules.evaluate import TOKYO
from tsunagu.directory.schedules.scanner import SEPARATORS, scan

CSV_PATH = Path(__file__).resolve().parent / "data" / "tokyo_kodomoshokudo.csv"  # copy of the shared file
SCHEDULE_COLUMNS = ("開催頻度", "開催曜日", "開催日", "開催開始時間", "開催終了時間", "開催日時特記事項")


def _rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _distinct_values() -> list[tuple[str, str]]:
    return sorted({(column, row[column]) for row in _rows() for column in SCHEDULE_COLUMNS if row[column].strip()})


VALUES = _distinct_values()


def _outcome(schedule: Schedule) -> str:
    if schedule.parsed_completely:
        return "complete"
    if schedule.rules or schedule.always_open or schedule.closed_on_holidays or schedule.closed_ranges:
        return "partial"
    return "none"


def test_the_file_has_the_expected_columns():
    header = _rows()[0].keys()
    assert set(SCHEDULE_COLUMNS) <= set(header)
    assert len(VALUES) == 290


@pytest.mark.parametrize(("column", "text"), VALUES, ids=[f"{c}:{v[:20]!r}" for c, v in VALUES])
def test_every_real_value(column, text):
    schedule = parse_schedule(text)
    assert schedule.original_text == text
    assert Schedule.from_json(schedule.to_json()) == schedule
    moment = dt.datetime(2026, 11, 23, 12, tzinfo=TOKYO)
    answer = open_now(schedule, moment)
    following = next_open(schedule, moment)
    if not schedule.parsed_completely:
        assert answer is None
        assert following is None
        return
    for rule in schedule.rules:
        assert rule.weekdays, text
        assert set(rule.weekdays) <= set(range(7))
        assert all(week == -1 or 1 <= week <= 5 for week in rule.nth_weeks)
        assert all(1 <= month <= 12 for month in rule.months)
        for period in rule.periods:
            assert isinstance(period.start, dt.time)
            assert period.end is None or period.end != period.start or period.start == dt.time(0)
    assert following is None or following >= moment


@pytest.mark.parametrize(("column", "text"), VALUES, ids=[f"{c}:{v[:20]!r}" for c, v in VALUES])
def test_complete_only_when_every_meaningful_character_was_consumed(column, text):
    result = scan(text)
    covered = result.consumed()
    meaningful_left = [
        char for char, used in zip(result.normalized, covered, strict=True) if not used and char not in SEPARATORS
    ]
    schedule = parse_schedule(text)
    if meaningful_left:
        assert not schedule.parsed_completely, (text, meaningful_left)
        # Every leftover character is reported in `unparsed`.
        assert Counter(meaningful_left) <= Counter("".join(schedule.unparsed)), (text, schedule.unparsed)
    if schedule.parsed_completely:
        assert meaningful_left == []


def test_coverage_summary(capsys):
    by_column: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for column, text in VALUES:
        outcome = _outcome(parse_schedule(text))
        by_column.setdefault(column, Counter())[outcome] += 1
        total[outcome] += 1
    with capsys.disabled():
        print(f"\nschedule parse coverage on {len(VALUES)} distinct values: {dict(total)}")
        for column, counts in by_column.items():
            print(f"  {column}: {dict(counts)}")
    assert total == Counter(complete=123, partial=47, none=120)
    # The two time columns hold lone times, which mean nothing without the days.
    assert by_column["開催開始時間"] == Counter(none=24)
    assert by_column["開催終了時間"] == Counter(none=25)


def test_split_columns_of_each_row_parse_together(capsys):
    combos = sorted({(row["開催曜日"], row["開催開始時間"], row["開催終了時間"]) for row in _rows()} - {("", "", "")})
    counts: Counter[str] = Counter()
    for days, start, end in combos:
        schedule = parse_opendata_hours(days=days, start=start, end=end)
        counts[_outcome(schedule)] += 1
        if days and start and end != "非公開" and schedule.parsed_completely:
            assert all(rule.periods for rule in schedule.rules), (days, start, end)
    with capsys.disabled():
        print(f"\n開催曜日 + 開催開始時間 + 開催終了時間, {len(combos)} distinct rows: {dict(counts)}")
    assert counts == Counter(complete=140, partial=3, none=48)
