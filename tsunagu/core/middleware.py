from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control

from tsunagu.core import request_context


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a reverse proxy in front must set it (documented in docs/operations.md).
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records the client address. The audit
    trail keeps that address only for staff actors (``audit.services._append``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request_context.RequestMeta(request_id=uuid.uuid4().hex, ip=_client_ip(request))
        request.META[request_context.REQUEST_ID_META] = meta.request_id
        token = request_context.activate(meta)
        try:
            response = self.get_response(request)
        finally:
            request_context.deactivate(token)
        response["X-Request-ID"] = meta.request_id
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every dynamic response.

    Authenticated pages must never be cached (security.md 14.3.2); anonymous pages carry CSRF
    tokens or, later, a resident's answers. Views that are safe to cache opt out explicitly by
    setting their own Cache-Control header with ``public``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        if authenticated or "public" not in response.get("Cache-Control", ""):
            # "private" makes patch_cache_control drop any "public" a view set.
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


#: Paths whose language comes from the language cookie or the browser (staff pages, the API), not
#: from a URL prefix; they are offered in STAFF_LANGUAGES only.
_COOKIE_LANGUAGE_PREFIXES = ("/staff/", "/api/", "/i18n/", "/healthz", "/static/")


class LanguageMiddleware(LocaleMiddleware):
    """Public pages take their language from the URL prefix (none means Japanese), so choosing a
    language needs no cookie. Staff pages and the API keep the language cookie or the browser's
    preference, limited to ``settings.STAFF_LANGUAGES`` (English for any other preference)."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(_COOKIE_LANGUAGE_PREFIXES):
            super().process_request(request)
            return
        language = translation.get_language_from_request(request, check_path=False)
        staff = [code for code, _name in settings.STAFF_LANGUAGES]
        if language not in staff:
            language = settings.LANGUAGE_CODE if language.split("-")[0] == settings.LANGUAGE_CODE else staff[-1]
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
