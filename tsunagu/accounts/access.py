"""Access checks for every staff view: one decorator, one place that writes "denied" audit rows.

Later apps use ``staff_required`` and add their own ``access_<thing>`` helpers that call
``deny`` so every refusal leaves exactly one audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tsunagu.accounts import session_policy
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.audit.services import record_denied

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor


def deny(request: HttpRequest, *, reason: str, target_type: str = "url", target_code: str = "") -> None:
    """Write the single "denied" audit row for a refused request."""
    match = request.resolver_match
    record_denied(
        actor=actor_of(request),
        action="access.denied",
        target_type=target_type,
        target_code=target_code or (match.view_name if match else ""),
        detail={"reason": reason, "method": request.method or ""},
    )


def not_found(request: HttpRequest, *, target_type: str, target_code: str = "") -> Http404:
    """404 for records the actor may not know exist (or that do not exist): audited, indistinguishable."""
    deny(request, reason="not_found_or_hidden", target_type=target_type, target_code=target_code)
    return Http404()


def staff_required(perm: Perm | None = None, *, needs_organisation: bool = True) -> Callable[[View[P]], View[P]]:
    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            actor = actor_of(request)
            if not actor.is_authenticated:
                deny(request, reason="not_signed_in")
                return redirect_to_login(request.get_full_path())
            if needs_organisation and actor.organisation is None:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:org_select')}?{query}")
            if perm is not None and not actor.has(perm):
                deny(request, reason=f"missing_permission:{perm}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(View[P], wrapped)

    return decorator


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    # A path on this site only: redirect() would try "dashboard" or "?x=1" as a URL pattern name (500).
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def recent_authentication_required(view: View[P]) -> View[P]:
    """Step-up: the most sensitive actions need a password + code entered in the last few minutes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if session_policy.recently_authenticated(request.session):
            return view(request, *args, **kwargs)
        if request.method == "GET":
            back = request.get_full_path()
        else:
            back = safe_next(request, request.POST.get("next"), reverse("accounts:dashboard"))
        return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': back})}")

    return cast(View[P], wrapped)
