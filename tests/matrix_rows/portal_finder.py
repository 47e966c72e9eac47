"""Authorisation matrix rows: the public portal (finder part): the finder, the search, a service's page
and the print list. The portal is public: every persona gets the same page, and nothing is audited
as denied (an unknown or hidden service is a 404 anyone may ask for, without a "denied" row)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.matrix import Row, everyone
from tsunagu.accounts.tests.personas import World
from tsunagu.directory.tests.factories import make_service


def _service(w: World) -> dict[str, Any]:
    return {"code": make_service(organisation=w.organisations["D"]).code}


def _defunct(w: World) -> dict[str, Any]:
    return {"code": make_service(organisation=w.organisations["D"], status="defunct").code}


def _print_data(w: World) -> dict[str, Any]:
    return {"services": [str(make_service(organisation=w.organisations["D"]).code)]}


ROWS: list[Row] = [
    Row("portal:finder", everyone(200)),
    Row("portal:finder", everyone(200), method="post", data=lambda w: {"step": "concerns", "concerns": ["mind-life"]}),
    Row(
        "portal:finder",
        everyone(400),
        method="post",
        label="unknown place",
        data=lambda w: {"step": "where", "where": "999-9999"},
    ),
    Row("portal:search", everyone(200)),
    Row("portal:search", everyone(200), method="post", data=lambda w: {"q": "相談"}),
    Row("portal:service", everyone(200), kwargs=_service),
    Row("portal:service", everyone(404), kwargs=lambda w: {"code": uuid.uuid4()}, label="unknown", audit_denied=False),
    Row("portal:service", everyone(404), kwargs=_defunct, label="defunct", audit_denied=False),
    Row("portal:print", everyone(200)),
    Row("portal:print", everyone(200), method="post", data=_print_data),
]
