"""The opening-hours structure and its JSON form.

A `Schedule` is plain data so that a model can keep it in a `JSONField` (`to_json`/`from_json`). It
always carries the text it was read from: when `parsed_completely` is false the rules hold only what
could be read, and pages must show `original_text` instead of the rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

JSON_VERSION = 1

#: A rule's `nth_weeks` value for "the last such weekday of the month" (最終).
LAST_WEEK = -1
ALL_WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Period:
    """Opening hours within one day.

    `end` earlier than `start` means the period ends the next morning (22:00～翌2:00); `end` equal to
    `start` means 24 hours. `end` is None when only the start is known (17時～).
    """

    start: dt.time
    end: dt.time | None = None

    @property
    def passes_midnight(self) -> bool:
        return self.end is not None and self.end <= self.start


@dataclass(frozen=True)
class Rule:
    """Days on which the place opens, and the hours on those days.

    A date matches when it is in `months` (empty: every month), its weekday is in `weekdays`, it is
    the nth such weekday of its month when `nth_weeks` is set (1–5, or -1 for the last one) and its
    day of the month is in `month_days` when that is set. `include_holidays` also matches every
    public holiday (土日祝). Empty `periods` means the days are known but the hours are not.
    """

    weekdays: tuple[int, ...]
    periods: tuple[Period, ...] = ()
    nth_weeks: tuple[int, ...] = ()
    months: tuple[int, ...] = ()
    month_days: tuple[int, ...] = ()
    include_holidays: bool = False

    @property
    def hours_known(self) -> bool:
        return bool(self.periods)


@dataclass(frozen=True)
class ClosedRange:
    """A closure that recurs every year, inclusive, and may wrap the new year (12/29–1/3)."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def contains(self, day: dt.date) -> bool:
        key = (day.month, day.day)
        start = (self.start_month, self.start_day)
        end = (self.end_month, self.end_day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end


#: 年末年始: the closure most Japanese public bodies observe.
NEW_YEAR_HOLIDAYS = ClosedRange(12, 29, 1, 3)


@dataclass(frozen=True)
class Schedule:
    original_text: str
    rules: tuple[Rule, ...] = ()
    closed_ranges: tuple[ClosedRange, ...] = ()
    closed_dates: tuple[dt.date, ...] = ()
    always_open: bool = False
    closed_on_holidays: bool = False
    #: Fragments of the text the parser did not understand; empty exactly when parsed completely.
    unparsed: tuple[str, ...] = field(default=())

    @property
    def parsed_completely(self) -> bool:
        return not self.unparsed

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "original_text": self.original_text,
            "parsed_completely": self.parsed_completely,
            "unparsed": list(self.unparsed),
            "always_open": self.always_open,
            "closed_on_holidays": self.closed_on_holidays,
            "closed_ranges": [[r.start_month, r.start_day, r.end_month, r.end_day] for r in self.closed_ranges],
            "closed_dates": [d.isoformat() for d in self.closed_dates],
            "rules": [_rule_to_json(rule) for rule in self.rules],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        """Rebuild a schedule written by `to_json`; raises ValueError on anything else."""
        try:
            if data["version"] != JSON_VERSION:
                raise ValueError(f"unknown schedule version {data['version']!r}")
            schedule = cls(
                original_text=_str(data["original_text"]),
                rules=tuple(_rule_from_json(item) for item in data["rules"]),
                closed_ranges=tuple(_closed_range_from_json(item) for item in data["closed_ranges"]),
                closed_dates=tuple(dt.date.fromisoformat(_str(item)) for item in data["closed_dates"]),
                always_open=_bool(data["always_open"]),
                closed_on_holidays=_bool(data["closed_on_holidays"]),
                unparsed=tuple(_str(item) for item in data["unparsed"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed schedule: {exc!r}") from exc
        if _bool(data["parsed_completely"]) != schedule.parsed_completely:
            raise ValueError("parsed_completely disagrees with unparsed")
        return schedule


def _rule_to_json(rule: Rule) -> dict[str, Any]:
    return {
        "weekdays": list(rule.weekdays),
        "nth_weeks": list(rule.nth_weeks),
        "months": list(rule.months),
        "month_days": list(rule.month_days),
        "include_holidays": rule.include_holidays,
        "periods": [
            [p.start.strftime("%H:%M"), None if p.end is None else p.end.strftime("%H:%M")] for p in rule.periods
        ],
    }


def _rule_from_json(data: dict[str, Any]) -> Rule:
    rule = Rule(
        weekdays=_ints(data["weekdays"], 0, 6),
        nth_weeks=_ints(data["nth_weeks"], -1, 5),
        months=_ints(data["months"], 1, 12),
        month_days=_ints(data["month_days"], 1, 31),
        include_holidays=_bool(data["include_holidays"]),
        periods=tuple(
            Period(start=_time(start), end=None if end is None else _time(end)) for start, end in data["periods"]
        ),
    )
    if 0 in rule.nth_weeks:
        raise ValueError("nth week 0")
    return rule


def _closed_range_from_json(data: list[Any]) -> ClosedRange:
    start_month, start_day, end_month, end_day = (int(x) for x in data)
    for month, day in ((start_month, start_day), (end_month, end_day)):
        dt.date(2024, month, day)  # a leap year, so 2/29 is valid; raises ValueError otherwise
    return ClosedRange(start_month, start_day, end_month, end_day)


def _ints(values: list[Any], low: int, high: int) -> tuple[int, ...]:
    result = tuple(values)
    if not all(type(v) is int and low <= v <= high for v in result):
        raise ValueError(f"values out of range {low}..{high}: {values!r}")
    return result


def _time(value: Any) -> dt.time:
    return dt.time.fromisoformat(_str(value))


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {value!r}")
    return value
