"""Every HTML response, as every persona, carries the security headers (docs/security.md, "How we show it" 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import reverse

from tests.test_authorization_matrix import ROWS
from tsunagu.accounts.tests.personas import ALL, World

ROOT = Path(__file__).resolve().parent.parent


def assert_security_headers(response: HttpResponse, where: str) -> None:
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ") if part.strip()}
    assert "'unsafe-inline'" not in directives.get("script-src", []) and directives["script-src"] == ["'self'"], where
    assert directives["object-src"] == ["'none'"], where
    assert directives["base-uri"] == ["'none'"], where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"], where
    assert response["X-Frame-Options"] == "DENY", where
    assert "no-store" in response["Cache-Control"], where


GET_CASES = [
    pytest.param(row, persona, id=f"{row.name}{'#' + row.label if row.label else ''}-{persona}")
    for row in ROWS
    if row.method == "get"
    for persona in ALL
    if row.expect[persona] == 200
]


@pytest.mark.parametrize(("row", "persona"), GET_CASES)
def test_headers_on_every_page(world: World, row, persona: str) -> None:
    response = world.client(persona).get(reverse(row.name, kwargs=row.kwargs(world)))
    assert response.status_code == 200
    assert_security_headers(response, f"{row.name} as {persona}")


def test_error_pages_carry_headers_too(world: World) -> None:
    assert_security_headers(world.client("counsellor_a").get(reverse("accounts:audit_log")), "403")
    assert_security_headers(world.client("anonymous").get("/no-such-page/"), "404")


def test_the_check_fails_when_a_header_is_missing(world: World) -> None:
    response = world.client("anonymous").get(reverse("accounts:login"))
    del response["X-Frame-Options"]
    with pytest.raises(KeyError):
        assert_security_headers(response, "mutated")


PRODUCTION_PROBE = """
import json
from django.test import Client
r = Client().get("/healthz", secure=True, headers={"host": "tsunagu.example.jp"})
print(json.dumps({"status": r.status_code, "hsts": r.get("Strict-Transport-Security", ""),
                  "cookie_names": [c for c in Client().get("/staff/login/", secure=True,
                                   headers={"host": "tsunagu.example.jp"}).cookies]}))
"""


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TSUNAGU_"))}
    key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # 32 bytes of "A", a throwaway key
    env.update(
        {
            "TSUNAGU_ENV": "production",
            "DJANGO_SECRET_KEY": "p" * 20 + "roduction-check-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "tsunagu.example.jp",
            "TSUNAGU_ENCRYPTION_KEYS": f"k1:{key}",
            "TSUNAGU_BLIND_INDEX_KEY": key,
            "TSUNAGU_AUDIT_HMAC_KEY": key,
            "TSUNAGU_VAR_DIR": str(tmp_path),
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}"),
        }
    )
    return env


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_serves_hsts_and_host_prefixed_cookies(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    assert "max-age=31536000" in probe["hsts"]
    assert probe["cookie_names"] == ["__Host-csrftoken"]


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["TSUNAGU_ENCRYPTION_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "TSUNAGU_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_demo_seed(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "production" in result.stderr
