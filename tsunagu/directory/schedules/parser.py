"""Reading Japanese free-text opening hours into a `Schedule`, without guessing.

Days come before the hours that belong to them (第2火曜日 17:30～ 第3土曜日 10:00～). A clause that
cannot be tied to days, a count that does not agree with the days (毎月2回 日曜日), a vague word
(不定期, 原則, 程度) or anything else not understood ends up in `Schedule.unparsed`, so
`parsed_completely` is false and pages show the original text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .model import ALL_WEEKDAYS, LAST_WEEK, NEW_YEAR_HOLIDAYS, ClosedRange, Period, Rule, Schedule
from .scanner import Token, scan

_WEEKDAY_INDEX = {char: index for index, char in enumerate("月火水木金土日")}
_WEEKDAYS_MON_FRI = (0, 1, 2, 3, 4)
# Overnight hours written without 翌 (18:00～2:00) are read as such only when they clearly are.
_LATEST_IMPLICIT_MORNING_END = 6
_EARLIEST_IMPLICIT_OVERNIGHT_START = 12


_DAY_PARTS = re.compile(r"年中無休|平日(?:毎日)?|毎日|祝祭日|祝日|祭日|祝|[月火水木金土日](?:曜日?)?|~")


class _Unreadable(Exception):
    """A token matched but its content makes no sense (25:00, 第6, 13月); report its text."""


@dataclass
class _DayItem:
    weekdays: tuple[int, ...]
    nth_weeks: tuple[int, ...] = ()
    month_days: tuple[int, ...] = ()
    include_holidays: bool = False


@dataclass
class _Group:
    """Days followed by the hours that apply to them, optionally limited to some months."""

    months: tuple[int, ...] = ()
    days: list[_DayItem] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)


@dataclass
class _State:
    rules: list[Rule] = field(default_factory=list)
    group: _Group = field(default_factory=_Group)
    pending_nth: Token | None = None
    unparsed: list[tuple[int, str]] = field(default_factory=list)
    counts: list[Token] = field(default_factory=list)
    always_token: Token | None = None
    closed_on_holidays: bool = False
    closed_ranges: list[ClosedRange] = field(default_factory=list)

    def reject(self, token: Token) -> None:
        self.unparsed.append((token.start, token.text.strip()))

    def flush(self) -> None:
        group = self.group
        if group.days:
            for item in _merge_items(group.days):
                self.rules.append(
                    Rule(
                        weekdays=item.weekdays,
                        periods=tuple(group.periods),
                        nth_weeks=item.nth_weeks,
                        months=group.months,
                        month_days=item.month_days,
                        include_holidays=item.include_holidays,
                    )
                )
        else:
            # Hours or months with no days: we do not know when they apply.
            for token in group.tokens:
                self.reject(token)
        self.group = _Group()


def parse_schedule(text: str) -> Schedule:
    """Read `text`; everything not understood is listed in the result's `unparsed`."""
    result = scan(text)
    state = _State()
    state.unparsed.extend(result.leftover)
    tokens = result.tokens
    for index, token in enumerate(tokens):
        try:
            _apply(state, token, tokens[index + 1] if index + 1 < len(tokens) else None)
        except _Unreadable:
            state.reject(token)
    if state.pending_nth is not None:
        state.reject(state.pending_nth)
    state.flush()
    always_open = state.always_token is not None
    if state.always_token is not None and state.rules:
        state.reject(state.always_token)  # 「24時間 土日」: which days are meant is not clear
        always_open = False
    for count in state.counts:
        if not _count_agrees(count, state.rules):
            state.reject(count)
    return Schedule(
        original_text=text,
        rules=tuple(state.rules),
        closed_ranges=tuple(state.closed_ranges),
        always_open=always_open,
        closed_on_holidays=state.closed_on_holidays,
        unparsed=tuple(fragment for _, fragment in sorted(state.unparsed)),
    )


def _apply(state: _State, token: Token, following: Token | None) -> None:
    kind = token.kind
    group = state.group
    if kind in ("label", "noise"):
        return
    if kind == "unknown":
        state.reject(token)
    elif kind == "qualifier":
        # 毎週/毎月 only repeat what the days say; alone (「毎週」) they say nothing we can use.
        if following is None or following.kind not in ("days", "nth", "month_days") or following.start > token.end + 1:
            state.reject(token)
    elif kind == "always":
        if group.days:
            group.periods.append(Period(start=dt.time(0), end=dt.time(0)))  # 土日 24時間: all day on those days
            group.tokens.append(token)
        elif state.always_token is None:
            state.always_token = token
        else:
            state.reject(token)
    elif kind == "closed":
        what = token.match.group("what")
        if "年末年始" in what:
            state.closed_ranges.append(NEW_YEAR_HOLIDAYS)
        if "祝" in what or "祭" in what:
            state.closed_on_holidays = True
    elif kind == "closed_range":
        values = [int(token.match.group(name)) for name in ("m1", "d1", "m2", "d2")]
        for month, day in ((values[0], values[1]), (values[2], values[3])):
            _valid_month_day(month, day)
        state.closed_ranges.append(ClosedRange(*values))
    elif kind in ("season", "parity"):
        if group.days or group.periods or state.pending_nth is not None:
            _flush_or_reject_nth(state)
            group = state.group
        group.months = _months(token)
        group.tokens.append(token)
    elif kind == "freq":
        _freq(state, token)
    elif kind == "nth":
        if group.periods:
            _flush_or_reject_nth(state)
        if state.pending_nth is not None:
            state.reject(state.pending_nth)
        _nth_weeks(token)  # validate now, so a bad value is reported as this token
        state.pending_nth = token
    elif kind in ("days", "month_days"):
        if group.periods:
            state.flush()
            group = state.group
        item = _day_item(token)  # before taking the pending 第N, so a bad day list does not lose it
        nth = state.pending_nth
        state.pending_nth = None
        if nth is not None:
            if item.month_days:
                state.reject(nth)
            else:
                item.nth_weeks = _nth_weeks(nth)
                group.tokens.append(nth)
        group.days.append(item)
        group.tokens.append(token)
    elif kind == "period":
        if state.pending_nth is not None:
            state.reject(state.pending_nth)
            state.pending_nth = None
        group.periods.append(_period(token))
        group.tokens.append(token)
    else:  # pragma: no cover - every scanner kind is handled above
        raise AssertionError(kind)


def _flush_or_reject_nth(state: _State) -> None:
    if state.pending_nth is not None:
        state.reject(state.pending_nth)
        state.pending_nth = None
    state.flush()


def _freq(state: _State, token: Token) -> None:
    """Counts (月2回, 週5日) are kept only to check them against the days once all are read."""
    match = token.match
    prefix = match.group("fp")
    vague = match.group("frange") or match.group("fvague")
    unit = match.group("funit")
    monthly = prefix in ("毎月", "月", "月に") and unit == "回"
    weekly = prefix in ("毎週", "週", "週に")
    if vague or not (monthly or weekly):
        state.reject(token)
    else:
        state.counts.append(token)


def _count_agrees(token: Token, rules: list[Rule]) -> bool:
    count = int(token.match.group("fn"))
    if not rules or any(rule.months or rule.include_holidays for rule in rules):
        return False
    if token.match.group("fp") in ("毎週", "週", "週に"):
        if any(rule.nth_weeks or rule.month_days for rule in rules):
            return False
        return sum(len(rule.weekdays) for rule in rules) == count
    per_month = 0
    for rule in rules:
        if rule.month_days:
            per_month += len(rule.month_days)
        elif rule.nth_weeks:
            per_month += len(rule.nth_weeks) * len(rule.weekdays)
        else:
            return False  # every week of the month, which is not a fixed count
    return per_month == count


def _months(token: Token) -> tuple[int, ...]:
    if token.kind == "parity":
        return tuple(range(2, 13, 2)) if token.match.group("parity") == "偶数" else tuple(range(1, 13, 2))
    first, last = int(token.match.group("s1")), int(token.match.group("s2"))
    if not (1 <= first <= 12 and 1 <= last <= 12) or first == last:
        raise _Unreadable
    months = [first]
    while months[-1] != last:
        months.append(months[-1] % 12 + 1)
    return tuple(sorted(months))


def _nth_weeks(token: Token) -> tuple[int, ...]:
    items = re.findall(r"最終|\d", token.text)
    if "~" in token.text:
        if len(items) != 2 or "最終" in items or int(items[0]) >= int(items[1]):
            raise _Unreadable
        weeks = list(range(int(items[0]), int(items[1]) + 1))
    else:
        weeks = [LAST_WEEK if item == "最終" else int(item) for item in items]
    if not all(week == LAST_WEEK or 1 <= week <= 5 for week in weeks) or len(set(weeks)) != len(weeks):
        raise _Unreadable
    return tuple(sorted(weeks))


def _day_item(token: Token) -> _DayItem:
    if token.kind == "month_days":
        days = tuple(sorted({int(d) for d in re.findall(r"(\d{1,2})日", token.text)}))
        if not all(1 <= d <= 31 for d in days):
            raise _Unreadable
        return _DayItem(weekdays=ALL_WEEKDAYS, month_days=days)
    weekdays: set[int] = set()
    include_holidays = False
    previous: int | None = None
    range_open = False
    for part in _DAY_PARTS.finditer(token.text):
        value = part.group().removesuffix("日") if part.group().endswith("曜日") else part.group()
        value = value.removesuffix("曜")
        if value == "~":
            if previous is None:
                raise _Unreadable
            range_open = True
            continue
        if value in ("平日", "平日毎日"):
            names: tuple[int, ...] = _WEEKDAYS_MON_FRI
        elif value == "毎日":
            names = ALL_WEEKDAYS
        elif value == "年中無休":
            names = ALL_WEEKDAYS
            include_holidays = True
        elif value[0] in "祝祭":
            include_holidays = True
            continue
        else:
            names = (_WEEKDAY_INDEX[value],)
        if range_open:
            if len(names) != 1 or previous is None:
                raise _Unreadable
            day = previous
            while day != names[0]:
                day = (day + 1) % 7
                weekdays.add(day)
            range_open = False
        weekdays.update(names)
        previous = names[-1] if len(names) == 1 else None
    if range_open or not weekdays:
        raise _Unreadable
    return _DayItem(weekdays=tuple(sorted(weekdays)), include_holidays=include_holidays)


def _merge_items(items: list[_DayItem]) -> list[_DayItem]:
    """第2水曜・第4水曜 is one rule (水, weeks 2 and 4); different weekdays stay apart."""
    merged: list[_DayItem] = []
    for item in items:
        for existing in merged:
            if (
                existing.nth_weeks
                and item.nth_weeks
                and (existing.weekdays, existing.month_days, existing.include_holidays)
                == (item.weekdays, item.month_days, item.include_holidays)
            ):
                existing.nth_weeks = tuple(sorted(set(existing.nth_weeks) | set(item.nth_weeks)))
                break
        else:
            merged.append(_DayItem(item.weekdays, item.nth_weeks, item.month_days, item.include_holidays))
    return merged


def _clock(token: Token, prefix: str) -> tuple[int, int, str | None] | None:
    match = token.match
    hour = match.group(f"{prefix}h")
    if hour is None:
        return None
    minute_text = match.group(f"{prefix}m") or match.group(f"{prefix}m2")
    minute = 30 if match.group(f"{prefix}half") else int(minute_text or 0)
    if minute >= 60:
        raise _Unreadable
    return int(hour), minute, match.group(f"{prefix}ampm")


def _apply_ampm(hour: int, ampm: str | None) -> int:
    if ampm is None:
        return hour
    if hour > 12:
        raise _Unreadable  # 午後15時
    if ampm == "午後":
        return hour + 12 if hour < 12 else hour
    return 0 if hour == 12 else hour


def _period(token: Token) -> Period:
    start_clock = _clock(token, "s")
    assert start_clock is not None  # the start time is not optional in the pattern
    start_hour = _apply_ampm(start_clock[0], start_clock[2])
    if start_hour > 23:
        raise _Unreadable
    start = dt.time(start_hour, start_clock[1])
    next_day = token.match.group("next") is not None
    end_clock = _clock(token, "e")
    if end_clock is None:
        if next_day:
            raise _Unreadable
        return Period(start=start)
    end_hour, end_minute, end_ampm = end_clock
    if end_ampm is None and start_clock[2] == "午後" and end_hour < 12 and end_hour + 12 > start_hour:
        end_hour += 12  # 午後5時から7時まで: the 午後 covers both times
    else:
        end_hour = _apply_ampm(end_hour, end_ampm)
    written_overnight = next_day or end_hour >= 24
    if end_hour >= 24:
        end_hour -= 24
    if end_hour > 23:
        raise _Unreadable
    end = dt.time(end_hour, end_minute)
    period = Period(start=start, end=end)
    if period.passes_midnight and not written_overnight:
        clearly_overnight = (
            end_hour <= _LATEST_IMPLICIT_MORNING_END and start_hour >= _EARLIEST_IMPLICIT_OVERNIGHT_START
        )
        if not clearly_overnight or end == start:
            raise _Unreadable
    if written_overnight and not period.passes_midnight:
        raise _Unreadable  # 翌 on an end that is not the next day (9:00～翌17:00)
    return period


def _valid_month_day(month: int, day: int) -> None:
    try:
        dt.date(2024, month, day)
    except ValueError as exc:
        raise _Unreadable from exc
