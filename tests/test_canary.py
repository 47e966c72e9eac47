"""Personal data never appears where it must not (docs/security.md, "How we show it" 2).

Canary strings go into every personal field; they must not appear in the responses of people who
may not see them, in the audit trail, in any log line of the suite (checked at the end of the run
by conftest.py), or in the raw database file or dump.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tsunagu.accounts import services
from tsunagu.accounts.models import User
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.accounts.tests.personas import STAFF, World
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor
from tsunagu.core.tests.canary import canary

PERSONAL = ("display_name", "email", "phone")


def _canary_user() -> tuple[User, dict[str, str]]:
    values = {"display_name": canary("name"), "email": f"{canary('mail')}@example.invalid", "phone": "00-0000-0000"}
    user = services.user_create(
        actor=SystemActor(),
        username="canary-user",
        password="a long canary passphrase",
        display_name=values["display_name"],
        email=values["email"],
        phone=values["phone"],
    )
    return user, {k: v for k, v in values.items() if k != "phone"}


def test_personal_fields_reach_only_those_allowed(world: World) -> None:
    user, values = _canary_user()
    detail = reverse("accounts:user_detail", kwargs={"code": user.code})
    pages = [
        reverse("accounts:dashboard"),
        reverse("accounts:user_list"),
        reverse("accounts:security"),
        detail,
        reverse("accounts:audit_log"),
    ]
    for persona in STAFF:
        client = world.client(persona)
        for url in pages:
            body = client.get(url).content.decode()
            shown = [v for v in values.values() if v in body]
            if persona == "system_admin_c" and url == detail:
                assert shown == list(values.values())  # the positive control: the check can see them
            else:
                assert shown == [], f"{persona} saw personal data at {url}"


def test_audit_trail_holds_no_personal_values(world: World) -> None:
    user, values = _canary_user()
    client = world.client("system_admin_c")
    client.post(
        reverse("accounts:user_contact_update", kwargs={"code": user.code}),
        {"display_name": canary("renamed"), "email": "", "phone": ""},
    )
    client.get(reverse("accounts:user_detail", kwargs={"code": user.code}))
    assert AuditEvent.objects.filter(target_code=str(user.code)).count() >= 3
    dump = " ".join(str(row) for row in AuditEvent.objects.values())
    assert not [v for v in values.values() if v in dump]


def test_invalid_input_with_personal_data_is_not_logged(world: World, log_collector) -> None:
    user, _ = _canary_user()
    secret = canary("badmail")
    response = world.client("system_admin_c").post(
        reverse("accounts:user_contact_update", kwargs={"code": user.code}),
        {"display_name": "x", "email": f"not-an-email {secret}", "phone": ""},
    )
    assert response.status_code == 400
    assert not log_collector.leaks({secret})


def _raw_database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()  # checkpoint the WAL so the main file holds everything
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    settings = connection.settings_dict
    command = [
        pg_dump,
        "--data-only",
        "-h",
        settings["HOST"] or "127.0.0.1",
        "-p",
        str(settings["PORT"] or 5432),
        "-U",
        settings["USER"] or "postgres",
        settings["NAME"],
    ]
    return subprocess.run(command, check=True, capture_output=True, timeout=120).stdout


@pytest.mark.django_db(transaction=True)
def test_database_file_or_dump_holds_no_personal_plaintext() -> None:
    _, values = _canary_user()
    visible = canary("orgname")  # organisation names are public, not encrypted: the positive control
    OrganisationFactory(name=visible)
    raw = _raw_database_bytes()
    assert visible.encode() in raw
    for value in values.values():
        assert value.encode() not in raw, "personal data found in plaintext in the database"
