"""Signing in (password, then a one-time code), second-factor set-up, step-up, signing out."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts import doors, selectors, services, session_policy
from tsunagu.accounts.access import actor_of, recent_authentication_required, safe_next, staff_required
from tsunagu.accounts.actions import AccountAction
from tsunagu.accounts.demo import DEMO_PASSWORD
from tsunagu.accounts.forms import (
    LoginForm,
    OrganisationSelectForm,
    PasswordChangeForm,
    ReauthForm,
    SetupTokenForm,
    TokenForm,
)
from tsunagu.accounts.models import User
from tsunagu.accounts.policy import Actor, Perm, second_factor_required
from tsunagu.audit import aggregate
from tsunagu.audit.services import record, record_denied

PENDING_SECONDS = 10 * 60
MAX_CODE_FAILURES = 5


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user who has given a correct password and has yet to give a one-time code."""
    state = request.session.get(session_policy.PENDING)
    if not isinstance(state, dict) or session_policy.now() - int(state.get("at", 0)) > PENDING_SECONDS:
        return None
    user = selectors.active_user(pk=int(state.get("user", 0)))
    return (user, state) if user is not None else None


def _start_pending(request: HttpRequest, user: User, *, stage: str, next_url: str) -> None:
    request.session.cycle_key()
    request.session[session_policy.PENDING] = {
        "user": user.pk,
        "at": session_policy.now(),
        "stage": stage,
        "next": next_url,
        "failures": 0,
    }


def _complete_login(request: HttpRequest, user: User, device: Any, next_url: str) -> str:
    request.session.pop(session_policy.PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    session_policy.mark_signed_in(request.session)
    record(
        actor=Actor(user=user),
        action=AccountAction.SIGNED_IN,
        target_type="user",
        target_code=user.code,
        detail={"second_factor": device is not None},
    )
    if len(selectors.organisations_of_user(user=user)) > 1:
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        return f"{reverse('accounts:org_select')}{query}"
    return next_url or reverse("accounts:dashboard")


def _demo_context() -> dict[str, object]:
    if not settings.TSUNAGU_DEMO:
        return {}
    return {"demo_codes": _demo_codes(), "demo_password": DEMO_PASSWORD}


def _demo_codes() -> list[dict[str, str]]:
    """Demo mode only: current one-time codes of the demo users, so the demo needs no authenticator app."""
    rows = []
    for device in selectors.demo_devices():
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        rows.append({"username": device.user.username, "code": f"{code:0{device.digits}d}"})
    return sorted(rows, key=lambda row: row["username"])


def _locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def _lockout(request: HttpRequest, username: str) -> HttpResponse:
    # AxesMiddleware replaces this response with the lockout page (HTTP 429).
    request.axes_locked_out = True  # type: ignore[attr-defined]
    request.axes_credentials = {"username": username}  # type: ignore[attr-defined]
    return HttpResponse(status=429)


def _code_failed(request: HttpRequest, user: User, action: AccountAction) -> None:
    record_denied(actor=Actor(user=user), action=action, target_type="user", target_code=user.code)
    # Counted by django-axes like a wrong password, so codes cannot be guessed without lockout.
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:dashboard")
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return _lockout(request, username)
        if user is None:
            # One message whether the account exists, is inactive or the password is wrong (6.3.8).
            # Counted per source and hour, in the audit trail as one row each (anyone can send wrong
            # passwords, and must not grow the trail at will); django-axes limits the attempts.
            aggregate.refusal_count(action=AccountAction.SIGN_IN_FAILED, reason="password")
            form.add_error(None, _("The username or password is not correct."))
        else:
            assert isinstance(user, User)
            has_device = selectors.user_has_second_factor(user=user)
            if has_device:
                _start_pending(request, user, stage="verify", next_url=next_url)
                return redirect("accounts:login_code")
            if second_factor_required(selectors.roles_of_user(user=user)):
                _start_pending(request, user, stage="setup", next_url=next_url)
                return redirect("accounts:second_factor_setup")
            request.session.cycle_key()
            return redirect(_complete_login(request, user, None, next_url))
    return render(request, "accounts/login.html", {"form": form, "next": next_url, **_demo_context()})


def _sign_in_again(request: HttpRequest) -> None:
    """Tells a person whose sign-in in progress has ended to start again. Without a session there
    was none (a bookmark, a probe, a made-up cookie): the redirect alone answers, and no message
    cookie is set on an anonymous answer (issue 15)."""
    key = request.session.session_key
    if key is not None and request.session.exists(key):
        messages.info(request, _("Please sign in again."))


@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None or pending[1].get("stage") != "verify":
        _sign_in_again(request)
        return redirect("accounts:login")
    user, state = pending
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _locked_out(request, user.username):
            return _lockout(request, user.username)
        device = match_token(user, form.cleaned_data["token"]) if form.is_valid() else None
        if device is not None:
            return redirect(_complete_login(request, user, device, state.get("next", "")))
        if form.is_valid():
            _code_failed(request, user, AccountAction.CODE_FAILED)
            state["failures"] = int(state.get("failures", 0)) + 1
            if state["failures"] >= MAX_CODE_FAILURES:
                request.session.pop(session_policy.PENDING, None)
                messages.error(request, _("Too many wrong codes. Please sign in again."))
                return redirect("accounts:login")
            request.session[session_policy.PENDING] = state
            form.add_error("token", _("The code is not correct. Check the time on your device and try again."))
    return render(request, "accounts/login_code.html", {"form": form, **_demo_context()})


def _qr_svg(device: TOTPDevice) -> str:
    qr = segno.make(device.config_url, error="m")
    # omitsize: a viewBox instead of a fixed width and height, so the stylesheet scales the whole code
    # rather than cutting off its edge (a cropped QR code cannot be scanned).
    return str(qr.svg_inline(scale=4, title=_("QR code for your authenticator app"), border=2, omitsize=True))


def _secret_for_typing(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def second_factor_setup_view(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None or pending[1].get("stage") != "setup":
        _sign_in_again(request)
        return redirect("accounts:login")
    user, state = pending
    device = services.totp_device_start(actor=Actor(user=user), user=user)
    form = SetupTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if _locked_out(request, user.username):
            return _lockout(request, user.username)
        try:
            codes = services.totp_device_confirm(
                actor=Actor(user=user), device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            _code_failed(request, user, AccountAction.SETUP_CODE_FAILED)
            form.add_error("token", exc)
        else:
            continue_url = _complete_login(request, user, device, state.get("next", ""))
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": continue_url})
    context = {"form": form, "qr_svg": _qr_svg(device), "secret": _secret_for_typing(device)}
    return render(request, "accounts/second_factor_setup.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record(
            actor=actor_of(request), action=AccountAction.SIGNED_OUT, target_type="user", target_code=request.user.code
        )  # type: ignore[union-attr]
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@sensitive_post_parameters("password", "token")
@require_http_methods(["GET", "POST"])
@staff_required(needs_organisation=False)
def reauth_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("accounts:dashboard"))
    has_device = selectors.user_has_second_factor(user=user)
    form = ReauthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if _locked_out(request, user.username):
            return _lockout(request, user.username)
        password_ok = user.check_password(form.cleaned_data["password"])
        code_ok = (not has_device) or (password_ok and match_token(user, form.cleaned_data["token"]) is not None)
        if password_ok and code_ok:
            session_policy.mark_reauthenticated(request.session)
            record(
                actor=actor_of(request), action=AccountAction.REAUTHENTICATED, target_type="user", target_code=user.code
            )
            return redirect(next_url)
        _code_failed(request, user, AccountAction.REAUTH_FAILED)
        form.add_error(None, _("The password or code is not correct."))
    return render(request, "accounts/reauth.html", {"form": form, "next": next_url, "has_device": has_device})


@require_http_methods(["GET", "POST"])
@staff_required(needs_organisation=False)
def org_select_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    organisations = selectors.organisations_of_user(user=user)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("accounts:dashboard"))
    form = OrganisationSelectForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        request.session[session_policy.ACTING_ORG] = form.cleaned_data["organisation"]
        actor = selectors.actor_for(user=user, organisation_code=form.cleaned_data["organisation"])
        record(
            actor=actor,
            action=AccountAction.ORGANISATION_SELECTED,
            target_type="organisation",
            target_code=form.cleaned_data["organisation"],
        )
        return redirect(next_url)
    context = {"form": form, "organisations": organisations, "next": next_url}
    return render(request, "accounts/org_select.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET"])
@staff_required(Perm.DASHBOARD_VIEW)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    # Each door's figure is counted once for both the dashboard and the navigation bar.
    opened = doors.doors_for(actor_of(request))
    context = {"sections": doors.sections(opened), "staff_doors": doors.navigation(opened, path=request.path)}
    return render(request, "accounts/dashboard.html", context)


@require_http_methods(["GET"])
@staff_required(needs_organisation=False)
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context = {
        "has_device": selectors.user_has_second_factor(user=user),
        "password_form": PasswordChangeForm(),
    }
    return render(request, "accounts/security.html", context)


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@require_POST
@staff_required(needs_organisation=False)
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        if not user.check_password(form.cleaned_data["current_password"]):
            _code_failed(request, user, AccountAction.PASSWORD_CHANGE_FAILED)
            form.add_error("current_password", _("The current password is not correct."))
        else:
            try:
                services.user_set_password(
                    actor=actor_of(request), user=user, password=form.cleaned_data["new_password"], by_self=True
                )
            except ValidationError as exc:
                form.add_error("new_password", exc)
            else:
                update_session_auth_hash(request, user)  # this session stays, the others end
                messages.success(request, _("Your password has been changed. Other sessions have been signed out."))
                return redirect("accounts:security")
    has_device = selectors.user_has_second_factor(user=user)
    return render(request, "accounts/security.html", {"has_device": has_device, "password_form": form}, status=400)


@require_POST
@staff_required(needs_organisation=False)
@recent_authentication_required
def recovery_codes_regenerate_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    codes = services.recovery_codes_regenerate(actor=actor_of(request), user=user)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": reverse("accounts:security")}
    )


@require_POST
@staff_required(needs_organisation=False)
@recent_authentication_required
def second_factor_replace_view(request: HttpRequest) -> HttpResponse:
    """Removes the current authenticator and signs out; the next sign-in sets up a new one."""
    user = request.user
    assert isinstance(user, User)
    services.second_factor_reset(actor=actor_of(request), user=user)
    logout(request)
    messages.info(request, _("Your authenticator has been removed. Sign in again to set up a new one."))
    return redirect("accounts:login")
