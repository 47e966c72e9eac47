"""The dashboard and the staff navigation are assembled from the doors each app declares
(tsunagu/accounts/doors.py): each persona sees the doors its roles open, with live counts, and
accounts itself names no outer app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tsunagu.accounts import doors
from tsunagu.accounts.access import may_use_staff_pages
from tsunagu.accounts.doors import Door, Section
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.tests.consultation_data import participate

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/dashboard/"
ACCOUNTS = Path(__file__).resolve().parent.parent / "tsunagu" / "accounts"


def _nav(html: str) -> str:
    found = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S)
    return found.group(0) if found else ""


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="(/staff/[^"]*)"', html))


def test_each_persona_sees_the_doors_its_roles_open(world):
    supervisor = _links(world.client("supervisor_a").get(DASHBOARD).content.decode())
    assert {"/staff/consultations/", "/staff/consultations/dashboard/", "/staff/referrals/"} <= supervisor
    assert "/staff/referrals/ledger/" in supervisor and "/staff/audit/" not in supervisor

    auditor = _links(world.client("auditor_c").get(DASHBOARD).content.decode())
    assert "/staff/audit/" in auditor and "/staff/directory/" in auditor
    assert not {"/staff/consultations/", "/staff/referrals/"} & auditor

    platform = world.client("platform_member_d").get(DASHBOARD).content.decode()
    assert "/staff/directory/" in _links(platform)
    assert not any(link.startswith(("/staff/consultations/", "/staff/referrals/")) for link in _links(platform))


def test_the_navigation_is_on_every_staff_page_with_its_counts_and_the_current_page(world):
    participate(world.organisations["A"])
    for n in range(2):
        consultation_services.chat_start(address=f"192.0.2.{n + 1}", at_risk=False, language="en")
    client = world.client("counsellor_a")
    client.cookies["django_language"] = "en"
    nav = _nav(client.get(reverse("directory:service_list")).content.decode())
    queue = re.search(r'<a href="/staff/consultations/"[^>]*>(.*?)</a>', nav, re.S)
    assert queue is not None
    assert 'class="count-badge" aria-hidden="true">2<' in queue.group(1)
    assert "2 waiting" in queue.group(1)  # what a screen reader says instead of the bare number
    assert re.search(r'<a href="/staff/directory/" aria-current="page">', nav)
    # On the queue itself, the queue's door is current, not the directory's.
    nav = _nav(client.get(reverse("consultations:queue")).content.decode())
    assert re.search(r'<a href="/staff/consultations/" aria-current="page">', nav)
    assert 'href="/staff/directory/" aria-current' not in nav


def test_a_count_of_zero_shows_no_badge(world):
    participate(world.organisations["A"])
    nav = _nav(world.client("counsellor_a").get(reverse("consultations:queue")).content.decode())
    assert "count-badge" not in nav


def test_a_new_app_adds_itself_by_declaring_a_door(world):
    """What the council, the platform and statistics will do: declare a door, edit no inner app."""
    door = Door(
        url_name="accounts:security",
        label="A door of an app to come",
        allowed=may_use_staff_pages,
        section=Section.WORK,
        count=lambda *, actor: 3,
        count_text=lambda n: f"{n} to read",
        in_navigation=True,
    )
    doors._registry.append(door)
    try:
        html = world.client("platform_member_d").get(DASHBOARD).content.decode()
    finally:
        doors._registry.remove(door)
    assert "A door of an app to come" in _nav(html)
    assert "3 to read" in html


def _strings(source: str) -> list[tuple[int, str]]:
    """The string constants of a module that are not docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_accounts_names_no_outer_app():
    """The dashboard used to link every app's pages by URL name; now accounts knows only its own."""
    outer = re.compile(r"\b(consultations|referrals|directory|portal|portal_staff|council|platform|stats):")
    found = []
    for path in ACCOUNTS.rglob("*.py"):
        if "tests" not in path.parts and "migrations" not in path.parts:
            found += [
                f"{path.name}:{n}" for n, text in _strings(path.read_text(encoding="utf-8")) if outer.search(text)
            ]
    for path in ACCOUNTS.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if outer.search(line):
                found.append(f"{path.name}:{number}")
    assert found == []
    # The check sees a link to an outer app, in a template or in code.
    assert outer.search("{% url 'consultations:queue' %}")
    assert _strings('"""A doc naming consultations:queue."""\nX = "referrals:list"\n') == [(2, "referrals:list")]
