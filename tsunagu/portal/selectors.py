"""Reads for the portal's finder, search, service page and print list (docs/portal.md).

The portal reads the directory only through its selectors: ``services_search`` for every list,
``service_get``/``service_detail`` for one service, the area selectors for what a person types as a
place. Everything here is public: only the public statuses (active, temporarily closed) are shown,
and a confidential location is never described beyond "the address is not public".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language, get_language_info, gettext

from tsunagu.directory import selectors as directory
from tsunagu.directory.areas.selectors import area_for_postal_code, area_get, normalise_postal_code
from tsunagu.directory.schedules import Schedule, next_open, open_now
from tsunagu.directory.schedules.describe import describe
from tsunagu.directory.search.cards import ServiceCard, service_cards
from tsunagu.directory.search.selectors import SearchFilters, services_search
from tsunagu.portal.models import ReadingOverride

#: The statuses the public may see (the search's default); others answer 404.
PUBLIC_STATUSES = SearchFilters().statuses
#: How many matches the finder ranks and shows; the search pages on beyond it.
FINDER_LIMIT = 30
#: How many 24-hour lines the "nothing fits" section lists.
LINES_LIMIT = 8
#: Most services a print list holds (one sheet or two of A4).
PRINT_LIMIT = 30
#: The finder's ways to reach someone → the directory's channel terms.
FINDER_CHANNELS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "freephone"),
    "line": ("line",),
    "chat": ("chat",),
    "visit": ("visit",),
}


def now() -> dt.datetime:
    return timezone.now()


def today_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def uses_japanese_labels() -> bool:
    """Taxonomy terms have Japanese and English names: Japanese pages show the Japanese ones."""
    return (get_language() or "ja").startswith("ja")


def term_label(name: str, name_en: str) -> str:
    """A term's name in the page's language: Japanese pages the Japanese name; other languages the
    translation of the English name (shipped terms are in the catalogues, see directory/vocabularies.py),
    or the English name itself for a term staff added."""
    if uses_japanese_labels() or not name_en:
        return name
    translated = gettext(name_en)
    # A term missing from this language's catalogue falls back to the Japanese catalogue; show the
    # English name rather than a Japanese word the reader chose not to read.
    japanese = get_language() != "en" and translated != name_en and translated == _japanese(name_en)
    return name_en if japanese else translated


def _japanese(message: str) -> str:
    with translation.override("ja"):
        return gettext(message)


def language_name(tag: str) -> str:
    """A service's language (BCP 47 tag) in the UI language, or the tag itself."""
    try:
        return str(get_language_info(tag.lower())["name_translated"])
    except KeyError:
        return tag


# -- vocabularies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def term_choices() -> dict[str, list[Choice]]:
    """The active terms of each taxonomy (concern, people_served, resource_kind, channel), labelled."""
    return {
        taxonomy: [Choice(term.key, term_label(term.name, term.name_en)) for term in terms]
        for taxonomy, terms in directory.taxonomy_terms().items()
    }


# -- places typed by a person ------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True)
class PlaceAnswer:
    """What a typed place turned out to be: a place, or why not (``problem`` and what it was)."""

    place: Place | None = None
    problem: str = ""  # "", "postal_code", "unknown", "ambiguous", "several"
    postal_code: str = ""  # 6800000, for the message
    candidates: tuple[str, ...] = ()  # for "ambiguous": 東京都府中市, 広島県府中市


def _full_name(area: Any) -> str:
    names = [area.name]
    parent = area.parent
    while parent is not None:
        if not area.name.startswith(parent.name):
            names.insert(0, parent.name)
        parent = parent.parent
    return "".join(names)


def place_from_input(text: str) -> PlaceAnswer:
    """A postal code (〒680-0000, 6800000, full-width digits) or one municipality or ward name."""
    text = text.strip()
    code = normalise_postal_code(text)
    if code is not None:
        area = area_for_postal_code(text=code)
        if area is None:
            return PlaceAnswer(problem="postal_code", postal_code=code)
        return PlaceAnswer(place=Place(area.code, area.name))
    found = directory.areas_from_input(text)
    if found.ambiguous:
        _typed, areas = found.ambiguous[0]
        return PlaceAnswer(problem="ambiguous", candidates=tuple(_full_name(a) for a in areas))
    if found.unknown or not found.areas:
        return PlaceAnswer(problem="unknown")
    if len(found.areas) > 1:
        return PlaceAnswer(problem="several")
    area = found.areas[0]
    return PlaceAnswer(place=Place(area.code, area.name))


def place_get(code: str) -> Place | None:
    """The place a finder step carried forward as its code (a hidden field), or None."""
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    area = area_get(code=code)
    return Place(area.code, area.name) if area is not None else None


# -- the finder's results ----------------------------------------------------------------------


def is_national_line(card: ServiceCard) -> bool:
    """A 24-hour line for the whole country: somebody answers whatever the hour and the place."""
    return card.is_24_hours and card.is_national


def twenty_four_hour_lines(*, at: dt.datetime, exclude: Iterable[uuid.UUID] = ()) -> list[ServiceCard]:
    """National 24-hour lines open at ``at``, crisis lines first: where "nothing fits" ends."""
    skip = set(exclude)
    result = services_search(filters=SearchFilters(is_24_hours=True), per_page=FINDER_LIMIT, now=at)
    lines = [c for c in result.services if is_national_line(c) and c.open_at(at) and c.code not in skip]
    lines.sort(key=lambda c: not c.is_crisis_line)  # stable: the search's order within each
    return lines[:LINES_LIMIT]


@dataclass(frozen=True)
class FinderResults:
    #: Matching services open now (24-hour national lines aside), local before national.
    open_now: list[ServiceCard]
    #: 24-hour national lines open now: those matching the answers, else any (``lines_match`` False).
    lines: list[ServiceCard]
    lines_match: bool
    #: The other matching services (not open now), local before national.
    later: list[ServiceCard]
    #: Answers left out to find something: "channel", then "area".
    widened: tuple[str, ...] = ()
    #: Nothing matched even after widening (only the lines are shown).
    nothing: bool = False
    #: More matches than shown (the search can page through them).
    more: bool = False
    #: Nothing was answered: only services open now and the lines are listed.
    unfiltered: bool = False

    @property
    def codes(self) -> list[uuid.UUID]:
        return [c.code for c in (*self.open_now, *self.lines, *self.later)]


@dataclass(frozen=True)
class FinderQuery:
    concerns: tuple[str, ...] = ()
    area_code: str = ""
    channels: tuple[str, ...] = ()  # the finder's keys (FINDER_CHANNELS)

    def channel_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for key in self.channels for t in FINDER_CHANNELS.get(key, ())))


def finder_results(*, query: FinderQuery, at: dt.datetime) -> FinderResults:
    """Results for the finder's answers, in three groups (see ``FinderResults``).

    The search ranks open now first, then services of the place itself, of its prefecture, then
    national ones. When the answers find nothing, the way to reach them is dropped, then the place.
    """
    attempts: list[tuple[tuple[str, ...], SearchFilters]] = []
    concerns = query.concerns
    channels = query.channel_terms()
    attempts.append(((), SearchFilters(area_code=query.area_code, concerns=concerns, channels=channels)))
    if channels:
        attempts.append((("channel",), SearchFilters(area_code=query.area_code, concerns=concerns)))
    if query.area_code:
        both: tuple[str, ...] = ("channel", "area") if channels else ("area",)
        attempts.append((both, SearchFilters(concerns=concerns)))
    matches: list[ServiceCard] = []
    widened: tuple[str, ...] = ()
    more = False
    unfiltered = False
    for dropped, filters in attempts:
        if not filters.narrows():
            # Nothing asked (or nothing left): not the whole directory, only what is open now.
            unfiltered = True
            filters = SearchFilters(open_now=True)
        result = services_search(filters=filters, per_page=FINDER_LIMIT, now=at)
        if result.services:
            matches, widened, more = result.services, dropped, result.total > len(result.services)
            break
    open_now = [c for c in matches if c.open_at(at) and not is_national_line(c)]
    lines = [c for c in matches if is_national_line(c) and c.open_at(at)]
    shown = {c.code for c in (*open_now, *lines)}
    later = [] if unfiltered else [c for c in matches if c.code not in shown]
    lines_match = bool(lines)
    if not lines:
        lines = twenty_four_hour_lines(at=at)
    return FinderResults(
        open_now=open_now,
        lines=lines,
        lines_match=lines_match and not unfiltered,
        later=later,
        widened=widened if matches else (),
        nothing=not matches,
        more=more,
        unfiltered=unfiltered,
    )


# -- search ------------------------------------------------------------------------------------


def search(*, text: str, filters: SearchFilters, page: int, per_page: int, at: dt.datetime) -> Any:
    """The directory's search, public statuses only (the default of ``SearchFilters``)."""
    return services_search(text=text, filters=filters, page=page, per_page=per_page, now=at)


# -- one service -------------------------------------------------------------------------------


def service_public(*, code: uuid.UUID) -> Any | None:
    """The service with everything its public page shows, or None when it is not public."""
    service = directory.service_get(code=code)
    if service is None or service.status not in PUBLIC_STATUSES:
        return None
    return directory.service_detail(service=service)


def card_of(service: Any) -> ServiceCard | None:
    cards = service_cards([service.pk])
    return cards[0] if cards else None


@dataclass(frozen=True)
class HoursInWords:
    lines: list[str]
    original: str  # the text as published, shown when it could not be read completely
    understood: bool
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class PublicLocation:
    """A place where the service is, as the public may see it: a confidential one only as such."""

    confidential: bool
    name: str = ""
    postal_code: str = ""
    address: str = ""
    transportation: str = ""
    accessibility: str = ""
    hours: list[HoursInWords] = field(default_factory=list)
    phones: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceHours:
    schedules: list[HoursInWords]
    is_open: bool | None  # None: cannot tell
    next_opening: dt.datetime | None


def _words(hours: dict[str, Any], valid_from: dt.date | None, valid_to: dt.date | None) -> HoursInWords | None:
    try:
        schedule = Schedule.from_json(hours)
    except ValueError:
        return None
    language = get_language() or "ja"
    return HoursInWords(
        lines=describe(schedule, language),
        original=schedule.original_text.strip(),
        understood=schedule.parsed_completely,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _schedules_in_words(schedules: Iterable[Any], today: dt.date) -> list[HoursInWords]:
    words = []
    for row in schedules:
        if row.valid_to is not None and row.valid_to < today:
            continue  # past hours are of no use to anyone
        described = _words(row.hours, row.valid_from, row.valid_to)
        if described is not None:
            words.append(described)
    return words


def _standing(schedules: Sequence[Any]) -> Schedule | None:
    for row in schedules:
        if row.valid_from is None and row.valid_to is None:
            try:
                return Schedule.from_json(row.hours)
            except ValueError:
                return None
    return None


def service_hours(*, service: Any, card: ServiceCard | None, at: dt.datetime) -> ServiceHours:
    """The service's hours in words, whether it is open at ``at`` and when it opens next."""
    today = today_of(at)
    own = list(service.schedules.all())
    schedules = _schedules_in_words(own, today)
    is_open: bool | None = None
    if card is not None and card.hours_understood(today):
        is_open = card.open_at(at)
    standing = _standing(own)
    if standing is None and not own:
        # Hours kept on the places only: the first place with standing hours says when it opens next.
        places = (link.location for link in service.service_at_locations.all())
        standing = next(filter(None, (_standing(list(place.schedules.all())) for place in places)), None)
    opening = None
    if not is_open and standing is not None:
        if is_open is None:
            is_open = open_now(standing, at)
        opening = next_open(standing, at) if is_open is False else None
    return ServiceHours(schedules=schedules, is_open=is_open, next_opening=opening)


def public_locations(*, service: Any, today: dt.date) -> list[PublicLocation]:
    """The service's locations; a confidential one carries nothing but the fact that it is."""
    places = []
    for link in service.service_at_locations.all():
        location = link.location
        if location.is_confidential:
            places.append(PublicLocation(confidential=True))
            continue
        area = location.area
        prefix = area.name if area is not None and not location.address_1.startswith(area.name) else ""
        address = " ".join(part for part in (prefix + location.address_1, location.address_2) if part.strip())
        places.append(
            PublicLocation(
                confidential=False,
                name=location.name,
                postal_code=location.postal_code,
                address=address,
                transportation=location.transportation,
                accessibility=location.accessibility,
                hours=_schedules_in_words(location.schedules.all(), today),
            )
        )
    return places


# -- print list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintEntry:
    card: ServiceCard
    hours: list[HoursInWords]
    locations: list[PublicLocation]

    @property
    def places_have_hours(self) -> bool:
        return any(place.hours for place in self.locations)


def print_entries(*, codes: Sequence[uuid.UUID], at: dt.datetime) -> list[PrintEntry]:
    """The chosen public services in the order chosen, with hours in words and public addresses
    (a fixed number of queries, however many are chosen)."""
    today = today_of(at)
    chosen = list(dict.fromkeys(codes))[:PRINT_LIMIT]
    services = {service.code: service for service in directory.services_detail(codes=chosen, statuses=PUBLIC_STATUSES)}
    cards = {card.code: card for card in service_cards([service.pk for service in services.values()])}
    return [
        PrintEntry(
            card=cards[code],
            hours=_schedules_in_words(services[code].schedules.all(), today),
            locations=public_locations(service=services[code], today=today),
        )
        for code in chosen
        if code in services and code in cards
    ]


# -- the staff pages: the reading dictionary of やさしい日本語 ------------------------------------


def reading_get(*, code: uuid.UUID) -> ReadingOverride | None:
    return ReadingOverride.objects.filter(code=code).first()


def readings(*, query: str = "") -> QuerySet[ReadingOverride]:
    found = ReadingOverride.objects.select_related("updated_by")
    if query:
        found = found.filter(Q(surface__icontains=query) | Q(reading__icontains=query))
    return found
