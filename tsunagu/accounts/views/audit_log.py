"""The auditor's pages: the audit trail with filters, and verification of its HMAC chain.

They live here, with the other administration pages, because ``audit`` is an inner app that
every other app imports and so must not depend on ``accounts``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts import selectors as accounts_selectors
from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.forms import AuditFilterForm
from tsunagu.accounts.policy import Perm
from tsunagu.audit import selectors
from tsunagu.audit.services import record, verify_chain

PAGE_SIZE = 50


@require_http_methods(["GET"])
@staff_required(Perm.AUDIT_VIEW)
def audit_log_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, organisations=list(accounts_selectors.organisation_list()))
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.event_list(
        action=filters.get("action", ""),
        outcome=filters.get("outcome", ""),
        actor_label=filters.get("actor", ""),
        target_code=filters.get("target", ""),
        org_code=filters.get("organisation"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    record(
        actor=actor_of(request), action="audit.viewed", detail={"filters": sorted(k for k, v in filters.items() if v)}
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "accounts/audit/log.html",
        {"form": form, "page": page, "query": query.urlencode(), "actions": selectors.action_names()},
        status=status,
    )


@require_POST
@staff_required(Perm.AUDIT_VERIFY)
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    record(
        actor=actor_of(request),
        action="audit.verified",
        detail={"ok": result.ok, "checked": result.checked, "first_broken_seq": result.first_broken_seq},
    )
    return render(request, "accounts/audit/verify.html", {"result": result}, status=200 if result.ok else 409)
