"""Open now / next opening in Asia/Tokyo: what the directory tells a resident about going there today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tsunagu.directory.schedules import TOKYO, Period, Rule, Schedule, next_open, open_now, parse_schedule


def tokyo(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


WEEKDAY_OFFICE = parse_schedule("月～金 8:30～17:15（祝日・年末年始を除く）")


def test_weekday_office_hours():
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 11, 24, 8, 30)) is True
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 11, 24, 17, 14)) is True
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 11, 24, 17, 15)) is False
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 11, 28, 10)) is False  # Saturday


def test_the_time_zone_is_tokyo_whatever_the_caller_uses():
    # 00:00 UTC is 09:00 in Tokyo on a Tuesday.
    assert open_now(WEEKDAY_OFFICE, dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)) is True
    new_york = dt.datetime(2026, 11, 23, 19, 0, tzinfo=ZoneInfo("America/New_York"))  # Tue 09:00 JST
    assert open_now(WEEKDAY_OFFICE, new_york) is True
    with pytest.raises(ValueError):
        open_now(WEEKDAY_OFFICE, dt.datetime(2026, 11, 24, 9, 0))


def test_public_holiday_closes_and_next_open_skips_it():
    # 2026-11-23 is 勤労感謝の日, a Monday.
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 11, 23, 10)) is False
    assert next_open(WEEKDAY_OFFICE, tokyo(2026, 11, 21, 12)) == tokyo(2026, 11, 24, 8, 30)
    without_closure = parse_schedule("月～金 8:30～17:15")
    assert open_now(without_closure, tokyo(2026, 11, 23, 10)) is True


def test_new_year_closure():
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 12, 28, 10)) is True
    assert open_now(WEEKDAY_OFFICE, tokyo(2026, 12, 29, 10)) is False
    # 1/1 is a holiday anyway; 1/4 is the first weekday after 年末年始.
    assert next_open(WEEKDAY_OFFICE, tokyo(2026, 12, 28, 18)) == tokyo(2027, 1, 4, 8, 30)


def test_holidays_open_when_the_days_include_them():
    weekend = parse_schedule("土日祝 10:00～16:00")
    assert open_now(weekend, tokyo(2026, 11, 23, 11)) is True  # Monday, but a holiday
    assert open_now(weekend, tokyo(2026, 11, 24, 11)) is False
    assert next_open(weekend, tokyo(2026, 11, 20, 9)) == tokyo(2026, 11, 21, 10)


def test_second_and_fourth_saturday():
    schedule = parse_schedule("第2・第4土曜日 10:00～14:00")
    assert open_now(schedule, tokyo(2026, 11, 14, 11)) is True  # 2nd Saturday
    assert open_now(schedule, tokyo(2026, 11, 21, 11)) is False  # 3rd
    assert open_now(schedule, tokyo(2026, 11, 28, 11)) is True  # 4th
    assert next_open(schedule, tokyo(2026, 11, 14, 15)) == tokyo(2026, 11, 28, 10)
    assert next_open(schedule, tokyo(2026, 11, 28, 15)) == tokyo(2026, 12, 12, 10)


def test_last_weekday_of_the_month():
    schedule = parse_schedule("毎月最終水曜日 17:00～19:00")
    assert next_open(schedule, tokyo(2026, 11, 1)) == tokyo(2026, 11, 25, 17)
    assert next_open(schedule, tokyo(2026, 11, 26)) == tokyo(2026, 12, 30, 17)


def test_period_past_midnight():
    schedule = parse_schedule("金曜 22:00～翌2:00")
    assert open_now(schedule, tokyo(2026, 11, 27, 23)) is True  # Friday night
    assert open_now(schedule, tokyo(2026, 11, 28, 1, 59)) is True  # early Saturday
    assert open_now(schedule, tokyo(2026, 11, 28, 2)) is False
    assert open_now(schedule, tokyo(2026, 11, 27, 1)) is False  # Thursday's night is not covered
    assert next_open(schedule, tokyo(2026, 11, 28, 1)) == tokyo(2026, 12, 4, 22)


def test_always_open():
    schedule = parse_schedule("24時間365日")
    moment = tokyo(2026, 11, 23, 3, 17)
    assert open_now(schedule, moment) is True
    assert next_open(schedule, moment) == moment
    with_closure = parse_schedule("24時間 年末年始休み")
    assert open_now(with_closure, tokyo(2026, 12, 31, 12)) is False
    assert next_open(with_closure, tokyo(2026, 12, 31, 12)) == tokyo(2027, 1, 4)


def test_days_without_hours_are_unknown_not_open():
    schedule = parse_schedule("毎月第１第３木曜日")
    assert schedule.parsed_completely
    assert open_now(schedule, tokyo(2026, 11, 5, 12)) is None  # 1st Thursday: open, but when?
    assert open_now(schedule, tokyo(2026, 11, 12, 12)) is False  # 2nd Thursday: certainly not
    assert next_open(schedule, tokyo(2026, 11, 1)) is None


def test_start_without_end_is_unknown_after_the_start():
    schedule = parse_schedule("第2土曜日 13時～")
    assert open_now(schedule, tokyo(2026, 11, 14, 12)) is False
    assert open_now(schedule, tokyo(2026, 11, 14, 14)) is None
    assert next_open(schedule, tokyo(2026, 11, 1)) == tokyo(2026, 11, 14, 13)


def test_partial_or_empty_schedules_are_unknown():
    for schedule in (parse_schedule("隔週土曜日 10:00～12:00"), parse_schedule("不定期"), Schedule(original_text="")):
        assert open_now(schedule, tokyo(2026, 11, 14, 11)) is None
        assert next_open(schedule, tokyo(2026, 11, 14, 11)) is None


def test_seasonal_months_and_search_bound():
    schedule = parse_schedule("偶数月の第３土曜日 10:00～12:00")
    assert next_open(schedule, tokyo(2026, 11, 1)) == tokyo(2026, 12, 19, 10)
    # December 31st falls in 年末年始, so the next 31st is in January.
    thirty_first = parse_schedule("毎月31日 10:00～12:00 年末年始を除く")
    assert next_open(thirty_first, tokyo(2026, 12, 1)) == tokyo(2027, 1, 31, 10)
    # A rule no date can meet: the search stops after SEARCH_DAYS instead of looping forever.
    never = Schedule(
        original_text="2月30日",
        rules=(Rule(weekdays=(0, 1, 2, 3, 4, 5, 6), months=(2,), month_days=(30,), periods=(Period(dt.time(10)),)),),
    )
    assert next_open(never, tokyo(2026, 12, 1)) is None
    assert open_now(never, tokyo(2027, 2, 28, 11)) is False
