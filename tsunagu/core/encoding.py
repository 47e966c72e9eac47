"""A form arrives in the character set it declares, or it is refused (docs/security.md, "Input").

Django reads forms leniently. An urlencoded body that is not valid UTF-8 is decoded as Latin-1 as a
whole, and a byte that is not valid in a field becomes U+FFFD, so a person's message would be stored
garbled and nobody would know. An unknown charset is ignored and the body read as UTF-8.

``FormEncodingMiddleware`` reads every form POST (``application/x-www-form-urlencoded`` and
``multipart/form-data``) before anything else does and answers 400, with a message in the page's
language and nothing stored (the view never runs), when:

- the declared charset is not a text encoding Python knows;
- an urlencoded body is not UTF-8: raw, or once its ``%XX`` escapes are decoded (UTF-8 is the only
  charset of that type, and Django refuses a declared other one as well);
- a multipart field's value is not valid in the declared charset (UTF-8 when none is declared), or
  a part's headers are not valid UTF-8 (Django would drop the part without a word).

Uploaded files are not decoded: their contents are bytes, and an import file may well be Shift_JIS.
A malformed multipart body gets the same 400 instead of Django's bare one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import tempfile
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import (
    FIELD,
    FILE,
    ChunkIter,
    LazyStream,
    MultiPartParser,
    MultiPartParserError,
    Parser,
)
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_CHUNK = 64 * 1024


class Unreadable(Exception):
    """The form is not valid in its declared charset (or declares one that is not a charset)."""


def _charset(request: HttpRequest) -> str:
    declared = request.content_params.get("charset") if request.content_params else None
    charset = declared or settings.DEFAULT_CHARSET
    try:
        # LookupError for an unknown name and for codecs that are not text (base64); an empty
        # bytes object would be decoded without looking the codec up at all.
        b"a".decode(charset, "ignore")
    except LookupError as unknown:
        raise Unreadable from unknown
    return charset


def check_urlencoded(body: bytes, charset: str) -> None:
    if charset.lower() != "utf-8":
        raise Unreadable
    try:
        parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise Unreadable from error


def _drain(part: Any) -> None:
    while part.read(_CHUNK):
        pass


def check_multipart(stream: Any, boundary: bytes, charset: str) -> None:
    """Every field's value decodes in ``charset``; every part's headers are UTF-8 (how Django reads
    them). ``stream`` is read to its end."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        for item_type, meta, part in Parser(LazyStream(ChunkIter(stream, _CHUNK)), boundary):
            if item_type == FILE:
                _drain(part)
                continue
            data = part.read(size=limit + 1 if limit is not None else None)
            _drain(part)
            if item_type == FIELD:
                encoding = meta.get("content-transfer-encoding")
                if encoding is not None and encoding[0].strip() == "base64":
                    with contextlib.suppress(binascii.Error):  # Django keeps the raw bytes then
                        data = base64.b64decode(data)
                data.decode(charset)
            else:
                # A part without a readable Content-Disposition (or the preamble): Django ignores
                # it, so a header it could not decode would lose a field without a word.
                header_end = data.find(b"\r\n\r\n")
                if header_end != -1:
                    data[:header_end].decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable from error


class _CheckedFirst(FileUploadHandler):
    """Takes over the parsing of a multipart body (Django's documented ``handle_raw_input`` hook):
    keeps the body in a spooled file (memory, then disk, like Django's own uploads), checks it,
    then lets Django parse it with the other upload handlers."""

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: str, encoding: str | None = None
    ) -> tuple[Any, Any]:
        assert self.request is not None
        with tempfile.SpooledTemporaryFile(
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        ) as spooled:
            left = content_length
            while left > 0:
                chunk = input_data.read(min(_CHUNK, left))
                if not chunk:
                    break
                spooled.write(chunk)
                left -= len(chunk)
            spooled.seek(0)
            # Django passes the boundary as bytes (its stubs say str).
            check_multipart(spooled, cast(bytes, boundary), encoding or settings.DEFAULT_CHARSET)
            spooled.seek(0)
            others = [handler for handler in self.request.upload_handlers if handler is not self]
            post, files = MultiPartParser(META, spooled, others, encoding).parse()
        return post, files


def refusal(request: HttpRequest) -> HttpResponse:
    """400 in the page's language: the chat's JavaScript asks for JSON, a plain form gets a page."""
    title = _("The form could not be read")
    text = _(
        "Some of the text that was sent is not valid UTF-8 (or not valid in the character set the form "
        "declared), so nothing was saved. Please go back and send it again."
    )
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"error": text}, status=400)
    else:
        page = format_html(
            '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title></head>'
            "<body><main><h1>{}</h1><p>{}</p></main></body></html>",
            translation.get_language() or settings.LANGUAGE_CODE,
            title,
            title,
            text,
        )
        response = HttpResponse(page, status=400, content_type="text/html; charset=utf-8")
    # The security headers and no-store come from the middleware around this one (settings.MIDDLEWARE).
    return response


class FormEncodingMiddleware:
    """Refuses a form POST that is not valid in its declared charset, before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in (_URLENCODED, _MULTIPART):
            try:
                charset = _charset(request)
                if request.content_type == _URLENCODED:
                    check_urlencoded(request.body, charset)
                else:
                    request.upload_handlers = [_CheckedFirst(request), *request.upload_handlers]
                    request.POST  # noqa: B018 - parses (and checks) the body now, before any view
            except (Unreadable, MultiPartParserError, UnreadablePostError):
                return refusal(request)
        return self.get_response(request)
