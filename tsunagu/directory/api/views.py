"""The public, read-only HSDS 3.0 API under /api/hsds/ (docs/api.md).

Every view is public, answers JSON only, accepts GET and HEAD (other methods: 405 JSON), rejects
unknown or malformed query parameters with a 400 that explains itself in Japanese and English, and
answers 404 JSON for an id it does not list. Nothing here writes: no audit row, no session, no
cookie (``middleware.PublicApiMiddleware``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from tsunagu.directory import hsds
from tsunagu.directory.api import errors, openapi, selectors
from tsunagu.directory.api.middleware import ALLOWED_METHODS, method_not_allowed
from tsunagu.directory.api.params import BadParameter, Params
from tsunagu.directory.api.service_search import SERVICE_FILTER_PARAMS, search_service_ids, search_services
from tsunagu.directory.models import ServiceAtLocation

Json = dict[str, Any]
View = Callable[..., JsonResponse]

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
#: ``minimal`` answers are small, and HSDS asks to return all services in one call where possible.
MAX_PER_PAGE_MINIMAL = 1000

PAGE_PARAMS = frozenset({"page", "per_page", "format"})
#: The query parameters each endpoint accepts (the OpenAPI document lists the same; test_openapi.py).
SERVICE_LIST_PARAMS = PAGE_PARAMS | SERVICE_FILTER_PARAMS | {"minimal", "full"}
ORGANIZATION_LIST_PARAMS = PAGE_PARAMS | {"search", "full", "full_service"}
ORGANIZATION_DETAIL_PARAMS = frozenset({"full_service"})
TAXONOMY_LIST_PARAMS = PAGE_PARAMS | {"search"}
TAXONOMY_TERM_LIST_PARAMS = PAGE_PARAMS | {"search", "taxonomy_id", "top_only", "parent_id"}
SERVICE_AT_LOCATION_LIST_PARAMS = PAGE_PARAMS | SERVICE_FILTER_PARAMS | {"full"}


class NotFound(Exception):
    pass


def _json(data: Json | list[Json], *, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _not_found() -> JsonResponse:
    return errors.json_error(404, "not_found", "見つかりません。", "Not found.")


def api_view(view: View) -> View:
    """GET/HEAD only; BadParameter → 400, NotFound → 404, both as JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if request.method not in ALLOWED_METHODS:  # the middleware answers first; kept for direct calls
            return method_not_allowed()
        try:
            return view(request, *args, **kwargs)
        except BadParameter as exc:
            return errors.json_error(400, "bad_parameter", exc.ja, exc.en, parameter=exc.parameter)
        except NotFound:
            return _not_found()

    return wrapper


# -- paging --------------------------------------------------------------------------------------


def _paging(params: Params, *, max_per_page: int = MAX_PER_PAGE) -> tuple[int, int]:
    fmt = params.raw("format")
    if fmt not in (None, "", "json"):
        raise BadParameter(
            "format", "format は json のみ対応しています。", "Only format=json is supported (no ndjson streaming)."
        )
    page = params.integer("page", default=1, low=1, high=1_000_000)
    per_page = params.integer("per_page", default=DEFAULT_PER_PAGE, low=1, high=max_per_page)
    return page, per_page


def page_json(
    contents: Sequence[Json], *, total: int, page: int, per_page: int, total_is_lower_bound: bool = False
) -> Json:
    """The HSDS ``Page``: counts, position and ``contents``."""
    total_pages = math.ceil(total / per_page)
    last_page = len(contents) < per_page if total_is_lower_bound else page >= total_pages
    data: Json = {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": last_page,
        "empty": not contents,
        "contents": list(contents),
    }
    if total_is_lower_bound:
        data["total_items_is_lower_bound"] = True
    return data


def _slice(queryset: QuerySet[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = queryset.count()
    start = (page - 1) * per_page
    return (list(queryset[start : start + per_page]) if start < total else []), total


def _page(rows: QuerySet[Any], params: Params, to_hsds: Callable[[Any], Json]) -> JsonResponse:
    """One page of `rows` as HSDS items, for the lists that need nothing loaded beside them."""
    page, per_page = _paging(params)
    items, total = _slice(rows, page, per_page)
    return _json(page_json([to_hsds(item) for item in items], total=total, page=page, per_page=per_page))


def _code(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound from None


_Record = TypeVar("_Record")


def _found(record: _Record | None) -> _Record:
    """What an id names: a 404 when nothing listed has it."""
    if record is None:
        raise NotFound
    return record


# -- root and the OpenAPI document ---------------------------------------------------------------


@api_view
def api_root(request: HttpRequest) -> JsonResponse:
    Params(request.GET, allowed=())
    openapi_url = request.build_absolute_uri(reverse("hsds:openapi"))
    return _json(
        {"version": hsds.HSDS_VERSION, "profile": openapi.profile_url(openapi_url), "openapi_url": openapi_url}
    )


@api_view
def openapi_document(request: HttpRequest) -> JsonResponse:
    Params(request.GET, allowed=())
    return _json(openapi.document(server_url=request.build_absolute_uri(reverse("hsds:root")).rstrip("/")))


# -- services ------------------------------------------------------------------------------------


@api_view
def service_list(request: HttpRequest) -> JsonResponse:
    params = Params(request.GET, allowed=SERVICE_LIST_PARAMS)
    minimal = bool(params.boolean("minimal"))
    full = bool(params.boolean("full"))
    if minimal and full:
        raise BadParameter(
            "minimal", "minimal と full は同時に指定できません。", "minimal and full cannot both be true."
        )
    page, per_page = _paging(params, max_per_page=MAX_PER_PAGE_MINIMAL if minimal else MAX_PER_PAGE)
    found = search_services(params, page=page, per_page=per_page, now=timezone.now())
    # The search gives cards; HSDS items are serialised from the services loaded for them.
    services = selectors.services_in_order([s.pk for s in found.services], full=full)
    if minimal:
        # HSDS asks for id and last_modified; name and status stay because its list schema requires them.
        contents = [hsds.service_minimal_to_hsds(s) for s in services]
    else:
        history = selectors.histories(services) if full else None
        contents = [hsds.service_to_hsds(s, full=full, history=history) for s in services]
    return _json(
        page_json(
            contents,
            total=found.total,
            page=page,
            per_page=per_page,
            total_is_lower_bound=found.total_is_lower_bound,
        )
    )


@api_view
def service_detail(request: HttpRequest, id: str) -> JsonResponse:
    Params(request.GET, allowed=())
    service = _found(selectors.service_by_code(_code(id)))
    return _json(hsds.service_to_hsds(service, full=True, history=selectors.histories([service])))


# -- organisations -------------------------------------------------------------------------------


@api_view
def organization_list(request: HttpRequest) -> JsonResponse:
    params = Params(request.GET, allowed=ORGANIZATION_LIST_PARAMS)
    search = params.text("search")
    full_service = bool(params.boolean("full_service"))
    full = bool(params.boolean("full")) or full_service
    page, per_page = _paging(params)
    organisations = selectors.listed_organisations(search=search)
    if full:
        organisations = selectors.with_parts(organisations, full_service=full_service)
    rows, total = _slice(organisations, page, per_page)
    if full:
        history = _organisation_history(rows, full_service=full_service)
        contents = [_organisation_full(o, full_service=full_service, history=history) for o in rows]
    else:
        contents = [hsds.organization_to_hsds(o) for o in rows]
    return _json(page_json(contents, total=total, page=page, per_page=per_page))


def _organisation_history(organisations: Sequence[Any], *, full_service: bool) -> hsds.History:
    """One query for the history shown with these organisations (``with_parts`` loaded)."""
    codes = [loc.code for o in organisations for loc in o.all_locations if not loc.is_confidential]
    if full_service:
        codes += [code for o in organisations for s in o.listed_services for code in hsds.history_codes(s)]
    return hsds.history_for(codes)


def _organisation_full(organisation: Any, *, full_service: bool, history: hsds.History) -> Json:
    return hsds.organization_to_hsds(
        organisation,
        full=True,
        services=organisation.listed_services,
        locations=organisation.all_locations,
        full_service=full_service,
        history=history,
    )


@api_view
def organization_detail(request: HttpRequest, id: str) -> JsonResponse:
    params = Params(request.GET, allowed=ORGANIZATION_DETAIL_PARAMS)
    full_service = bool(params.boolean("full_service"))
    organisation = _found(selectors.organisation_for_detail(_code(id), full_service=full_service))
    history = _organisation_history([organisation], full_service=full_service)
    return _json(_organisation_full(organisation, full_service=full_service, history=history))


# -- taxonomies ----------------------------------------------------------------------------------


@api_view
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    params = Params(request.GET, allowed=TAXONOMY_LIST_PARAMS)
    return _page(selectors.taxonomies(search=params.text("search")), params, hsds.taxonomy_to_hsds)


@api_view
def taxonomy_detail(request: HttpRequest, id: str) -> JsonResponse:
    Params(request.GET, allowed=())
    return _json(hsds.taxonomy_to_hsds(_found(selectors.taxonomy_get(code=_code(id)))))


@api_view
def taxonomy_term_list(request: HttpRequest) -> JsonResponse:
    params = Params(request.GET, allowed=TAXONOMY_TERM_LIST_PARAMS)
    terms = selectors.taxonomy_terms(
        search=params.text("search"),
        taxonomy=params.one_uuid("taxonomy_id"),
        parent=params.one_uuid("parent_id"),
        top_only=bool(params.boolean("top_only")),
    )
    return _page(terms, params, hsds.taxonomy_term_to_hsds)


@api_view
def taxonomy_term_detail(request: HttpRequest, id: str) -> JsonResponse:
    Params(request.GET, allowed=())
    return _json(hsds.taxonomy_term_to_hsds(_found(selectors.taxonomy_term_by_code(_code(id)))))


# -- services at locations -----------------------------------------------------------------------


@api_view
def service_at_location_list(request: HttpRequest) -> JsonResponse:
    params = Params(request.GET, allowed=SERVICE_AT_LOCATION_LIST_PARAMS)
    full = bool(params.boolean("full"))
    page, per_page = _paging(params)
    matched = search_service_ids(params, now=timezone.now())
    links = selectors.services_at_locations(service_ids=matched.ids if matched is not None else None)
    if matched is not None:
        # Keep the search's order: the best-matching services' locations first.
        rank = {pk: index for index, pk in enumerate(matched.ids)}
        ordered = sorted(links.values_list("pk", "service_id"), key=lambda row: (rank[row[1]], row[0]))
        total = len(ordered)
        start = (page - 1) * per_page
        ids = [pk for pk, _service in ordered[start : start + per_page]]
    else:
        page_rows, total = _slice(links.values_list("pk", flat=True), page, per_page)
        ids = list(page_rows)
    contents = _services_at_locations_json(ids, full=full)
    lower_bound = matched is not None and matched.total_is_lower_bound
    return _json(page_json(contents, total=total, page=page, per_page=per_page, total_is_lower_bound=lower_bound))


def _services_at_locations_json(ids: Sequence[int], *, full: bool) -> list[Json]:
    if not full:
        return [
            hsds.service_at_location_to_hsds(link, full=False, with_service=True)
            for link in selectors.services_at_locations_for_list(ids)
        ]
    found = {link.pk: link for link in selectors.services_at_locations_full(selectors.services_at_locations_by_pk(ids))}
    links = [found[pk] for pk in ids if pk in found]
    history = hsds.history_for(code for link in links for code in _link_history_codes(link))
    return [hsds.service_at_location_to_hsds(link, full=True, history=history, with_service=True) for link in links]


def _link_history_codes(link: ServiceAtLocation) -> list[uuid.UUID]:
    return [link.service.code, *([] if link.location.is_confidential else [link.location.code])]


@api_view
def service_at_location_detail(request: HttpRequest, id: str) -> JsonResponse:
    Params(request.GET, allowed=())
    link = _found(selectors.service_at_location_for_detail(_code(id)))
    history = hsds.history_for(_link_history_codes(link))
    return _json(hsds.service_at_location_to_hsds(link, full=True, history=history, with_service=True))


@api_view
def not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Any other path under /api/hsds/: a JSON 404 rather than the HTML error page."""
    raise NotFound
