"""Schemathesis against the OpenAPI document the HSDS API serves (docs/security.md, "Hostile input").

The document is fetched from the running application, like any client would, and every operation
in it (GET and HEAD) is called with generated requests through the WSGI application: positive
cases (what the document allows) and negative cases (what it forbids), against a small seeded
directory. Every answer must be no 5xx, conform to the document (status code, content type, JSON
schema), set no cookie, carry the security headers and leave no traceback in the log; a positive
case must not be refused with a 400 (issue 15, finding 12), and HEAD must answer as GET. The 405 of
other methods, the 429 of the rate limit and a page number of 5,000 digits are checked against the
document's error responses below.

The document's response schemas point at the official HSDS schemas on the web; the suite runs
offline, so those references are pointed at the copy of the same schemas beside the API tests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.test_headers import assert_security_headers
from tsunagu.directory.api import openapi
from tsunagu.directory.api.tests.data import Directory, build_directory
from tsunagu.directory.api.tests.schemas import HSDS_DIR

pytestmark = pytest.mark.django_db

Json = dict[str, Any]

#: Examples per operation, method and mode (32 combinations): the file stays under a minute and a half.
MAX_EXAMPLES = 20


def _offline(node: Any) -> Any:
    """The document with its references to the official schemas pointed at the local copy."""
    if isinstance(node, dict):
        return {
            key: (
                Path(HSDS_DIR, value.removeprefix(openapi.SCHEMA_BASE)).as_uri()
                if key == "$ref" and isinstance(value, str) and value.startswith(openapi.SCHEMA_BASE)
                else _offline(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_offline(item) for item in node]
    return node


@pytest.fixture
def directory(db: None) -> Directory:
    """Three organisations, six services (one at a confidential location), a few areas."""
    return build_directory()


@pytest.fixture
def served_document(client: Client, directory: Directory) -> Json:
    """The document as the seeded directory serves it (its enums list the areas and terms it has)."""
    response = client.get("/api/hsds/openapi.json")
    assert response.status_code == 200
    document: Json = response.json()
    assert document["components"]["parameters"]["area"]["schema"]["enum"]  # the seeded areas
    return document


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The project's WSGI application, its database connection kept open between requests.

    Like Django's test client: a real request closes the connection at its end, which would close
    the test's transaction with it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(served_document: Json, wsgi_app: WSGIHandler, settings: Any) -> OpenApiSchema:
    # Hundreds of requests from one address: the rate limit has its own test below.
    settings.TSUNAGU_API_RATE_LIMIT_PER_MINUTE = 1_000_000
    schema = schemathesis.openapi.from_dict(_offline(served_document))
    schema.app = wsgi_app
    return schema


def _as_django(response: schemathesis.Response) -> HttpResponse:
    django_response = HttpResponse(status=response.status_code)
    for name, values in response.headers.items():
        django_response[name] = ", ".join(values)
    return django_response


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def _has_parameters(item: Json) -> bool:
    return bool(item.get("parameters") or item["get"].get("parameters"))


#: Every operation of the document (its paths are those of the official one, each with GET and
#: HEAD), with the cases to generate: negative ones only where there is a parameter to get wrong.
CASES = [
    pytest.param(path, method, mode, id=f"{method} {path} {mode.value}")
    for path, item in sorted(openapi.official()["paths"].items())
    for method in ("GET", "HEAD")
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if (mode is GenerationMode.POSITIVE or (method == "GET" and _has_parameters(item)))
]


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes"}


def _between_parameters(case: schemathesis.Case[Any]) -> str | None:
    """The rule between two parameters that the document states in words only, if this case breaks it."""
    query = case.query or {}
    if case.path == "/services" and _truthy(query.get("minimal")) and _truthy(query.get("full")):
        return "minimal"
    return None


def assert_quiet_and_safe(response: schemathesis.Response, log: pytest.LogCaptureFixture, where: str) -> None:
    """What every answer of the API keeps, whatever was asked: no 5xx, no cookie, the headers, no traceback."""
    assert response.status_code < 500, where
    assert "set-cookie" not in {name.lower() for name in response.headers}, where
    assert_security_headers(_as_django(response), where)
    tracebacks = [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not tracebacks, (where, [r.getMessage() for r in tracebacks])


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_every_operation_holds_to_the_document(
    api_schema: OpenApiSchema, path: str, method: str, mode: GenerationMode, log: pytest.LogCaptureFixture
) -> None:
    operation = api_schema[path][method]

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        # The same examples on every run: CI fails on a change, not on a draw.
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def holds(case: schemathesis.Case[Any]) -> None:
        log.clear()
        response = case.call()
        where = f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
        broken_rule = _between_parameters(case)
        if mode is GenerationMode.NEGATIVE:
            # The parser normalises before it checks (NFKC, trimmed and repeated list items, 1/0 and
            # yes/no for booleans, other UUID spellings), so some requests the document does not
            # list are still understood; what it must never do is fail or answer outside the document.
            case.validate_response(response, excluded_checks=[negative_data_rejection])
            assert response.status_code in (200, 400, 404), where
        elif broken_rule is not None:
            # Valid one by one, refused together, as the document says.
            assert response.status_code == 400, where
            assert case.method == "HEAD" or response.json()["parameter"] == broken_rule, where
            case.validate_response(response, excluded_checks=[positive_data_acceptance])
        else:
            case.validate_response(response)
            assert response.status_code != 400, where  # positive_data_acceptance says so too
        if case.method == "HEAD":
            # HEAD answers as GET would (the server leaves the body out).
            as_get = api_schema[path]["GET"].Case(path_parameters=case.path_parameters, query=case.query)
            assert as_get.call().status_code == response.status_code, where
        assert_quiet_and_safe(response, log, where)

    holds()


@pytest.fixture
def error_schema(served_document: Json) -> Draft202012Validator:
    return Draft202012Validator({**served_document["components"]["schemas"]["Error"]})


def _documented(served_document: Json, path: str, status: str) -> bool:
    return status in served_document["paths"][path]["get"]["responses"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_other_methods_get_the_documented_405(
    client: Client,
    served_document: Json,
    error_schema: Draft202012Validator,
    method: str,
    log: pytest.LogCaptureFixture,
) -> None:
    for path in served_document["paths"]:
        url = "/api/hsds" + path.replace("{id}", "00000000-0000-0000-0000-000000000000")
        response = client.generic(method, url)
        where = f"{method} {url}"
        assert response.status_code == 405 and _documented(served_document, path, "405"), where
        assert response["Allow"] == "GET, HEAD", where
        error_schema.validate(response.json())
        assert not response.cookies, where
        assert_security_headers(response, where)
    assert not [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_rate_limit_answers_the_documented_429(
    client: Client, served_document: Json, error_schema: Draft202012Validator, settings: Any
) -> None:
    settings.TSUNAGU_API_RATE_LIMIT_PER_MINUTE = 1
    cache.clear()  # the counters of the tests before
    assert client.get("/api/hsds/services").status_code == 200
    response = client.get("/api/hsds/services")
    assert response.status_code == 429 and _documented(served_document, "/services", "429")
    assert int(response["Retry-After"]) >= 1
    error_schema.validate(response.json())
    assert not response.cookies
    assert_security_headers(response, "429")


def test_a_page_number_of_five_thousand_digits_is_a_documented_400(
    client: Client, served_document: Json, error_schema: Draft202012Validator, log: pytest.LogCaptureFixture
) -> None:
    for path in ("/services", "/organizations", "/taxonomies", "/taxonomy_terms", "/service_at_locations"):
        for name in ("page", "per_page"):
            response = client.get(f"/api/hsds{path}", {name: "9" * 5000})
            assert response.status_code == 400, (path, name)
            body = response.json()
            error_schema.validate(body)
            assert body["parameter"] == name
            assert_security_headers(response, f"{path}?{name}=9…")
    assert not [r for r in log.records if r.exc_info or r.levelno >= logging.ERROR]
