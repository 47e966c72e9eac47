"""Doors: how the staff dashboard and navigation learn what each app offers, without naming any app.

Every app that has staff pages declares them in its own ``doors.py`` as a list named ``DOORS``::

    DOORS = [
        Door(
            url_name="consultations:queue",
            label=_("Shared queue"),
            allowed=access.may_answer_queue,      # a predicate of the app's access.py
            count=selectors.waiting_count,        # optional: a live figure shown beside the label
            count_text=lambda n: ngettext("%(n)d waiting", "%(n)d waiting", n) % {"n": n},
        ),
    ]

``accounts`` finds those modules when Django starts (``AccountsConfig.ready``) and assembles the
dashboard (where everyone lands after signing in) and the navigation on every staff page from them, so a new
app adds itself without editing ``accounts`` or any other inner app (docs/architecture.md, "Doors").
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts import access
from tsunagu.accounts.policy import Actor


class Section(models.IntegerChoices):
    """Where a door stands on the dashboard (in this order)."""

    WORK = 1, _("Work")
    DIRECTORY = 2, _("Support directory")
    ADMINISTRATION = 3, _("Administration")


class ActorCount(Protocol):
    """A selector that counts something for the actor (keyword-only, as every selector)."""

    def __call__(self, *, actor: Actor) -> int: ...


@dataclass(frozen=True)
class Door:
    url_name: str
    label: Promise | str
    allowed: Callable[[Actor], bool]
    section: Section = Section.WORK
    description: Promise | str = ""
    # A live figure for the actor ("2 waiting", "3 unread"): one cheap COUNT query, shown only when
    # it is not zero. ``count_text`` says what the number means, for the label and screen readers.
    count: ActorCount | None = None
    count_text: Callable[[int], str] | None = None
    # Also in the navigation bar on every staff page (the dashboard lists every door).
    in_navigation: bool = False
    order: int = 100


@dataclass(frozen=True)
class OpenDoor:
    """A door as one actor sees it now."""

    door: Door
    url: str
    count: int
    count_text: str
    current: bool = False

    @property
    def label(self) -> str:
        return str(self.door.label)

    @property
    def description(self) -> str:
        return str(self.door.description)


_registry: list[Door] = []


def discover() -> None:
    """Collect ``DOORS`` from the ``doors`` module of every tsunagu app that has one (idempotent)."""
    found: list[Door] = []
    for config in apps.get_app_configs():
        name = f"{config.name}.doors"
        if config.name.startswith("tsunagu.") and importlib.util.find_spec(name) is not None:
            found.extend(importlib.import_module(name).DOORS)
    _registry[:] = sorted(found, key=lambda door: (door.section, door.order, door.url_name))


def _open(door: Door, actor: Actor) -> OpenDoor:
    count = door.count(actor=actor) if door.count is not None else 0
    text = door.count_text(count) if door.count_text is not None and count else ""
    return OpenDoor(door=door, url=reverse(door.url_name), count=count, count_text=text)


def doors_for(actor: Actor, *, navigation_only: bool = False) -> list[OpenDoor]:
    """Every door the actor may open (or only those of the navigation), in dashboard order, each
    with its live figure counted once."""
    if not actor.is_authenticated or actor.organisation is None:
        return []
    return [
        _open(door, actor) for door in _registry if (door.in_navigation or not navigation_only) and door.allowed(actor)
    ]


def navigation(opened: list[OpenDoor], *, path: str) -> list[OpenDoor]:
    """The doors of the navigation bar; the one whose page (or section of pages) the path is in is
    current (the longest matching address wins, so a sub-page marks its own door)."""
    shown = [d for d in opened if d.door.in_navigation]
    matching = [d for d in shown if path.startswith(d.url)]
    current = max(matching, key=lambda d: len(d.url)) if matching else None
    return [
        OpenDoor(door=d.door, url=d.url, count=d.count, count_text=d.count_text, current=d is current) for d in shown
    ]


def sections(opened: list[OpenDoor]) -> list[tuple[str, list[OpenDoor]]]:
    """The dashboard: each section's label with the doors the actor may open there."""
    return [
        (str(section.label), [d for d in opened if d.door.section == section])
        for section in Section
        if any(d.door.section == section for d in opened)
    ]


# accounts' own doors: the administration of organisations and users, and the audit log.
DOORS = [
    Door(
        url_name="accounts:organisation_list",
        label=_("Organisations"),
        description=_("Register organisations and switch them on or off."),
        allowed=access.may_manage_organisations,
        section=Section.ADMINISTRATION,
        in_navigation=True,
        order=10,
    ),
    Door(
        url_name="accounts:user_list",
        label=_("Users and roles"),
        description=_("Staff accounts, their roles in each organisation, and their second factor."),
        allowed=access.may_manage_users,
        section=Section.ADMINISTRATION,
        in_navigation=True,
        order=20,
    ),
    Door(
        url_name="accounts:audit_log",
        label=_("Audit log"),
        description=_("Who did what, when, on whose behalf; and a check that no entry was altered."),
        allowed=access.may_read_audit_log,
        section=Section.ADMINISTRATION,
        in_navigation=True,
        order=30,
    ),
]
