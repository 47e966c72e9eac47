"""Hours as staff enter them (rows per weekday) and in words (Japanese notices, English)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tsunagu.directory.forms.hours import HoursForm, hours_initial
from tsunagu.directory.schedules import LAST_WEEK, NEW_YEAR_HOLIDAYS, Period, Schedule, open_now, parse_schedule
from tsunagu.directory.schedules.describe import describe, history_text, japanese_text, same_hours
from tsunagu.directory.schedules.week import NthRow, WeekHours, schedule_from_week, week_from_schedule

T = dt.time
TOKYO = dt.timezone(dt.timedelta(hours=9))
OFFICE = (Period(T(9), T(17)),)


def _week(**days: tuple[Period, ...]) -> tuple[tuple[Period, ...], ...]:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return tuple(days.get(name, ()) for name in names)


def test_weekdays_with_the_same_hours_share_one_rule_and_holidays_join_them():
    weekend = (Period(T(10), T(16)),)
    week = WeekHours(
        days=_week(mon=OFFICE, tue=OFFICE, wed=OFFICE, thu=OFFICE, fri=OFFICE, sat=weekend, sun=weekend),
        holidays=weekend,
        closed_new_year=True,
    )
    schedule = schedule_from_week(week, original_text="")
    assert [(r.weekdays, r.include_holidays) for r in schedule.rules] == [((0, 1, 2, 3, 4), False), ((5, 6), True)]
    assert schedule.closed_ranges == (NEW_YEAR_HOLIDAYS,)
    assert week_from_schedule(schedule) == week
    assert japanese_text(schedule) == "月～金 9:00～17:00、土・日・祝 10:00～16:00、年末年始休み"


@pytest.mark.parametrize(
    "text",
    [
        "月～金 9:00～17:00 祝日・年末年始休み",
        "月・水・金 9:00～12:00、13:00～17:00",
        "第2・第4土曜 10:00～12:00",
        "土日祝 10:00～17:00",
        "水曜 22:00～翌2:00",
        "最終金曜 18:00～20:00",
        "24時間 年末年始休み",
        "毎月5日・20日 10:00～12:00",
        "4月～9月は 月～金 9:00～17:00",
        "偶数月の第3日曜日 10:00～",
        "8月13日～8月16日休み 月～金 9:00～17:00",
    ],
)
def test_the_japanese_words_read_back_to_the_same_hours(text):
    schedule = parse_schedule(text)
    assert schedule.parsed_completely
    again = parse_schedule(japanese_text(schedule))
    assert again.parsed_completely, again.unparsed
    assert same_hours(schedule, again)


def test_rows_hold_only_what_the_form_can_show():
    assert week_from_schedule(parse_schedule("第2・第4土曜 10:00～12:00")) == WeekHours(
        nth=(NthRow(weeks=(2, 4), weekday=5, periods=(Period(T(10), T(12)),)),)
    )
    # Months, days of the month, other closures and unread text are not rows: the form shows the text instead.
    for text in ("4月～9月は 月～金 9:00～17:00", "毎月5日 10:00～12:00", "8月13日～8月16日休み 月 9:00～17:00"):
        assert week_from_schedule(parse_schedule(text)) is None, text
    assert week_from_schedule(parse_schedule("毎週水曜日 不定期")) is None
    assert week_from_schedule(parse_schedule("月 9:00～10:00、11:00～12:00、13:00～14:00")) is None


def test_english_words():
    schedule = parse_schedule("月～金 9:00～17:00 第2・第4土曜 10:00～12:00 最終日曜 13:00～ 祝日・年末年始休み")
    assert describe(schedule, "en") == [
        "Mon–Fri: 9:00–17:00",
        "2nd and 4th Saturday of the month: 10:00–12:00",
        "Last Sunday of the month: from 13:00",
        "Closed on public holidays and over the New Year (29 December – 3 January)",
    ]
    assert describe(parse_schedule("毎日 22:00～翌2:00"), "en") == ["Every day: 22:00–2:00 next day"]


def test_history_text_is_the_published_text_when_it_says_it_all_and_otherwise_shows_both():
    read = parse_schedule("月～金 9時～17時")
    assert history_text(read) == "月～金 9時～17時"
    built = schedule_from_week(WeekHours(days=_week(mon=OFFICE)), original_text="月～金 9時～17時")
    assert history_text(built) == "月曜 9:00～17:00（原文: 月～金 9時～17時）"
    partial = parse_schedule("月～金 9:00～17:00 ただし不定休あり")
    assert history_text(partial) == partial.original_text


def _post(**fields: str) -> HoursForm:
    return HoursForm({f"hours-{k}": v for k, v in fields.items()}, prefix="hours")


def test_hours_form_round_trip_rows_to_schedule_to_initial():
    submitted = {
        "mon_start_1": "9:00",
        "mon_end_1": "12:00",
        "mon_start_2": "13:00",
        "mon_end_2": "17:00",
        "wed_start_1": "9:00",
        "wed_end_1": "12:00",
        "wed_start_2": "13:00",
        "wed_end_2": "17:00",
        "sat_start_1": "22:00",
        "sat_end_1": "2:00",
        "nth1_weeks": ["2", "4"],
        "nth1_weekday": "6",
        "nth1_start_1": "10:00",
        "nth1_end_1": "15:00",
        "nth2_weeks": [str(LAST_WEEK)],
        "nth2_weekday": "4",
        "nth2_start_1": "18:00",
        "closed_on_holidays": "on",
        "closed_new_year": "on",
    }
    form = HoursForm({f"hours-{k}": v for k, v in submitted.items()}, prefix="hours")
    assert form.is_valid(), form.errors
    schedule: Schedule = form.cleaned_data["schedule"]
    assert schedule.parsed_completely and schedule.closed_on_holidays
    # Saturday 22:00 to Sunday 2:00: open at 1:00 on Sunday morning, closed at 3:00.
    sunday = dt.date(2026, 3, 8)
    assert open_now(schedule, dt.datetime.combine(sunday, T(1), tzinfo=TOKYO)) is True
    assert open_now(schedule, dt.datetime.combine(sunday, T(3), tzinfo=TOKYO)) is False
    # The generated text is what the schedule keeps, and the parser reads it back to the same hours.
    assert same_hours(parse_schedule(schedule.original_text), schedule)

    initial = hours_initial(Schedule.from_json(schedule.to_json()))
    expected = {
        key: (value if isinstance(value, list) else dt.time.fromisoformat(value.zfill(5)))
        for key, value in submitted.items()
        if key not in ("closed_on_holidays", "closed_new_year", "nth1_weekday", "nth2_weekday")
    }
    assert {k: v for k, v in initial.items() if k in expected} == expected
    assert initial["nth1_weekday"] == "6" and initial["nth2_weekday"] == "4"
    assert initial["nth2_end_1"] is None
    assert initial["closed_on_holidays"] and initial["closed_new_year"] and not initial["always_open"]
    assert "original_text" not in initial  # the generated words are not offered back as a published text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"mon_end_1": "17:00"}, "mon_start_1", "Enter the opening time as well."),
        (
            {"mon_start_1": "9:00", "mon_end_1": "12:00", "mon_start_2": "11:00", "mon_end_2": "13:00"},
            "mon_start_2",
            "The two periods overlap.",
        ),
        ({"always_open": "on", "tue_start_1": "9:00"}, "always_open", None),
        ({"closed_on_holidays": "on", "hol_start_1": "10:00"}, "closed_on_holidays", None),
        ({"nth1_weeks": ["2"], "nth1_start_1": "10:00"}, "nth1_weekday", "Choose the day of the week."),
        ({"mon_start_1": "25:00"}, "mon_start_1", None),
        ({"mon_start_1": "9:00", "original_text": "月～金 10:00～18:00"}, "original_text", None),
        ({"closed_new_year": "on"}, "__all__", None),
    ],
)
def test_hours_form_says_what_is_wrong(fields, field, message):
    with translation.override("en"):
        form = _post(**fields)
        assert not form.is_valid()
        assert field in form.errors, form.errors
        if message:
            assert message in form.errors[field]


def test_text_alone_is_read_and_kept_when_it_cannot_be_rows():
    form = _post(original_text="毎月5日・20日 10:00～12:00")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["schedule"].rules[0].month_days == (5, 20)
    existing = parse_schedule("毎月5日・20日 10:00～12:00")
    assert hours_initial(existing) == {"original_text": "毎月5日・20日 10:00～12:00"}
    unchanged = HoursForm({"hours-original_text": "毎月5日・20日 10:00～12:00"}, prefix="hours", existing=existing)
    assert unchanged.is_valid() and unchanged.cleaned_data["schedule"] is existing
    empty = _post()
    assert empty.is_valid() and empty.cleaned_data["schedule"] is None
    assert _post(mon_start_1="９:００", mon_end_1="１７:００").is_valid()  # full-width digits
