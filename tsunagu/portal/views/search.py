"""The search (/search/): free text and the directory's filters.

A POST form without a CSRF token (it only reads, and a token would need a cookie), so the words a
person searches for never reach a URL, the browser history or a server log; pages are POST buttons
carrying the same fields. Words of one or two characters (介護, DV) work: the directory's search
handles them.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tsunagu.directory.search.selectors import SearchFilters
from tsunagu.portal import selectors
from tsunagu.portal.forms import SearchForm
from tsunagu.portal.views.cards import card_views
from tsunagu.portal.views.finder import place_problem

PER_PAGE = 20
#: Languages a service may be used in, offered as a filter (Japanese goes without saying).
SEARCH_LANGUAGES = ("en", "zh-Hans", "ko", "vi", "pt", "tl", "es", "ne", "th", "id", "my")


def _hidden(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The search as hidden fields, for the paging buttons (the page number aside)."""
    fields: list[tuple[str, str]] = []
    for name in ("q", "where", "people", "kind", "language"):
        if data.get(name):
            fields.append((name, str(data[name])))
    fields += [("concern", key) for key in data.get("concern", [])]
    fields += [("channel", key) for key in data.get("channel", [])]
    fields += [(name, "on") for name in ("open_now", "is_24_hours", "free") if data.get(name)]
    return fields


def _filters(data: dict[str, Any], area_code: str) -> SearchFilters:
    return SearchFilters(
        area_code=area_code,
        concerns=tuple(data.get("concern", [])),
        people_served=(data["people"],) if data.get("people") else (),
        resource_kinds=(data["kind"],) if data.get("kind") else (),
        channels=tuple(data.get("channel", [])),
        languages=(data["language"],) if data.get("language") else (),
        open_now=bool(data.get("open_now")),
        is_24_hours=bool(data.get("is_24_hours")),
        free=bool(data.get("free")),
    )


@csrf_exempt  # read-only: the search is carried in the POST body, never stored (docs/portal.md)
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    terms = selectors.term_choices()
    languages = [(tag, selectors.language_name(tag)) for tag in SEARCH_LANGUAGES]
    context: dict[str, Any] = {"terms": terms, "languages": languages, "searched": False, "data": {}}
    if request.method == "GET":
        context["form"] = SearchForm(terms=terms, languages=languages)
        return render(request, "portal/search.html", context)
    form = SearchForm(request.POST, terms=terms, languages=languages)
    form.is_valid()  # lenient fields: long texts are cut, unknown choices dropped, a bad page is 1
    data = form.cleaned_data
    context.update(form=form, data=data)
    place = None
    if data.get("where"):
        found = selectors.place_from_input(data["where"])
        if found.place is None:
            context["error"] = place_problem(found)
            return render(request, "portal/search.html", context, status=400)
        place = found.place
    filters = _filters(data, place.code if place is not None else "")
    text = data.get("q", "")
    if not text and not filters.narrows():
        context["empty_query"] = True
        return render(request, "portal/search.html", context)
    at = selectors.now()
    page = data.get("page") or 1
    result = selectors.search(text=text, filters=filters, page=page, per_page=PER_PAGE, at=at)
    pages = max(1, math.ceil(result.total / PER_PAGE))
    context.update(
        searched=True,
        place=place,
        result=result,
        cards=card_views(result.services, at),
        page=page,
        pages=pages,
        has_previous=page > 1,
        has_next=page < pages or result.total_is_lower_bound,
        hidden=_hidden(data),
        lines=[] if result.services else card_views(selectors.twenty_four_hour_lines(at=at), at),
        details_open=any(data.get(n) for n in ("concern", "people", "kind", "channel", "language"))
        or any(data.get(n) for n in ("open_now", "is_24_hours", "free")),
    )
    return render(request, "portal/search.html", context)
