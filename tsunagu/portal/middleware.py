"""やさしい日本語: furigana on the portal's HTML responses (furigana.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tsunagu.portal.furigana import annotate_html, furigana_for
from tsunagu.portal.models import ReadingOverride

#: The language code of やさしい日本語 (settings.LANGUAGES); only the portal is offered in it.
EASY_JAPANESE = "ja-easy"


class FuriganaMiddleware:
    """Adds ``<ruby>`` readings to the kanji of an HTML page in やさしい日本語.

    Only portal pages can be in ``ja-easy`` (their language comes from the ``/ja-easy/`` prefix;
    staff pages and the API are limited to Japanese and English), so the language decides. One
    query reads the override dictionary per page; the annotator and its per-text cache are reused
    while the dictionary is unchanged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "LANGUAGE_CODE", None) != EASY_JAPANESE
            or response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or response.has_header("Content-Encoding")
        ):
            return response
        charset = response.charset or "utf-8"
        overrides = ReadingOverride.objects.values_list("surface", "reading")
        furigana = furigana_for(overrides)
        response.content = annotate_html(response.content.decode(charset), furigana).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
