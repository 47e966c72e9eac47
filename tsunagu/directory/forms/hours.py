"""The opening-hours part of the service and location forms: days and times, not rule text.

A row per weekday and one for public holidays, each with up to two periods; rows for certain weeks
of the month (第2・第4土曜); closed on public holidays; closed over the New Year; open 24 hours;
and the hours as the service publishes them. When no day has times, the published text alone is
read by `parse_schedule`, and what it cannot read is shown as written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.forms import CleanCharField
from tsunagu.directory.schedules import LAST_WEEK, Period, Schedule, parse_schedule
from tsunagu.directory.schedules.describe import japanese_text, same_hours
from tsunagu.directory.schedules.week import (
    NTH_ROWS,
    PERIODS_PER_ROW,
    NthRow,
    WeekHours,
    schedule_from_week,
    week_from_schedule,
)

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_KEY = "hol"
WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
NTH_WEEK_CHOICES = [
    ("1", _("1st")),
    ("2", _("2nd")),
    ("3", _("3rd")),
    ("4", _("4th")),
    ("5", _("5th")),
    (str(LAST_WEEK), _("Last")),
]
MAX_TEXT = 1000
COLUMN_LABELS = {
    (1, True): _("Opens"),
    (1, False): _("Closes"),
    (2, True): _("Opens again"),
    (2, False): _("Closes again"),
}


class ClockField(forms.TimeField):
    """A time of day typed or picked as 9:00 / 09:00; full-width digits are accepted."""

    widget = forms.TimeInput(format="%H:%M", attrs={"type": "time"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.time | None:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
        return super().to_python(value)


def _start(row: str, n: int) -> str:
    return f"{row}_start_{n}"


def _end(row: str, n: int) -> str:
    return f"{row}_end_{n}"


class HoursForm(forms.Form):
    always_open = forms.BooleanField(label=_("Open 24 hours, every day"), required=False)
    closed_on_holidays = forms.BooleanField(label=_("Closed on public holidays"), required=False)
    closed_new_year = forms.BooleanField(label=_("Closed over the New Year (29 December – 3 January)"), required=False)
    original_text = CleanCharField(
        label=_("Hours as the service publishes them"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional, e.g. 月～金 9:00～17:00（祝日・年末年始を除く）. Kept with the hours above. If no day above "
            "has times, the hours are read from this text, and what cannot be read is shown as written."
        ),
    )

    def __init__(self, *args: Any, existing: Schedule | None = None, **kwargs: Any) -> None:
        self.existing = existing
        super().__init__(*args, **kwargs)
        for index, key in enumerate((*DAY_KEYS, HOLIDAY_KEY)):
            day = WEEKDAY_LABELS[index] if index < len(DAY_KEYS) else _("Public holidays")
            for n in range(1, PERIODS_PER_ROW + 1):
                self.fields[_start(key, n)] = ClockField(label=_period_label(day, n, start=True))
                self.fields[_end(key, n)] = ClockField(label=_period_label(day, n, start=False))
        for i in range(1, NTH_ROWS + 1):
            row = f"nth{i}"
            self.fields[f"{row}_weeks"] = forms.MultipleChoiceField(
                label=_("Weeks of the month (row %(n)s)") % {"n": i},
                choices=NTH_WEEK_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"{row}_weekday"] = forms.TypedChoiceField(
                label=_("Day of the week (row %(n)s)") % {"n": i},
                choices=[("", "—"), *((str(d), label) for d, label in enumerate(WEEKDAY_LABELS))],
                coerce=int,
                empty_value=None,
                required=False,
            )
            name = _("row %(n)s") % {"n": i}
            for n in range(1, PERIODS_PER_ROW + 1):
                self.fields[_start(row, n)] = ClockField(label=_period_label(name, n, start=True))
                self.fields[_end(row, n)] = ClockField(label=_period_label(name, n, start=False))

    # -- rendering helpers (templates loop over these) --

    def day_rows(self) -> list[tuple[str, list[tuple[forms.BoundField, str]]]]:
        labels = [*WEEKDAY_LABELS, _("Public holidays")]
        return [(str(labels[i]), self._period_fields(key)) for i, key in enumerate((*DAY_KEYS, HOLIDAY_KEY))]

    def nth_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField, list[tuple[forms.BoundField, str]]]]:
        return [
            (i, self[f"nth{i}_weeks"], self[f"nth{i}_weekday"], self._period_fields(f"nth{i}"))
            for i in range(1, NTH_ROWS + 1)
        ]

    def _period_fields(self, row: str) -> list[tuple[forms.BoundField, str]]:
        """Each time input with the short name of its column (the table cell's label on narrow screens)."""
        fields: list[tuple[forms.BoundField, str]] = []
        for n in range(1, PERIODS_PER_ROW + 1):
            fields.append((self[_start(row, n)], str(COLUMN_LABELS[(n, True)])))
            fields.append((self[_end(row, n)], str(COLUMN_LABELS[(n, False)])))
        return fields

    def row_errors(self) -> bool:
        return any(self.errors.get(name) for name in self.fields if name.endswith(("_1", "_2", "_weeks", "_weekday")))

    # -- reading the rows --

    def _periods(self, row: str) -> tuple[Period, ...]:
        periods: list[Period] = []
        for n in range(1, PERIODS_PER_ROW + 1):
            start, end = self.cleaned_data.get(_start(row, n)), self.cleaned_data.get(_end(row, n))
            if start is None and end is None:
                continue
            if start is None:
                self.add_error(_start(row, n), _("Enter the opening time as well."))
                continue
            periods.append(Period(start=start, end=end))
        if len(periods) == 2 and _overlap(periods[0], periods[1]):
            self.add_error(_start(row, 2), _("The two periods overlap."))
        return tuple(periods)

    def _nth(self) -> list[NthRow]:
        rows: list[NthRow] = []
        for i in range(1, NTH_ROWS + 1):
            row = f"nth{i}"
            weeks = tuple(sorted(int(w) for w in self.cleaned_data.get(f"{row}_weeks") or ()))
            weekday = self.cleaned_data.get(f"{row}_weekday")
            periods = self._periods(row)
            if not weeks and weekday is None and not periods:
                continue
            if not weeks:
                self.add_error(f"{row}_weeks", _("Choose the weeks of the month."))
            if weekday is None:
                self.add_error(f"{row}_weekday", _("Choose the day of the week."))
            if not periods:
                self.add_error(_start(row, 1), _("Enter the times for these days."))
            if weeks and weekday is not None and periods:
                rows.append(NthRow(weeks=weeks, weekday=int(weekday), periods=periods))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        week = WeekHours(
            days=tuple(self._periods(key) for key in DAY_KEYS),
            holidays=self._periods(HOLIDAY_KEY),
            nth=tuple(self._nth()),
            always_open=bool(data.get("always_open")),
            closed_on_holidays=bool(data.get("closed_on_holidays")),
            closed_new_year=bool(data.get("closed_new_year")),
        )
        text = data.get("original_text", "").strip()
        if week.always_open and week.has_times():
            self.add_error("always_open", _("A place open 24 hours every day needs no times for single days."))
        if week.closed_on_holidays and week.holidays:
            self.add_error("closed_on_holidays", _("Either give times for public holidays or mark them closed."))
        if self.errors:
            return data
        data["schedule"] = self._schedule(week, text)
        return data

    def _schedule(self, week: WeekHours, text: str) -> Schedule | None:
        if not week.has_times() and not week.always_open:
            if week.closed_on_holidays or week.closed_new_year:
                self.add_error(None, _("Enter the days and times the service is open, or the hours as text."))
                return None
            if not text:
                return None
            existing = self.existing
            if existing is not None and week_from_schedule(existing) is None and text == existing.original_text.strip():
                return existing  # shown as text only and left as it was: keep what was read or imported
            return parse_schedule(text)
        built = schedule_from_week(week, original_text="")
        if text:
            said = parse_schedule(text)
            if said.parsed_completely and not same_hours(said, built):
                self.add_error(
                    "original_text",
                    _(
                        "This text gives other hours than the days above. Correct it, or clear it to keep only the "
                        "days above."
                    ),
                )
                return None
        return schedule_from_week(week, original_text=text or japanese_text(built))


def _overlap(a: Period, b: Period) -> bool:
    if a.end is None or b.end is None or a.passes_midnight or b.passes_midnight:
        return a.start == b.start
    return a.start < b.end and b.start < a.end


def _period_label(row: Any, n: int, *, start: bool) -> str:
    if start:
        return str(_("%(row)s: opens (period %(n)s)") % {"row": row, "n": n})
    return str(_("%(row)s: closes (period %(n)s)") % {"row": row, "n": n})


def hours_initial(schedule: Schedule | None) -> dict[str, Any]:
    """The form's starting values for `schedule`; rows only when they can hold all of it."""
    if schedule is None:
        return {}
    week = week_from_schedule(schedule)
    if week is None:
        return {"original_text": schedule.original_text}
    initial: dict[str, Any] = {
        "always_open": week.always_open,
        "closed_on_holidays": week.closed_on_holidays,
        "closed_new_year": week.closed_new_year,
    }
    rows: list[tuple[str, tuple[Period, ...]]] = [
        *zip(DAY_KEYS, week.days, strict=True),
        (HOLIDAY_KEY, week.holidays),
    ]
    for i, nth in enumerate(week.nth, start=1):
        initial[f"nth{i}_weeks"] = [str(w) for w in nth.weeks]
        initial[f"nth{i}_weekday"] = str(nth.weekday)
        rows.append((f"nth{i}", nth.periods))
    for row, periods in rows:
        for n, period in enumerate(periods, start=1):
            initial[_start(row, n)] = period.start
            initial[_end(row, n)] = period.end
    # A text that only repeats the rows (a form-built schedule's own words) is not shown again.
    if schedule.original_text.strip() != japanese_text(schedule_from_week(week, original_text="")):
        initial["original_text"] = schedule.original_text
    return initial


def hours_fit_rows(schedule: Schedule | None) -> bool:
    return schedule is None or week_from_schedule(schedule) is not None
