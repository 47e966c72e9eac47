"""The Japanese opening-hours parser: what residents will see as days and hours, or as the raw text."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.directory.schedules import (
    LAST_WEEK,
    NEW_YEAR_HOLIDAYS,
    ClosedRange,
    Period,
    Rule,
    Schedule,
    opendata_hours_text,
    parse_opendata_hours,
    parse_schedule,
)

MON_FRI = (0, 1, 2, 3, 4)


def hours(start: str, end: str | None = None) -> Period:
    return Period(dt.time.fromisoformat(start), None if end is None else dt.time.fromisoformat(end))


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("月～金 8:30～17:15", [Rule(weekdays=MON_FRI, periods=(hours("08:30", "17:15"),))]),
        ("土・日9:00～18:00", [Rule(weekdays=(5, 6), periods=(hours("09:00", "18:00"),))]),
        ("毎月第１第３木曜日", [Rule(weekdays=(3,), nth_weeks=(1, 3))]),
        ("毎月第2・4火曜日", [Rule(weekdays=(1,), nth_weeks=(2, 4))]),
        ("平日 9時30分～16時", [Rule(weekdays=MON_FRI, periods=(hours("09:30", "16:00"),))]),
        ("第１・３火曜日", [Rule(weekdays=(1,), nth_weeks=(1, 3))]),
        ("第2・第4土曜日\u300013時～", [Rule(weekdays=(5,), nth_weeks=(2, 4), periods=(hours("13:00"),))]),
        ("第2水曜・第4水曜", [Rule(weekdays=(2,), nth_weeks=(2, 4))]),
        ("毎月第二火曜日、第四木曜日", [Rule(weekdays=(1,), nth_weeks=(2,)), Rule(weekdays=(3,), nth_weeks=(4,))]),
        ("毎月最終金曜日", [Rule(weekdays=(4,), nth_weeks=(LAST_WEEK,))]),
        ("第1～3土曜日", [Rule(weekdays=(5,), nth_weeks=(1, 2, 3))]),
        ("偶数月の第３土曜日", [Rule(weekdays=(5,), nth_weeks=(3,), months=(2, 4, 6, 8, 10, 12))]),
        ("毎月12日", [Rule(weekdays=(0, 1, 2, 3, 4, 5, 6), month_days=(12,))]),
        ("月水金", [Rule(weekdays=(0, 2, 4))]),
        ("月・水・金", [Rule(weekdays=(0, 2, 4))]),
        ("毎日", [Rule(weekdays=(0, 1, 2, 3, 4, 5, 6))]),
        ("平日毎日", [Rule(weekdays=MON_FRI)]),
        ("金~月 10:00~", [Rule(weekdays=(0, 4, 5, 6), periods=(hours("10:00"),))]),
        ("土日祝 10:00-16:00", [Rule(weekdays=(5, 6), include_holidays=True, periods=(hours("10:00", "16:00"),))]),
        (
            "月・水・金 9:00～12:00、13:00～17:00",
            [Rule(weekdays=(0, 2, 4), periods=(hours("09:00", "12:00"), hours("13:00", "17:00")))],
        ),
        ("月～金 ９：００～１７：００", [Rule(weekdays=MON_FRI, periods=(hours("09:00", "17:00"),))]),
        ("月〜金 9:00ー17:00", [Rule(weekdays=MON_FRI, periods=(hours("09:00", "17:00"),))]),
        ("火曜日 午前10時～午後3時", [Rule(weekdays=(1,), periods=(hours("10:00", "15:00"),))]),
        ("月曜 午後1時半から4時まで", [Rule(weekdays=(0,), periods=(hours("13:30", "16:00"),))]),
        ("金曜 22:00～翌2:00", [Rule(weekdays=(4,), periods=(hours("22:00", "02:00"),))]),
        ("金曜 18:00～26:00", [Rule(weekdays=(4,), periods=(hours("18:00", "02:00"),))]),
        ("毎日 0:00～24:00", [Rule(weekdays=(0, 1, 2, 3, 4, 5, 6), periods=(hours("00:00", "00:00"),))]),
        ("週5日\n月～金曜日", [Rule(weekdays=MON_FRI)]),
        ("月2回\n第1・3水曜日", [Rule(weekdays=(2,), nth_weeks=(1, 3))]),
        ("毎月１回（最終の水曜日）", [Rule(weekdays=(2,), nth_weeks=(LAST_WEEK,))]),
        ("土曜日は、10:00～19:00", [Rule(weekdays=(5,), periods=(hours("10:00", "19:00"),))]),
        (
            "第2火曜日 17：30～\u3000第3土曜日 10：00～",
            [
                Rule(weekdays=(1,), nth_weeks=(2,), periods=(hours("17:30"),)),
                Rule(weekdays=(5,), nth_weeks=(3,), periods=(hours("10:00"),)),
            ],
        ),
        (
            "第2火曜日\u3000(1)17：00～18：00\u3000(2)18：00～19：00",
            [Rule(weekdays=(1,), nth_weeks=(2,), periods=(hours("17:00", "18:00"), hours("18:00", "19:00")))],
        ),
    ],
)
def test_parses_days_and_hours_completely(text, rules):
    schedule = parse_schedule(text)
    assert schedule.unparsed == ()
    assert schedule.parsed_completely
    assert list(schedule.rules) == rules
    assert schedule.original_text == text


def test_holiday_and_new_year_closures():
    schedule = parse_schedule("平日 9:00~17:00（祝日・年末年始を除く）")
    assert schedule.parsed_completely
    assert schedule.closed_on_holidays
    assert schedule.closed_ranges == (NEW_YEAR_HOLIDAYS,)
    assert ClosedRange(12, 29, 1, 3) == NEW_YEAR_HOLIDAYS

    for text in ("祝日を除く", "祝日休み", "祝日は休み", "祝日はお休み"):
        assert parse_schedule(text) == Schedule(original_text=text, closed_on_holidays=True), text
    for text in ("年末年始を除く", "年末年始休み"):
        assert parse_schedule(text) == Schedule(original_text=text, closed_ranges=(NEW_YEAR_HOLIDAYS,)), text

    closure = parse_schedule("12月28日～1月4日は休館")
    assert closure.closed_ranges == (ClosedRange(12, 28, 1, 4),)


@pytest.mark.parametrize("text", ["24時間", "24時間365日", "２４時間３６５日"])
def test_always_open(text):
    schedule = parse_schedule(text)
    assert schedule.parsed_completely
    assert schedule.always_open
    assert schedule.rules == ()


def test_24_hours_on_given_days_is_a_whole_day_period_not_always_open():
    every_day = (0, 1, 2, 3, 4, 5, 6)
    whole_day = (hours("00:00", "00:00"),)
    weekend = parse_schedule("土日 24時間")
    assert weekend.parsed_completely
    assert not weekend.always_open
    assert weekend.rules == (Rule(weekdays=(5, 6), periods=whole_day),)
    all_year = parse_schedule("年中無休 24時間営業")
    assert all_year.rules == (Rule(weekdays=every_day, include_holidays=True, periods=whole_day),)
    # 年中無休 says every day, not every hour.
    assert parse_schedule("年中無休").rules == (Rule(weekdays=every_day, include_holidays=True),)
    # Days after 24時間 could be a restriction or an afterthought: not guessed.
    reversed_order = parse_schedule("24時間 土日")
    assert reversed_order.unparsed == ("24時間",)
    assert not reversed_order.always_open


@pytest.mark.parametrize(
    ("text", "unparsed"),
    [
        ("不定期", ("不定期",)),
        ("要問合せ", ("要問合せ",)),
        ("月1回", ("月1回",)),
        ("月２回程度", ("月2回程度",)),
        ("毎週", ("毎週",)),
        # A count that does not pin down the days: which two Sundays?
        ("毎月2回\n日曜日", ("毎月2回",)),
        ("隔週土曜日", ("隔週",)),
        ("原則第一・第三水曜日", ("原則",)),
        ("毎月第3または第４木曜日", ("毎月第3", "または")),
        # Hours without days, and seasons without days: we do not know when they apply.
        ("11:30 ~14:00、16:00~19:00", ("11:30 ~14:00", "16:00~19:00")),
        ("11月～2月は17：00～18：30", ("11月~2月は", "17:00~18:30")),
        ("09:00", ("09:00",)),
        # Words that contain weekday characters are not weekdays.
        ("場所を確保できた日", ("場所を確保できた日",)),
        ("お盆、お正月は休み", ("お盆、お正月は休み",)),
        ("月2", ("月2",)),
        ("第2水曜日他", ("他",)),
        ("土曜 10:00~9:00", ("10:00~9:00",)),
        ("毎日 25:00~26:00", ("25:00~26:00",)),
        ("第6土曜日", ("第6",)),
    ],
)
def test_keeps_what_it_does_not_understand(text, unparsed):
    schedule = parse_schedule(text)
    assert schedule.unparsed == unparsed
    assert not schedule.parsed_completely
    assert schedule.original_text == text


def test_partial_parse_keeps_the_readable_part_but_says_it_is_partial():
    schedule = parse_schedule("毎週火曜日～木曜日 11：30～18：00\u3000毎週金曜日～土曜日 11：30～20：00(15～17時休憩）")
    assert schedule.unparsed == ("15~17時休憩",)
    assert [rule.weekdays for rule in schedule.rules] == [(1, 2, 3), (4, 5)]


def test_blank_text_is_empty_and_unknown():
    assert parse_schedule("") == Schedule(original_text="")


@pytest.mark.parametrize(
    "text",
    [
        "月～金 8:30～17:15（祝日・年末年始を除く）",
        "第2・第4土曜日\u300013時～",
        "金曜 22:00～翌2:00",
        "24時間365日",
        "偶数月の第３土曜日",
        "毎月12日",
        "毎月最終金曜日 午後5時から7時まで",
        "原則第一・第三水曜日",
        "",
    ],
)
def test_json_round_trip(text):
    schedule = parse_schedule(text)
    data = schedule.to_json()
    assert Schedule.from_json(data) == schedule
    assert data["original_text"] == text
    assert data["parsed_completely"] == schedule.parsed_completely


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"parsed_completely": False},
        {"rules": [{"weekdays": [7], "nth_weeks": [], "months": [], "month_days": [], "include_holidays": False}]},
        {"closed_ranges": [[2, 30, 3, 1]]},
        {"original_text": None},
    ],
)
def test_from_json_refuses_malformed_data(change):
    data = {**parse_schedule("月～金 9:00～17:00").to_json(), **change}
    with pytest.raises(ValueError):
        Schedule.from_json(data)


def test_opendata_split_columns_are_joined_before_parsing():
    assert opendata_hours_text(days="月水金", start="10:00", end="14:00") == "月水金 10:00～14:00"
    assert opendata_hours_text(days="土", start="17:00", end="") == "土 17:00～"
    schedule = parse_opendata_hours(days="月水金", start="10:00", end="14:00")
    assert schedule.rules == (Rule(weekdays=(0, 2, 4), periods=(hours("10:00", "14:00"),)),)
    assert schedule.original_text == "月水金 10:00～14:00"
    assert not parse_opendata_hours(days="", start="10:00", end="14:00").parsed_completely
