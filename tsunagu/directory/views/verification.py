"""Services due for verification: never verified, or last verified over a year ago, the oldest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.directory import selectors
from tsunagu.directory.access import may_edit
from tsunagu.directory.views.common import PER_PAGE, freshness_of, kind_names, query_without_page


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def needs_verification_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1" and actor.organisation is not None
    services = selectors.needs_verification(today=today, organisation=actor.organisation if mine else None)
    page = Paginator(services, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "rows": [
            {
                "service": s,
                "kinds": kind_names(s),
                "freshness": freshness_of(s, today),
                "may_edit": may_edit(actor, s.organisation),
            }
            for s in page
        ],
        "page": page,
        "query": query_without_page(request),
        "mine": mine,
        "cutoff": selectors.verification_cutoff(today),
    }
    return render(request, "directory/verification_list.html", context)
