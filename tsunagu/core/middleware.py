from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware import csrf, security
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


class AllowedHostMiddleware:
    """Refuses a Host outside ``ALLOWED_HOSTS`` first, with Django's 400 and every security header.

    Django's ``SecurityMiddleware`` reads the Host for its HTTPS redirect (production) before
    anything else runs; a bad Host raised there, and the 400 skipped the headers that middleware
    adds (``nosniff``, ``Referrer-Policy``). Refused here, just outside it, the 400 gets them from
    Django's own code, and the other headers from the middleware around this one. Static files are
    refused for a bad Host as well.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.security = security.SecurityMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as refused:
            response: HttpResponse = self.security.process_response(request, response_for_exception(request, refused))
            return response
        return self.get_response(request)


_CSRF_COOKIE_CHARS = frozenset(csrf.CSRF_ALLOWED_CHARS)


def _well_formed_csrf_cookie(value: str) -> bool:
    return len(value) in (csrf.CSRF_SECRET_LENGTH, csrf.CSRF_TOKEN_LENGTH) and set(value) <= _CSRF_COOKIE_CHARS


class MalformedCsrfCookieMiddleware:
    """Right before Django's ``CsrfViewMiddleware``: a malformed CSRF cookie counts as no cookie.

    Django answers a malformed cookie with a new one on whatever page it was sent to, so anyone could
    make any page, even one without a form (the portal's), set a cookie. Dropped here, a new cookie is
    set only by a page that renders a CSRF token, as for a visitor without one; a POST that relied on
    the malformed cookie is refused as before (403, "CSRF cookie not set").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = settings.CSRF_COOKIE_NAME
        if not settings.CSRF_USE_SESSIONS and not _well_formed_csrf_cookie(request.COOKIES.get(name, "")):
            request.COOKIES.pop(name, None)
        return self.get_response(request)


class HeadAsGetMiddleware:
    """HEAD is answered exactly as GET, without the body (RFC 9110, 9.3.2), for anyone not signed in:
    the portal, the chat's pages, the sign-in page, and the redirect of a staff page to sign-in.

    The views say which methods they accept with ``require_GET`` and ``require_http_methods``, and
    most name GET only, so HEAD was a 405. Instead of widening every list, the view sees a GET (set
    in ``process_view``, once authentication has run) and the body is dropped on the way out;
    ``Content-Length`` still says what GET would send. WhiteNoise, above, answers HEAD for static
    files itself, and the API's views take HEAD themselves.

    A signed-in person's HEAD keeps the view's own methods (a 405 where it names GET only): a staff
    page's GET writes its read, and an export its "exported", to the audit trail, which a HEAD that
    sends nothing must not do (link checkers and prefetchers send HEAD).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return self.get_response(request)
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if isinstance(response, StreamingHttpResponse):
            # The file or generator stays registered and is closed when the answer is finished.
            response.streaming_content = []
        else:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        user = getattr(request, "user", None)
        if request.method == "HEAD" and not (user is not None and user.is_authenticated):
            request.method = "GET"
