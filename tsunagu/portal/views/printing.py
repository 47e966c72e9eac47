"""The print list (/print/): services ticked on a results, search or service page, on clean A4 paper.

Counsellors and 民生委員 hand it to people without a phone. A POST form without a CSRF token (it only
reads): the chosen services are never in a URL. A confidential location shows no address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tsunagu.portal import selectors
from tsunagu.portal.forms import service_codes
from tsunagu.portal.views.cards import card_view


@csrf_exempt  # read-only: the chosen services are carried in the POST body (docs/portal.md)
@require_http_methods(["GET", "POST"])
def print_view(request: HttpRequest) -> HttpResponse:
    at = selectors.now()
    codes = service_codes(request.POST.getlist("services")) if request.method == "POST" else []
    entries = selectors.print_entries(codes=codes, at=at)
    chosen = {entry.card.code for entry in entries}
    lines = selectors.twenty_four_hour_lines(at=at, exclude=chosen)
    context = {
        "entries": [(entry, card_view(entry.card, at)) for entry in entries],
        "lines": [card_view(card, at) for card in lines],
        "now": at,
        "asked": request.method == "POST",
    }
    return render(request, "portal/print.html", context)
