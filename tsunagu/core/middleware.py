from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
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
    """Gives every request an id (echoed as X-Request-ID) and records the client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request_context.RequestMeta(request_id=uuid.uuid4().hex, ip=_client_ip(request))
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
