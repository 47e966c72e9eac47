"""Panels beside a conversation that other apps provide (the referral, つなぎ, is one), without
this app importing them: an app declares ``PANELS`` in its own ``consultation_panels.py``; the
consultation page renders each panel the actor may use, in order.

A panel is a template and a function that builds its context for (request, consultation), or
returns None when the panel has nothing for this actor. Its forms post to the app's own URLs,
which come back to the consultation page (so the conversation stays open), and with JavaScript
save in place (``data-in-place`` in staff.js).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.template.loader import render_to_string

from tsunagu.consultations.models import Consultation


@dataclass(frozen=True)
class Panel:
    id: str
    template: str
    context: Callable[[HttpRequest, Consultation], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    id: str
    link_label: str
    html: str


_registry: list[Panel] = []
_discovered: list[bool] = []


def discover() -> None:
    """Collect ``PANELS`` from the ``consultation_panels`` module of every tsunagu app (idempotent)."""
    found: list[Panel] = []
    for config in apps.get_app_configs():
        name = f"{config.name}.consultation_panels"
        if config.name.startswith("tsunagu.") and importlib.util.find_spec(name) is not None:
            found.extend(importlib.import_module(name).PANELS)
    _registry[:] = sorted(found, key=lambda panel: (panel.order, panel.id))
    _discovered[:] = [True]


def panels_for(request: HttpRequest, consultation: Consultation, **extra: Any) -> list[ShownPanel]:
    if not _discovered:  # once per process, on the first consultation page
        discover()
    shown = []
    for panel in _registry:
        context = panel.context(request, consultation)
        if context is not None:
            html = render_to_string(panel.template, {"panel": {**context, **extra}}, request=request)
            shown.append(ShownPanel(id=panel.id, link_label=str(context.get("link_label", "")), html=html))
    return shown
