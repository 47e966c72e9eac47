"""Every URL × every persona has an expected outcome (docs/security.md, "How we show it" 1).

Adding a URL without rows here fails ``test_every_url_has_a_row``. Every refusal (redirect to
sign-in, 403, 404) must write exactly one "denied" audit row; every other outcome none.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory
from tsunagu.accounts.tests.personas import ALL, ANONYMOUS, STAFF, World
from tsunagu.audit.models import AuditEvent

LOGIN = "login"  # redirect to the sign-in page, as a refusal


@dataclass(frozen=True)
class Row:
    name: str
    expect: dict[str, int | str]
    method: str = "get"
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def staff(outcome: int | str, **overrides: int | str) -> dict[str, int | str]:
    expect: dict[str, int | str] = {ANONYMOUS: LOGIN}
    expect.update(dict.fromkeys(STAFF, outcome))
    expect.update(overrides)
    return expect


def only(persona: str, outcome: int | str, *, others: int | str = 403) -> dict[str, int | str]:
    return staff(others, **{persona: outcome})


def everyone(outcome: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ALL, outcome)


def _target_user(w: World) -> dict[str, Any]:
    target = UserFactory(username="target-user")
    MembershipFactory(user=target, organisation=w.organisations["D"])
    return {"code": target.code}


def _membership(w: World) -> dict[str, Any]:
    return {"code": MembershipFactory(user=UserFactory(), organisation=w.organisations["B"]).code}


ORG = lambda w: {"code": w.organisations["B"].code}  # noqa: E731
UNKNOWN = lambda w: {"code": uuid.uuid4()}  # noqa: E731
ADMIN = "system_admin_c"
AUDITOR = "auditor_c"

ROWS: list[Row] = [
    Row("home", {ANONYMOUS: 200, **dict.fromkeys(STAFF, 302)}),
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
    Row("accounts:audit_verify", only(AUDITOR, 200), method="post"),
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
    response = getattr(client, row.method)(url, row.data(world))
    denied = AuditEvent.objects.filter(outcome="denied").count() - denied_before
    expected = row.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302, f"{url} as {persona}: {response.status_code}"
        assert response["Location"].startswith(reverse("accounts:login")), response["Location"]
        assert denied == 1
    else:
        assert response.status_code == expected, f"{url} as {persona}: {response.status_code}"
        assert denied == (1 if expected in (403, 404) else 0), f"{denied} denied rows for {url} as {persona}"
