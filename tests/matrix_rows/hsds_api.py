"""Authorisation matrix rows: the public HSDS API (/api/hsds/).

The API is public and ignores sessions, so every persona gets the same answer: 200 for what is
published, a JSON 404 for an unknown id, and no "denied" audit row for it (anyone may ask, and an
anonymous caller must not be able to flood the audit trail).
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.matrix import Row, everyone
from tsunagu.accounts.tests.personas import World
from tsunagu.directory.models import Taxonomy, TaxonomyTerm
from tsunagu.directory.tests.factories import make_location, make_service


def _service(w: World) -> dict[str, Any]:
    return {"id": str(make_service(organisation=w.organisations["D"]).code)}


def _organisation(w: World) -> dict[str, Any]:
    make_service(organisation=w.organisations["D"])
    return {"id": str(w.organisations["D"].code)}


def _taxonomy(w: World) -> dict[str, Any]:
    return {"id": str(Taxonomy.objects.get(key="concern").code)}


def _taxonomy_term(w: World) -> dict[str, Any]:
    return {"id": str(TaxonomyTerm.objects.get(taxonomy__key="concern", key="hikikomori").code)}


def _service_at_location(w: World) -> dict[str, Any]:
    place = make_location(organisation=w.organisations["D"])
    service = make_service(organisation=w.organisations["D"], location_codes=(place.code,))
    return {"id": str(service.service_at_locations.get().code)}


def _unknown(w: World) -> dict[str, Any]:
    return {"id": str(uuid.uuid4())}


ROWS: list[Row] = [
    Row("hsds:root", everyone(200)),
    Row("hsds:openapi", everyone(200)),
    Row("hsds:service_list", everyone(200)),
    Row("hsds:organization_list", everyone(200)),
    Row("hsds:taxonomy_list", everyone(200)),
    Row("hsds:taxonomy_term_list", everyone(200)),
    Row("hsds:service_at_location_list", everyone(200)),
    Row("hsds:not_found", everyone(404), kwargs=lambda w: {"path": "no-such-endpoint"}, audit_denied=False),
]
for _name, _known in (
    ("hsds:service_detail", _service),
    ("hsds:organization_detail", _organisation),
    ("hsds:taxonomy_detail", _taxonomy),
    ("hsds:taxonomy_term_detail", _taxonomy_term),
    ("hsds:service_at_location_detail", _service_at_location),
):
    ROWS += [
        Row(_name, everyone(200), kwargs=_known),
        Row(_name, everyone(404), kwargs=_unknown, label="unknown", audit_denied=False),
    ]
# Read-only: a write method is refused (405) before anything else, for everyone.
ROWS.append(Row("hsds:service_list", everyone(405), method="post", label="post"))
