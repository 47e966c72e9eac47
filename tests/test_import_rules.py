"""Imports between apps go one way, from the outer parts to the inner ones (docs/architecture.md).

Python modules are checked by their imports, templates by their edges: ``{% extends %}``,
``{% include %}`` and ``{% load %}``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.backends.django import get_installed_libraries
from django.template.base import Lexer, TokenType
from django.template.loader import get_template

ROOT = Path(__file__).resolve().parent.parent / "tsunagu"
#: The owner of the project's templates (``templates/``): they belong to no app and are transparent,
#: so what they reach counts for the app template that extends or includes them.
PROJECT = "project"
PROJECT_TEMPLATES = ROOT.parent / "templates"

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


# --- Templates -----------------------------------------------------------------------------------


@dataclass
class Template:
    owner: str  # an app, or PROJECT
    path: Path
    templates: list[tuple[str, str]] = field(default_factory=list)  # ("extends" | "include", name)
    libraries: list[str] = field(default_factory=list)  # tag libraries it loads
    unreadable: list[str] = field(default_factory=list)  # edges the rule cannot follow


def template_edges(text: str, into: Template) -> Template:
    """Read ``{% extends "…" %}``, ``{% include "…" [with …] [only] %}``, ``{% load a b %}`` and
    ``{% load x from lib %}`` with Django's own lexer, skipping ``{% comment %}`` blocks."""
    in_comment = False
    for token in Lexer(text).tokenize():
        if token.token_type is not TokenType.BLOCK:
            continue
        bits = token.split_contents()
        if in_comment or bits[0] == "comment":
            in_comment = bits[0] != "endcomment"
            continue
        if bits[0] in ("extends", "include"):
            name = bits[1] if len(bits) > 1 else ""
            if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
                into.templates.append((bits[0], name[1:-1]))
            else:
                into.unreadable.append(f"{{% {token.contents} %}}: not a literal template name")
        elif bits[0] == "load":
            into.libraries.extend(bits[-1:] if len(bits) >= 4 and bits[-2] == "from" else bits[1:])
    return into


def read_templates(roots: Sequence[tuple[str, Path]]) -> dict[str, Template]:
    """Template name → template, from ``(owner, templates folder)`` pairs in Django's lookup order
    (the first folder that holds a name is the one Django renders)."""
    found: dict[str, Template] = {}
    for owner, folder in roots:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in found:
                found[name] = template_edges(path.read_text(encoding="utf-8"), Template(owner, path))
    return found


def project_roots() -> list[tuple[str, Path]]:
    """The project's ``templates/`` (settings.TEMPLATES "DIRS"), then each app's, as Django looks."""
    roots = [(PROJECT, PROJECT_TEMPLATES)]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if config.name.startswith("tsunagu.") and folder.is_dir():
            roots.append((config.name.split(".")[1], folder))
    return roots


def found_by_django(name: str) -> bool:
    """Whether Django finds ``name`` at all (outside tsunagu's folders: a library's template)."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT.parent)) if path.is_relative_to(ROOT.parent) else str(path)


def template_violations(
    templates: Mapping[str, Template],
    libraries: Mapping[str, str],
    exists_elsewhere: Callable[[str], bool] = lambda name: False,
) -> list[str]:
    """Every app template that reaches an app outside ``ALLOWED[app]``, and every edge that leads
    nowhere. ``libraries``: tag library name → module path.

    A template reaches the apps of the tag libraries it loads and of the app templates it extends
    or includes, and, transitively, whatever those templates reach. Project templates are
    transparent: they add no owner of their own, only what they reach. Libraries and templates
    outside tsunagu (i18n, static, …) are always allowed."""
    problems: set[str] = set()

    def reach(name: str, via: tuple[str, ...], seen: set[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(app, the edges leading there) for everything template ``name`` reaches."""
        template = templates[name]
        seen.add(name)
        problems.update(f"{_shown(template.path)}: {edge}" for edge in template.unreadable)
        for library in template.libraries:
            module = libraries.get(library)
            if module is None:
                problems.add(f"{_shown(template.path)}: {{% load {library} %}}: no such tag library")
            elif module.startswith("tsunagu."):
                yield module.split(".")[1], (*via, f"load {library}")
        for kind, other in template.templates:
            step = (*via, f'{kind} "{other}"')
            if other not in templates:
                if not exists_elsewhere(other):
                    problems.add(f'{_shown(template.path)}: {kind} "{other}": no such template')
                continue
            if templates[other].owner != PROJECT:
                yield templates[other].owner, step
            if other not in seen:  # a template that includes itself (a tree) adds nothing more
                yield from reach(other, step, seen)

    for name, template in sorted(templates.items()):
        reported = {template.owner}
        for app, via in reach(name, (), set()):
            # A project template is checked only for edges that lead nowhere: whom it reaches
            # counts for the app templates that use it.
            if template.owner != PROJECT and app not in ALLOWED.get(template.owner, set()) and app not in reported:
                reported.add(app)
                problems.add(f"{_shown(template.path)} reaches tsunagu.{app}: {' → '.join(via)}")
    return sorted(problems)


def test_templates_follow_the_import_rule() -> None:
    templates = read_templates(project_roots())
    assert "public/base.html" in templates and "consultations/chat_start.html" in templates
    assert template_violations(templates, get_installed_libraries(), found_by_django) == []


def _write(folder: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


#: Tag libraries of the fake templates below.
_LIBRARIES = {
    "i18n": "django.templatetags.i18n",
    "public_frame": "tsunagu.core.templatetags.public_frame",
    "crisis_banner": "tsunagu.directory.templatetags.crisis_banner",
    "portal_text": "tsunagu.portal.templatetags.portal_text",
}


def test_the_template_rule_catches_edges_into_an_app_not_allowed(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "templates",
        {
            "public/base.html": '{% load i18n public_frame crisis_banner %}{% include "public/_part.html" %}',
            "public/_part.html": "{% load public_frame %}",
            "shared/_list.html": "{% load portal_text %}",
        },
    )
    portal = _write(tmp_path / "portal", {"portal/base.html": "{% load i18n %}"})
    consultations = _write(
        tmp_path / "consultations",
        {
            "consultations/good.html": '{% extends "public/base.html" %}{% load i18n %}'
            "{% comment %}{% load portal_text %}{% endcomment %}",
            "consultations/extends.html": '{% extends "portal/base.html" %}',
            "consultations/through_project.html": '{% extends "public/base.html" %}'
            '{% block content %}{% include "shared/_list.html" with items=items only %}{% endblock %}',
            "consultations/loads.html": "{% load joined from portal_text %}",
            "consultations/missing.html": '{% include "public/_nope.html" %}{% load nope %}{% include name %}',
        },
    )
    templates = read_templates([(PROJECT, project), ("portal", portal), ("consultations", consultations)])
    assert templates["consultations/through_project.html"].templates == [
        ("extends", "public/base.html"),
        ("include", "shared/_list.html"),
    ]
    found = template_violations(templates, _LIBRARIES)
    assert found == sorted(
        [
            f'{consultations}/consultations/extends.html reaches tsunagu.portal: extends "portal/base.html"',
            f"{consultations}/consultations/loads.html reaches tsunagu.portal: load portal_text",
            f"{consultations}/consultations/through_project.html reaches tsunagu.portal: "
            'include "shared/_list.html" → load portal_text',
            f'{consultations}/consultations/missing.html: include "public/_nope.html": no such template',
            f"{consultations}/consultations/missing.html: {{% load nope %}}: no such tag library",
            f"{consultations}/consultations/missing.html: {{% include name %}}: not a literal template name",
        ]
    )
