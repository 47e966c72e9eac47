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
# Each table below says how one language writes opening hours. The Japanese words above are the
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


def _en_nth(n: int, _days: tuple[int, ...]) -> str:
    return _ordinal_en(n)


def _pt_gender(days: tuple[int, ...]) -> str:
    """Segunda-feira … sexta-feira are feminine (2ª), sábado and domingo masculine (2º)."""
    return "ª" if days and all(day < 5 for day in days) else "º"


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
_WEEKDAYS_LONG_PT_PLURAL = (
    "segundas-feiras",
    "terças-feiras",
    "quartas-feiras",
    "quintas-feiras",
    "sextas-feiras",
    "sábados",
    "domingos",
)
_WEEKDAYS_LONG_PT = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")

_OTHER_LANGUAGES: dict[str, _Words] = {
    "en": _Words(
        weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        weekdays_long=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        months=_MONTHS_EN,
        every_day="Every day",
        day_range="{first}–{last}",
        time_range="{start}–{end}",
        overnight="{start}–{end} next day",
        from_time="from {start}",
        all_day="24 hours",
        open_24_hours="Open 24 hours",
        holidays="public holidays",
        month_days=("{days} of each month", "{days} of each month"),
        month_day=_ordinal_en,
        nth_weekday="{nth} {days} of the month",
        nth=_en_nth,
        last=lambda _days: "last",
        rule="{days}: {hours}",
        no_hours="(hours not given)",
        hours_separator=", ",
        with_months="{months}, {text}",
        even_months="Even months",
        odd_months="Odd months",
        month_range="{first}–{last}",
        closed="Closed {what}",
        closed_on_holidays="on public holidays",
        new_year="over the New Year ({start} – {end})",
        closed_range="from {start} to {end}",
        date="{day} {month}",
        closed_date="Closed on {date} {year}",
        separator=", ",
        last_separator=" and ",
        weekday_separator=", ",
        items_separator="; ",
    ),
    "zh-hans": _Words(
        weekdays=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        weekdays_long=("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        months=tuple(f"{m}月" for m in range(1, 13)),
        every_day="每天",
        day_range="{first}至{last}",
        time_range="{start}–{end}",
        overnight="{start}–次日{end}",
        from_time="{start}起",
        all_day="24小时",
        open_24_hours="24小时开放",
        holidays="节假日",
        month_days=("每月{days}", "每月{days}"),
        month_day=lambda d: f"{d}日",
        nth_weekday="每月{nth}个{days}",
        nth=lambda n, _days: f"第{n}",
        last=lambda _days: "最后一",
        rule="{days} {hours}",
        no_hours="（未注明时间）",
        hours_separator="、",
        with_months="{months}：{text}",
        even_months="双月",
        odd_months="单月",
        month_range="{first}至{last}",
        closed="{what}休息",
        closed_on_holidays="节假日",
        new_year="年末年初（{start}至{end}）",
        closed_range="{start}至{end}",
        date="{month_number}月{day}日",
        closed_date="{year}年{date}休息",
        separator="、",
        last_separator="、",
        weekday_separator="、",
        items_separator="；",
    ),
    "ko": _Words(
        weekdays=("월", "화", "수", "목", "금", "토", "일"),
        weekdays_long=("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
        months=tuple(f"{m}월" for m in range(1, 13)),
        every_day="매일",
        day_range="{first}~{last}",
        time_range="{start}~{end}",
        overnight="{start}~다음 날 {end}",
        from_time="{start}부터",
        all_day="24시간",
        open_24_hours="24시간 운영",
        holidays="공휴일",
        month_days=("매월 {days}", "매월 {days}"),
        month_day=lambda d: f"{d}일",
        nth_weekday="매월 {nth} {days}",
        nth=lambda n, _days: ("첫째", "둘째", "셋째", "넷째", "다섯째")[n - 1],
        last=lambda _days: "마지막",
        rule="{days} {hours}",
        no_hours="(시간 정보 없음)",
        hours_separator=", ",
        with_months="{months}: {text}",
        even_months="짝수 달",
        odd_months="홀수 달",
        month_range="{first}~{last}",
        closed="{what} 휴무",
        closed_on_holidays="공휴일",
        new_year="연말연시({start}~{end})",
        closed_range="{start}~{end}",
        date="{month_number}월 {day}일",
        closed_date="{year}년 {date} 휴무",
        separator="·",
        last_separator="·",
        weekday_separator="·",
        items_separator=", ",
    ),
    "vi": _Words(
        weekdays=("Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật"),
        weekdays_long=("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
        months=tuple(f"tháng {m}" for m in range(1, 13)),
        every_day="Hằng ngày",
        day_range="{first}–{last}",
        time_range="{start}–{end}",
        overnight="{start}–{end} ngày hôm sau",
        from_time="từ {start}",
        all_day="24 giờ",
        open_24_hours="Hoạt động 24 giờ",
        holidays="ngày lễ",
        month_days=("ngày {days} hằng tháng", "các ngày {days} hằng tháng"),
        month_day=str,
        nth_weekday="{days} tuần {nth} hằng tháng",
        nth=lambda n, _days: f"thứ {n}",
        last=lambda _days: "cuối",
        rule="{days}: {hours}",
        no_hours="(không ghi giờ)",
        hours_separator=", ",
        with_months="{months}, {text}",
        even_months="Các tháng chẵn",
        odd_months="Các tháng lẻ",
        month_range="từ {first} đến {last}",
        closed="Nghỉ {what}",
        closed_on_holidays="vào ngày lễ",
        new_year="dịp cuối năm – đầu năm ({start} – {end})",
        closed_range="từ {start} đến {end}",
        date="ngày {day}/{month_number}",
        closed_date="Nghỉ {date}/{year}",
        separator=", ",
        last_separator=" và ",
        weekday_separator=", ",
        items_separator="; ",
    ),
    "pt-br": _Words(
        weekdays=("seg", "ter", "qua", "qui", "sex", "sáb", "dom"),
        weekdays_long=_WEEKDAYS_LONG_PT,
        months=_MONTHS_PT,
        every_day="Todos os dias",
        day_range="{first} a {last}",
        time_range="{start}–{end}",
        overnight="{start}–{end} do dia seguinte",
        from_time="a partir das {start}",
        all_day="24 horas",
        open_24_hours="Aberto 24 horas",
        holidays="feriados",
        month_days=("dia {days} de cada mês", "dias {days} de cada mês"),
        month_day=str,
        nth_weekday="{nth} {days} do mês",
        nth=lambda n, days: f"{n}{_pt_gender(days)}",
        last=lambda days: "última" if _pt_gender(days) == "ª" else "último",
        rule="{days}: {hours}",
        no_hours="(horário não informado)",
        hours_separator=", ",
        with_months="{months}, {text}",
        even_months="Meses pares",
        odd_months="Meses ímpares",
        month_range="de {first} a {last}",
        closed="Fechado {what}",
        closed_on_holidays="nos feriados",
        new_year="nas festas de fim de ano (de {start} a {end})",
        closed_range="de {start} a {end}",
        date="{day} de {month}",
        closed_date="Fechado em {date} de {year}",
        separator=", ",
        last_separator=" e ",
        weekday_separator=", ",
        items_separator="; ",
        weekdays_long_plural=_WEEKDAYS_LONG_PT_PLURAL,
    ),
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
