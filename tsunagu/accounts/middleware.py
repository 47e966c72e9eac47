from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tsunagu.accounts import selectors, session_policy
from tsunagu.accounts.actions import AccountAction
from tsunagu.accounts.models import User
from tsunagu.accounts.policy import ANONYMOUS, Actor, second_factor_required
from tsunagu.audit import services as audit


class SessionPolicyMiddleware:
    """Ends sessions past the idle (30 min) or absolute (12 h) limit, or lacking a required second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User):
            reason = session_policy.expired_reason(request.session)
            verified = bool(getattr(user, "is_verified", lambda: False)())  # set by django-otp's middleware
            if reason is None and not verified and second_factor_required(selectors.roles_of_user(user=user)):
                reason = "second_factor"
            if reason is not None:
                audit.record(
                    actor=Actor(user=user),
                    action=AccountAction.SESSION_ENDED,
                    target_type="user",
                    target_code=user.code,
                    detail={"reason": reason},
                )
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect("accounts:login")
            session_policy.touch(request.session)
        return self.get_response(request)


class ActorMiddleware:
    """Sets ``request.actor``: the user, the organisation they act for, and their roles there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = self._actor(request)  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _actor(request: HttpRequest) -> Actor:
        user = request.user
        if not isinstance(user, User):
            return ANONYMOUS
        chosen = request.session.get(session_policy.ACTING_ORG)
        return selectors.actor_for(user=user, organisation_code=chosen)
