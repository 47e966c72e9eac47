"""tsunagu's OpenAPI document, derived from the official HSDS 3.0 one (spec/hsds-3.0-openapi.json).

The official document is a template (its ``info`` asks to be filled in) with a few slips. The
derived one fills ``info`` and ``servers``, adds tsunagu's extension parameters and error
responses, drops the parameters we do not support (``postcode``, ``proximity``; ``format`` only
takes ``json``), fixes the swapped taxonomy-term operation ids and points
``/service_at_locations/{id}`` at the compiled ``service_at_location`` schema it really returns,
and carries the Japan profile as ``x-tsunagu-profile``. Like its source, it is CC BY-SA 4.0.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from tsunagu.directory import hsds

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


def _query(name: str, description: str, schema: Json) -> Json:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_LIST = {"type": "string", "description": "comma-separated"}
EXTENSION_PARAMETERS: dict[str, Json] = {
    "area": _query(
        "area",
        "tsunagu: services for people living in this area, by its 6-digit local government code "
        "(全国地方公共団体コード, with check digit). National services (全国) and services of an "
        "enclosing prefecture or city match too.",
        {"type": "string", "pattern": "^[0-9]{6}$"},
    ),
    "concern": _query("concern", "tsunagu: concern term codes (相談内容), any of them.", _LIST),
    "people_served": _query("people_served", "tsunagu: people-served term codes (対象者), any of them.", _LIST),
    "resource_kind": _query("resource_kind", "tsunagu: resource-kind term codes (種類), any of them.", _LIST),
    "channel": _query("channel", "tsunagu: channel term codes (相談・利用の方法), any of them.", _LIST),
    "language": _query("language", "tsunagu: BCP 47 language tags (ja, en, vi …), any of them.", _LIST),
    "open_now": _query(
        "open_now", "tsunagu: only services whose hours say they are open now (Asia/Tokyo).", {"type": "boolean"}
    ),
    "is_24_hours": _query("is_24_hours", "tsunagu: only services open 24 hours.", {"type": "boolean"}),
    "free": _query("free", "tsunagu: only free services.", {"type": "boolean"}),
    "crisis_line": _query("crisis_line", "tsunagu: only crisis lines (いのちの電話 …).", {"type": "boolean"}),
    "status": _query(
        "status",
        "tsunagu: service statuses to include, comma-separated. Default: active, temporarily closed, "
        "inactive (defunct services are left out of lists unless asked for).",
        _LIST,
    ),
}
SERVICE_FILTERS = list(EXTENSION_PARAMETERS)

ERROR_SCHEMA: Json = {
    "type": "object",
    "required": ["status", "error", "message"],
    "properties": {
        "status": {"type": "integer"},
        "error": {"type": "string", "enum": ["bad_parameter", "not_found", "method_not_allowed", "too_many_requests"]},
        "parameter": {"type": "string", "description": "The query parameter at fault (400 only)."},
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
        "An unknown, repeated or malformed query parameter (message in Japanese and English)."
    ),
    "NotFound": _error_response("No such record is published."),
    "MethodNotAllowed": _error_response("The API is read-only: GET and HEAD only."),
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


def document(*, server_url: str) -> Json:
    """The OpenAPI 3.1 document of this deployment, served at /api/hsds/openapi.json."""
    doc = copy.deepcopy(official())
    doc["info"] = {
        "title": "tsunagu HSDS API",
        "version": DOCUMENT_VERSION,
        "summary": "つながる先の情報 (支援サービス・窓口・居場所) を HSDS 3.0 で公開する読み取り専用 API",
        "description": "Public, read-only Open Referral HSDS 3.0 API of a tsunagu directory: support services "
        "for people facing loneliness and isolation in Japan. Japan profile: see x-tsunagu-profile. "
        "Derived from the HSDS 3.0 OpenAPI document by Open Referral (https://openreferral.org/).",
        "license": {"name": "CC BY-SA 4.0", "identifier": "CC-BY-SA-4.0"},
    }
    doc["servers"] = [{"url": server_url, "description": "this tsunagu deployment"}]
    doc["x-tsunagu-profile"] = PROFILE
    paths: Json = doc["paths"]
    components: Json = doc["components"]
    components["parameters"].update(EXTENSION_PARAMETERS)
    components["parameters"]["format"]["schema"] = {"type": "string", "enum": ["json"]}
    components["parameters"]["format"]["description"] = "Only json: tsunagu does not stream ndjson."
    components["parameters"]["per_page"]["schema"] = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    components["parameters"]["per_page"]["description"] = (
        "Number of results in a single page: 1–100 (1–1000 with minimal=true), default 20."
    )
    for unsupported in ("postcode", "proximity"):
        components["parameters"].pop(unsupported, None)
    components["schemas"]["Page"]["properties"]["total_items_is_lower_bound"] = {
        "type": "boolean",
        "description": "tsunagu: present and true when total_items only counts the matches found so far.",
    }
    components["schemas"]["Error"] = ERROR_SCHEMA
    components["responses"] = ERROR_RESPONSES
    for path in ("/services", "/service_at_locations"):
        operation = paths[path]["get"]
        operation["parameters"] = [
            p for p in operation["parameters"] if p.get("$ref", "").rsplit("/", 1)[-1] not in ("postcode", "proximity")
        ] + [_ref(name) for name in SERVICE_FILTERS]
    paths["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": f"{SCHEMA_BASE}compiled/service_at_location.json"
    }
    paths["/taxonomy_terms"]["get"]["operationId"] = "getPaginatedListOfTaxonomyTerms"
    paths["/taxonomy_terms/{id}"]["get"]["operationId"] = "getTaxonomyTermById"
    for path, item in paths.items():
        _errors(item["get"], with_id="{id}" in path)
    return doc
