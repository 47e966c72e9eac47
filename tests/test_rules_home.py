"""Each app's rules have one home: ``access.py`` (and ``accounts/policy.py`` for the role table).

A view, service, selector, consumer, form or template tag that checks a permission or a role
itself (``actor.has(Perm.X)``, ``membership.role == Role.X``, ``ROLE_PERMISSIONS``) writes a rule a
second time, and copies drift apart (docs/architecture.md, "Rules"). This test parses every module
of every app and fails on such a check outside ``access.py`` / ``policy.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_HOMES = {"access.py", "policy.py"}


def _names_role(node: ast.expr) -> bool:
    """``role``, ``x.role``, or a member of ``Role`` (``Role.SUPERVISOR``)."""
    if isinstance(node, ast.Name):
        return node.id == "role"
    if isinstance(node, ast.Attribute):
        return node.attr == "role" or (isinstance(node.value, ast.Name) and node.value.id == "Role")
    return False


def checks_outside_rules(source: str, name: str) -> list[str]:
    """Where ``source`` (a module called ``name``) checks a permission or a role itself."""
    if Path(name).name in RULE_HOMES:
        return []
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has":
            found.append(f"{name}:{line}: .has(…) asks for a permission; ask a predicate of access.py")
        elif isinstance(node, ast.Compare) and any(_names_role(part) for part in [node.left, *node.comparators]):
            found.append(f"{name}:{line}: compares a role; roles are decided in accounts/policy.py")
        elif isinstance(node, ast.Name) and node.id == "ROLE_PERMISSIONS":
            found.append(f"{name}:{line}: reads the role table; use policy.roles_with() or a predicate")
    return found


def _modules() -> list[Path]:
    paths = [*(ROOT / "tsunagu").rglob("*.py"), *(ROOT / "config").rglob("*.py")]
    return [p for p in paths if "tests" not in p.parts and "migrations" not in p.parts]


def test_permissions_and_roles_are_checked_only_in_access_and_policy() -> None:
    found = []
    for path in _modules():
        found += checks_outside_rules(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_the_check_finds_each_kind_of_rule_written_outside_its_home() -> None:
    view = """
def queue_view(request):
    actor = request.actor
    if actor.has(Perm.CONSULTATION_SUPERVISE):
        pass
    if membership.role == Role.SYSTEM_ADMIN:
        pass
    if Role.SUPERVISOR in roles and role != "auditor":
        pass
    roles = [r for r, perms in ROLE_PERMISSIONS.items()]
"""
    found = checks_outside_rules(view, "tsunagu/consultations/views/staff.py")
    assert [entry.split(":")[1] for entry in found] == ["4", "6", "8", "8", "10"]
    # The same text is where it belongs in an app's access.py.
    assert checks_outside_rules(view, "tsunagu/consultations/access.py") == []
    # Passing a permission to the view decorator is not a check of its own.
    assert checks_outside_rules("@staff_required(Perm.X)\ndef v(request): ...\n", "tsunagu/x/views.py") == []


def queries_in(source: str, name: str) -> list[str]:
    """Where ``source`` runs an ORM query itself (``Model.objects…``)."""
    return [
        f"{name}:{node.lineno}"
        for node in ast.walk(ast.parse(source, filename=name))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]


def test_views_and_consumers_read_through_selectors_and_write_through_services() -> None:
    found = []
    for path in _modules():
        relative = path.relative_to(ROOT)
        if "views" in relative.parts or relative.name in {"views.py", "consumers.py"}:
            found += queries_in(path.read_text(encoding="utf-8"), str(relative))
    assert found == []
    assert queries_in("def v(request):\n    return Person.objects.filter(code=1)\n", "views.py") == ["views.py:2"]
