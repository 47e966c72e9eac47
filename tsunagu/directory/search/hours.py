"""Open now as index tokens, exact to the minute, so "open now" is one more index condition.

Evaluating ``schedules.open_now`` costs ~25 µs per service (JSON, parsing, holidays); ranking a
thousand candidates by it on every search would cost more than the whole search may. So the
opening minutes are computed when a service is indexed, for every day of a window
(``WINDOW_DAYS`` from the day before indexing), and written as tokens:

* The minutes of a day, 0–1439, are the leaves of a binary tree over 2,048 minutes; an interval of
  opening hours is the union of at most ~20 tree nodes (a dyadic decomposition), and a minute lies
  in the interval exactly when one of its 12 ancestors is among those nodes.
* Per weekday, the most common opening of that weekday in the window is written as
  ``HOURS_WEEK(weekday, node)`` tokens. Each day whose opening differs (a public holiday, 年末年始,
  the weeks a 第2・第4 rule skips, a seasonal schedule) gets ``HOURS_EXCEPTION(day)`` and its own
  ``HOURS_DAY(day, node)`` tokens.
* Open at minute m of day d ⇔ (a ``HOURS_WEEK(weekday(d), ancestor of m)`` token and no
  ``HOURS_EXCEPTION(d)``) or a ``HOURS_DAY(d, ancestor of m)`` token.

A day's minutes are those at which ``schedules.open_now`` answers True (a period that started the
day before and runs past midnight counts on the day it reaches); "cannot tell" (None) is not open.
Which schedules decide: the service's own schedules valid that day; else the schedules of its
locations valid that day. With none, or none the parser fully understood, a service flagged
``is_24_hours`` is open all day (the flag is all there is to go on) and any other is not open.

Outside its window a service's tokens say nothing; the search then evaluates it in Python
(``open_at``), so answers stay right, only slower. ``rebuild_search_index --stale-hours`` renews
the windows (run it monthly; see docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.schedules import Schedule as Hours
from tsunagu.directory.schedules.evaluate import is_closed_day, rule_matches
from tsunagu.directory.search import tokens as tk

MINUTES_PER_DAY = 1440
_TREE_LEVELS = 11  # 2 ** 11 = 2,048 leaves ≥ 1,440 minutes
#: Days covered from the day before indexing: a little over a year.
WINDOW_DAYS = 400
_EPOCH = dt.date(2000, 1, 1)

Intervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ScheduleRow:
    """One stored schedule (``models.Schedule``): its hours as canonical JSON text, and its validity."""

    hours_json: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @classmethod
    def of(
        cls, hours: dict[str, Any], valid_from: dt.date | None = None, valid_to: dt.date | None = None
    ) -> ScheduleRow:
        return cls(json.dumps(hours, sort_keys=True, ensure_ascii=False), valid_from, valid_to)

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class HoursSource:
    """Everything that decides when a service is open; hashable, so equal hours share one computation."""

    own: tuple[ScheduleRow, ...] = ()
    locations: tuple[ScheduleRow, ...] = ()
    is_24_hours: bool = False

    @classmethod
    def of(cls, *, own: Iterable[ScheduleRow], locations: Iterable[ScheduleRow], is_24_hours: bool) -> HoursSource:
        return cls(
            own=tuple(sorted(set(own), key=_row_key)),
            locations=tuple(sorted(set(locations), key=_row_key)),
            is_24_hours=is_24_hours,
        )


def _row_key(row: ScheduleRow) -> tuple[str, str, str]:
    return (
        row.hours_json,
        row.valid_from.isoformat() if row.valid_from else "",
        row.valid_to.isoformat() if row.valid_to else "",
    )


# --- Opening minutes ----------------------------------------------------------------------------


def _merge(intervals: Iterable[tuple[int, int]]) -> Intervals:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def schedule_open_minutes(schedule: Hours, day: dt.date) -> Intervals:
    """The minutes of ``day`` at which ``open_now(schedule, …)`` is True, as [start, end) intervals.

    Mirrors ``schedules.evaluate.open_now`` (the tests compare the two minute by minute): only its
    True answers, from the periods of the rules matching yesterday and today, each clipped to today.
    """
    if not schedule.parsed_completely:
        return ()
    if schedule.always_open:
        return () if is_closed_day(schedule, day) else ((0, MINUTES_PER_DAY),)
    found: list[tuple[int, int]] = []
    for shift, rule_day in ((MINUTES_PER_DAY, day - dt.timedelta(days=1)), (0, day)):
        if is_closed_day(schedule, rule_day):
            continue
        for rule in schedule.rules:
            if not rule_matches(rule, rule_day):
                continue
            for period in rule.periods:
                if period.end is None:
                    continue  # open_now can only say "cannot tell" after such a start
                start = _minutes(period.start) - shift
                end = _minutes(period.end) + (MINUTES_PER_DAY if period.passes_midnight else 0) - shift
                start, end = max(start, 0), min(end, MINUTES_PER_DAY)
                if start < end:
                    found.append((start, end))
    return _merge(found)


@functools.lru_cache(maxsize=4096)
def _parsed(hours_json: str) -> Hours:
    return Hours.from_json(json.loads(hours_json))


def rows_on(source: HoursSource, day: dt.date) -> list[ScheduleRow]:
    """The schedules that apply on ``day``: the service's own valid ones, else its locations' valid ones."""
    return [row for row in source.own if row.valid_on(day)] or [row for row in source.locations if row.valid_on(day)]


def original_text(hours_json: str) -> str:
    """The wording the hours were entered or imported with."""
    return _parsed(hours_json).original_text


def understood(source: HoursSource, day: dt.date) -> bool:
    """Whether ``open_minutes`` for ``day`` rests on hours read completely, or on the 24-hours flag."""
    return source.is_24_hours or any(_parsed(row.hours_json).parsed_completely for row in rows_on(source, day))


def open_minutes(source: HoursSource, day: dt.date) -> Intervals:
    """The minutes of ``day`` at which the service is open (see the module docstring for which schedules)."""
    parsed = [_parsed(row.hours_json) for row in rows_on(source, day)]
    if not any(schedule.parsed_completely for schedule in parsed):
        # No hours that can be read (or none at all): the flag is all there is to go on.
        return ((0, MINUTES_PER_DAY),) if source.is_24_hours else ()
    return _merge(interval for schedule in parsed for interval in schedule_open_minutes(schedule, day))


def tokyo_minute(at: dt.datetime) -> tuple[dt.date, int]:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    local = at.astimezone(TOKYO)
    return local.date(), local.hour * 60 + local.minute


def open_at(source: HoursSource, at: dt.datetime) -> bool:
    """Whether the service is open at ``at`` (the slow path, for services outside their window)."""
    day, minute = tokyo_minute(at)
    return any(start <= minute < end for start, end in open_minutes(source, day))


# --- Tokens -------------------------------------------------------------------------------------


def _node(level: int, index: int) -> int:
    # Heap numbering: the root (all 2,048 minutes) is 1, the leaves are 2,048–4,095.
    return (1 << (_TREE_LEVELS - level)) + index


def interval_nodes(start: int, end: int) -> list[int]:
    """The tree nodes whose union is exactly [start, end)."""
    nodes: list[int] = []
    level = 0
    while start < end:
        if start & 1:
            nodes.append(_node(level, start))
            start += 1
        if end & 1:
            end -= 1
            nodes.append(_node(level, end))
        start >>= 1
        end >>= 1
        level += 1
    return nodes


def minute_nodes(minute: int) -> list[int]:
    """The nodes containing ``minute``: one per level."""
    return [_node(level, minute >> level) for level in range(_TREE_LEVELS + 1)]


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def _week_token(weekday: int, node: int) -> int:
    return tk.structured(tk.HOURS_WEEK, (weekday << 12) | node)


def _exception_token(day: dt.date) -> int:
    return tk.structured(tk.HOURS_EXCEPTION, day_number(day))


def _day_token(day: dt.date, node: int) -> int:
    return tk.structured(tk.HOURS_DAY, (day_number(day) << 12) | node)


def window(indexed_on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day that tokens computed on ``indexed_on`` describe."""
    first = indexed_on - dt.timedelta(days=1)
    return first, first + dt.timedelta(days=WINDOW_DAYS - 1)


def hours_tokens(source: HoursSource, indexed_on: dt.date) -> tuple[int, ...]:
    """The opening-hours tokens of a service for the window starting the day before ``indexed_on``."""
    return _hours_tokens(source, window(indexed_on)[0])


@functools.lru_cache(maxsize=2048)  # many services share the same hours (月～金 9:00～17:00 …)
def _hours_tokens(source: HoursSource, first: dt.date) -> tuple[int, ...]:
    days = [first + dt.timedelta(days=i) for i in range(WINDOW_DAYS)]
    minutes = {day: open_minutes(source, day) for day in days}
    usual: dict[int, Intervals] = {}
    for weekday in range(7):
        counts = Counter(minutes[day] for day in days if day.weekday() == weekday)
        # Ties go to the first day in the window (Counter keeps insertion order): deterministic.
        usual[weekday] = counts.most_common(1)[0][0]
    found: set[int] = set()
    for weekday, intervals in usual.items():
        found.update(_week_token(weekday, node) for start, end in intervals for node in interval_nodes(start, end))
    for day in days:
        if minutes[day] != usual[day.weekday()]:
            found.add(_exception_token(day))
            found.update(_day_token(day, node) for start, end in minutes[day] for node in interval_nodes(start, end))
    return tuple(sorted(found))


def open_expression(at: dt.datetime) -> tk.Expr:
    """The index condition "open at ``at``" (exact for services whose window contains the day)."""
    day, minute = tokyo_minute(at)
    nodes = minute_nodes(minute)
    usual = tk.any_of(tk.Token(_week_token(day.weekday(), node)) for node in nodes)
    exceptional = tk.any_of(tk.Token(_day_token(day, node)) for node in nodes)
    return tk.Or((tk.AndNot(usual, tk.Token(_exception_token(day))), exceptional))
