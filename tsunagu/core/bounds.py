"""Bounds for numbers, moments and ids that come from outside (requests, forms, socket frames).

Three things turn hostile input into a 500 unless it is bounded before it is used:

- Python refuses to convert a string of more than 4,300 digits to an ``int`` (``ValueError``),
  and converting a long one costs time: :func:`bounded_int` reads the digits and refuses a number
  outside its bounds before it converts anything.
- SQLite stores integers up to 2**63 - 1 and refuses a bigger one with ``OverflowError`` (PostgreSQL
  with an error that aborts the transaction): :class:`BoundedModelChoiceField` and
  :class:`BoundedModelMultipleChoiceField` refuse an integer key outside that range before the query.
  Every model choice field in tsunagu's forms is one of them (``core/tests/test_bounds.py`` checks).
- A naive time in the year 1 underflows when it is converted to UTC, and a time in the year 9999
  is as implausible: :class:`MomentField` and :class:`DayField` accept only moments between the
  first day of the service (:data:`EARLIEST_RECORD`) and a limit ahead of now, and compare them
  as wall-clock values, so nothing is converted before the value is known to be plausible.

Query parameters get a quiet default or a 400 from :func:`bounded_int`; forms a message in the
reader's language from the fields; code outside forms (webhooks, socket frames) asks
:func:`bounded_int`, :func:`bounded_id` and :func:`implausible` and answers with its own error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, overload

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The largest integer SQLite and PostgreSQL (``bigint``) store, the largest primary key there can be.
MAX_DB_INT = 2**63 - 1
MIN_DB_INT = -(2**63)

#: Nothing tsunagu records happened before this day: it predates every deployment of the service
#: (and the 孤独・孤立対策推進法 of 2024). A call, a follow-up or a hand-off dated before it is a typo
#: or hostile input.
EARLIEST_RECORD = dt.date(2020, 1, 1)

#: How far ahead of the server's clock a moment that has already happened may be (a staff member's
#: clock that runs a little fast, a minute rounded up).
CLOCK_SKEW = dt.timedelta(minutes=5)

#: How far ahead a planned date (a follow-up, a proposed hand-off) may be: as far as a consent can
#: last (``referrals.services.consent``: three years).
PLAN_AHEAD = dt.timedelta(days=3 * 365)


@overload
def bounded_int(value: object, *, low: int, high: int) -> int | None: ...


@overload
def bounded_int(value: object, *, low: int, high: int, default: int) -> int: ...


def bounded_int(value: object, *, low: int, high: int, default: int | None = None) -> int | None:
    """The whole number written in ``value`` if it lies in ``low..high``, else ``default``.

    ``value`` is text as a request or a frame gives it: ASCII digits with an optional ``-`` (only
    when ``low`` is negative) and surrounding whitespace. Anything else (``1.5``, ``1e3``, ``+1``,
    ``1_000``, non-ASCII digits, ``True``) gives ``default``. A string is refused by its length
    before it is converted, so 5,000 digits cost nothing and never raise. An ``int`` (not a
    ``bool``) is checked against the bounds as it is.
    """
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value if low <= value <= high else default
    if not isinstance(value, str):
        return default
    text = value.strip()
    negative = text.startswith("-") and low < 0
    digits = text[1:] if negative else text
    if not digits or not (digits.isascii() and digits.isdigit()):
        return default
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(max(abs(low), abs(high)))):
        return default
    number = -int(digits) if negative else int(digits)
    return number if low <= number <= high else default


def bounded_id(value: object) -> int | None:
    """A positive integer primary key, or None (refuse the request, or treat it as unknown)."""
    return bounded_int(value, low=1, high=MAX_DB_INT)


# --- model choice fields -------------------------------------------------------------------------


class _BoundedKeyMixin:
    """Refuses a value for an integer key outside the database's range before any query."""

    queryset: Any
    to_field_name: str | None
    error_messages: dict[str, Any]

    def _integer_key(self) -> bool:
        meta = self.queryset.model._meta
        field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        return isinstance(field, models.IntegerField)  # AutoField and BigAutoField included

    def _refuse_out_of_range(self, values: list[Any], code: str) -> None:
        if not self._integer_key():
            return
        for value in values:
            if value in (None, "") or isinstance(value, models.Model):
                continue
            if bounded_int(str(value), low=MIN_DB_INT, high=MAX_DB_INT) is None:
                raise ValidationError(
                    self.error_messages[code], code=code, params={"value": str(value)[:40], "pk": str(value)[:40]}
                )


class BoundedModelChoiceField(_BoundedKeyMixin, forms.ModelChoiceField):  # type: ignore[type-arg]
    """``ModelChoiceField`` that refuses an integer key no database can hold as an unknown choice."""

    def to_python(self, value: Any) -> Any:
        self._refuse_out_of_range([value], "invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(_BoundedKeyMixin, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """``ModelMultipleChoiceField`` that refuses integer keys no database can hold as unknown choices."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):  # anything else gets the parent's "invalid_list" message
            self._refuse_out_of_range(list(value), "invalid_choice")
        return super().clean(value)


# --- plausible moments ---------------------------------------------------------------------------


def _wall_now() -> dt.datetime:
    return timezone.localtime().replace(tzinfo=None)


def _wall(moment: dt.datetime) -> dt.datetime:
    """``moment`` as a naive Japan time, converted only where converting cannot overflow."""
    if timezone.is_aware(moment) and dt.date(2, 1, 1) <= moment.date() <= dt.date(9998, 12, 31):
        return timezone.localtime(moment).replace(tzinfo=None)
    # Naive (already Japan time), or within a day of the ends of datetime: its own wall time is
    # centuries outside any bounds, so it is refused without being converted.
    return moment.replace(tzinfo=None)


def implausible(
    moment: dt.datetime | dt.date, *, earliest: dt.date = EARLIEST_RECORD, ahead: dt.timedelta = CLOCK_SKEW
) -> str | None:
    """Why ``moment`` is implausible (``"too_early"``, ``"future"``, ``"too_late"``), or None if it is not.

    For code outside forms (a webhook, a socket frame, an importer): the defaults fit a moment that
    has happened. A date counts as its midnight in Japan time.
    """
    wall = _wall(moment) if isinstance(moment, dt.datetime) else dt.datetime.combine(moment, dt.time(0))
    if wall.date() < earliest:
        return "too_early"
    if wall > _wall_now() + ahead:
        return "future" if ahead <= CLOCK_SKEW else "too_late"
    return None


class _PlausibleMixin:
    """Shared by MomentField and DayField: a moment between ``earliest`` and now + ``ahead``."""

    default_error_messages: ClassVar[dict[str, Any]] = {
        "too_early": _("Enter a date from %(earliest)s onwards."),
        "too_late": _("Enter a date no later than %(latest)s."),
        "future": _("This cannot be in the future."),
    }
    error_messages: dict[str, Any]

    def _init_bounds(self, earliest: dt.date, ahead: dt.timedelta) -> None:
        self.earliest = earliest
        self.ahead = ahead

    def _check(self, moment: dt.datetime | dt.date) -> None:
        code = implausible(moment, earliest=self.earliest, ahead=self.ahead)
        if code is not None:
            latest = (_wall_now() + self.ahead).date()
            raise ValidationError(
                self.error_messages[code],
                code=code,
                params={"earliest": self.earliest.isoformat(), "latest": latest.isoformat()},
            )


class MomentField(_PlausibleMixin, forms.DateTimeField):
    """A date and time in Japan time, from ``earliest`` to ``ahead`` after now.

    The defaults fit a moment that has happened (a call's start): from :data:`EARLIEST_RECORD` to
    :data:`CLOCK_SKEW` ahead of now. A planned moment passes ``ahead=PLAN_AHEAD``.
    """

    def __init__(self, *, earliest: dt.date = EARLIEST_RECORD, ahead: dt.timedelta = CLOCK_SKEW, **kwargs: Any) -> None:
        self._init_bounds(earliest, ahead)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        moment: dt.datetime | None = super().to_python(value)
        if moment is None:
            return None
        self._check(moment)
        # Checked, so converting cannot overflow; an explicit offset is shown in Japan time.
        return timezone.localtime(moment) if timezone.is_aware(moment) else moment


class DayField(_PlausibleMixin, forms.DateField):
    """A date from ``earliest`` to ``ahead`` after today (by default :data:`PLAN_AHEAD`)."""

    def __init__(self, *, earliest: dt.date = EARLIEST_RECORD, ahead: dt.timedelta = PLAN_AHEAD, **kwargs: Any) -> None:
        self._init_bounds(earliest, ahead)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        day: dt.date | None = super().to_python(value)
        if day is not None:
            self._check(day)
        return day


__all__ = [
    "CLOCK_SKEW",
    "EARLIEST_RECORD",
    "MAX_DB_INT",
    "MIN_DB_INT",
    "PLAN_AHEAD",
    "BoundedModelChoiceField",
    "BoundedModelMultipleChoiceField",
    "DayField",
    "MomentField",
    "bounded_id",
    "bounded_int",
    "implausible",
]
