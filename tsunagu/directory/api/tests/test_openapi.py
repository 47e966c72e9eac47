"""The served OpenAPI document: derived from the unchanged official one, and true to the endpoints."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.directory.api import openapi, views

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
