"""JSON for the refusals under /api/hsds/ that no API view made (docs/api.md, "Errors").

Django answers some requests around the view with its HTML pages: an address no route matches
(404), a crash (500). (A Host that is not allowed is refused earlier, as JSON, by
``core.views.error_400``.) ``PublicApiMiddleware`` replaces
such an answer with this JSON, in the shape of the views' own errors, so a client of the API always
reads JSON.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse


def json_error(status: int, error: str, ja: str, en: str, **extra: Any) -> JsonResponse:
    """Every error of the API, in one shape: ``status``, ``error``, anything ``extra`` (the
    parameter at fault) and ``message.ja`` / ``message.en``."""
    return JsonResponse(
        {"status": status, "error": error, **extra, "message": {"ja": ja, "en": en}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


#: status -> (error code, Japanese, English)
_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "リクエストを読み取れませんでした。", "The request could not be read."),
    403: ("forbidden", "このリクエストは受け付けられません。", "This request is not accepted."),
    404: ("not_found", "見つかりません。", "Not found."),
    500: (
        "server_error",
        "サーバーでエラーが発生しました。しばらくしてからもう一度お試しください。",
        "Something went wrong on the server. Please try again in a moment.",
    ),
}


def error_response(status: int) -> JsonResponse:
    error, ja, en = _MESSAGES.get(status) or _MESSAGES[500 if status >= 500 else 400]
    return json_error(status, error, ja, en)


def is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"
