"""Index tokens and opening-hours tokens: exact where they claim to be, checked against the slow truth."""

from __future__ import annotations

import datetime as dt
import itertools
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.directory.schedules import TOKYO, ClosedRange, Period, Rule, Schedule, open_now, parse_schedule
from tsunagu.directory.search import hours, index
from tsunagu.directory.search import tokens as tk
from tsunagu.directory.search.text import query_tokens

# --- Token encoding -------------------------------------------------------------------------------


def test_text_tokens_and_filter_tokens_live_in_separate_halves():
    # A filter can never be satisfied by a document's words, whatever they hash to.
    assert all(tk.text_token(t) >= 0 for t in ("w:相談", "b:相談", "u:相", "r:そうだん", ""))
    filters = [
        tk.area_token("131041"),
        tk.area_token(""),
        tk.term_token(1),
        tk.organisation_token(1),
        tk.language_token("ja"),
        *tk.status_tokens("active"),
        tk.flag_token(tk.FLAG_FREE),
    ]
    assert all(value < 0 for value in filters)
    assert len(set(filters)) == len(filters)
    assert tk.area_token("") != tk.area_token("131041")  # 全国 is its own area


def test_structured_tokens_refuse_values_outside_their_range():
    with pytest.raises(ValueError):
        tk.term_token(1 << 27)
    with pytest.raises(ValueError):
        tk.structured(16, 0)
    assert tk.structured(15, (1 << 27) - 1) == -(1 << 31)  # the last one still fits in int4


def test_language_tags_do_not_collide_and_ignore_case():
    tags = ["".join(pair) for pair in itertools.product(string.ascii_lowercase, repeat=2)]
    tags += ["zh-hans", "zh-hant", "pt-br", "es-419", "fil", "yue", "ain", "ryu"]
    assert len({tk.language_token(tag) for tag in tags}) == len(tags)
    assert tk.language_token("zh-Hans") == tk.language_token(" ZH-HANS ")


def test_status_filter_is_one_token_for_the_public_default_and_nothing_for_all():
    public = tk.statuses_expression(["active", "temporarily closed"])
    assert isinstance(public, tk.Token)
    assert public.value in tk.status_tokens("temporarily closed")
    assert public.value not in tk.status_tokens("inactive")
    assert tk.statuses_expression(["active", "temporarily closed", "inactive", "defunct"]) is None
    inactive = tk.statuses_expression(["inactive"])
    assert tk.matches(inactive, set(tk.status_tokens("inactive")))
    assert not tk.matches(inactive, set(tk.status_tokens("active")))
    with pytest.raises(ValueError):
        tk.statuses_expression(["closed"])


def test_expressions_render_for_both_databases():
    expr = tk.And((tk.Or((tk.Token(5), tk.Token(-7))), tk.AndNot(tk.Token(1), tk.Token(-2))))
    assert tk.fts_match(expr) == '(("p5" OR "n7") AND ("p1" NOT "n2"))'
    assert tk.query_int(expr) == "((5 | -7) & (1 & !-2))"
    assert tk.matches(expr, {-7, 1}) and not tk.matches(expr, {-7, 1, -2})
    with pytest.raises(ValueError):
        tk.fts_match(tk.Nothing())


def test_text_expression_follows_the_query_semantics():
    query = query_tokens("介護 相談")
    expr = tk.text_expression(query)
    assert isinstance(expr, tk.And) and len(expr.parts) == 2
    for term, part in zip(query.terms, expr.parts, strict=True):
        alternatives = part.parts if isinstance(part, tk.Or) else (part,)
        assert len(alternatives) == len(term.alternatives)
    assert tk.text_expression(query_tokens("・・・")) is None  # no letters: no constraint


def test_constructors_fold_what_cannot_match():
    assert isinstance(tk.any_of([]), tk.Nothing)
    assert isinstance(tk.all_of([tk.Token(1), tk.Nothing()]), tk.Nothing)
    assert tk.all_of([None, None]) is None
    assert tk.all_of([None, tk.Token(3)]) == tk.Token(3)


# --- Minutes as tree nodes ----------------------------------------------------------------------


@given(st.integers(0, 1439), st.integers(1, 1440), st.integers(0, 1439))
def test_a_minute_is_in_an_interval_exactly_when_one_of_its_nodes_is(start, end, minute):
    nodes = set(hours.interval_nodes(start, end))
    assert (start <= minute < end) == bool(nodes & set(hours.minute_nodes(minute)))


def test_interval_nodes_stay_few():
    assert max(len(hours.interval_nodes(s, e)) for s in range(0, 1440, 7) for e in range(s + 1, 1441, 11)) <= 22


# --- Opening minutes against schedules.open_now ---------------------------------------------------

_times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59]))
_periods = st.builds(Period, _times, st.one_of(st.none(), _times))
_rules = st.builds(
    Rule,
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(tuple),
    periods=st.lists(_periods, max_size=2).map(tuple),
    nth_weeks=st.one_of(
        st.just(()), st.lists(st.sampled_from([1, 2, 3, 4, 5, -1]), max_size=2, unique=True).map(tuple)
    ),
    months=st.one_of(st.just(()), st.lists(st.integers(1, 12), max_size=3, unique=True).map(tuple)),
    month_days=st.one_of(st.just(()), st.lists(st.integers(1, 31), max_size=2, unique=True).map(tuple)),
    include_holidays=st.booleans(),
)
_schedules = st.builds(
    Schedule,
    original_text=st.just("generated"),
    rules=st.lists(_rules, max_size=3).map(tuple),
    closed_ranges=st.one_of(st.just(()), st.just((ClosedRange(12, 29, 1, 3),)), st.just((ClosedRange(8, 13, 8, 16),))),
    closed_dates=st.lists(st.dates(dt.date(2026, 11, 1), dt.date(2027, 2, 28)), max_size=2).map(tuple),
    always_open=st.booleans(),
    closed_on_holidays=st.booleans(),
    unparsed=st.sampled_from([(), (), (), ("?",)]),
)
# Around 年末年始, 勤労感謝の日 (Mon 23 Nov 2026), 成人の日 (Mon 11 Jan 2027) and month ends.
_moments = st.builds(
    lambda day, minute: dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=TOKYO),
    st.dates(dt.date(2026, 11, 20), dt.date(2027, 1, 31)),
    st.integers(0, 1439),
)


@settings(max_examples=400, deadline=None)
@given(_schedules, _moments)
def test_opening_minutes_agree_with_open_now(schedule, moment):
    day, minute = hours.tokyo_minute(moment)
    inside = any(start <= minute < end for start, end in hours.schedule_open_minutes(schedule, day))
    assert inside == (open_now(schedule, moment) is True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_schedules, max_size=2),
    st.lists(_schedules, max_size=2),
    st.booleans(),
    st.one_of(st.none(), st.dates(dt.date(2026, 11, 15), dt.date(2027, 1, 15))),
    _moments,
)
def test_open_now_tokens_agree_with_the_slow_check_inside_their_window(own, located, flag, valid_to, moment):
    # The service's own first schedule ends on `valid_to`: before it, it decides; after it, the
    # locations' schedules do.
    own_rows = [hours.ScheduleRow.of(s.to_json(), None, valid_to if i == 0 else None) for i, s in enumerate(own)]
    source = hours.HoursSource.of(
        own=own_rows, locations=[hours.ScheduleRow.of(s.to_json()) for s in located], is_24_hours=flag
    )
    indexed_on = dt.date(2026, 11, 20)
    first, last = hours.window(indexed_on)
    assert first <= moment.date() <= last
    tokens = set(hours.hours_tokens(source, indexed_on))
    assert tk.matches(hours.open_expression(moment), tokens) == hours.open_at(source, moment)


def test_a_service_open_on_weekdays_but_not_on_holidays_is_an_exception_on_those_days():
    schedule = parse_schedule("月～金 9:00～17:00（祝日・年末年始を除く）")
    source = hours.HoursSource.of(own=[hours.ScheduleRow.of(schedule.to_json())], locations=[], is_24_hours=False)
    tokens = set(hours.hours_tokens(source, dt.date(2026, 11, 20)))
    wednesday = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)
    holiday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=TOKYO)  # 勤労感謝の日, a Monday
    new_year = dt.datetime(2026, 12, 30, 10, 0, tzinfo=TOKYO)  # a Wednesday in 年末年始
    assert tk.matches(hours.open_expression(wednesday), tokens)
    assert not tk.matches(hours.open_expression(wednesday.replace(hour=17)), tokens)  # 17:00 is closing time
    assert not tk.matches(hours.open_expression(holiday), tokens)
    assert not tk.matches(hours.open_expression(new_year), tokens)
    assert len(tokens) < 150  # a week of nodes and a year of exception days


def test_the_24_hour_flag_opens_a_service_without_readable_hours():
    unreadable = hours.ScheduleRow.of(parse_schedule("ご相談ください").to_json())
    moment = dt.datetime(2026, 11, 25, 3, 0, tzinfo=TOKYO)
    assert hours.open_at(hours.HoursSource.of(own=[unreadable], locations=[], is_24_hours=True), moment)
    assert not hours.open_at(hours.HoursSource.of(own=[unreadable], locations=[], is_24_hours=False), moment)
    assert hours.open_at(hours.HoursSource.of(own=[], locations=[], is_24_hours=True), moment)
    # Readable hours win over the flag.
    weekdays = hours.ScheduleRow.of(parse_schedule("月～金 9:00～17:00").to_json())
    assert not hours.open_at(hours.HoursSource.of(own=[weekdays], locations=[], is_24_hours=True), moment)


def test_open_at_wants_an_aware_moment():
    with pytest.raises(ValueError):
        hours.open_at(hours.HoursSource(), dt.datetime(2026, 11, 25, 10, 0))


@given(st.sets(st.integers(-(1 << 31), (1 << 31) - 1), max_size=600))
def test_stored_words_unpack_to_the_same_tokens(values):
    # SQLite deletes a service's row from the full-text index by repeating exactly these.
    assert sorted(index._unpack(index._pack(values))) == sorted(values)
