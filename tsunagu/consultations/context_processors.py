"""The alert banner on every staff page (docs/consultations.md, "Alerts").

``templates/base.html`` is a project template that every app's staff pages extend, so it may not
include a consultations template (the template import rule, docs/architecture.md): it prints
``staff_alerts.banner``, which this app renders from ``consultations/_alerts_banner.html``. The
object is lazy: nothing is read until a page that shows the banner renders it, nothing at all for
anyone who does not supervise, and one query (``selectors.open_alerts``) for a supervisor.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString

from tsunagu.accounts.policy import ANONYMOUS, Actor
from tsunagu.consultations import access, selectors, services
from tsunagu.consultations.models import Alert

SOCKET_PATH = "/ws/staff/alerts/"


class AlertBanner:
    """What a supervisor's pages show of the open alerts: the banner region (present, possibly empty,
    so the live channel can fill it) and, on the dashboard, the same list."""

    def __init__(self, request: HttpRequest, actor: Actor, *, via: str = "page") -> None:
        self.request = request
        self.actor = actor
        self.via = via  # how the alerts reach the screen: a page, or the live channel's fetch

    @cached_property
    def alerts(self) -> list[Alert]:
        found = selectors.open_alerts(actor=self.actor)
        if any(alert.shown_at is None for alert in found):
            services.alerts_mark_shown(actor=self.actor, alerts=found, via=self.via)
        return found

    @property
    def next_path(self) -> str:
        path = self.request.get_full_path()
        return path if url_has_allowed_host_and_scheme(path, allowed_hosts=None) else "/"

    @cached_property
    def banner(self) -> SafeString:
        context = {
            "alerts": self.alerts,
            "next_path": self.next_path,
            "socket_path": SOCKET_PATH,
            "csrf_token": get_token(self.request),
        }
        return render_to_string("consultations/_alerts_banner.html", context)

    @cached_property
    def recent(self) -> list[Alert]:
        """Open alerts and those raised in the last 24 hours (the dashboard's list)."""
        return selectors.alerts_recent(actor=self.actor, since=timezone.now() - dt.timedelta(hours=24))

    def __bool__(self) -> bool:
        return True


def staff_alerts(request: HttpRequest) -> dict[str, object]:
    actor: Actor = getattr(request, "actor", ANONYMOUS)

    def banner() -> AlertBanner | None:
        return AlertBanner(request, actor) if access.may_supervise(actor) else None

    return {"staff_alerts": SimpleLazyObject(banner)}
