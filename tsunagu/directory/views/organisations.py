"""The organisations of the directory: how many services each offers, and their services and locations.

Organisations themselves are created and edited in accounts (/staff/manage/organisations/), by system
administrators; these pages only link there.
"""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tsunagu.accounts.access import actor_of, may_manage_organisations, staff_required
from tsunagu.accounts.forms import ListFilterForm
from tsunagu.accounts.policy import Perm
from tsunagu.directory import selectors
from tsunagu.directory.access import access_organisation, may_edit
from tsunagu.directory.views.common import PER_PAGE, freshness_of, kind_names, query_without_page

ORGANISATIONS_PER_PAGE = 50


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(selectors.organisation_list(query=query), ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "can_manage": may_manage_organisations(actor_of(request)),
    }
    return render(request, "directory/organisation_list.html", context)


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def organisation_detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    organisation = access_organisation(request, code)
    today = timezone.localdate()
    services = Paginator(selectors.organisation_services(organisation=organisation), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "organisation": organisation,
        "rows": [{"service": s, "kinds": kind_names(s), "freshness": freshness_of(s, today)} for s in services],
        "page": services,
        "query": query_without_page(request),
        "locations": list(selectors.organisation_locations(organisation=organisation)[:100]),
        "may_edit": may_edit(actor, organisation),
        "can_manage": may_manage_organisations(actor),
    }
    return render(request, "directory/organisation_detail.html", context)
