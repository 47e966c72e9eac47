"""The official HSDS 3.0 schemas (a copy in tests/hsds/) as jsonschema validators.

Draft 2020-12 with format checking: ``uuid``, ``email``, ``date-time`` (rfc3339-validator) and
``uri`` (rfc3986-validator) are checked, not just annotated. The per-object schemas refer to each
other by relative file name (``"$ref": "metadata.json"``); a ``referencing`` registry of the files
resolves those.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tsunagu.directory.api.openapi import OFFICIAL as OFFICIAL_OPENAPI

# A copy of the official schemas (Open Referral, CC BY-SA 4.0, see hsds/LICENSE) lives beside the
# tests so that a clean checkout can run them; the OpenAPI document is the one the API ships.
HSDS_DIR = Path(__file__).resolve().parent / "hsds"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def registry() -> Registry:
    resources = [
        (path.as_uri(), Resource.from_contents(_load(path), default_specification=DRAFT202012))
        for path in sorted(HSDS_DIR.glob("*.json"))
        if path.name != "openapi.json"
    ]
    assert resources, f"the HSDS schemas are missing from {HSDS_DIR}"
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """``name`` is relative to the schemas directory: ``compiled/service.json``, ``taxonomy.json`` …"""
    path = HSDS_DIR / name
    schema = {**_load(path), "$id": path.as_uri()}
    return Draft202012Validator(schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def page_validator() -> Draft202012Validator:
    openapi = _load(OFFICIAL_OPENAPI)
    return Draft202012Validator(openapi["components"]["schemas"]["Page"])


def assert_valid(name: str, instance: Any) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{name} {list(e.absolute_path)}: {e.message}" for e in errors[:10])


def assert_valid_page(instance: Any, item_schema: str) -> None:
    errors = list(page_validator().iter_errors(instance))
    assert not errors, [e.message for e in errors]
    for key in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"):
        assert key in instance, f"page without {key}"
    assert instance["size"] == len(instance["contents"])
    for item in instance["contents"]:
        assert_valid(item_schema, item)


def assert_valid_root(instance: Any) -> None:
    """The answer of ``/`` against the response schema in the official OpenAPI document."""
    openapi = _load(OFFICIAL_OPENAPI)
    schema = openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    checker = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = list(checker.iter_errors(instance))
    assert not errors, [e.message for e in errors]
    assert set(instance) == set(schema["properties"])
