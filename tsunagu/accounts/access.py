"""Who may do what in accounts, and the doors every staff view goes through.

Each app's ``access.py`` is the one place where its rules are written (docs/architecture.md,
"Rules"): pure predicates such as ``may_manage_users(actor)`` that views, services, consumers and
the staff navigation all ask, and ``access_<thing>`` helpers that turn a refusal into the one
answer a view gives (404 when the actor may not know the record exists, 403 when it may know but
not act) with exactly one "denied" audit row written through ``deny``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from tsunagu.accounts import selectors, session_policy
from tsunagu.accounts.models import User
from tsunagu.accounts.policy import Actor, Perm, second_factor_required
from tsunagu.audit import aggregate
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.services import record_denied

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


# -- rules --------------------------------------------------------------------------------------


def may_use_staff_pages(actor: Actor) -> bool:
    return actor.has(Perm.DASHBOARD_VIEW)


def may_manage_organisations(actor: Actor) -> bool:
    return actor.has(Perm.ORGANISATION_MANAGE)


def may_manage_users(actor: Actor) -> bool:
    return actor.has(Perm.USER_MANAGE)


def may_see_users_personal_data(actor: Actor) -> bool:
    """A staff member's contact details (not residents' data) on the administration pages."""
    return actor.has(Perm.USER_PERSONAL_DATA_VIEW)


def may_read_audit_log(actor: Actor) -> bool:
    return actor.has(Perm.AUDIT_VIEW)


def may_verify_audit_chain(actor: Actor) -> bool:
    return actor.has(Perm.AUDIT_VERIFY)


# -- doors of views -----------------------------------------------------------------------------


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return actor


def actor_of_scope(scope: dict[str, Any]) -> Actor | None:
    """The signed-in staff member of a WebSocket, under the same session rules as a page (idle and
    absolute limits, the second factor their roles require), or None."""
    user = scope.get("user")
    session = scope.get("session")
    if not isinstance(user, User) or session is None or not user.is_active:
        return None
    if session_policy.expired_reason(session) is not None:
        return None
    if second_factor_required(selectors.roles_of_user(user=user)):
        device_id = session.get(DEVICE_ID_SESSION_KEY)
        device = Device.from_persistent_id(device_id) if device_id else None
        if device is None or device.user_id != user.pk:
            return None
    return selectors.actor_for(user=user, organisation_code=session.get(session_policy.ACTING_ORG))


def deny(request: HttpRequest, *, reason: str, target_type: str = "url", target_code: str = "") -> None:
    """Write the single "denied" audit row for a refused request. Someone not signed in is counted
    instead, per source and hour (``audit.aggregate``): anyone can ask for staff pages, and must not
    grow the audit trail at will (issue 15)."""
    actor = actor_of(request)
    if not actor.is_authenticated:
        aggregate.refusal_count(action=AuditTrailAction.ACCESS_DENIED, reason=reason)
        return
    match = request.resolver_match
    record_denied(
        actor=actor,
        action=AuditTrailAction.ACCESS_DENIED,
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
