"""Every URL × every persona has an expected outcome (docs/security.md, "How we show it" 1).

Adding a URL without rows here fails ``test_every_url_has_a_row``. Every refusal (redirect to
sign-in, 403, 404) must write exactly one "denied" audit row; every other outcome none. The rows
live per area in ``tests/matrix_rows/``; the foundation's are below.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import ADMIN, AUDITOR, LOGIN, ORG, UNKNOWN, Row, _membership, _target_user, everyone, only, staff
from tests.matrix_rows import (
    consultations,
    directory_imports,
    directory_staff,
    hsds_api,
    portal_finder,
    portal_selfcheck,
    portal_shell,
    referrals,
)
from tsunagu.accounts.tests.personas import ALL, ANONYMOUS, STAFF, World
from tsunagu.audit.models import AuditEvent, RefusalTally

FOUNDATION_ROWS: list[Row] = [
    Row("healthz", everyone(200)),
    Row("set_language", everyone(302), method="post", data=lambda w: {"language": "en", "next": "/"}),
    Row("accounts:login", {ANONYMOUS: 200, **dict.fromkeys(STAFF, 302)}),
    Row("accounts:login_code", everyone(302)),  # no pending sign-in: back to the start
    Row("accounts:second_factor_setup", everyone(302)),
    Row("accounts:logout", everyone(302), method="post"),
    Row("accounts:reauth", staff(200)),
    Row("accounts:org_select", staff(200)),
    Row("accounts:dashboard", staff(200)),
    Row("accounts:security", staff(200)),
    Row("accounts:password_change", staff(400), method="post"),
    Row("accounts:recovery_codes_regenerate", staff(200), method="post"),
    Row("accounts:second_factor_replace", staff(302), method="post"),
    Row("accounts:organisation_list", only(ADMIN, 200)),
    Row("accounts:organisation_create", only(ADMIN, 200)),
    Row("accounts:organisation_edit", only(ADMIN, 200), kwargs=ORG),
    Row("accounts:organisation_edit", only(ADMIN, 404), kwargs=UNKNOWN, label="unknown"),
    Row(
        "accounts:organisation_set_active", only(ADMIN, 302), method="post", kwargs=ORG, data=lambda w: {"active": "0"}
    ),
    Row("accounts:user_list", only(ADMIN, 200)),
    Row("accounts:user_create", only(ADMIN, 200)),
    Row("accounts:user_detail", only(ADMIN, 200), kwargs=_target_user),
    Row("accounts:user_detail", only(ADMIN, 404), kwargs=UNKNOWN, label="unknown"),
    Row("accounts:user_contact_update", only(ADMIN, 302), method="post", kwargs=_target_user),
    Row(
        "accounts:user_set_active", only(ADMIN, 302), method="post", kwargs=_target_user, data=lambda w: {"active": "0"}
    ),
    Row("accounts:user_password_reset", only(ADMIN, 400), method="post", kwargs=_target_user),
    Row("accounts:user_second_factor_reset", only(ADMIN, 302), method="post", kwargs=_target_user),
    Row("accounts:membership_add", only(ADMIN, 400), method="post", kwargs=_target_user),
    Row("accounts:membership_remove", only(ADMIN, 302), method="post", kwargs=_membership),
    Row("accounts:membership_remove", only(ADMIN, 404), method="post", kwargs=UNKNOWN, label="unknown"),
    Row("accounts:audit_log", only(AUDITOR, 200)),
    Row("accounts:audit_export", only(AUDITOR, 200)),
    Row(
        "accounts:audit_export",
        only(AUDITOR, 400),
        data=lambda w: {"since": "2026-12-02", "until": "2026-12-01"},
        label="invalid",
    ),
    Row("accounts:audit_verify", only(AUDITOR, 200), method="post"),
]

ROWS: list[Row] = [
    *FOUNDATION_ROWS,
    *directory_staff.ROWS,
    *directory_imports.ROWS,
    *hsds_api.ROWS,
    *portal_shell.ROWS,
    *portal_finder.ROWS,
    *portal_selfcheck.ROWS,
    *consultations.ROWS,
    *referrals.ROWS,
]


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name, so it cannot have matrix rows"
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_a_row() -> None:
    missing = _url_names(get_resolver()) - {row.name for row in ROWS}
    assert not missing, f"URLs without rows in the authorisation matrix: {sorted(missing)}"


def test_every_row_names_every_persona() -> None:
    for row in ROWS:
        assert set(row.expect) == set(ALL), f"{row.name} {row.label}: personas {set(ALL) ^ set(row.expect)}"


CASES = [
    pytest.param(row, persona, id=f"{row.name}{'#' + row.label if row.label else ''}-{persona}")
    for row in ROWS
    for persona in ALL
]


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_matrix(world: World, row: Row, persona: str) -> None:
    url = reverse(row.name, kwargs=row.kwargs(world))
    client = world.client(persona)
    denied_before = AuditEvent.objects.filter(outcome="denied").count()
    counted_before = sum(RefusalTally.objects.values_list("count", flat=True))
    response = getattr(client, row.method)(url, row.data(world))
    denied = AuditEvent.objects.filter(outcome="denied").count() - denied_before
    counted = sum(RefusalTally.objects.values_list("count", flat=True)) - counted_before
    expected = row.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302, f"{url} as {persona}: {response.status_code}"
        assert response["Location"].startswith(reverse("accounts:login")), response["Location"]
        # Not signed in: counted for the hour's aggregate row, not a row per request (issue 15).
        assert (denied, counted) == (0, 1), f"{denied} rows, {counted} counted for {url}"
    else:
        assert response.status_code == expected, f"{url} as {persona}: {response.status_code}"
        refused = expected in (401, 403, 404) and row.audit_denied
        assert denied == (1 if refused else 0), f"{denied} denied rows for {url} as {persona}"
