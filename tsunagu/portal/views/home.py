"""Home, 「いま、話を聞いてほしい」 (lines open now) and 「居場所・つながりを探したい」 (places)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.directory import crisis
from tsunagu.directory.search import hours
from tsunagu.directory.search.cards import ServiceCard
from tsunagu.directory.search.selectors import SearchFilters, services_search
from tsunagu.portal.selectors import place_from_input, term_label

#: Ways to reach someone at once (vocabularies.CHANNELS keys): phone, free phone, LINE, chat.
NOW_CHANNELS = ("phone", "freephone", "line", "chat")
#: 居場所・子ども食堂・サロン・通いの場 (vocabularies.RESOURCE_KINDS keys).
PLACE_KINDS = ("ibasho", "kodomo-shokudo", "salon", "kayoi-no-ba")
#: Each kind in plain words (the vocabulary's names are Japanese and English only).
PLACE_KIND_TEXTS = {
    "ibasho": (
        gettext_lazy("Place to belong (ibasho)"),
        gettext_lazy("A place where you can spend time as you are, without needing a reason."),
    ),
    "kodomo-shokudo": (
        gettext_lazy("Children's cafeteria (kodomo shokudo)"),
        gettext_lazy("Children can eat there for free or for little money. At some, local adults eat together too."),
    ),
    "salon": (
        gettext_lazy("Community salon"),
        gettext_lazy("Neighbours get together for tea and a chat."),
    ),
    "kayoi-no-ba": (
        gettext_lazy("Local gathering place (kayoi no ba)"),
        gettext_lazy("Mainly older people meet regularly to exercise or enjoy hobbies together."),
    ),
}
_NOW_LIMIT = 50
_PLACES_LIMIT = 20
_MAX_WHERE = 40


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@dataclass(frozen=True)
class Phone:
    number: str
    href: str
    note: str


@dataclass(frozen=True)
class Entry:
    """What the simple lists of the now and places pages show of one service."""

    card: ServiceCard
    phones: tuple[Phone, ...]
    channels: tuple[str, ...]  # labels in the page's language
    kinds: tuple[str, ...]
    hours_today: str  # "Today 10:00–22:00", "Open 24 hours", "Closed today"; "" when not known
    hours_texts: tuple[str, ...]  # the service's own wording when its hours could not be read
    open_now: bool
    areas: str  # "全国" or the areas' names
    online: bool  # reached by chat or LINE (through the service's website)


def _clock(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


def _hours_today(card: ServiceCard, today: dt.date) -> tuple[str, tuple[str, ...]]:
    if card.is_24_hours:
        return _("Open 24 hours"), ()
    if not card.hours_understood(today):
        return "", card.hours_texts(today)
    intervals = card.open_minutes_on(today)
    if not intervals:
        return _("Closed today"), ()
    times = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in intervals)
    return _("Today %(times)s") % {"times": times}, ()


def entry_of(card: ServiceCard, now: dt.datetime) -> Entry:
    today = hours.tokyo_minute(now)[0]
    hours_today, texts = _hours_today(card, today)
    phones = tuple(
        Phone(phone.number, crisis.tel_href(phone.number), phone.description)
        for phone in card.phones
        if phone.type in crisis.CALLABLE_TYPES and phone.number
    )
    return Entry(
        card=card,
        phones=phones,
        channels=tuple(term_label(term.name, term.name_en) for term in card.terms_of("channel")),
        kinds=tuple(term_label(term.name, term.name_en) for term in card.terms_of("resource_kind")),
        hours_today=hours_today,
        hours_texts=texts,
        open_now=card.open_at(now),
        areas=_("Nationwide") if card.is_national else "、".join(area.name for area in card.areas),
        online=any(term.key in ("chat", "line") for term in card.terms_of("channel")),
    )


def _for_anyone(card: ServiceCard) -> bool:
    return any(term.key == "anyone" for term in card.terms_of("people_served"))


@require_GET
def now_view(request: HttpRequest) -> HttpResponse:
    """Crisis lines reachable by phone, LINE or chat that are open now: 24-hour lines first, national
    before local. Never empty: with nothing open, the 24-hour lines (and 110/119 in the banner)."""
    now = timezone.now()
    result = services_search(
        filters=SearchFilters(open_now=True, channels=NOW_CHANNELS, crisis_line=True), per_page=_NOW_LIMIT, now=now
    )
    # Stable sort: within each group the search's order (kana) stays.
    cards = sorted(result.services, key=lambda c: (not c.is_24_hours, not c.is_national, not _for_anyone(c)))
    if not cards:
        fallback = services_search(filters=SearchFilters(crisis_line=True, is_24_hours=True), per_page=_NOW_LIMIT)
        cards = fallback.services
    entries = [entry_of(card, now) for card in cards]
    return render(
        request,
        "portal/now.html",
        {
            "always": [e for e in entries if e.card.is_24_hours],
            "others": [e for e in entries if not e.card.is_24_hours],
        },
    )


@dataclass(frozen=True)
class PlacesQuery:
    kinds: tuple[str, ...]
    where: str
    area_code: str
    area_name: str
    problem: str  # why the place typed was not used, in the page's language


def _places_query(request: HttpRequest) -> PlacesQuery:
    kinds = tuple(kind for kind in PLACE_KINDS if kind in request.POST.getlist("kind")) or PLACE_KINDS
    where = request.POST.get("where", "").strip()[:_MAX_WHERE]
    if not where:
        return PlacesQuery(kinds, "", "", "", "")
    answer = place_from_input(where)
    if answer.place is not None:
        return PlacesQuery(kinds, where, answer.place.code, answer.place.name, "")
    problems = {
        "postal_code": _("We could not find this postal code."),
        "ambiguous": _("Several places have this name. Please add the prefecture."),
    }
    problem = problems.get(answer.problem, _("We could not find this place. Try a city name or a postal code."))
    return PlacesQuery(kinds, where, "", "", problem)


@csrf_exempt  # Read-only form; a CSRF token would need a cookie (docs/portal.md, "No cookies").
@require_http_methods(["GET", "POST"])
def places_view(request: HttpRequest) -> HttpResponse:
    """居場所・子ども食堂・サロン・通いの場. The place typed is posted, never put in the URL."""
    query = _places_query(request) if request.method == "POST" else None
    chosen = query.kinds if query is not None and query.kinds != PLACE_KINDS else ()
    context: dict[str, object] = {
        "kinds": [
            {"key": key, "label": label, "text": text, "checked": key in chosen}
            for key, (label, text) in PLACE_KIND_TEXTS.items()
        ],
        "query": query,
    }
    if query is not None and not query.problem:
        now = timezone.now()
        result = services_search(
            filters=SearchFilters(resource_kinds=query.kinds, area_code=query.area_code),
            per_page=_PLACES_LIMIT,
            now=now,
        )
        context.update(
            entries=[entry_of(card, now) for card in result.services],
            more=result.total > len(result.services),
        )
    return render(request, "portal/places.html", context)
