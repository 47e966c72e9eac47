"""The auditor's pages: the audit trail with filters, its CSV export, and verification of its HMAC chain.

They live here, with the other administration pages, because ``audit`` is an inner app that
every other app imports and so must not depend on ``accounts``. What a row says (labels, readable
details, times in JST) comes from ``tsunagu.audit.display``, so the page and the CSV agree.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterator
from itertools import islice
from typing import Any, cast
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts import selectors as accounts_selectors
from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.forms import AuditFilterForm
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Perm
from tsunagu.audit import display, selectors
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import record, verify_chain

PAGE_SIZE = 50
# Rows per chunk of the CSV: one database fetch and one write to the client each.
CSV_CHUNK_ROWS = 500


def _form(request: HttpRequest, organisations: list[Organisation]) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None, organisations=organisations, unlisted_actions=selectors.unlisted_actions()
    )


def _events(form: AuditFilterForm, *, up_to_seq: int | None = None) -> QuerySet[AuditEvent]:
    filters: dict[str, Any] = form.cleaned_data if form.is_bound else {}
    return selectors.event_list(
        action=filters.get("action") or "",
        outcome=filters.get("outcome") or "",
        actor_label=filters.get("actor") or "",
        target_code=filters.get("target") or "",
        org_code=filters.get("organisation"),
        since=filters.get("since"),
        until=filters.get("until"),
        up_to_seq=up_to_seq,
    )


def _page(request: HttpRequest, form: AuditFilterForm, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "accounts/audit/log.html",
        {"form": form, "rows": None, "key_separator": display.key_separator(), **context},
        status=status,
    )


@require_GET
@staff_required(Perm.AUDIT_VIEW)
def audit_log_view(request: HttpRequest) -> HttpResponse:
    organisations = list(accounts_selectors.organisation_list())
    form = _form(request, organisations)
    if form.is_bound and not form.is_valid():
        # Nothing listed: rows under filters the auditor did not mean would be read as the answer.
        return _page(request, form, {}, status=400)
    page = Paginator(_events(form), PAGE_SIZE).get_page(request.GET.get("page"))
    names = {str(o.code): o.name for o in organisations}
    rows = [display.shown(event, organisation_names=names) for event in page]
    used = form.used()
    record(actor=actor_of(request), action=AuditTrailAction.LOG_READ, detail={"filters": used})
    return _page(request, form, {"page": page, "rows": rows, "query": urlencode(used)})


class _Line:
    """What ``csv.writer`` writes into: it hands each formatted line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _csv_chunks(events: Iterator[AuditEvent], *, language: str) -> Iterator[bytes]:
    """The CSV in chunks of rows, UTF-8 with a BOM (so spreadsheet software in Japan reads it as UTF-8).
    The language is set around each chunk: the chunks are made after the view has returned."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    with translation.override(language):
        header: str = writer.writerow(display.csv_header())
    yield ("\ufeff" + header).encode("utf-8")
    while True:
        with translation.override(language):
            lines: list[str] = [writer.writerow(display.csv_row(event)) for event in islice(events, CSV_CHUNK_ROWS)]
        if not lines:
            return
        yield "".join(lines).encode("utf-8")


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


async def _served_async(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Under ASGI (daphne), Django reads a synchronous iterator whole before it sends anything; this
    pulls one chunk at a time instead, in the thread the view ran in (the database stays synchronous)."""
    pull = sync_to_async(_next_chunk, thread_sensitive=True)
    while (chunk := await pull(chunks)) is not None:
        yield chunk


@require_GET
@staff_required(Perm.AUDIT_VIEW)
def audit_export_view(request: HttpRequest) -> HttpResponse:
    """Exactly the rows the same filters list on the page, as they stood when the export began."""
    organisations = list(accounts_selectors.organisation_list())
    form = _form(request, organisations)
    if form.is_bound and not form.is_valid():
        return _page(request, form, {}, status=400)
    # Fixed before the export's own row is written: the file holds the rows that existed when asked.
    events = _events(form, up_to_seq=selectors.last_seq())
    record(
        actor=actor_of(request),
        action=AuditTrailAction.LOG_EXPORTED,
        detail={"filters": form.used(), "count": events.count()},
    )
    chunks = _csv_chunks(events.iterator(chunk_size=CSV_CHUNK_ROWS), language=translation.get_language())
    content = _served_async(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    # The file name carries no personal data: the date only.
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    # staff_required is typed for HttpResponse; a streaming response passes through it untouched.
    return cast(HttpResponse, response)


@require_POST
@staff_required(Perm.AUDIT_VERIFY)
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    record(
        actor=actor_of(request),
        action=AuditTrailAction.CHAIN_VERIFIED,
        detail={"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq},
    )
    return render(request, "accounts/audit/verify.html", {"result": result}, status=200 if result.ok else 409)
