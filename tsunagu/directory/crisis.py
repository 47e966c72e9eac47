"""What the crisis banner of the public frame shows on every public page (docs/portal.md, "Crisis
banner"), and the 24-hour lines the LINE webhook offers when nobody is on duty.

The 24-hour crisis lines come from the directory (services flagged as crisis lines and open 24
hours), read through ``services_search`` and kept in Django's cache for ``CACHE_SECONDS``, so that
a page view does not run a search. National lines come first, then lines for anyone before lines
for one group (children, DV), so the first number fits whoever is reading. 110 and 119 are always
shown, whatever the directory holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.directory.search.cards import ServiceCard
from tsunagu.directory.search.selectors import SearchFilters, services_search

#: How long the banner's lines are kept before the directory is asked again.
CACHE_SECONDS = 300
#: The banner shows at most this many lines; the "now" page lists them all.
BANNER_LINES = 3
_CACHE_KEY = "directory:crisis-lines:v1"
#: Phone types a person can call (not fax or SMS).
CALLABLE_TYPES = frozenset({"voice", "cell"})
_NOT_DIALLED = re.compile(r"[^0-9+#*]")


def tel_href(number: str) -> str:
    """``tel:`` URI for a number as written (0120-279-338 → tel:0120279338)."""
    return "tel:" + _NOT_DIALLED.sub("", number)


@dataclass(frozen=True)
class CrisisLine:
    name: str
    number: str  # as the service writes it, shown as text
    href: str  # tel:…
    note: str  # e.g. "岩手・宮城・福島からは …"
    for_anyone: bool
    is_national: bool


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    label: Promise


#: Always in the banner, in this order.
EMERGENCY_NUMBERS = (
    EmergencyNumber("110", _("Police")),
    EmergencyNumber("119", _("Ambulance or fire")),
)


def first_callable_phone(card: ServiceCard) -> tuple[str, str] | None:
    """(number, description) of the first phone a person can call, or None."""
    for phone in card.phones:
        if phone.type in CALLABLE_TYPES and phone.number:
            return phone.number, phone.description
    return None


def _lines_from_directory() -> list[CrisisLine]:
    result = services_search(filters=SearchFilters(crisis_line=True, is_24_hours=True), per_page=50)
    lines = []
    for card in result.services:
        phone = first_callable_phone(card)
        if phone is None:
            continue
        number, note = phone
        for_anyone = any(term.key == "anyone" for term in card.terms_of("people_served"))
        lines.append(CrisisLine(card.name, number, tel_href(number), note, for_anyone, card.is_national))
    # Stable: within each group the search's own order (open now, kana) stays.
    lines.sort(key=lambda line: (not line.is_national, not line.for_anyone))
    return lines


def crisis_lines() -> list[CrisisLine]:
    """Every 24-hour crisis line with a number to call, best first (cached for ``CACHE_SECONDS``)."""
    lines: list[CrisisLine] | None = cache.get(_CACHE_KEY)
    if lines is None:
        lines = _lines_from_directory()
        cache.set(_CACHE_KEY, lines, CACHE_SECONDS)
    return lines


def banner_lines() -> list[CrisisLine]:
    return crisis_lines()[:BANNER_LINES]


def forget_crisis_lines() -> None:
    """Drop the cached lines (tests, and after the directory changed when a page must show it at once)."""
    cache.delete(_CACHE_KEY)
