"""What every request under /api/hsds/ gets before and after the view.

- **No cookies in or out.** The request's ``Cookie`` header is dropped before the session and
  authentication middleware run, so the API never loads, touches or renews a staff session, and a
  signed-in staff member gets exactly what an anonymous caller gets. Any cookie set below is removed
  from the answer.
- **JSON, errors included.** An error answer that is not JSON (Django's page for an address no
  route serves, or a crash) is replaced by the same status as JSON (``errors.py``).
- **A rate limit per client** (address, or IPv6 /64): over ``TSUNAGU_API_RATE_LIMIT_PER_MINUTE``
  the answer is 429 with ``Retry-After`` and a JSON message, before any database work.
- **CORS for open data:** ``Access-Control-Allow-Origin: *`` and never credentials.
- **Read-only:** any method but GET and HEAD is answered here with a JSON 405, before the CSRF
  middleware could answer a POST with its HTML 403 (the API has no session, so no CSRF token).

It sits in ``settings.MIDDLEWARE`` inside the request-context and security-header middleware (so
its 405 and 429 carry the headers, a request id and no-store) and before the session middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from tsunagu.core import request_context
from tsunagu.directory.api import errors, ratelimit

PREFIX = "/api/hsds/"


def too_many_requests(retry_after: int) -> JsonResponse:
    response = errors.json_error(
        429,
        "too_many_requests",
        f"リクエストが多すぎます。{retry_after} 秒後にもう一度お試しください。",
        f"Too many requests. Try again in {retry_after} seconds.",
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


#: The methods the API answers; every other one is a 405 (docs/api.md).
ALLOWED_METHODS = ("GET", "HEAD")


def method_not_allowed() -> JsonResponse:
    response = errors.json_error(
        405,
        "method_not_allowed",
        "このAPIは読み取り専用です (GET と HEAD のみ)。",
        "This API is read-only (GET and HEAD only).",
    )
    response["Allow"] = ", ".join(ALLOWED_METHODS)
    return response


class PublicApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        meta = request_context.current()
        wait = ratelimit.hit(
            ratelimit.client_key(meta.ip if meta else None), limit=settings.TSUNAGU_API_RATE_LIMIT_PER_MINUTE
        )
        response: HttpResponse
        if wait is not None:
            response = too_many_requests(wait)
        elif request.method not in ALLOWED_METHODS:
            response = method_not_allowed()
        else:
            response = self.get_response(request)
            if response.status_code >= 400 and not errors.is_json(response):
                # Django's own HTML page (no route, a crash): the same status, as JSON.
                response = errors.error_response(response.status_code)
        # Nothing below may set a cookie on an API answer (a page that rendered a CSRF token would).
        response.cookies.clear()
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "Retry-After, X-Request-ID"
        return response
