"""Opening hours as staff enter them: a row per weekday, public holidays, and nth-week rows.

`WeekHours` is what the staff form edits (up to two periods a day, 第2・第4土曜 rows, closed on public
holidays, closed over the New Year, open 24 hours). `schedule_from_week` turns it into a `Schedule`
and `week_from_schedule` turns a `Schedule` back into rows, or None when the form could not show it
faithfully (month limits, days of the month, other closures, hours not fully understood): the page
then offers the text instead of rows that would silently drop part of the hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .model import LAST_WEEK, NEW_YEAR_HOLIDAYS, Period, Rule, Schedule

#: Periods per row the form offers (morning and afternoon, say).
PERIODS_PER_ROW = 2
#: nth-week rows the form offers (第2・第4土曜, 第1水曜 …).
NTH_ROWS = 3
#: nth-week values in the order the form lists them: 1st … 5th, then the last one of the month.
NTH_WEEK_VALUES: tuple[int, ...] = (1, 2, 3, 4, 5, LAST_WEEK)

Periods = tuple[Period, ...]


@dataclass(frozen=True)
class NthRow:
    """Opening on some weeks of the month only: `weeks` (1–5, LAST_WEEK) of `weekday` (0 = Monday)."""

    weeks: tuple[int, ...]
    weekday: int
    periods: Periods


@dataclass(frozen=True)
class WeekHours:
    #: Monday … Sunday: the periods open every week on that day.
    days: tuple[Periods, ...] = ((),) * 7
    #: Open on public holidays at these times (whatever the weekday).
    holidays: Periods = ()
    nth: tuple[NthRow, ...] = ()
    always_open: bool = False
    closed_on_holidays: bool = False
    closed_new_year: bool = False

    def has_times(self) -> bool:
        return any(self.days) or bool(self.holidays) or bool(self.nth)

    def is_empty(self) -> bool:
        return not (self.has_times() or self.always_open or self.closed_on_holidays or self.closed_new_year)


def _sorted_periods(periods: Periods) -> Periods:
    return tuple(sorted(periods, key=lambda p: (p.start, p.end is None, p.end)))


def schedule_from_week(week: WeekHours, *, original_text: str) -> Schedule:
    """The schedule the rows describe. Weekdays with the same hours share one rule (月～金 9:00～17:00)."""
    by_periods: dict[Periods, list[int]] = defaultdict(list)
    for weekday, periods in enumerate(week.days):
        if periods:
            by_periods[_sorted_periods(periods)].append(weekday)
    holidays = _sorted_periods(week.holidays)
    rules: list[Rule] = []
    holidays_placed = False
    for periods, weekdays in by_periods.items():
        # 土日祝 10:00～17:00: the holidays share the rule of the days with the same hours.
        include = bool(holidays) and periods == holidays and not holidays_placed
        holidays_placed = holidays_placed or include
        rules.append(Rule(weekdays=tuple(weekdays), periods=periods, include_holidays=include))
    if holidays and not holidays_placed:
        rules.append(Rule(weekdays=(), periods=holidays, include_holidays=True))
    rules.extend(
        Rule(weekdays=(row.weekday,), periods=_sorted_periods(row.periods), nth_weeks=tuple(sorted(row.weeks)))
        for row in week.nth
    )
    return Schedule(
        original_text=original_text,
        rules=tuple(rules),
        closed_ranges=(NEW_YEAR_HOLIDAYS,) if week.closed_new_year else (),
        always_open=week.always_open,
        closed_on_holidays=week.closed_on_holidays,
    )


def week_from_schedule(schedule: Schedule) -> WeekHours | None:
    """The rows for `schedule`, or None when the rows could not hold all of it."""
    if not schedule.parsed_completely or schedule.closed_dates:
        return None
    if any(r != NEW_YEAR_HOLIDAYS for r in schedule.closed_ranges):
        return None
    days: list[list[Period]] = [[] for _ in range(7)]
    holidays: list[Period] = []
    nth: list[NthRow] = []
    for rule in schedule.rules:
        if rule.months or rule.month_days or not rule.periods:
            return None
        if rule.nth_weeks:
            if rule.include_holidays:
                return None
            nth.extend(NthRow(rule.nth_weeks, weekday, rule.periods) for weekday in rule.weekdays)
            continue
        for weekday in rule.weekdays:
            days[weekday].extend(rule.periods)
        if rule.include_holidays:
            holidays.extend(rule.periods)
    rows = [*days, holidays, *(row.periods for row in nth)]
    if len(nth) > NTH_ROWS or any(len(set(periods)) > PERIODS_PER_ROW for periods in rows):
        return None
    return WeekHours(
        days=tuple(_sorted_periods(tuple(dict.fromkeys(periods))) for periods in days),
        holidays=_sorted_periods(tuple(dict.fromkeys(holidays))),
        nth=tuple(NthRow(row.weeks, row.weekday, _sorted_periods(row.periods)) for row in nth),
        always_open=schedule.always_open,
        closed_on_holidays=schedule.closed_on_holidays,
        closed_new_year=NEW_YEAR_HOLIDAYS in schedule.closed_ranges,
    )
