"""The bounds every number, moment and id from outside passes through (tsunagu/core/bounds.py)."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
import time_machine
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from tsunagu.core.bounds import (
    EARLIEST_RECORD,
    MAX_DB_INT,
    PLAN_AHEAD,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    DayField,
    MomentField,
    bounded_id,
    bounded_int,
    implausible,
)

TSUNAGU = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


# --- whole numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("007", 7),
        (" 42\n", 42),
        ("0" * 10_000 + "5", 5),  # leading zeros are only zeros, however many
        ("100", 100),
        ("101", None),
        ("0", None),
        ("-1", None),  # no sign when the lower bound is not negative
        ("9" * 5000, None),  # Python would refuse to convert it (ValueError)
        ("9" * 1_000_000, None),
        ("+1", None),
        ("1.0", None),
        ("1e2", None),
        ("1_0", None),
        ("１２", None),  # full-width digits
        ("١٢", None),  # Arabic-Indic digits, which int() would take
        ("", None),
        ("-", None),
        (None, None),
        (True, None),
        (1.0, None),
        (["1"], None),
        (50, 50),
        (500, None),
    ],
)
def test_bounded_int_reads_only_plain_digits_within_the_bounds(value, expected):
    assert bounded_int(value, low=1, high=100) == expected


def test_bounded_int_takes_a_sign_only_when_the_bounds_allow_negative_numbers():
    assert bounded_int("-5", low=-10, high=10) == -5
    assert bounded_int("-11", low=-10, high=10) is None
    assert bounded_int("--5", low=-10, high=10) is None
    assert bounded_int("-" + "9" * 5000, low=-10, high=10) is None


def test_bounded_int_gives_the_default_for_anything_else():
    assert bounded_int("x", low=1, high=10, default=1) == 1
    assert bounded_int("3", low=1, high=10, default=1) == 3


def test_bounded_int_never_converts_a_long_string():
    started = time.perf_counter()
    for _ in range(100):
        assert bounded_int("1" * 4000, low=0, high=MAX_DB_INT) is None  # int() would take it, slowly
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (str(MAX_DB_INT), MAX_DB_INT), (str(MAX_DB_INT + 1), None), ("0", None), ("99999999999999999999", None)],
)
def test_bounded_id_is_a_key_a_database_can_hold(value, expected):
    assert bounded_id(value) == expected


# --- model choice fields --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999", "9" * 5000, str(MAX_DB_INT + 1), "1e3", "-" + "9" * 30])
def test_the_model_choice_fields_refuse_a_key_no_database_can_hold_as_an_unknown_choice(value):
    single = BoundedModelChoiceField(queryset=ContentType.objects.all())
    multiple = BoundedModelMultipleChoiceField(queryset=ContentType.objects.all())
    with pytest.raises(ValidationError) as refused:
        single.clean(value)
    assert refused.value.code == "invalid_choice"
    with pytest.raises(ValidationError) as refused:
        multiple.clean([str(ContentType.objects.first().pk), value])  # type: ignore[union-attr]
    assert refused.value.code == "invalid_choice"


@pytest.mark.django_db
def test_the_model_choice_fields_still_take_known_keys():
    some = list(ContentType.objects.order_by("pk")[:2])
    assert BoundedModelChoiceField(queryset=ContentType.objects.all()).clean(str(some[0].pk)) == some[0]
    taken = BoundedModelMultipleChoiceField(queryset=ContentType.objects.all()).clean([str(c.pk) for c in some])
    assert sorted(taken, key=lambda c: c.pk) == some
    # A key the database can hold but that does not exist is the usual unknown choice.
    with pytest.raises(ValidationError) as refused:
        BoundedModelMultipleChoiceField(queryset=ContentType.objects.all()).clean([str(MAX_DB_INT)])
    assert refused.value.code == "invalid_choice"


def test_every_model_choice_field_in_tsunagu_is_a_bounded_one():
    """A plain ModelMultipleChoiceField sends a 20-digit id to the database, which refuses it with a 500."""
    plain = re.compile(r"forms\.Model(Multiple)?ChoiceField\b")
    found = [
        f"{path.relative_to(TSUNAGU)}:{number}"
        for path in sorted(TSUNAGU.rglob("*.py"))
        if path.name != "bounds.py" and "tests" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if plain.search(line)
    ]
    assert found == [], "use tsunagu.core.bounds.BoundedModel(Multiple)ChoiceField"


def test_every_date_field_of_a_record_is_a_plausible_one():
    """Forms that record something take MomentField / DayField; only the auditor's filters take any date."""
    plain = re.compile(r"forms\.(Date|DateTime|SplitDateTime)Field\(")
    allowed = {"accounts/forms.py"}  # AuditLogFilterForm: filters are not records (tests/test_fuzz_forms.py)
    found = [
        f"{path.relative_to(TSUNAGU)}:{number}"
        for path in sorted(TSUNAGU.rglob("*.py"))
        if path.name != "bounds.py" and "tests" not in path.parts
        and str(path.relative_to(TSUNAGU)) not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if plain.search(line)
    ]  # fmt: skip
    assert found == [], "use tsunagu.core.bounds.MomentField / DayField"


# --- plausible moments ----------------------------------------------------------------------------


def refusal(field: forms.Field, value: str) -> str:
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        field.clean(value)
    return refused.value.code or ""


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0001-01-01T00:00", "too_early"),  # would underflow when converted to UTC
        ("0001-01-01T09:30", "too_early"),
        ("0001-01-01T00:00+14:00", "too_early"),
        ("2019-12-31T23:59", "too_early"),
        ("2026-12-08T10:06", "future"),
        ("2026-12-08T01:06Z", "future"),  # 10:06 in Japan
        ("9999-12-31T23:59", "future"),
        ("9999-12-31T23:59-12:00", "future"),  # would overflow when converted
    ],
)
def test_a_moment_that_has_happened_is_refused_before_the_service_or_in_the_future(value, code):
    assert refusal(MomentField(), value) == code


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01-01T00:00", dt.datetime(2020, 1, 1, 0, 0)),
        ("2026-12-08T10:05", dt.datetime(2026, 12, 8, 10, 5)),  # within the clock skew
        ("2026-12-08T00:30Z", dt.datetime(2026, 12, 8, 9, 30)),  # an explicit offset, read in Japan time
    ],
)
def test_a_moment_that_has_happened_is_taken_in_japan_time(value, expected):
    moment = MomentField().clean(value)
    assert timezone.localtime(moment).replace(tzinfo=None) == expected


@time_machine.travel(NOW, tick=False)
def test_a_planned_moment_may_lie_ahead_up_to_the_limit():
    field = MomentField(ahead=PLAN_AHEAD)
    assert field.clean("2027-06-01T10:00") is not None
    assert refusal(field, "9999-12-31T23:59") == "too_late"
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            field.clean("9999-12-31T23:59")
        assert refused.value.messages == [f"Enter a date no later than {(NOW + PLAN_AHEAD).date().isoformat()}."]


@time_machine.travel(NOW, tick=False)
def test_a_day_is_refused_before_the_service_and_beyond_the_limit_with_a_message():
    field = DayField()
    assert field.clean(EARLIEST_RECORD.isoformat()) == EARLIEST_RECORD
    assert field.clean("2027-01-08") == dt.date(2027, 1, 8)
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            field.clean("0001-01-01")
        assert refused.value.messages == ["Enter a date from 2020-01-01 onwards."]
    assert refusal(field, "9999-12-31") == "too_late"


@time_machine.travel(NOW, tick=False)
def test_a_form_may_word_the_future_refusal_for_its_own_field():
    field = MomentField(error_messages={"future": "The call cannot start in the future."})
    with pytest.raises(ValidationError) as refused:
        field.clean("2026-12-09T10:00")
    assert refused.value.messages == ["The call cannot start in the future."]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))), "too_early"),  # no overflow
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))), "future"),
        (dt.datetime(2026, 12, 8, 0, 0, tzinfo=dt.UTC), None),
        (dt.date(2019, 12, 31), "too_early"),
        (dt.date(2026, 12, 8), None),
    ],
)
def test_implausible_says_why_for_code_outside_forms(moment, expected):
    assert implausible(moment) == expected
    assert implausible(dt.date(2027, 1, 1), ahead=PLAN_AHEAD) is None
