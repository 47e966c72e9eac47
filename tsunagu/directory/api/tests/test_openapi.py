"""The served OpenAPI document: derived from the unchanged official one, and true to the endpoints."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.http import JsonResponse
from django.test import Client
from django.urls import reverse
from jsonschema import Draft202012Validator

from tsunagu.directory.api import errors, middleware, openapi, params, views
from tsunagu.directory.api.tests.data import Directory
from tsunagu.directory.models import Area, Taxonomy, TaxonomyTerm

pytestmark = pytest.mark.django_db

Json = dict[str, Any]

#: OpenAPI path → the query parameters the view accepts.
ACCEPTED = {
    "/": frozenset(),
    "/services": views.SERVICE_LIST_PARAMS,
    "/services/{id}": frozenset(),
    "/organizations": views.ORGANIZATION_LIST_PARAMS,
    "/organizations/{id}": views.ORGANIZATION_DETAIL_PARAMS,
    "/taxonomies": views.TAXONOMY_LIST_PARAMS,
    "/taxonomies/{id}": frozenset(),
    "/taxonomy_terms": views.TAXONOMY_TERM_LIST_PARAMS,
    "/taxonomy_terms/{id}": frozenset(),
    "/service_at_locations": views.SERVICE_AT_LOCATION_LIST_PARAMS,
    "/service_at_locations/{id}": frozenset(),
}


@pytest.fixture
def document(client: Client) -> Json:
    response = client.get(reverse("hsds:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data: Json = response.json()
    return data


#: SHA-256 of the official HSDS 3.0 openapi.json (Open Referral, branch 3.0) as copied into spec/.
OFFICIAL_SHA256 = "3c473df56617f5e642f86e0a9ed7ee182a22eecf6f94dd1b91c50511fbbba34d"


def test_the_shipped_copy_is_the_official_document_unchanged() -> None:
    assert hashlib.sha256(openapi.OFFICIAL.read_bytes()).hexdigest() == OFFICIAL_SHA256


def test_info_servers_and_profile(document: Json) -> None:
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://testserver/api/hsds", "description": "this tsunagu deployment"}]
    assert "REQUIRED" not in json.dumps(document["info"])  # the template's placeholders are filled in
    assert document["info"]["license"]["identifier"] == "CC-BY-SA-4.0"  # share-alike, like its source
    assert document["x-tsunagu-profile"]["address"]["country"] == "JP"


def _resolve(document: Json, pointer: str) -> Any:
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        assert isinstance(node, dict) and part in node, pointer
        node = node[part]
    return node


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_every_local_reference_resolves(document: Json) -> None:
    local = [ref for ref in _refs(document) if ref.startswith("#/")]
    assert local
    for ref in local:
        _resolve(document, ref)


def test_documented_parameters_are_exactly_the_accepted_ones(document: Json) -> None:
    assert set(document["paths"]) == set(ACCEPTED)
    for path, item in document["paths"].items():
        parameters = [_resolve(document, p["$ref"]) if "$ref" in p else p for p in item["get"].get("parameters", [])]
        query = {p["name"] for p in parameters if p["in"] == "query"}
        assert query == ACCEPTED[path], (path, query ^ ACCEPTED[path])


def test_documented_paths_are_served(client: Client, document: Json) -> None:
    for path in document["paths"]:
        response = client.get("/api/hsds" + path.replace("{id}", "00000000-0000-0000-0000-000000000000"))
        assert response.status_code == (404 if "{id}" in path else 200), path


def test_service_at_location_detail_points_at_the_schema_it_returns(document: Json) -> None:
    schema = document["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("compiled/service_at_location.json")


# -- the document says what the parameter parsing accepts (issue 15, finding 12) ------------------


def _operation_parameters(document: Json, path: str) -> list[Json]:
    item = document["paths"][path]
    listed = [*item.get("parameters", []), *item["get"].get("parameters", [])]
    return [_resolve(document, p["$ref"]) if "$ref" in p else p for p in listed]


def test_bounds_come_from_the_parsing_constants(document: Json) -> None:
    parameters = document["components"]["parameters"]
    assert parameters["page"]["schema"]["maximum"] == params.MAX_PAGE
    assert parameters["per_page"]["schema"]["maximum"] == views.MAX_PER_PAGE
    assert parameters["per_page"]["schema"]["default"] == views.DEFAULT_PER_PAGE
    assert parameters["search"]["schema"]["maxLength"] == params.MAX_TEXT
    assert parameters["language"]["schema"]["maxItems"] == params.MAX_LIST_ITEMS
    assert parameters["format"]["schema"]["enum"] == ["json"]
    for parameter in parameters.values():
        if parameter["in"] == "query":
            assert parameter["allowEmptyValue"] is True, parameter["name"]


def test_the_moment_pattern_holds_the_years_the_parser_takes() -> None:
    # JSON Schema patterns are ECMA-262: "$" is the very end, as fullmatch is in Python.
    pattern = re.compile(openapi.MOMENT_PATTERN)
    low, high = params.EARLIEST.year, params.LATEST.year
    for year in (low, low + 99, 1999, 2000, 2025, 8999, high):
        assert pattern.fullmatch(f"{year:04d}-01-01"), year
        assert pattern.fullmatch(f"{year:04d}-02-28T23:59:59.5+09:00"), year
    for year in (1, low - 1, high + 1, 9999):
        assert not pattern.fullmatch(f"{year:04d}-01-01"), year
    for wrong in ("2025-02-30", "2025-13-01", "2025-01-01T24:00", "20250101", "2025-01-01 09:00", "2025-01-01\n"):
        assert not pattern.fullmatch(wrong), wrong


def test_values_checked_against_the_database_are_listed(directory: Directory, document: Json) -> None:
    parameters = document["components"]["parameters"]
    assert parameters["area"]["schema"]["enum"] == sorted(Area.objects.values_list("code", flat=True))
    assert {"131041", "131130"} <= set(parameters["area"]["schema"]["enum"])  # the seeded ones
    concerns = parameters["concern"]["schema"]["items"]["enum"]
    assert set(concerns) == set(TaxonomyTerm.objects.filter(taxonomy__key="concern").values_list("key", flat=True))
    taxonomies = parameters["service_taxonomy_id"]["schema"]["enum"]
    assert set(taxonomies) == {str(code) for code in Taxonomy.objects.values_list("code", flat=True)}


def test_a_term_staff_add_is_listed_at_once(client: Client, directory: Directory) -> None:
    TaxonomyTerm.objects.create(
        taxonomy=Taxonomy.objects.get(key="concern"), key="new-worry", name="新しい悩み", position=999
    )
    document = client.get(reverse("hsds:openapi")).json()
    assert "new-worry" in document["components"]["parameters"]["concern"]["schema"]["items"]["enum"]
    assert client.get("/api/hsds/services", {"concern": "new-worry"}).status_code == 200


def test_every_operation_documents_its_errors_and_a_head_twin(document: Json) -> None:
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        expected = {"200", "400", "405", "429"} | ({"404"} if "{id}" in path else set())
        assert set(responses) == expected, path
        assert set(item["head"]["responses"]) == expected, path
        assert item["head"].get("parameters") == item["get"].get("parameters"), path
        assert "content" not in json.dumps(item["head"]["responses"]), path
        for parameter in item.get("parameters", []):
            assert parameter["schema"]["pattern"] == openapi.UUID_PATTERN, path


#: Every error answer the API makes outside its views (the views' 400 and 404 are in test_api_endpoints).
ERROR_ANSWERS: dict[str, Callable[[], JsonResponse]] = {
    "405": middleware.method_not_allowed,
    "429": lambda: middleware.too_many_requests(30),
    **{str(status): (lambda status=status: errors.error_response(status)) for status in (400, 403, 404, 500)},
}


@pytest.mark.parametrize("status", sorted(ERROR_ANSWERS))
def test_every_error_the_api_answers_fits_the_error_schema(document: Json, status: str) -> None:
    response = ERROR_ANSWERS[status]()
    assert str(response.status_code) == status
    validator = Draft202012Validator(document["components"]["schemas"]["Error"])
    body = json.loads(response.content)
    assert not list(validator.iter_errors(body)), body


def _one_past(schema: Json) -> list[tuple[str, int]]:
    """(value, expected status) pairs at the edges of an integer or string schema."""
    if schema.get("type") == "integer":
        return [
            (str(schema["minimum"]), 200),
            (str(schema["maximum"]), 200),
            (str(schema["minimum"] - 1), 400),
            (str(schema["maximum"] + 1), 400),
        ]
    if schema.get("type") == "string" and "maxLength" in schema and schema["maxLength"]:
        return [("あ" * schema["maxLength"], 200), ("あ" * (schema["maxLength"] + 1), 400)]
    if "enum" in schema:
        return [*((value, 200) for value in schema["enum"]), ("nope", 400)]
    if schema.get("type") == "array" and "enum" in schema["items"]:
        return [(",".join(schema["items"]["enum"][: params.MAX_LIST_ITEMS]), 200), ("nope", 400)]
    return []


def test_edges_of_every_documented_parameter(client: Client, directory: Directory, document: Json) -> None:
    """The largest value the document allows is accepted; one past it is refused (the 167 of finding 12)."""
    checked = 0
    for path in document["paths"]:
        if "{id}" in path:
            continue
        for parameter in _operation_parameters(document, path):
            for value, status in _one_past(parameter["schema"]):
                response = client.get(f"/api/hsds{path}", {parameter["name"]: value})
                assert response.status_code == status, (path, parameter["name"], value[:40], response.json())
                checked += 1
    assert checked > 50
