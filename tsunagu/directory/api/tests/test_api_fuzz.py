"""Hostile query strings never make the API answer 500: only 200 (a valid filter) or 400 (explained)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.directory.api import views

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=10),  # full width
    st.sampled_from(
        [
            "' OR 1=1 --",
            "%00",
            "\x00",
            "-1",
            "99999999999999999999999",
            "1e9",
            "2025-02-30",
            "2025-01-01T25:00",
            "0001-01-01T00:00:00+09:00",
            "9999-12-31T23:59:59-09:00",
            "9999-12-31",
            "0001-01-01",
            "00000000-0000-0000-0000-000000000000",
            ",,,",
            "a" * 300,
            "true,false",
            "1３１０４１",
        ]
    ),
    st.integers().map(str),
)
ENDPOINTS: dict[str, frozenset[str]] = {
    "/services": views.SERVICE_LIST_PARAMS,
    "/organizations": views.ORGANIZATION_LIST_PARAMS,
    "/taxonomy_terms": views.TAXONOMY_TERM_LIST_PARAMS,
    "/service_at_locations": views.SERVICE_AT_LOCATION_LIST_PARAMS,
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def query(draw: Any) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(sorted(ENDPOINTS)))
    names = draw(st.lists(st.sampled_from([*sorted(ENDPOINTS[path]), "zzz"]), max_size=4, unique=True))
    return path, {name: draw(HOSTILE) for name in names}


@FUZZ
@given(case=query())
def test_hostile_queries_get_200_or_a_400_in_both_languages(client: Client, case: tuple[str, dict[str, str]]) -> None:
    path, params = case
    response = client.get(f"/api/hsds{path}?{urlencode(params)}")
    assert response.status_code in (200, 400), (path, params, response.status_code)
    body = response.json()
    if response.status_code == 400:
        assert body["parameter"] in params
        assert body["message"]["ja"] and body["message"]["en"]
    else:
        assert "contents" in body
