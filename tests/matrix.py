"""Shared pieces of the authorisation matrix: the row type and the outcome helpers.

Each area keeps its rows in ``tests/matrix_rows/<area>.py`` (a list named ``ROWS``);
``tests/test_authorization_matrix.py`` joins them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory
from tsunagu.accounts.tests.personas import ALL, ANONYMOUS, STAFF, World

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
    # Public read endpoints answer 404 for an unknown record without a "denied" audit row: anyone
    # may ask, and an anonymous caller must not be able to flood the audit trail.
    audit_denied: bool = True


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
