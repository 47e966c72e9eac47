"""The service filters of the HSDS API, answered by the one directory search selector.

HSDS's own parameters (``search``, ``taxonomy_term_id``, ``taxonomy_id``, ``organization_id``,
``modified_after``) and tsunagu's extensions (``area``, the vocabulary keys, ``language``,
``open_now`` …, ``status``) become one ``SearchFilters``; ``search.selectors.services_search``
does the matching, ranking and counting for /services and /service_at_locations alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tsunagu.directory.api.params import BadParameter, Params
from tsunagu.directory.api.selectors import LISTED_STATUSES
from tsunagu.directory.models import Area, ServiceStatus, Taxonomy, TaxonomyTerm
from tsunagu.directory.search.selectors import SearchFilters, SearchResult, service_ids_search, services_search

#: Our vocabulary filters: parameter → taxonomy key (vocabularies.py).
TERM_PARAMS: dict[str, str] = {
    "concern": "concern",
    "people_served": "people_served",
    "resource_kind": "resource_kind",
    "channel": "channel",
}
SERVICE_FILTER_PARAMS = frozenset(
    {
        # HSDS
        "search",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        # tsunagu extensions (docs/api.md)
        "area",
        *TERM_PARAMS,
        "language",
        "open_now",
        "is_24_hours",
        "free",
        "crisis_line",
        "status",
    }
)
#: /service_at_locations pages over the locations of at most this many matching services.
LINK_SEARCH_LIMIT = 1000

_STATUS_ALIASES = {status.value: status.value for status in ServiceStatus} | {
    "temporarily_closed": ServiceStatus.TEMPORARILY_CLOSED.value
}


def _term_keys(params: Params, name: str, taxonomy: str) -> tuple[str, ...]:
    keys = params.words(name)
    if not keys:
        return ()
    known = set(TaxonomyTerm.objects.filter(taxonomy__key=taxonomy, key__in=keys).values_list("key", flat=True))
    unknown = [key for key in keys if key not in known]
    if unknown:
        listing = ", ".join(unknown)
        raise BadParameter(
            name,
            f"{name} に未知の語があります: {listing}。語の一覧は /taxonomy_terms にあります。",
            f"Unknown {name} terms: {listing}. The terms are listed at /taxonomy_terms.",
        )
    return keys


def _area(params: Params) -> str:
    code = params.area_code("area") or ""
    if code and not Area.objects.filter(code=code).exists():
        raise BadParameter(
            "area",
            f"area の地方公共団体コード {code} は登録されていません。",
            f"The local government code {code} given as area is not known.",
        )
    return code


#: A code no term has: a filter on it matches nothing (the selector finds no term for it).
NO_TERM = uuid.UUID(int=0)


def _taxonomy(params: Params) -> Taxonomy | None:
    code = params.one_uuid("taxonomy_id")
    if code is None:
        return None
    taxonomy = Taxonomy.objects.filter(code=code).first()
    if taxonomy is None:
        raise BadParameter("taxonomy_id", "taxonomy_id の分類が見つかりません。", "No taxonomy has this taxonomy_id.")
    return taxonomy


def service_filters(params: Params) -> tuple[str, SearchFilters]:
    """The search text and filters of a request, validated.

    Within one filter any value matches; different filters must all match. ``taxonomy_id`` (any term
    of that taxonomy) therefore becomes the vocabulary filter of that taxonomy when it is one of
    ours, narrowed by the same filter's own values; for another taxonomy it narrows
    ``taxonomy_term_id`` to that taxonomy's terms (or, alone, lists them all).
    """
    statuses = tuple(_STATUS_ALIASES[s] for s in params.choices("status", list(_STATUS_ALIASES)))
    terms = {name: _term_keys(params, name, taxonomy) for name, taxonomy in TERM_PARAMS.items()}
    term_codes = params.uuids("taxonomy_term_id")
    taxonomy = _taxonomy(params)
    if taxonomy is not None:
        keys_of = TaxonomyTerm.objects.filter(taxonomy=taxonomy)
        param = next((name for name, key in TERM_PARAMS.items() if key == taxonomy.key), None)
        if param is not None:
            terms[param] = terms[param] or tuple(keys_of.values_list("key", flat=True)) or (NO_TERM.hex,)
        else:
            codes = set(keys_of.values_list("code", flat=True))
            narrowed = [code for code in term_codes if code in codes] if term_codes else sorted(codes)
            term_codes = tuple(narrowed) or (NO_TERM,)
    filters = SearchFilters(
        area_code=_area(params),
        concerns=terms["concern"],
        people_served=terms["people_served"],
        resource_kinds=terms["resource_kind"],
        channels=terms["channel"],
        languages=params.words("language"),
        taxonomy_term_codes=tuple(dict.fromkeys(term_codes)),
        organisation_code=params.one_uuid("organization_id"),
        modified_after=params.moment("modified_after"),
        open_now=bool(params.boolean("open_now")),
        is_24_hours=bool(params.boolean("is_24_hours")),
        free=bool(params.boolean("free")),
        crisis_line=bool(params.boolean("crisis_line")),
        statuses=tuple(dict.fromkeys(statuses)) or LISTED_STATUSES,
    )
    return params.text("search"), filters


def search_services(params: Params, *, page: int, per_page: int, now: dt.datetime) -> SearchResult:
    text, filters = service_filters(params)
    return services_search(text=text, filters=filters, page=page, per_page=per_page, now=now)


@dataclass(frozen=True)
class MatchedServices:
    ids: list[int]
    total_is_lower_bound: bool


def search_service_ids(params: Params, *, now: dt.datetime) -> MatchedServices | None:
    """The primary keys of matching services, best first; None when the request filters nothing."""
    text, filters = service_filters(params)
    if not SERVICE_FILTER_PARAMS & set(params.query):
        return None
    result = service_ids_search(text=text, filters=filters, page=1, per_page=LINK_SEARCH_LIMIT, now=now)
    return MatchedServices(
        ids=result.ids, total_is_lower_bound=result.total_is_lower_bound or result.total > len(result.ids)
    )
