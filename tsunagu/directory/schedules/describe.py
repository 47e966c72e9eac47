"""Opening hours in words: Japanese as notices write them (月～金 9:00～17:00、第2・第4土曜 …), and
the portal's other languages (English, 简体中文, 한국어, Tiếng Việt, Português).

The words live here as data, like the vocabularies' labels, not in the translation catalogue: the
Japanese form is also the text a form-built schedule keeps as its `original_text`, and
`parse_schedule` reads it back to the same hours (tested), so it must not change with a translator's
wording. The other languages are tables of the same few phrases (`_Words`), because a day list,
an ordinal or a month range is built differently in each language and would not survive being cut
into catalogue strings. `history_text` is what the change history records for a schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from .model import LAST_WEEK, NEW_YEAR_HOLIDAYS, ClosedRange, Period, Rule, Schedule
from .parser import parse_schedule
from .week import schedule_from_week, week_from_schedule

_WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
_ALL_MONTHS = tuple(range(1, 13))


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _clock(value: dt.time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _month_span(months: Sequence[int]) -> tuple[int, int] | None:
    """The first and last month when the months are one run, possibly across the new year (11月～2月)."""
    start = next((m for m in months if (m - 2) % 12 + 1 not in months), None)
    if start is None or len(months) < 2:
        return None
    span = [(start - 1 + i) % 12 + 1 for i in range(len(months))]
    return (start, span[-1]) if set(span) == set(months) else None


# -- Japanese ----------------------------------------------------------------------------------


def _weekdays_ja(weekdays: Sequence[int]) -> list[str]:
    """Runs of three or more days become a range (月～金), others stay single (土・日)."""
    if len(set(weekdays)) == 7:
        return ["毎日"]
    parts: list[str] = []
    for first, last in _runs(weekdays):
        if last - first >= 2:
            parts.append(f"{_WEEKDAYS_JA[first]}～{_WEEKDAYS_JA[last]}")
        else:
            parts.extend(_WEEKDAYS_JA[day] for day in range(first, last + 1))
    return parts


def _period_ja(period: Period) -> str:
    if period.end is None:
        return f"{_clock(period.start)}～"
    if period.end == period.start:
        return "24時間"
    if period.passes_midnight:
        return f"{_clock(period.start)}～翌{_clock(period.end)}"
    return f"{_clock(period.start)}～{_clock(period.end)}"


def _months_ja(months: Sequence[int]) -> str:
    if tuple(months) == tuple(range(2, 13, 2)):
        return "偶数月"
    if tuple(months) == tuple(range(1, 13, 2)):
        return "奇数月"
    span = _month_span(months)
    if span is not None:
        return f"{span[0]}月～{span[1]}月"
    return "・".join(f"{m}月" for m in months)


def _days_ja(rule: Rule) -> str:
    if rule.month_days:
        return "毎月" + "・".join(f"{d}日" for d in rule.month_days)
    if rule.nth_weeks:
        weeks = [w for w in rule.nth_weeks if w != LAST_WEEK]
        nth = "・".join([f"第{w}" for w in weeks] + (["最終"] if LAST_WEEK in rule.nth_weeks else []))
        days = "・".join(_weekdays_ja(rule.weekdays))
        return f"{nth}{days}曜" if len(rule.weekdays) == 1 else f"{nth}{days}"
    if not rule.weekdays and rule.include_holidays:
        return "祝日"
    parts = _weekdays_ja(rule.weekdays)
    if rule.include_holidays:
        parts.append("祝")
    return parts[0] + "曜" if len(parts) == 1 and len(parts[0]) == 1 else "・".join(parts)


def _rule_ja(rule: Rule) -> str:
    hours = " " + "、".join(_period_ja(p) for p in rule.periods) if rule.periods else "（時間の記載なし）"
    text = _days_ja(rule) + hours
    if rule.months and tuple(rule.months) != _ALL_MONTHS:
        months = _months_ja(rule.months)
        # 偶数月の第3日曜 / 4月～9月は 月～金: the forms the parser reads.
        text = f"{months}の{text}" if months in ("偶数月", "奇数月") else f"{months}は {text}"
    return text


def _closed_range_ja(closed: ClosedRange) -> str:
    if closed == NEW_YEAR_HOLIDAYS:
        return "年末年始"
    return f"{closed.start_month}月{closed.start_day}日～{closed.end_month}月{closed.end_day}日"


def _describe_ja(schedule: Schedule) -> list[str]:
    lines: list[str] = ["24時間"] if schedule.always_open else []
    lines.extend(_rule_ja(rule) for rule in schedule.rules)
    closed = ["祝日"] if schedule.closed_on_holidays else []
    closed.extend(_closed_range_ja(r) for r in schedule.closed_ranges)
    if closed:
        lines.append("・".join(closed) + "休み")
    lines.extend(f"{day.year}年{day.month}月{day.day}日休み" for day in schedule.closed_dates)
    return lines


# -- other languages ---------------------------------------------------------------------------
#
# The tables below say how each language writes opening hours. The Japanese words above are the
# canonical ones (the parser reads them back); these are for reading only.


def _ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class _Words:
    """How one language writes opening hours (everything but Japanese)."""

    weekdays: tuple[str, ...]  # short names, Monday first, for lists and ranges
    weekdays_long: tuple[str, ...]  # for "2nd Saturday of the month"
    months: tuple[str, ...]  # month names, January first
    every_day: str
    day_range: str  # {first} {last}
    time_range: str  # {start} {end}
    overnight: str  # {start} {end}
    from_time: str  # {start}
    all_day: str  # a 24-hour period
    open_24_hours: str  # a schedule that never closes
    holidays: str  # public holidays as a day of opening
    month_days: tuple[str, str]  # {days} of the month, already joined: one day, several days
    month_day: Callable[[int], str]  # one day of the month in a list
    nth_weekday: str  # {nth} {days}
    nth: Callable[[int, tuple[int, ...]], str]  # a week of the month, knowing the weekdays (gender)
    last: Callable[[tuple[int, ...]], str]  # the last week of the month
    rule: str  # {days} {hours}
    no_hours: str
    hours_separator: str  # between the periods of a day
    with_months: str  # {months} {text}
    even_months: str
    odd_months: str
    month_range: str  # {first} {last}
    closed: str  # {what}
    closed_on_holidays: str
    new_year: str  # {start} {end}
    closed_range: str  # {start} {end}
    date: str  # {day} {month} (month name) {month_number}
    closed_date: str  # {date} {year}
    separator: str  # between items of a list of days, months or dates
    last_separator: str  # before the last item of a list
    weekday_separator: str  # between single weekdays (土・日)
    # Between items of a list on a page, whose names may hold commas ("Loneliness, someone to talk to").
    items_separator: str
    # The weekday after several ordinals, where the language puts it in the plural (2º e 4º sábados).
    weekdays_long_plural: tuple[str, ...] | None = None

    def join(self, parts: Sequence[str]) -> str:
        if len(parts) == 1:
            return parts[0]
        return self.separator.join(parts[:-1]) + self.last_separator + parts[-1]

    def day_of(self, month: int, day: int) -> str:
        return self.date.format(day=day, month=self.months[month - 1], month_number=month)


def _pt_gender(days: tuple[int, ...]) -> str:
    """Segunda-feira … sexta-feira are feminine (2ª), sábado and domingo masculine (2º)."""
    return "ª" if days and all(day < 5 for day in days) else "º"


# Each table has one row per phrase and one column per language, in the order of `_LANGUAGES`, so
# that every field of `_Words` is named once, a phrase reads across the languages at a glance, and
# `_PerLanguage` makes mypy reject a row that misses a language.

_LANGUAGES = ("en", "zh-hans", "ko", "vi", "pt-br")
_T = TypeVar("_T")
_PerLanguage: TypeAlias = tuple[_T, _T, _T, _T, _T]

# Short names, Monday first, for lists and ranges.
_WEEKDAYS: _PerLanguage[tuple[str, ...]] = (
    ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    ("월", "화", "수", "목", "금", "토", "일"),
    ("Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật"),
    ("seg", "ter", "qua", "qui", "sex", "sáb", "dom"),
)
# For "2nd Saturday of the month".
_WEEKDAYS_LONG: _PerLanguage[tuple[str, ...]] = (
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    _WEEKDAYS[1],
    ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
    ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
    ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
)
# The weekday after several ordinals, where the language puts it in the plural (2º e 4º sábados).
_WEEKDAYS_LONG_PLURAL: _PerLanguage[tuple[str, ...] | None] = (
    None,
    None,
    None,
    None,
    ("segundas-feiras", "terças-feiras", "quartas-feiras", "quintas-feiras", "sextas-feiras", "sábados", "domingos"),
)
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
_MONTHS_PT = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
_MONTHS: _PerLanguage[tuple[str, ...]] = (
    _MONTHS_EN,
    tuple(f"{m}月" for m in range(1, 13)),
    tuple(f"{m}월" for m in range(1, 13)),
    tuple(f"tháng {m}" for m in range(1, 13)),
    _MONTHS_PT,
)
# {days} of the month, already joined: one day, several days.
_MONTH_DAYS: _PerLanguage[tuple[str, str]] = (
    ("{days} of each month", "{days} of each month"),
    ("每月{days}", "每月{days}"),
    ("매월 {days}", "매월 {days}"),
    ("ngày {days} hằng tháng", "các ngày {days} hằng tháng"),
    ("dia {days} de cada mês", "dias {days} de cada mês"),
)
# One day of the month in a list.
_MONTH_DAY: _PerLanguage[Callable[[int], str]] = (_ordinal_en, "{}日".format, "{}일".format, str, str)
# A week of the month, knowing the weekdays (Portuguese ordinals take their gender).
_NTH: _PerLanguage[Callable[[int, tuple[int, ...]], str]] = (
    lambda n, _days: _ordinal_en(n),
    lambda n, _days: f"第{n}",
    lambda n, _days: ("첫째", "둘째", "셋째", "넷째", "다섯째")[n - 1],
    lambda n, _days: f"thứ {n}",
    lambda n, days: f"{n}{_pt_gender(days)}",
)
# The last week of the month.
_LAST: _PerLanguage[Callable[[tuple[int, ...]], str]] = (
    lambda _days: "last",
    lambda _days: "最后一",
    lambda _days: "마지막",
    lambda _days: "cuối",
    lambda days: "última" if _pt_gender(days) == "ª" else "último",
)
# Every other field of `_Words` (its comments say what each is for); {names} are filled in. Each row
# holds en, zh-hans and ko on its first line, vi and pt-br on its second.
# fmt: off
_PHRASES: dict[str, _PerLanguage[str]] = {
    "every_day": ("Every day", "每天", "매일",
                  "Hằng ngày", "Todos os dias"),
    "day_range": ("{first}–{last}", "{first}至{last}", "{first}~{last}",
                  "{first}–{last}", "{first} a {last}"),
    "time_range": ("{start}–{end}", "{start}–{end}", "{start}~{end}",
                   "{start}–{end}", "{start}–{end}"),
    "overnight": ("{start}–{end} next day", "{start}–次日{end}", "{start}~다음 날 {end}",
                  "{start}–{end} ngày hôm sau", "{start}–{end} do dia seguinte"),
    "from_time": ("from {start}", "{start}起", "{start}부터",
                  "từ {start}", "a partir das {start}"),
    "all_day": ("24 hours", "24小时", "24시간",
                "24 giờ", "24 horas"),
    "open_24_hours": ("Open 24 hours", "24小时开放", "24시간 운영",
                      "Hoạt động 24 giờ", "Aberto 24 horas"),
    "holidays": ("public holidays", "节假日", "공휴일",
                 "ngày lễ", "feriados"),
    "nth_weekday": ("{nth} {days} of the month", "每月{nth}个{days}", "매월 {nth} {days}",
                    "{days} tuần {nth} hằng tháng", "{nth} {days} do mês"),
    "rule": ("{days}: {hours}", "{days} {hours}", "{days} {hours}",
             "{days}: {hours}", "{days}: {hours}"),
    "no_hours": ("(hours not given)", "（未注明时间）", "(시간 정보 없음)",
                 "(không ghi giờ)", "(horário não informado)"),
    "hours_separator": (", ", "、", ", ",
                        ", ", ", "),
    "with_months": ("{months}, {text}", "{months}：{text}", "{months}: {text}",
                    "{months}, {text}", "{months}, {text}"),
    "even_months": ("Even months", "双月", "짝수 달",
                    "Các tháng chẵn", "Meses pares"),
    "odd_months": ("Odd months", "单月", "홀수 달",
                   "Các tháng lẻ", "Meses ímpares"),
    "month_range": ("{first}–{last}", "{first}至{last}", "{first}~{last}",
                    "từ {first} đến {last}", "de {first} a {last}"),
    "closed": ("Closed {what}", "{what}休息", "{what} 휴무",
               "Nghỉ {what}", "Fechado {what}"),
    "closed_on_holidays": ("on public holidays", "节假日", "공휴일",
                           "vào ngày lễ", "nos feriados"),
    "new_year": ("over the New Year ({start} – {end})", "年末年初（{start}至{end}）", "연말연시({start}~{end})",
                 "dịp cuối năm – đầu năm ({start} – {end})", "nas festas de fim de ano (de {start} a {end})"),
    "closed_range": ("from {start} to {end}", "{start}至{end}", "{start}~{end}",
                     "từ {start} đến {end}", "de {start} a {end}"),
    "date": ("{day} {month}", "{month_number}月{day}日", "{month_number}월 {day}일",
             "ngày {day}/{month_number}", "{day} de {month}"),
    "closed_date": ("Closed on {date} {year}", "{year}年{date}休息", "{year}년 {date} 휴무",
                    "Nghỉ {date}/{year}", "Fechado em {date} de {year}"),
    "separator": (", ", "、", "·",
                  ", ", ", "),
    "last_separator": (" and ", "、", "·",
                       " và ", " e "),
    "weekday_separator": (", ", "、", "·",
                          ", ", ", "),
    "items_separator": ("; ", "；", ", ",
                        "; ", "; "),
}
# fmt: on

_OTHER_LANGUAGES: dict[str, _Words] = {
    code: _Words(
        weekdays=_WEEKDAYS[column],
        weekdays_long=_WEEKDAYS_LONG[column],
        weekdays_long_plural=_WEEKDAYS_LONG_PLURAL[column],
        months=_MONTHS[column],
        month_days=_MONTH_DAYS[column],
        month_day=_MONTH_DAY[column],
        nth=_NTH[column],
        last=_LAST[column],
        **{name: row[column] for name, row in _PHRASES.items()},
    )
    for column, code in enumerate(_LANGUAGES)
}


def _words(language: str) -> _Words:
    code = language.lower()
    if code in _OTHER_LANGUAGES:
        return _OTHER_LANGUAGES[code]
    base = {"zh": "zh-hans", "pt": "pt-br"}.get(code.split("-")[0], code.split("-")[0])
    return _OTHER_LANGUAGES.get(base, _OTHER_LANGUAGES["en"])


def _weekdays_in(weekdays: Sequence[int], words: _Words) -> list[str]:
    if len(set(weekdays)) == 7:
        return [words.every_day]
    parts: list[str] = []
    for first, last in _runs(weekdays):
        if last - first >= 2:
            parts.append(words.day_range.format(first=words.weekdays[first], last=words.weekdays[last]))
        else:
            parts.extend(words.weekdays[day] for day in range(first, last + 1))
    return parts


def _period_in(period: Period, words: _Words) -> str:
    start = _clock(period.start)
    if period.end is None:
        return words.from_time.format(start=start)
    if period.end == period.start:
        return words.all_day
    template = words.overnight if period.passes_midnight else words.time_range
    return template.format(start=start, end=_clock(period.end))


def _months_in(months: Sequence[int], words: _Words) -> str:
    if tuple(months) == tuple(range(2, 13, 2)):
        return words.even_months
    if tuple(months) == tuple(range(1, 13, 2)):
        return words.odd_months
    span = _month_span(months)
    if span is not None:
        return words.month_range.format(first=words.months[span[0] - 1], last=words.months[span[1] - 1])
    return words.join([words.months[m - 1] for m in months])


def _days_in(rule: Rule, words: _Words) -> str:
    if rule.month_days:
        template = words.month_days[0 if len(rule.month_days) == 1 else 1]
        return template.format(days=words.join([words.month_day(d) for d in rule.month_days]))
    if rule.nth_weeks:
        weekdays = tuple(rule.weekdays)
        nth = [words.nth(w, weekdays) for w in rule.nth_weeks if w != LAST_WEEK]
        if LAST_WEEK in rule.nth_weeks:
            nth.append(words.last(weekdays))
        names = words.weekdays_long_plural if len(nth) > 1 and words.weekdays_long_plural else words.weekdays_long
        days = words.join([names[d] for d in rule.weekdays])
        return words.nth_weekday.format(nth=words.join(nth), days=days)
    if not rule.weekdays and rule.include_holidays:
        return words.holidays
    parts = _weekdays_in(rule.weekdays, words)
    if rule.include_holidays:
        parts.append(words.holidays)
    return words.join(parts) if parts else ""


def _rule_in(rule: Rule, words: _Words) -> str:
    hours = words.hours_separator.join(_period_in(p, words) for p in rule.periods) if rule.periods else words.no_hours
    text = words.rule.format(days=_days_in(rule, words), hours=hours)
    if rule.months and tuple(rule.months) != _ALL_MONTHS:
        text = words.with_months.format(months=_months_in(rule.months, words), text=text)
    return _capitalised(text)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _closed_range_in(closed: ClosedRange, words: _Words) -> str:
    start = words.day_of(closed.start_month, closed.start_day)
    end = words.day_of(closed.end_month, closed.end_day)
    template = words.new_year if closed == NEW_YEAR_HOLIDAYS else words.closed_range
    return template.format(start=start, end=end)


def _describe_in(schedule: Schedule, words: _Words) -> list[str]:
    lines: list[str] = [words.open_24_hours] if schedule.always_open else []
    lines.extend(_rule_in(rule, words) for rule in schedule.rules)
    closed = [words.closed_on_holidays] if schedule.closed_on_holidays else []
    closed.extend(_closed_range_in(r, words) for r in schedule.closed_ranges)
    if closed:
        lines.append(_capitalised(words.closed.format(what=words.join(closed))))
    for day in schedule.closed_dates:
        date = words.day_of(day.month, day.day)
        lines.append(_capitalised(words.closed_date.format(date=date, year=day.year)))
    return lines


# -- in any language ---------------------------------------------------------------------------


def describe(schedule: Schedule, language: str) -> list[str]:
    """One line per rule, then the closures, in the language asked for (Japanese for ja and
    ja-easy, English for a language without a table). For a partly understood schedule: what was
    understood."""
    if language.split("-")[0] == "ja":
        return _describe_ja(schedule)
    return _describe_in(schedule, _words(language))


def describe_rule(rule: Rule, language: str) -> str:
    if language.split("-")[0] == "ja":
        return _rule_ja(rule)
    return _rule_in(rule, _words(language))


def list_separator(language: str) -> str:
    """What separates the items of a list on a page (concerns, languages, areas) in the language."""
    return "、" if language.split("-")[0] == "ja" else _words(language).items_separator


def hours_separator(language: str) -> str:
    """What separates the periods of one day (9:00～12:00、13:00～17:00) in the language."""
    return "、" if language.split("-")[0] == "ja" else _words(language).hours_separator


def japanese_text(schedule: Schedule) -> str:
    """The hours as a Japanese notice would write them; `parse_schedule` reads it back."""
    return "、".join(_describe_ja(schedule))


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
