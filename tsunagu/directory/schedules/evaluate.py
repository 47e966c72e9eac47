"""Whether a place is open at a moment, and when it opens next, in Japan's time zone."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from zoneinfo import ZoneInfo

import jpholiday

from .model import LAST_WEEK, Period, Rule, Schedule

TOKYO = ZoneInfo("Asia/Tokyo")
#: How far `next_open` looks ahead. A little over a year covers rules limited to some months.
SEARCH_DAYS = 400


# The search index asks about each day of a year for every distinct schedule; jpholiday works the
# day out from the rules each time.
@functools.lru_cache(maxsize=4096)
def is_public_holiday(day: dt.date) -> bool:
    return bool(jpholiday.is_holiday(day))


def is_closed_day(schedule: Schedule, day: dt.date) -> bool:
    """Closed all day by an exception (年末年始, a listed date, a public holiday when closed on them)."""
    if day in schedule.closed_dates or any(r.contains(day) for r in schedule.closed_ranges):
        return True
    return schedule.closed_on_holidays and is_public_holiday(day)


def rule_matches(rule: Rule, day: dt.date) -> bool:
    """Whether `rule` names `day`, before exceptions are applied."""
    if rule.months and day.month not in rule.months:
        return False
    if rule.include_holidays and is_public_holiday(day):
        return True
    if day.weekday() not in rule.weekdays:
        return False
    if rule.month_days and day.day not in rule.month_days:
        return False
    if rule.nth_weeks:
        nth = (day.day - 1) // 7 + 1
        is_last = day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        return nth in rule.nth_weeks or (is_last and LAST_WEEK in rule.nth_weeks)
    return True


def _rules_on(schedule: Schedule, day: dt.date) -> list[Rule]:
    if is_closed_day(schedule, day):
        return []
    return [rule for rule in schedule.rules if rule_matches(rule, day)]


def _period_bounds(day: dt.date, period: Period) -> tuple[dt.datetime, dt.datetime | None]:
    start = dt.datetime.combine(day, period.start, tzinfo=TOKYO)
    if period.end is None:
        return start, None
    end_day = day + dt.timedelta(days=1) if period.passes_midnight else day
    return start, dt.datetime.combine(end_day, period.end, tzinfo=TOKYO)


def _in_tokyo(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(TOKYO)


def open_now(schedule: Schedule, at: dt.datetime) -> bool | None:
    """True or False when the schedule says so, None when it cannot tell.

    It cannot tell when the text was not fully understood, when nothing about days was given, when
    the day matches a rule without hours, or after the start of a period whose end is unknown.
    """
    if not schedule.parsed_completely:
        return None
    now = _in_tokyo(at)
    today = now.date()
    if schedule.always_open:
        return not is_closed_day(schedule, today)
    if not schedule.rules:
        return None
    unknown = False
    for day in (today - dt.timedelta(days=1), today):
        for rule in _rules_on(schedule, day):
            if not rule.periods and day == today:
                unknown = True
            for period in rule.periods:
                start, end = _period_bounds(day, period)
                if end is None:
                    if day == today and now >= start:
                        unknown = True
                elif start <= now < end:
                    return True
    return None if unknown else False


def next_open(schedule: Schedule, after: dt.datetime) -> dt.datetime | None:
    """The start of the first opening period at or after `after`, in Asia/Tokyo.

    A period already under way at `after` is not returned: ask `open_now` for that. None when the
    schedule was not fully understood, when a day whose hours are unknown comes first (the answer
    could be that day), or when nothing opens within `SEARCH_DAYS`.
    """
    if not schedule.parsed_completely:
        return None
    start = _in_tokyo(after)
    if schedule.always_open:
        for offset in range(SEARCH_DAYS):
            day = start.date() + dt.timedelta(days=offset)
            if not is_closed_day(schedule, day):
                return start if offset == 0 else dt.datetime.combine(day, dt.time(0), tzinfo=TOKYO)
        return None
    for offset in range(SEARCH_DAYS):
        day = start.date() + dt.timedelta(days=offset)
        rules = _rules_on(schedule, day)
        if any(not rule.periods for rule in rules):
            return None
        starts = [
            opening for rule in rules for period in rule.periods if (opening := _period_bounds(day, period)[0]) >= start
        ]
        if starts:
            return min(starts)
    return None
