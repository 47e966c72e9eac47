"""What a search result shows: ``ServiceCard``, plain values read with a few ``values_list`` queries.

A page of search results used to be loaded as model instances with five prefetched relations: about
500 instances for 20 services, which cost more than the search itself (docs/performance.md). A card
holds only what a result list shows (staff list, portal results, crisis banner) as immutable plain
values; a page that needs the whole service (the detail pages, the HSDS API) loads it by ``pk`` or
``code``. Cards never carry a location's address, so a confidential location cannot leak through one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tsunagu.directory.models import Attribute, Language, Phone, Service, ServiceArea
from tsunagu.directory.search import hours as opening
from tsunagu.directory.search.index import hours_sources


@dataclass(frozen=True)
class CardPhone:
    number: str
    extension: str
    type: str  # models.PhoneType value
    description: str


@dataclass(frozen=True)
class CardTerm:
    taxonomy: str  # taxonomy key: concern, people_served, resource_kind, channel
    key: str
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name


@dataclass(frozen=True)
class CardArea:
    code: str
    name: str


@dataclass(frozen=True)
class ServiceCard:
    pk: int
    code: uuid.UUID
    name: str
    name_kana: str
    description: str
    organisation_name: str
    organisation_code: uuid.UUID
    status: str
    is_crisis_line: bool
    is_24_hours: bool
    fees: str  # models.Fees value
    fees_description: str
    accepts_referrals: bool
    interpreter_available: bool
    assured_date: dt.date | None
    url: str
    email: str
    phones: tuple[CardPhone, ...] = ()
    terms: tuple[CardTerm, ...] = ()
    areas: tuple[CardArea, ...] = ()  # the areas served; empty with is_national
    is_national: bool = False
    languages: tuple[str, ...] = ()  # BCP 47 tags
    hours: opening.HoursSource = field(default_factory=opening.HoursSource)

    def terms_of(self, taxonomy: str) -> tuple[CardTerm, ...]:
        return tuple(term for term in self.terms if term.taxonomy == taxonomy)

    def open_at(self, at: dt.datetime) -> bool:
        """Whether the service is open at ``at`` (the same answer as the search's open-now filter)."""
        return opening.open_at(self.hours, at)

    def open_minutes_on(self, day: dt.date) -> opening.Intervals:
        """The minutes of ``day`` (Tokyo) at which it is open, as [start, end) intervals."""
        return opening.open_minutes(self.hours, day)

    def hours_texts(self, day: dt.date) -> tuple[str, ...]:
        """The original wording of the schedules that apply on ``day`` (shown when they could not be
        read completely, never guessed)."""
        texts = (opening.original_text(row.hours_json) for row in opening.rows_on(self.hours, day))
        return tuple(dict.fromkeys(text for text in texts if text))

    def hours_understood(self, day: dt.date) -> bool:
        """Whether the schedules that apply on ``day`` were read completely (so open/closed is known)."""
        return opening.understood(self.hours, day)


def service_cards(ids: Sequence[int]) -> list[ServiceCard]:
    """Cards for these services, in this order (missing ids are skipped). Seven small queries."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    phones: Mapping[int, list[CardPhone]] = defaultdict(list)
    for service_id, number, extension, kind, description in (
        Phone.objects.filter(service_id__in=wanted)
        .order_by("position", "pk")
        .values_list("service_id", "number", "extension", "type", "description")
    ):
        phones[service_id].append(CardPhone(number, extension, kind, description))
    terms: Mapping[int, list[CardTerm]] = defaultdict(list)
    for service_id, taxonomy, key, name, name_en in (
        Attribute.objects.filter(service_id__in=wanted, taxonomy_term__is_active=True)
        .order_by("taxonomy_term__position", "taxonomy_term__key")
        .values_list(
            "service_id",
            "taxonomy_term__taxonomy__key",
            "taxonomy_term__key",
            "taxonomy_term__name",
            "taxonomy_term__name_en",
        )
    ):
        terms[service_id].append(CardTerm(taxonomy, key, name, name_en))
    areas: Mapping[int, list[CardArea]] = defaultdict(list)
    national: set[int] = set()
    for service_id, code, name in (
        ServiceArea.objects.filter(service_id__in=wanted)
        .order_by("area__code")
        .values_list("service_id", "area__code", "area__name")
    ):
        if code is None:
            national.add(service_id)
        else:
            areas[service_id].append(CardArea(code, name))
    languages: Mapping[int, list[str]] = defaultdict(list)
    for service_id, tag in (
        Language.objects.filter(service_id__in=wanted).order_by("pk").values_list("service_id", "tag")
    ):
        languages[service_id].append(tag)
    rows = Service.objects.filter(pk__in=wanted).values_list(
        "pk",
        "code",
        "name",
        "name_kana",
        "description",
        "organisation__name",
        "organisation__code",
        "status",
        "is_crisis_line",
        "is_24_hours",
        "fees",
        "fees_description",
        "accepts_referrals",
        "interpreter_available",
        "assured_date",
        "url",
        "email",
    )
    by_id = {row[0]: row for row in rows}
    sources = hours_sources({pk: bool(row[9]) for pk, row in by_id.items()})
    cards = []
    for pk in wanted:
        row = by_id.get(pk)
        if row is None:
            continue
        cards.append(
            ServiceCard(
                *row,
                phones=tuple(phones.get(pk, ())),
                terms=tuple(terms.get(pk, ())),
                areas=tuple(areas.get(pk, ())),
                is_national=pk in national,
                languages=tuple(languages.get(pk, ())),
                hours=sources[pk],
            )
        )
    return cards
