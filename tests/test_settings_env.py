"""Settings fail loudly on bad values and take secrets from files (config/env.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env


def test_booleans_integers_and_lists() -> None:
    env = Env({"A": "yes", "B": "0", "N": "42", "L": "a, b,,c"})
    assert env.bool("A", False) is True and env.bool("B", True) is False and env.bool("MISSING", True) is True
    assert env.int("N", 1, minimum=1, maximum=100) == 42
    assert env.list("L") == ["a", "b", "c"] and env.list("MISSING", ["x"]) == ["x"]


@pytest.mark.parametrize(
    ("environ", "call"),
    [
        ({"A": "maybe"}, lambda e: e.bool("A", False)),
        ({"N": "12abc"}, lambda e: e.int("N", 1)),
        ({"N": "0"}, lambda e: e.int("N", 1, minimum=1)),
        ({"N": "500"}, lambda e: e.int("N", 1, maximum=120)),
        ({"E": "staging"}, lambda e: e.str("E", "development", choices=("development", "production"))),
        ({}, lambda e: e.str("REQUIRED")),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(environ: dict[str, str], call) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        call(Env(environ))
    assert next(iter(environ), "REQUIRED") in str(excinfo.value)


def test_secret_from_value_or_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    assert Env({"S": "direct"}).secret("S") == "direct"
    assert Env({"S_FILE": str(secret_file)}).secret("S") == "from-file"
    assert Env({}).secret("S", default_file=secret_file) == "from-file"
    assert Env({}).secret("S", default_file=tmp_path / "absent") is None
    with pytest.raises(ImproperlyConfigured, match="not both"):
        Env({"S": "x", "S_FILE": str(secret_file)}).secret("S")
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        Env({"S_FILE": str(tmp_path / "absent")}).secret("S")
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(ImproperlyConfigured, match="empty"):
        Env({"S_FILE": str(tmp_path / "empty")}).secret("S")


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins(capsys) -> None:
    from django.core.management import call_command

    from tsunagu.accounts.models import Membership, Organisation, User

    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts == (4, 10, 10)
    assert "tsunagu-demo-2026" in first and "demo-admin" in first and "DEMO ONLY" in first
    assert all("（デモ）" in name for name in Organisation.objects.values_list("name", flat=True))
