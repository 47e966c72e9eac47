"""Opening hours in words: Japanese as notices write them (月～金 9:00～17:00、第2・第4土曜 …) and English.

The words live here as data, like the vocabularies' labels, not in the translation catalogue: the
Japanese form is also the text a form-built schedule keeps as its `original_text`, and
`parse_schedule` reads it back to the same hours (tested), so it must not change with a translator's
wording. `history_text` is what the change history records for a schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .model import LAST_WEEK, NEW_YEAR_HOLIDAYS, ClosedRange, Period, Rule, Schedule
from .parser import parse_schedule
from .week import schedule_from_week, week_from_schedule

_WEEKDAYS = {
    "ja": ("月", "火", "水", "木", "金", "土", "日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_WEEKDAYS_LONG_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ALL_MONTHS = tuple(range(1, 13))


def _language(language: str) -> str:
    return "ja" if language.split("-")[0] == "ja" else "en"


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _weekdays(weekdays: Sequence[int], language: str) -> list[str]:
    """Runs of three or more days become a range (月～金), others stay single (土・日)."""
    if len(set(weekdays)) == 7:
        return ["毎日" if language == "ja" else "Every day"]
    names = _WEEKDAYS[language]
    dash = "～" if language == "ja" else "–"
    parts: list[str] = []
    for first, last in _runs(weekdays):
        if last - first >= 2:
            parts.append(f"{names[first]}{dash}{names[last]}")
        else:
            parts.extend(names[day] for day in range(first, last + 1))
    return parts


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _clock(value: dt.time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _period(period: Period, language: str) -> str:
    ja = language == "ja"
    if period.end is None:
        return f"{_clock(period.start)}～" if ja else f"from {_clock(period.start)}"
    if period.end == period.start:
        return "24時間" if ja else "24 hours"
    if period.passes_midnight:
        if ja:
            return f"{_clock(period.start)}～翌{_clock(period.end)}"
        return f"{_clock(period.start)}–{_clock(period.end)} next day"
    dash = "～" if ja else "–"
    return f"{_clock(period.start)}{dash}{_clock(period.end)}"


def _months(months: Sequence[int], language: str) -> str:
    ja = language == "ja"
    if tuple(months) == tuple(range(2, 13, 2)):
        return "偶数月" if ja else "Even months"
    if tuple(months) == tuple(range(1, 13, 2)):
        return "奇数月" if ja else "Odd months"
    # A range, possibly across the new year (11月～2月).
    start = next((m for m in months if (m - 2) % 12 + 1 not in months), None)
    if start is not None:
        span = [(start - 1 + i) % 12 + 1 for i in range(len(months))]
        if set(span) == set(months) and len(months) > 1:
            last = span[-1]
            return f"{start}月～{last}月" if ja else f"{_MONTHS_EN[start - 1]}–{_MONTHS_EN[last - 1]}"
    if ja:
        return "・".join(f"{m}月" for m in months)
    return _and([_MONTHS_EN[m - 1] for m in months])


def _days_of_rule(rule: Rule, language: str) -> str:
    ja = language == "ja"
    if rule.month_days:
        if ja:
            return "毎月" + "・".join(f"{d}日" for d in rule.month_days)
        return _and([_ordinal(d) for d in rule.month_days]) + " of each month"
    if rule.nth_weeks:
        weeks = [w for w in rule.nth_weeks if w != LAST_WEEK]
        if ja:
            nth = "・".join([f"第{w}" for w in weeks] + (["最終"] if LAST_WEEK in rule.nth_weeks else []))
            days = "・".join(_weekdays(rule.weekdays, "ja"))
            return f"{nth}{days}曜" if len(rule.weekdays) == 1 else f"{nth}{days}"
        nth_en = _and([_ordinal(w) for w in weeks] + (["last"] if LAST_WEEK in rule.nth_weeks else []))
        days_en = _and([_WEEKDAYS_LONG_EN[d] for d in rule.weekdays])
        return f"{nth_en} {days_en} of the month"
    parts = _weekdays(rule.weekdays, language)
    if ja:
        if rule.include_holidays:
            parts.append("祝")
        return parts[0] + "曜" if len(parts) == 1 and len(parts[0]) == 1 else "・".join(parts)
    if rule.include_holidays:
        parts.append("public holidays")
    return _and(parts) if parts else ""


def describe_rule(rule: Rule, language: str) -> str:
    language = _language(language)
    ja = language == "ja"
    days = _days_of_rule(rule, language)
    if not rule.weekdays and rule.include_holidays and not rule.nth_weeks and not rule.month_days:
        days = "祝日" if ja else "public holidays"
    if ja:
        hours = " " + "、".join(_period(p, language) for p in rule.periods) if rule.periods else "（時間の記載なし）"
        text = days + hours
    else:
        hours = ", ".join(_period(p, language) for p in rule.periods) if rule.periods else "(hours not given)"
        text = f"{days}: {hours}"
    if rule.months and tuple(rule.months) != _ALL_MONTHS:
        months = _months(rule.months, language)
        if ja:
            # 偶数月の第3日曜 / 4月～9月は 月～金: the forms the parser reads.
            text = f"{months}の{text}" if months in ("偶数月", "奇数月") else f"{months}は {text}"
        else:
            text = f"{months}, {text}"
    return text[0].upper() + text[1:]


def _closed_range(closed: ClosedRange, language: str) -> str:
    if language == "ja":
        if closed == NEW_YEAR_HOLIDAYS:
            return "年末年始"
        return f"{closed.start_month}月{closed.start_day}日～{closed.end_month}月{closed.end_day}日"
    start = f"{closed.start_day} {_MONTHS_EN[closed.start_month - 1]}"
    end = f"{closed.end_day} {_MONTHS_EN[closed.end_month - 1]}"
    if closed == NEW_YEAR_HOLIDAYS:
        return f"over the New Year ({start} – {end})"
    return f"from {start} to {end}"


def describe(schedule: Schedule, language: str) -> list[str]:
    """One line per rule, then the closures. For a partly understood schedule: what was understood."""
    language = _language(language)
    ja = language == "ja"
    lines: list[str] = []
    if schedule.always_open:
        lines.append("24時間" if ja else "Open 24 hours")
    lines.extend(describe_rule(rule, language) for rule in schedule.rules)
    closed: list[str] = []
    if schedule.closed_on_holidays:
        closed.append("祝日" if ja else "on public holidays")
    closed.extend(_closed_range(r, language) for r in schedule.closed_ranges)
    if closed:
        lines.append("・".join(closed) + "休み" if ja else "Closed " + _and(closed))
    for day in schedule.closed_dates:
        if ja:
            lines.append(f"{day.year}年{day.month}月{day.day}日休み")
        else:
            lines.append(f"Closed on {day.day} {_MONTHS_EN[day.month - 1]} {day.year}")
    return lines


def japanese_text(schedule: Schedule) -> str:
    """The hours as a Japanese notice would write them; `parse_schedule` reads it back."""
    return "、".join(describe(schedule, "ja"))


def _canonical(schedule: Schedule) -> Schedule:
    """The same hours with rules grouped one way, so that equal hours compare equal."""
    week = week_from_schedule(schedule)
    return schedule_from_week(week, original_text="") if week is not None else schedule


def same_hours(a: Schedule, b: Schedule) -> bool:
    """Whether two completely understood schedules open at the same times (texts aside)."""
    left, right = _canonical(a).to_json(), _canonical(b).to_json()
    left.pop("original_text")
    right.pop("original_text")
    return left == right


def text_says_it_all(schedule: Schedule) -> bool:
    """Whether the original text, read again, gives exactly the schedule's hours (nothing more to show)."""
    text = schedule.original_text.strip()
    return bool(text) and schedule.parsed_completely and same_hours(parse_schedule(text), schedule)


def history_text(schedule: Schedule) -> str:
    """What the change history records for a schedule.

    The original text when it says exactly what the schedule holds (an import, a text typed into
    the form, a form-built schedule's own words). Otherwise the hours in words with the original
    text after them, so a change to either the rows or the text is a change in the history.
    """
    text = schedule.original_text.strip()
    if not schedule.parsed_completely or text_says_it_all(schedule):
        return schedule.original_text
    words = japanese_text(_canonical(schedule))
    return f"{words}（原文: {text}）" if text else words
