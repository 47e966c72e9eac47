"""tsunagu's OpenAPI document, derived from the official HSDS 3.0 one (spec/hsds-3.0-openapi.json).

The official document is a template (its ``info`` asks to be filled in) with a few slips. The
derived one fills ``info`` and ``servers``, adds tsunagu's extension parameters and error
responses, drops the parameters we do not support (``postcode``, ``proximity``; ``format`` only
takes ``json``), fixes the swapped taxonomy-term operation ids and points
``/service_at_locations/{id}`` at the compiled ``service_at_location`` schema it really returns,
and carries the Japan profile as ``x-tsunagu-profile``. Like its source, it is CC BY-SA 4.0.

It says exactly what the strict parameter parsing (``params.py``, ``service_search.py``,
``views.py``) accepts, so that a request the document allows is never refused with a 400 and a
request it forbids is: types, bounds and lengths come from the same constants the parsing uses,
lists are ``style: form, explode: false`` (comma-separated), and the values the code checks
against the database (area codes, vocabulary terms, taxonomy ids for the service filters) are
enums read from the database when the document is served. Every operation lists its 400, 404
(paths with an id), 405 and 429 answers with the JSON error schema, and has a HEAD twin.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from tsunagu.directory import hsds
from tsunagu.directory.api.params import EARLIEST, LATEST, MAX_LIST_ITEMS, MAX_PAGE, MAX_TEXT
from tsunagu.directory.api.service_search import _STATUS_ALIASES, TERM_PARAMS
from tsunagu.directory.models import Area, Taxonomy, TaxonomyTerm

Json = dict[str, Any]

OFFICIAL = Path(__file__).resolve().parent / "spec" / "hsds-3.0-openapi.json"
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
DOCUMENT_VERSION = "1.0.0"
PROFILE_POINTER = "#/x-tsunagu-profile"


@cache
def official() -> Json:
    data: Json = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    return data


def profile_url(openapi_url: str) -> str:
    """Where the Japan profile is described: a JSON pointer into the OpenAPI document."""
    return f"{openapi_url}{PROFILE_POINTER}"


def _query(name: str, description: str, schema: Json, **style: Any) -> Json:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **style}


#: No NUL character (params.Params.raw refuses it anywhere).
NO_NUL = "^[^\\u0000]*$"
UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
UUID: Json = {"type": "string", "pattern": UUID_PATTERN}
#: The longest item of a comma-separated list (params.Params.words).
MAX_ITEM_LENGTH = 64
#: The years params.Params.moment accepts, as a pattern: a date, or a date-time with an optional
#: offset (without one it is Japan time). Days stop at 28 so that every string the pattern
#: allows is a real date; the parser accepts the other days of the month too.
_YEAR = (
    "("
    + "|".join(
        [
            f"{EARLIEST.year // 100}[0-9]{{2}}",
            f"[{EARLIEST.year // 1000 + 1}-{LATEST.year // 1000 - 1}][0-9]{{3}}",
            str(LATEST.year),
        ]
    )
    + ")"
)
MOMENT_PATTERN = (
    f"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    "(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?)?$"
)
_LIST_STYLE: Json = {"style": "form", "explode": False}


def _list(items: Json) -> Json:
    """A comma-separated list (``a,b``) of at most MAX_LIST_ITEMS different values.

    The parser trims the items and drops empty and repeated ones before it counts them, which a
    schema cannot say; ``maxItems`` is left out where the enum is that short anyway.
    """
    if "enum" in items and len(items["enum"]) <= MAX_LIST_ITEMS:
        return {"type": "array", "items": items}
    return {"type": "array", "items": items, "maxItems": MAX_LIST_ITEMS}


def _enum(values: list[str]) -> Json:
    # An empty enum is valid JSON Schema but unreadable: say "nothing" as an empty list instead.
    return {"type": "string", "enum": values} if values else {"type": "string", "maxLength": 0}


_TEXT: Json = {"type": "string", "maxLength": MAX_TEXT, "pattern": NO_NUL}
_BOOLEAN: Json = {"type": "boolean"}
STATUSES = list(_STATUS_ALIASES)


#: How each vocabulary filter (service_search.TERM_PARAMS) is described.
TERM_LABELS = {
    "concern": "concern (相談内容)",
    "people_served": "people-served (対象者)",
    "resource_kind": "resource-kind (種類)",
    "channel": "channel (相談・利用の方法)",
}


def extension_parameters(*, area_codes: list[str], terms: dict[str, list[str]]) -> dict[str, Json]:
    """tsunagu's own query parameters; ``area_codes`` and ``terms`` are what the database knows."""
    vocabulary = {
        name: _query(
            name,
            f"tsunagu: {TERM_LABELS[name]} term codes, any of them (comma-separated; the terms are listed at "
            "/taxonomy_terms).",
            _list(_enum(terms.get(name, []))),
            **_LIST_STYLE,
        )
        for name in TERM_PARAMS
    }
    return {
        "area": _query(
            "area",
            "tsunagu: services for people living in this area, by its 6-digit local government code "
            "(全国地方公共団体コード, with check digit) of a prefecture, municipality or ward this "
            "directory knows. National services (全国) and services of an enclosing prefecture or city "
            "match too.",
            {**_enum(area_codes), "pattern": "^[0-9]{6}$"},
        ),
        **vocabulary,
        "language": _query(
            "language",
            "tsunagu: BCP 47 language tags (ja, en, vi …), any of them (comma-separated).",
            _list({"type": "string", "maxLength": MAX_ITEM_LENGTH, "pattern": NO_NUL}),
            **_LIST_STYLE,
        ),
        "open_now": _query(
            "open_now", "tsunagu: only services whose hours say they are open now (Asia/Tokyo).", _BOOLEAN
        ),
        "is_24_hours": _query("is_24_hours", "tsunagu: only services open 24 hours.", _BOOLEAN),
        "free": _query("free", "tsunagu: only free services.", _BOOLEAN),
        "crisis_line": _query("crisis_line", "tsunagu: only crisis lines (いのちの電話 …).", _BOOLEAN),
        "status": _query(
            "status",
            "tsunagu: service statuses to include, comma-separated. Default: active, temporarily closed, "
            "inactive (defunct services are left out of lists unless asked for).",
            _list({"type": "string", "enum": STATUSES}),
            **_LIST_STYLE,
        ),
    }


SERVICE_FILTERS = ["area", *TERM_PARAMS, "language", "open_now", "is_24_hours", "free", "crisis_line", "status"]

ERROR_SCHEMA: Json = {
    "type": "object",
    "required": ["status", "error", "message"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "error": {
            "type": "string",
            "description": "bad_parameter: a query parameter the operation does not accept (400, with parameter); "
            "bad_request: a request that could not be read, e.g. a Host this server does not answer (400); "
            "forbidden (403); not_found (404); method_not_allowed (405); too_many_requests (429); "
            "server_error (500).",
            "enum": [
                "bad_parameter",
                "bad_request",
                "forbidden",
                "not_found",
                "method_not_allowed",
                "too_many_requests",
                "server_error",
            ],
        },
        "parameter": {"type": "string", "description": "The query parameter at fault (bad_parameter only)."},
        "message": {
            "type": "object",
            "required": ["ja", "en"],
            "properties": {"ja": {"type": "string"}, "en": {"type": "string"}},
        },
    },
}


def _error_response(description: str) -> Json:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


ERROR_RESPONSES: dict[str, Json] = {
    "BadParameter": _error_response(
        "A query parameter the operation does not list, a parameter given more than once, or a value outside "
        "its schema (message in Japanese and English; parameter names it)."
    ),
    "NotFound": _error_response("No such record is published, or the id is not a UUID."),
    "MethodNotAllowed": {
        **_error_response("The API is read-only: GET and HEAD only."),
        "headers": {"Allow": {"schema": {"type": "string", "enum": ["GET, HEAD"]}}},
    },
    "TooManyRequests": {
        **_error_response("Rate limit exceeded; wait the number of seconds in Retry-After."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}

PROFILE: Json = {
    "name": "tsunagu Japan profile of HSDS 3.0",
    "country": hsds.COUNTRY,
    "language": "ja",
    "documentation": "docs/api.md in the tsunagu repository",
    "ids": "UUIDs. Rows tsunagu does not store separately (addresses, accessibility, split schedules, "
    "cost options, organisation phones) get UUID 5 ids derived from their owner's id.",
    "empty_fields": 'Fields without a value are left out, except required ones (then ""). Arrays are always present.',
    "address": {
        "address_1": "町名・番地 (street and number, after the municipality)",
        "address_2": "建物名 (building)",
        "city": "municipality or designated-city ward name (Area.name, e.g. 新宿区, 大阪市北区)",
        "state_province": "prefecture name (都道府県)",
        "postal_code": "NNN-NNNN",
        "country": "JP",
        "address_type": "physical, or postal for a postal-only location",
        "local_government_code": "extension: 6-digit 全国地方公共団体コード of the municipality or ward",
    },
    "service_area": {
        "name": "area name, or 全国 for a national service",
        "extent_type": "text",
        "extent": "the full area name (e.g. 東京都新宿区), or 日本全国",
        "uri": "urn:jisx0402:<6-digit local government code>, or urn:iso:std:iso:3166:-1:JP for 全国",
        "local_government_code": "extension: the 6-digit code (absent for 全国)",
    },
    "schedule": {
        "items": "One HSDS schedule per rule and opening period; every item's description is the original "
        "Japanese text.",
        "freq": "WEEKLY (byday MO,TU…) or MONTHLY (byday 2TH or -1FR for the last one; bymonthday 1,15)",
        "times": "opens_at / closes_at as HH:MM in Japan time (timezone 9). closes_at earlier than or equal to "
        "opens_at means the period ends the next day; no closes_at means the end is not known.",
        "text_only": "When the hours could not be read completely, or are limited to some months, there is one "
        "schedule with only the description. Public holidays (祝日) and closures (年末年始) are in the "
        "description only.",
    },
    "confidential_locations": f"A confidential location (e.g. a shelter) appears with its id, location_type, "
    f"organization_id, name {hsds.CONFIDENTIAL_LOCATION_NAME!r} and a fixed description only: no address, "
    "postal code, coordinates, directions, phones, hours, accessibility, real name or metadata.",
    "metadata": "Field-level change history; updated_by is the organisation or import that made the change, "
    "never a person.",
    "phone_extension": "A number when it is all digits; otherwise it is appended to description (内線 …).",
    "service_extensions": {
        "source_attribution": "credit required by the source's licence (e.g. CC BY 4.0 open data)",
        "source_url": "the source dataset",
    },
    "statuses": "Lists leave out defunct services unless status asks for them; /services/{id} answers for any status.",
}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/parameters/{name}"}


def _errors(operation: Json, *, with_id: bool) -> None:
    responses = operation.setdefault("responses", {})
    responses["400"] = {"$ref": "#/components/responses/BadParameter"}
    if with_id:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["405"] = {"$ref": "#/components/responses/MethodNotAllowed"}
    responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}


def _head(get: Json) -> Json:
    """HEAD answers as GET does, with the same status and headers and without a body."""
    return {
        "summary": f"Headers only: {get['summary']}",
        "description": "The same answer as GET, without a body.",
        "operationId": "head" + get["operationId"].removeprefix("get"),
        **({"parameters": get["parameters"]} if "parameters" in get else {}),
        "responses": {status: {"description": "As GET, without a body."} for status in get["responses"]},
    }


def _known_values() -> tuple[list[str], dict[str, list[str]], list[str]]:
    """What the filters check against the database: area codes, vocabulary terms, taxonomy ids."""
    areas = list(Area.objects.order_by("code").values_list("code", flat=True))
    terms: dict[str, list[str]] = {name: [] for name in TERM_PARAMS}
    by_taxonomy = {taxonomy: name for name, taxonomy in TERM_PARAMS.items()}
    for taxonomy, key in (
        TaxonomyTerm.objects.filter(taxonomy__key__in=by_taxonomy)
        .order_by("taxonomy__key", "position", "key")
        .values_list("taxonomy__key", "key")
    ):
        terms[by_taxonomy[taxonomy]].append(key)
    taxonomies = [str(code) for code in Taxonomy.objects.order_by("key").values_list("code", flat=True)]
    return areas, terms, taxonomies


def document(*, server_url: str) -> Json:
    """The OpenAPI 3.1 document of this deployment, served at /api/hsds/openapi.json.

    It reads the area codes, vocabulary terms and taxonomies this directory knows: the service
    filters refuse any other value, so the document lists them.
    """
    # views.py imports this module to serve the document; its paging bounds are read when it runs.
    from tsunagu.directory.api.views import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_PER_PAGE_MINIMAL

    areas, terms, taxonomies = _known_values()
    doc = copy.deepcopy(official())
    doc["info"] = {
        "title": "tsunagu HSDS API",
        "version": DOCUMENT_VERSION,
        "summary": "つながる先の情報 (支援サービス・窓口・居場所) を HSDS 3.0 で公開する読み取り専用 API",
        "description": "Public, read-only Open Referral HSDS 3.0 API of a tsunagu directory: support services "
        "for people facing loneliness and isolation in Japan. Japan profile: see x-tsunagu-profile. "
        "Derived from the HSDS 3.0 OpenAPI document by Open Referral (https://openreferral.org/).\n\n"
        "Parameters are strict: an operation answers 400 (JSON, in Japanese and English) to a query "
        "parameter it does not list, to a parameter given more than once and to a value outside its schema, "
        "and never ignores one. Text is read after Unicode NFKC normalisation and trimming, so full-width "
        "digits and letters count as their ASCII forms. GET and HEAD only; other methods answer 405.",
        "license": {"name": "CC BY-SA 4.0", "identifier": "CC-BY-SA-4.0"},
    }
    doc["servers"] = [{"url": server_url, "description": "this tsunagu deployment"}]
    doc["x-tsunagu-profile"] = PROFILE
    paths: Json = doc["paths"]
    components: Json = doc["components"]
    parameters: Json = components["parameters"]
    for unsupported in ("postcode", "proximity"):
        parameters.pop(unsupported, None)
    parameters.update(extension_parameters(area_codes=areas, terms=terms))
    parameters["search"]["schema"] = _TEXT
    parameters["search"]["description"] = f"Full text search: at most {MAX_TEXT} characters."
    parameters["page"]["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
    parameters["page"]["description"] = f"Page number of paginated result: 1–{MAX_PAGE:,}, default 1."
    parameters["per_page"]["schema"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_PER_PAGE,
        "default": DEFAULT_PER_PAGE,
    }
    parameters["per_page"]["description"] = (
        f"Number of results in a single page: 1–{MAX_PER_PAGE}, default {DEFAULT_PER_PAGE}. "
        f"/services with minimal=true takes up to {MAX_PER_PAGE_MINIMAL}."
    )
    parameters["format"]["schema"] = {"type": "string", "enum": ["json"]}
    parameters["format"]["description"] = "Only json: tsunagu does not stream ndjson."
    for flag in ("minimal", "full", "full_service"):
        parameters[flag]["schema"] = _BOOLEAN
        parameters[flag]["description"] += " true or false (also 1 or 0, yes or no)."
    parameters["minimal"]["description"] += " Not together with full=true (400)."
    parameters["modified_after"]["schema"] = {"type": "string", "pattern": MOMENT_PATTERN}
    parameters["modified_after"]["description"] = (
        "Return all results modified on or after this moment: an ISO 8601 date (its midnight) or date-time, "
        f"in the years {EARLIEST.year}–{LATEST.year}; without an offset it is Japan time."
    )
    parameters["taxonomy_term_id"]["schema"] = _list(UUID)
    parameters["taxonomy_term_id"].update(_LIST_STYLE)
    parameters["taxonomy_term_id"]["description"] = (
        "Services with any of these taxonomy terms (UUIDs, comma-separated)."
    )
    parameters["organization_id"]["schema"] = UUID
    # The service filters refuse a taxonomy id the directory does not have; /taxonomy_terms just finds no terms.
    parameters["taxonomy_id"]["schema"] = UUID
    parameters["service_taxonomy_id"] = {
        **parameters["taxonomy_id"],
        "description": "Services with any term of this taxonomy (one of the taxonomies at /taxonomies).",
        "schema": {**_enum(taxonomies), "pattern": UUID_PATTERN},
    }
    components["schemas"]["Page"]["properties"]["total_items_is_lower_bound"] = {
        "type": "boolean",
        "description": "tsunagu: present and true when total_items only counts the matches found so far.",
    }
    components["schemas"]["Error"] = ERROR_SCHEMA
    components["responses"] = ERROR_RESPONSES
    for path in ("/services", "/service_at_locations"):
        operation = paths[path]["get"]
        operation["parameters"] = [
            _ref("service_taxonomy_id") if p.get("$ref") == _ref("taxonomy_id")["$ref"] else p
            for p in operation["parameters"]
            if p.get("$ref", "").rsplit("/", 1)[-1] not in ("postcode", "proximity")
        ] + [_ref(name) for name in SERVICE_FILTERS]
    terms_operation = paths["/taxonomy_terms"]["get"]
    for parameter in terms_operation["parameters"]:
        if parameter.get("name") == "top_only":
            parameter["schema"] = _BOOLEAN
        if parameter.get("name") == "parent_id":
            parameter["schema"] = UUID
            parameter["description"] = "Receive taxonomy terms that have a parent with this id (a UUID)."
    paths["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": f"{SCHEMA_BASE}compiled/service_at_location.json"
    }
    paths["/taxonomy_terms"]["get"]["operationId"] = "getPaginatedListOfTaxonomyTerms"
    paths["/taxonomy_terms/{id}"]["get"]["operationId"] = "getTaxonomyTermById"
    for parameter in [*parameters.values(), *terms_operation["parameters"]]:
        if parameter.get("in") == "query":
            # An empty value (``?page=``) counts as not given.
            parameter["allowEmptyValue"] = True
    for path, item in paths.items():
        for parameter in item.get("parameters", []):
            if parameter["in"] == "path":
                parameter["schema"] = UUID
        _errors(item["get"], with_id="{id}" in path)
        item["head"] = _head(item["get"])
    return doc
