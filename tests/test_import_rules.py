"""Imports between apps go one way, from the outer parts to the inner ones (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tsunagu"

# app -> the tsunagu apps it may import. Nothing may import portal or stats.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "audit": {"core"},
    "accounts": {"audit", "core"},
    "directory": {"accounts", "audit", "core"},
    "portal": {"directory", "accounts", "audit", "core"},
    "consultations": {"directory", "accounts", "audit", "core"},
    "referrals": {"consultations", "directory", "accounts", "audit", "core"},
    "council": {"referrals", "consultations", "directory", "accounts", "audit", "core"},
    "platform": {"directory", "accounts", "audit", "core"},
    "stats": {"council", "referrals", "consultations", "directory", "platform", "accounts", "audit", "core"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith("tsunagu.") and name.count(".") >= 1}


def violations() -> list[str]:
    found = []
    for app_dir in sorted(p for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists()):
        app = app_dir.name
        assert app in ALLOWED, f"new app {app!r}: add it to ALLOWED here and to docs/architecture.md"
        for path in app_dir.rglob("*.py"):
            for other in imported_apps(path) - {app}:
                if other not in ALLOWED[app]:
                    found.append(f"{path.relative_to(ROOT.parent)} imports tsunagu.{other}")
    return found


def test_imports_flow_one_way() -> None:
    assert violations() == []


def test_the_rule_catches_a_backwards_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from tsunagu.accounts.models import User\nimport tsunagu.audit.services\n")
    assert imported_apps(bad) == {"accounts", "audit"}
    assert "accounts" not in ALLOWED["core"] and "audit" not in ALLOWED["core"]
