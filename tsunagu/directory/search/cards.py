"""What a search result shows: ``ServiceCard``, plain values read with a few ``values_list`` queries.

A page of search results used to be loaded as model instances with five prefetched relations: about
500 instances for 20 services, which cost more than the search itself (docs/performance.md). A card
holds only what a result list shows (staff list, portal results, crisis banner) as immutable plain
values; a page that needs the whole service (the detail pages, the HSDS API) loads it by ``pk`` or
``code``. Cards never carry a location's address, so a confidential location cannot leak through one.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from tsunagu.directory.search import hours as opening


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


# Three statements, written once, the same on both databases: the services, their parts (phones,
# languages, areas served, taxonomy terms: one UNION ALL), and the schedules that decide when they
# are open (their own and their locations'). Plain SQL, because building the equivalent ORM
# querysets cost more than running them (docs/performance.md).
_SERVICES_SQL = """
SELECT s.id, s.code, s.name, s.name_kana, s.description, o.name, o.code, s.status, s.is_crisis_line,
       s.is_24_hours, s.fees, s.fees_description, s.accepts_referrals, s.interpreter_available,
       s.assured_date, s.url, s.email
FROM directory_service s JOIN accounts_organisation o ON o.id = s.organisation_id
WHERE s.id {ids}
"""
_PARTS_SQL = """
SELECT 'p', p.service_id, p.number, p.extension, p.type, p.description, p.position, p.id
FROM directory_phone p WHERE p.service_id {ids}
UNION ALL
SELECT 'l', l.service_id, l.tag, '', '', '', 0, l.id FROM directory_language l WHERE l.service_id {ids}
UNION ALL
SELECT 'a', sa.service_id, a.code, a.name, '', '', 0, sa.id
FROM directory_servicearea sa LEFT JOIN directory_area a ON a.id = sa.area_id WHERE sa.service_id {ids}
UNION ALL
SELECT 't', at.service_id, tx.key, tt.key, tt.name, tt.name_en, tt.position, at.id
FROM directory_attribute at
JOIN directory_taxonomyterm tt ON tt.id = at.taxonomy_term_id AND tt.is_active
JOIN directory_taxonomy tx ON tx.id = tt.taxonomy_id
WHERE at.service_id {ids}
"""
_HOURS_SQL = """
SELECT sc.service_id, 0, sc.hours, sc.valid_from, sc.valid_to FROM directory_schedule sc WHERE sc.service_id {ids}
UNION ALL
SELECT sl.service_id, 1, sc.hours, sc.valid_from, sc.valid_to
FROM directory_serviceatlocation sl JOIN directory_schedule sc ON sc.location_id = sl.location_id
WHERE sl.service_id {ids}
"""


def _fetch(template: str, ids: list[int]) -> list[tuple[Any, ...]]:
    param: Any
    if connection.vendor == "postgresql":
        sql, param = template.format(ids="= ANY(%s)"), ids
    else:
        sql, param = template.format(ids="IN (SELECT value FROM json_each(%s))"), json.dumps(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param] * template.count("{ids}"))
        return list(cursor.fetchall())


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def service_cards(ids: Sequence[int]) -> list[ServiceCard]:
    """Cards for these services, in this order (missing ids are skipped). Three statements."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    phones: dict[int, list[tuple[int, int, CardPhone]]] = defaultdict(list)
    languages: dict[int, list[tuple[int, str]]] = defaultdict(list)
    areas: dict[int, list[CardArea]] = defaultdict(list)
    national: set[int] = set()
    terms: dict[int, list[tuple[int, str, CardTerm]]] = defaultdict(list)
    for kind, service_id, a, b, c, d, position, row_id in _fetch(_PARTS_SQL, wanted):
        if kind == "p":
            phones[service_id].append((position, row_id, CardPhone(a, b, c, d)))
        elif kind == "l":
            languages[service_id].append((row_id, a))
        elif kind == "a":
            if a is None:
                national.add(service_id)
            else:
                areas[service_id].append(CardArea(a, b))
        else:
            terms[service_id].append((position, b, CardTerm(a, b, c, d)))
    own: dict[int, list[opening.ScheduleRow]] = defaultdict(list)
    at_locations: dict[int, list[opening.ScheduleRow]] = defaultdict(list)
    for service_id, via_location, hours_json, valid_from, valid_to in _fetch(_HOURS_SQL, wanted):
        schedule = opening.ScheduleRow.of(json.loads(hours_json), _date(valid_from), _date(valid_to))
        (at_locations if via_location else own)[service_id].append(schedule)
    by_id = {row[0]: row for row in _fetch(_SERVICES_SQL, wanted)}
    cards = []
    for pk in wanted:
        row = by_id.get(pk)
        if row is None:
            continue
        is_24_hours = bool(row[9])
        cards.append(
            ServiceCard(
                pk=pk,
                code=_uuid(row[1]),
                name=row[2],
                name_kana=row[3],
                description=row[4],
                organisation_name=row[5],
                organisation_code=_uuid(row[6]),
                status=row[7],
                is_crisis_line=bool(row[8]),
                is_24_hours=is_24_hours,
                fees=row[10],
                fees_description=row[11],
                accepts_referrals=bool(row[12]),
                interpreter_available=bool(row[13]),
                assured_date=_date(row[14]),
                url=row[15],
                email=row[16],
                phones=tuple(phone for _p, _i, phone in sorted(phones[pk], key=lambda x: x[:2])),
                terms=tuple(term for _p, _k, term in sorted(terms[pk], key=lambda x: x[:2])),
                areas=tuple(sorted(areas[pk], key=lambda area: area.code)),
                is_national=pk in national,
                languages=tuple(tag for _i, tag in sorted(languages[pk])),
                hours=opening.HoursSource.of(own=own[pk], locations=at_locations[pk], is_24_hours=is_24_hours),
            )
        )
    return cards
