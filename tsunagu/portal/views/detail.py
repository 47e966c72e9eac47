"""One service (/services/<code>/): how to reach it, its hours and next opening, where it is, what it costs.

Only public statuses are shown; an inactive, defunct or unknown service answers a 404 in the portal's
frame that still lists the 24-hour lines. A confidential location shows no address, postal code,
directions, coordinates or name: only that its address is not public.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tsunagu.directory.selectors import Freshness, freshness
from tsunagu.portal import selectors
from tsunagu.portal.views.cards import card_view, card_views


@require_GET
def service_view(request: HttpRequest, code: UUID) -> HttpResponse:
    at = selectors.now()
    service = selectors.service_public(code=code)
    if service is None:
        lines = card_views(selectors.twenty_four_hour_lines(at=at), at)
        return render(request, "portal/service_not_found.html", {"lines": lines}, status=404)
    card = selectors.card_of(service)
    today = selectors.today_of(at)
    areas = [link.area for link in service.service_areas.all()]
    locations = selectors.public_locations(service=service, today=today)
    context = {
        "service": service,
        "c": card_view(card, at) if card is not None else None,
        "hours": selectors.service_hours(service=service, card=card, at=at),
        "locations": locations,
        "places_have_hours": any(place.hours for place in locations),
        "areas": [area.name for area in areas if area is not None],
        "is_national": any(area is None for area in areas),
        "people": [
            selectors.term_label(a.taxonomy_term.name, a.taxonomy_term.name_en)
            for a in service.attributes.all()
            if a.taxonomy_term.taxonomy.key == "people_served"
        ],
        "documents": [d.document for d in service.required_documents.all()],
        "fresh": freshness(service.assured_date, today) == Freshness.FRESH,
        "now": at,
    }
    return render(request, "portal/service.html", context)
