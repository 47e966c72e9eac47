"""The one directory search: staff pages, the public portal and the HSDS API all call ``services_search``.

How a search runs (a fixed number of queries whatever the number of matches):

1. The text becomes the tokeniser's ``Query`` (``text.query_tokens``) and the filters become index
   tokens (``tokens``), so "text + area + concern + open now" is one index expression. Filter values
   that need the database (an area's containing areas, taxonomy term keys and codes, the
   organisation) take one small query each, only when given.
2. One query returns the **first** ``RANK_CAP`` matching services in id order (``RANK_CAP + 1``,
   to know whether there are more) with their normalised name, sort keys, and whether each is open
   now and how local it is (further index conditions). Only those are ranked, in Python: exact
   name match, then name contains the query, then open now, then served locally (the requested
   area itself) before prefecture-wide (its designated city or prefecture) before 全国, then kana
   and name. Matches beyond the cap follow in index (id) order, from one more query when a page
   reaches past the cap; ``total`` stops at the cap with ``total_is_lower_bound`` set.
3. The page's services are read as ``cards.ServiceCard`` (plain values, no model instances).

Before step 2 a one-row query asks whether any service's opening-hours tokens are outside their
window (search/hours.py); only then are such matches checked in Python (four queries more).

With no text and no filter (beyond the default statuses), the whole directory is listed in kana
order from the index's own ordering table, without ranking.

SQLite and PostgreSQL compute the same candidate set (the lowest ids) and sort by the same keys
(code point order on both), so they return the same pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from tsunagu.accounts.models import Organisation
from tsunagu.directory.areas.selectors import NATIONAL, areas_containing
from tsunagu.directory.models import Service, ServiceStatus, TaxonomyTerm
from tsunagu.directory.search import hours
from tsunagu.directory.search import tokens as tk
from tsunagu.directory.search.cards import ServiceCard, service_cards
from tsunagu.directory.search.index import hours_sources
from tsunagu.directory.search.text import MAX_QUERY_CHARS, normalise, query_tokens

#: How many matches (the lowest ids) are ranked; beyond them results come in index order.
RANK_CAP = 1000
#: Largest page size (the HSDS API's /service_at_locations asks for up to 1,000 at once).
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class SearchFilters:
    # JIS code of a municipality/ward/prefecture: the services serving it, its containing areas
    # (prefecture, designated city) and national (全国) services.
    area_code: str = ""
    concerns: tuple[str, ...] = ()  # taxonomy term keys; any of them
    people_served: tuple[str, ...] = ()
    resource_kinds: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # BCP 47 tags
    taxonomy_term_codes: tuple[uuid.UUID, ...] = ()  # HSDS API taxonomy_term_id
    organisation_code: uuid.UUID | None = None
    modified_after: dt.datetime | None = None
    open_now: bool = False
    is_24_hours: bool = False
    free: bool = False
    crisis_line: bool = False
    statuses: tuple[str, ...] = (ServiceStatus.ACTIVE.value, ServiceStatus.TEMPORARILY_CLOSED.value)

    def narrows(self) -> bool:
        """Whether anything beyond the statuses is asked for."""
        return any(
            (
                self.area_code,
                self.concerns,
                self.people_served,
                self.resource_kinds,
                self.channels,
                self.languages,
                self.taxonomy_term_codes,
                self.organisation_code,
                self.modified_after,
                self.open_now,
                self.is_24_hours,
                self.free,
                self.crisis_line,
            )
        )


@dataclass(frozen=True)
class IdsResult:
    ids: list[int]
    total: int
    total_is_lower_bound: bool


@dataclass(frozen=True)
class SearchResult:
    services: list[ServiceCard]
    total: int  # number of matches; at most RANK_CAP unless paged beyond it (see total_is_lower_bound)
    total_is_lower_bound: bool
    page: int
    per_page: int


# --- Planning -----------------------------------------------------------------------------------

_TERM_FILTERS: tuple[tuple[str, str], ...] = (
    ("concerns", "concern"),
    ("people_served", "people_served"),
    ("resource_kinds", "resource_kind"),
    ("channels", "channel"),
)


@dataclass
class _Plan:
    """A search turned into index expressions.

    ``text`` and ``facets`` (area, terms, organisation, language) are selective; ``broad`` (status,
    flags) and ``open_filter`` (open now, when asked for) hold for most services. SQLite's FTS5 skips
    through long posting lists cheaply, so it gets all of them in one MATCH. PostgreSQL keeps each
    kind in its own array column (search/index.py), so that a condition nearly every row meets is
    checked on the row's small array instead of merging the posting lists of the whole table.
    """

    text: tk.Expr | None = None
    facets: tk.Expr | None = None
    broad: tk.Expr | None = None
    open_filter: tk.Expr | None = None
    name_query: str = ""  # normalised query text for the name ranks; "" when there is no text
    open_rank: tk.Expr | None = None  # rank by open now (None: the filter already requires it)
    local: tk.Expr | None = None
    wider: tk.Expr | None = None
    modified_after: dt.datetime | None = None
    today: dt.date = field(default_factory=dt.date.today)
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def everything(self) -> tk.Expr | None:
        return tk.all_of((self.text, self.facets, self.broad, self.open_filter))

    def without_open(self) -> _Plan:
        return dataclasses.replace(self, open_filter=None)


def _term_expressions(filters: SearchFilters) -> list[tk.Expr]:
    groups: list[tuple[str, frozenset[str]]] = [
        (taxonomy, frozenset(getattr(filters, name))) for name, taxonomy in _TERM_FILTERS if getattr(filters, name)
    ]
    codes = frozenset(filters.taxonomy_term_codes)
    if not groups and not codes:
        return []
    condition = Q(code__in=codes) if codes else Q(pk__in=[])
    for taxonomy, keys in groups:
        condition |= Q(taxonomy__key=taxonomy, key__in=keys)
    found = list(TaxonomyTerm.objects.filter(condition).values_list("pk", "taxonomy__key", "key", "code"))
    expressions = [
        tk.any_of(tk.Token(tk.term_token(pk)) for pk, tax, key, _code in found if tax == taxonomy and key in keys)
        for taxonomy, keys in groups
    ]
    if codes:
        expressions.append(tk.any_of(tk.Token(tk.term_token(pk)) for pk, _tax, _key, code in found if code in codes))
    return expressions


def _plan(text: str, filters: SearchFilters, now: dt.datetime) -> _Plan:
    query = query_tokens(text)
    plan = _Plan(now=now, today=hours.tokyo_minute(now)[0], modified_after=filters.modified_after)
    if not query.is_empty:
        plan.name_query = normalise(text)[:MAX_QUERY_CHARS]
    plan.text = tk.text_expression(query)
    selective: list[tk.Expr | None] = []
    if filters.area_code:
        codes = areas_containing(code=filters.area_code)
        selective.append(tk.any_of(tk.Token(tk.area_token(code)) for code in codes))
        if codes:
            own, containing = codes[0], [code for code in codes[1:] if code != NATIONAL]
            plan.local = tk.Token(tk.area_token(own)) if own != NATIONAL else None
            plan.wider = tk.any_of(tk.Token(tk.area_token(code)) for code in containing) if containing else None
    selective += _term_expressions(filters)
    if filters.organisation_code is not None:
        organisation = Organisation.objects.filter(code=filters.organisation_code).values_list("pk", flat=True)
        selective.append(tk.any_of(tk.Token(tk.organisation_token(pk)) for pk in organisation))
    if filters.languages:
        selective.append(tk.any_of(tk.Token(tk.language_token(tag)) for tag in filters.languages))
    broad: list[tk.Expr | None] = [tk.statuses_expression(filters.statuses)]
    for wanted, flag in (
        (filters.free, tk.FLAG_FREE),
        (filters.is_24_hours, tk.FLAG_24_HOURS),
        (filters.crisis_line, tk.FLAG_CRISIS_LINE),
    ):
        if wanted:
            broad.append(tk.Token(tk.flag_token(flag)))
    if filters.open_now:
        plan.open_filter = hours.open_expression(now)
    else:
        plan.open_rank = hours.open_expression(now)
    plan.facets = tk.all_of(selective)
    plan.broad = tk.all_of(broad)
    return plan


# --- SQL ------------------------------------------------------------------------------------------


@dataclass
class _Sql:
    """SQL text with its parameters, built in order."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, text: str, *params: Any) -> _Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def extend(self, other: _Sql) -> _Sql:
        self.parts.extend(other.parts)
        self.params.extend(other.params)
        return self

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def _ids_param(ids: Sequence[int]) -> Any:
    return list(ids) if connection.vendor == "postgresql" else json.dumps(list(ids))


def _in_ids(column: str, ids: Sequence[int]) -> _Sql:
    if connection.vendor == "postgresql":
        return _Sql().add(f"{column} = ANY(%s)", _ids_param(ids))
    return _Sql().add(f"{column} IN (SELECT value FROM json_each(%s))", _ids_param(ids))  # noqa: S608 - a column name


def _date(value: dt.date) -> dt.date | str:
    return value if connection.vendor == "postgresql" else value.isoformat()


def _in_window(doc: str, today: dt.date) -> _Sql:
    """The doc row's opening-hours tokens describe ``today``."""
    return _Sql().add(f"{doc}.hours_from <= %s AND {doc}.hours_until >= %s", _date(today), _date(today))


def _modified(column: str, after: dt.datetime | None) -> _Sql | None:
    if after is None:
        return None
    # As Django stores it: SQLite keeps UTC text, which compares as text.
    value = connection.ops.adapt_datetimefield_value(after)
    return _Sql().add(f"{column} IN (SELECT id FROM directory_service WHERE updated_at > %s)", value)  # noqa: S608


def _sqlite_matches(
    expr: tk.Expr | None,
    plan: _Plan,
    *,
    open_window: bool,
    extra: Sequence[int] = (),
    stale: bool = False,
    up_to_last_match: bool = False,
) -> _Sql:
    """SELECT of the matching ids, without ORDER BY or LIMIT.

    ``open_window``: keep only rows whose hours tokens describe today (the expression tests open
    now and some rows are outside their window); ``extra``: ids added to the matches (those found
    open in Python); ``stale``: only rows outside their window; ``up_to_last_match``: only ids up to
    the largest of the CTE ``m``.
    """
    rows: list[_Sql] = []  # conditions on the doc row
    if open_window:
        rows.append(_in_window("d", plan.today))
    if stale:
        rows.append(_Sql().add("NOT (").extend(_in_window("d", plan.today)).add(")"))
    modified = _modified("d.service_id", plan.modified_after)
    if modified is not None:
        rows.append(modified)
    conditions: list[_Sql] = []
    if expr is None:
        sql = _Sql().add("SELECT d.service_id AS id FROM directory_search_doc d")
        if up_to_last_match:
            conditions.append(_Sql().add("d.service_id <= (SELECT max(id) FROM m)"))
    else:
        sql = _Sql().add("SELECT f.rowid AS id FROM directory_search_fts f")
        if rows:
            sql.add("JOIN directory_search_doc d ON d.service_id = f.rowid")
        conditions.append(_Sql().add("f.directory_search_fts MATCH %s", tk.fts_match(expr)))
        if up_to_last_match:
            # A rowid bound FTS5 applies while walking its lists.
            conditions.append(_Sql().add("f.rowid <= (SELECT max(id) FROM m)"))
    for i, condition in enumerate(conditions + rows):
        sql.add("WHERE" if i == 0 else "AND").extend(condition)
    if extra:
        sql = (
            _Sql()
            .add("SELECT id FROM (")
            .extend(sql)
            .add("UNION SELECT value FROM json_each(%s))", json.dumps(list(extra)))
        )
    return sql


def _postgres_matches(
    plan: _Plan,
    *,
    extra: Sequence[int] = (),
    stale: bool = False,
    columns: str = "d.service_id AS id",
) -> _Sql:
    """SELECT of the matching rows (without ORDER BY), on the doc table ``d``.

    The planner picks the GIN index that narrows most, or walks the primary key and checks the
    rest on each row (cheap on the small ``facets`` and ``hours`` arrays). ``extra``: ids that are
    open although outside their hours window.
    """
    sql = _Sql().add(f"SELECT {columns} FROM directory_search_doc d")  # noqa: S608 - columns written in this module
    conditions: list[_Sql] = []
    # With a selective condition, the conditions most rows meet are spelt boolop() (the function
    # behind @@), so the planner checks them on the candidate rows instead of intersecting the
    # selective index scan with a scan of nearly the whole table (measured: 16 ms of 24).
    selective = plan.text is not None or plan.facets is not None
    if plan.text is not None:
        words = tk.all_of((plan.text, plan.facets))
        assert words is not None
        conditions.append(_Sql().add("d.tokens @@ %s::query_int", tk.query_int(words)))
    elif plan.facets is not None:
        conditions.append(_Sql().add("d.facets @@ %s::query_int", tk.query_int(plan.facets)))
    check = "boolop({}, %s::query_int)" if selective else "{} @@ %s::query_int"
    if plan.broad is not None:
        conditions.append(_Sql().add(check.format("d.facets"), tk.query_int(plan.broad)))
    if plan.open_filter is not None:
        is_open = _Sql().add("(" + check.format("d.hours") + " AND", tk.query_int(plan.open_filter))
        is_open.extend(_in_window("d", plan.today)).add(")")
        if extra:
            is_open = _Sql().add("(").extend(is_open).add("OR").extend(_in_ids("d.service_id", extra)).add(")")
        conditions.append(is_open)
    if stale:
        conditions.append(_Sql().add("NOT (").extend(_in_window("d", plan.today)).add(")"))
    modified = _modified("d.service_id", plan.modified_after)
    if modified is not None:
        conditions.append(modified)
    for i, condition in enumerate(conditions):
        sql.add("WHERE" if i == 0 else "AND").extend(condition)
    return sql


# A candidate row: (id, normalised name, kana, name, open now, locality), where locality is 0 when
# the service serves the requested area itself, 1 a containing area, 2 otherwise (全国).
_Row = tuple[int, str, str, str, bool, int]


def _candidates_sql(plan: _Plan, *, filters_open: bool, open_extra: Sequence[int], stale: bool) -> _Sql:
    """The first RANK_CAP + 1 matches in id order, as ``_Row``s (in no particular order).

    PostgreSQL tests the tiers (open now, locality) on each candidate row's token array. SQLite's
    FTS5 cannot read a row's words back, so each tier is another MATCH (matches ∧ tier, lowest ids
    first): every tier member among the first matches is among the first of that MATCH too.
    """
    extra = open_extra if filters_open else ()
    params: list[Any] = []
    columns = ["d.service_id", "d.name_norm", "d.name_kana", "d.name"]
    if connection.vendor == "postgresql":
        # boolop() is the function behind @@: spelt so, it is evaluated on the row, never planned
        # as an index scan.
        if plan.open_rank is not None:
            columns.append(
                "((boolop(d.hours, %s::query_int) AND d.hours_from <= %s AND d.hours_until >= %s)"
                + (" OR d.service_id = ANY(%s)" if open_extra else "")
                + ")"
            )
            params += [tk.query_int(plan.open_rank), plan.today, plan.today]
            if open_extra:
                params.append(list(open_extra))
        else:
            columns.append("true")
        cases = []
        for tier, expr in ((0, plan.local), (1, plan.wider)):
            if expr is not None:
                cases.append(f"WHEN boolop(d.facets, %s::query_int) THEN {tier}")
                params.append(tk.query_int(expr))
        columns.append("CASE " + " ".join(cases) + " ELSE 2 END" if cases else "2")
        sql = _postgres_matches(plan, extra=extra, columns=", ".join(columns))
        sql.params[:0] = params  # the select list comes first in the text
        return sql.add("ORDER BY d.service_id LIMIT %s", RANK_CAP + 1)
    sql = _Sql().add("WITH m AS MATERIALIZED (SELECT id FROM (")
    sql.extend(_sqlite_matches(plan.everything, plan, open_window=filters_open and stale, extra=extra))
    sql.add("ORDER BY id LIMIT %s))", RANK_CAP + 1)
    # A tier is only asked of the ids in m, so its MATCH needs only the selective part of the
    # search (not status or open now, which every id in m meets and which are long lists to walk)
    # and only ids up to the last one in m.
    selective = tk.all_of((plan.text, plan.facets))
    for name, expr in (("o", plan.open_rank), ("l", plan.local), ("w", plan.wider)):
        if expr is None:
            continue
        is_open = name == "o"
        sql.add(", " + name + " AS MATERIALIZED (")  # materialised: one lookup table for the IN tests
        sql.extend(
            _sqlite_matches(
                tk.all_of((selective, expr)),
                plan,
                open_window=is_open and stale,
                extra=open_extra if is_open else (),
                up_to_last_match=True,
            )
        )
        sql.add(")")
    columns = ["m.id", "d.name_norm", "d.name_kana", "d.name"]
    columns.append("m.id IN o" if plan.open_rank is not None else "1")
    local = "CASE" + (" WHEN m.id IN l THEN 0" if plan.local else "") + (" WHEN m.id IN w THEN 1" if plan.wider else "")
    columns.append(local + " ELSE 2 END" if plan.local or plan.wider else "2")
    sql.add(f"SELECT {', '.join(columns)} FROM m JOIN directory_search_doc d ON d.service_id = m.id")  # noqa: S608
    return sql


def _candidates(plan: _Plan, *, filters_open: bool, open_extra: Sequence[int], stale: bool) -> list[_Row]:
    """The candidate rows in id order."""
    rows = _fetch(_candidates_sql(plan, filters_open=filters_open, open_extra=open_extra, stale=stale))
    rows.sort(key=lambda row: row[0])
    return rows  # type: ignore[return-value]


def _ranked(rows: Sequence[_Row], name_query: str) -> list[int]:
    """Ids best first. Python compares strings by code point, as SQLite and PostgreSQL ("C") order them."""
    if name_query:
        keys = [
            (name_norm != name_query, name_query not in name_norm, not is_open, locality, kana, name, pk)
            for pk, name_norm, kana, name, is_open, locality in rows
        ]
    else:
        keys = [(False, False, not is_open, locality, kana, name, pk) for pk, _n, kana, name, is_open, locality in rows]
    keys.sort()
    return [key[-1] for key in keys]


def _tail_sql(
    plan: _Plan, *, filters_open: bool, open_extra: Sequence[int], stale: bool, offset: int, limit: int
) -> _Sql:
    """Matches in id order from ``offset`` (beyond the ranked ones)."""
    extra = open_extra if filters_open else ()
    if connection.vendor == "postgresql":
        sql = _postgres_matches(plan, extra=extra)
        return sql.add("ORDER BY d.service_id LIMIT %s OFFSET %s", limit, offset)
    sql = _Sql().add("SELECT id FROM (")
    sql.extend(_sqlite_matches(plan.everything, plan, open_window=filters_open and stale, extra=extra))
    return sql.add(") ORDER BY id LIMIT %s OFFSET %s", limit, offset)


def _stale_sql(plan: _Plan) -> _Sql:
    """Matching rows (open now aside) whose hours tokens do not describe today: checked in Python."""
    base = plan.without_open()
    if connection.vendor == "postgresql":
        return _postgres_matches(base, stale=True).add("ORDER BY d.service_id LIMIT %s", RANK_CAP + 1)
    sql = _Sql().add("SELECT id FROM (").extend(_sqlite_matches(base.everything, plan, open_window=False, stale=True))
    return sql.add(") ORDER BY id LIMIT %s", RANK_CAP + 1)


def _fetch(sql: _Sql) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.text, sql.params)
        return list(cursor.fetchall())


def _any_stale(today: dt.date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM directory_search_doc WHERE hours_from > %s OR hours_until < %s LIMIT 1",
            [_date(today), _date(today)],
        )
        return cursor.fetchone() is not None


# --- The selector ---------------------------------------------------------------------------------


def _plain(filters: SearchFilters, page: int, per_page: int) -> IdsResult:
    """The directory in kana order (no text, no filter): the index's own ordering table."""
    statuses = sorted(set(filters.statuses))
    if connection.vendor == "postgresql":
        condition = _Sql().add("status = ANY(%s)", statuses)
    else:
        condition = _Sql().add("status IN (SELECT value FROM json_each(%s))", json.dumps(statuses))
    count = _Sql().add("SELECT count(*) FROM (SELECT 1 FROM directory_search_doc WHERE").extend(condition)
    count.add("LIMIT %s) c", RANK_CAP + 1)
    listing = _Sql().add("SELECT service_id FROM directory_search_doc WHERE").extend(condition)
    offset = (page - 1) * per_page
    # One row more than the page, to know whether another page follows.
    listing.add("ORDER BY name_kana, name, service_id LIMIT %s OFFSET %s", per_page + 1, offset)
    with connection.cursor() as cursor:
        cursor.execute(count.text, count.params)
        found = int(cursor.fetchone()[0])
        cursor.execute(listing.text, listing.params)
        rows = [row[0] for row in cursor.fetchall()]
    ids, more = rows[:per_page], len(rows) > per_page
    if found <= RANK_CAP:
        total, lower = found, False
    elif ids and offset + len(ids) > RANK_CAP:
        # Paged past the counted part: this page tells how far the listing goes.
        total, lower = offset + len(ids) + more, more
    else:
        total, lower = RANK_CAP, True
    return IdsResult(ids=ids, total=total, total_is_lower_bound=lower)


def _open_in_python(plan: _Plan) -> list[int]:
    """Ids of matching services outside their hours window that are open at ``plan.now``."""
    stale_ids = [row[0] for row in _fetch(_stale_sql(plan))]
    if not stale_ids:
        return []
    flags = dict(Service.objects.filter(pk__in=stale_ids).values_list("pk", "is_24_hours"))
    sources = hours_sources(flags)
    return [pk for pk in stale_ids if pk in sources and hours.open_at(sources[pk], plan.now)]


def services_search(
    *,
    text: str = "",
    filters: SearchFilters = SearchFilters(),
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> SearchResult:
    """Services matching ``text`` and ``filters``, best first (see the module docstring), as cards."""
    found = service_ids_search(text=text, filters=filters, page=page, per_page=per_page, now=now)
    return SearchResult(
        services=service_cards(found.ids),
        total=found.total,
        total_is_lower_bound=found.total_is_lower_bound,
        page=page,
        per_page=per_page,
    )


def service_ids_search(
    *,
    text: str = "",
    filters: SearchFilters = SearchFilters(),
    page: int = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> IdsResult:
    """As ``services_search``, but only the services' primary keys (for callers that load their own)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be ≥ 1 and per_page within 1–{MAX_PER_PAGE}")
    now = now or timezone.now()
    if query_tokens(text).is_empty and not filters.narrows():
        return _plain(filters, page, per_page)
    empty = IdsResult(ids=[], total=0, total_is_lower_bound=False)
    plan = _plan(text, filters, now)
    if isinstance(plan.everything, tk.Nothing):
        return empty
    stale = _any_stale(plan.today)
    open_extra = _open_in_python(plan) if stale else []
    candidates = _candidates(plan, filters_open=filters.open_now, open_extra=open_extra, stale=stale)
    found = len(candidates)
    ranked = _ranked(candidates[:RANK_CAP], plan.name_query)
    first, last = (page - 1) * per_page, page * per_page
    ids = ranked[first:last]
    total, lower = min(found, RANK_CAP), found > RANK_CAP
    if lower and last > RANK_CAP:
        # Beyond the ranked matches: the next ones in id order, straight from the index.
        offset = max(first, RANK_CAP)
        limit = last - offset
        tail = [
            int(row[0])
            for row in _fetch(
                _tail_sql(
                    plan,
                    filters_open=filters.open_now,
                    open_extra=open_extra,
                    stale=stale,
                    offset=offset,
                    limit=limit + 1,
                )
            )
        ]
        ids += tail[:limit]
        if len(tail) > limit:
            total = offset + limit + 1
        elif tail or offset == RANK_CAP:
            total, lower = offset + len(tail), False
    return IdsResult(ids=ids, total=total, total_is_lower_bound=lower)
