"""The directory's search index: one row per service, written by ``refresh`` and ``rebuild``.

Tables (created by migration 0003_search_index; the design and its measurements are in
docs/performance.md, "Directory search index"):

* ``directory_search_doc``: ``service_id`` (= ``Service.pk``), the service's index tokens, and what
  ranking and plain ordering read without touching the services table: the normalised name, the
  sort keys, the status, and the window of days its opening-hours tokens describe.
* SQLite: ``directory_search_fts``, a contentless FTS5 table (``detail=none``, ``columnsize=0``)
  whose rowid is ``service_id`` and whose one column holds the tokens as ASCII words
  (``tokens.fts_word``). SQLite 3.40 can delete from a contentless table only by repeating the
  words that were inserted, so ``directory_search_words`` keeps them (``_pack``), apart from the
  doc rows that every search reads.
* PostgreSQL: three ``int4[]`` columns of ``directory_search_doc``, each with a GIN index
  (``intarray``'s ``gin__int_ops``) and queried with ``@@ query_int``: ``tokens`` (text and filter
  tokens, ~500 a service, stored out of line by TOAST), ``facets`` (the filter tokens alone, ~12)
  and ``hours`` (the opening-hours tokens, ~50). The small arrays stay in the row, so conditions
  that most rows meet (status, open now) and the ranking tiers are checked on each candidate row
  without reading its text tokens.

What a service is indexed by (``tokens`` module for the encoding): the text of its name, kana,
alternate name, description, eligibility, organisation name, the names of its locations and, for
locations that are not confidential, their public address lines and municipality; the Japanese and
English names of its taxonomy terms. A confidential location contributes its name only: its
``confidential_address`` is never read here, and its public address columns are empty anyway (a
database constraint). Filter tokens: each area served (全国 included), each taxonomy term, the
organisation, each language, the status (and "public" for active or temporarily closed), free,
24 hours, crisis line; and the opening-hours tokens of ``hours``.

Writes go through ``directory.services``, which calls ``refresh`` inside its transaction, so a
service and its index row commit together. Organisation names and taxonomy term labels are
indexed too but are edited elsewhere (``accounts``, staff term edits), which cannot call in here
(docs/architecture.md, import rule): ``rebuild_search_index`` brings those up to date.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.directory.models import (
    Attribute,
    Fees,
    Language,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from tsunagu.directory.search import hours
from tsunagu.directory.search import tokens as tk
from tsunagu.directory.search.text import index_tokens, normalise

# Table names are written out in the SQL below; the tests check these match the migration.
DOC_TABLE = "directory_search_doc"
FTS_TABLE = "directory_search_fts"
WORDS_TABLE = "directory_search_words"
BATCH = 500


@dataclass(frozen=True)
class Document:
    service_id: int
    tokens: tuple[int, ...]
    name_norm: str
    name_kana: str
    name: str
    status: str
    hours_from: dt.date
    hours_until: dt.date


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def documents(service_ids: Sequence[int], *, indexed_on: dt.date) -> list[Document]:
    """The index rows of these services (those that exist), read in a fixed number of queries."""
    services = list(
        Service.objects.filter(pk__in=service_ids)
        .select_related("organisation")
        .only(
            "pk",
            "name",
            "name_kana",
            "alternate_name",
            "description",
            "eligibility_description",
            "status",
            "fees",
            "is_24_hours",
            "is_crisis_line",
            "organisation__id",
            "organisation__name",
        )
        .order_by("pk")
    )
    ids = [service.pk for service in services]
    # Text that many services share (term names, organisations, locations) is tokenised once.
    shared_text: dict[int, set[str]] = defaultdict(set)
    for service in services:
        shared_text[service.pk].add(service.organisation.name)
    filters: dict[int, set[int]] = defaultdict(set)
    for service_id, term_id, name, name_en in Attribute.objects.filter(service_id__in=ids).values_list(
        "service_id", "taxonomy_term_id", "taxonomy_term__name", "taxonomy_term__name_en"
    ):
        filters[service_id].add(tk.term_token(term_id))
        shared_text[service_id].update((name, name_en))
    for service_id, area_code in ServiceArea.objects.filter(service_id__in=ids).values_list("service_id", "area__code"):
        filters[service_id].add(tk.area_token(area_code or ""))
    for service_id, tag in Language.objects.filter(service_id__in=ids).values_list("service_id", "tag"):
        filters[service_id].add(tk.language_token(tag))
    # Location columns are named one by one: `confidential_address` must never be read here.
    for row in ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
        "service_id",
        "location__name",
        "location__name_kana",
        "location__alternate_name",
        "location__is_confidential",
        "location__address_1",
        "location__address_2",
        "location__area__name",
        "location__area__parent__name",
    ):
        service_id, name, kana, alternate, confidential, line_1, line_2, area, parent = row
        # A confidential location (a DV shelter) adds nothing: its real name would let a search for
        # the shelter's name find the service, though every public view shows it only as 非公開.
        if not confidential:
            shared_text[service_id].update((name, kana, alternate, parent or "", area or "", line_1, line_2))
    sources = hours_sources({service.pk: service.is_24_hours for service in services})
    first, last = hours.window(indexed_on)
    result = []
    for service in services:
        own_text = (
            service.name,
            service.name_kana,
            service.alternate_name,
            service.description,
            service.eligibility_description,
        )
        found = {tk.text_token(token) for token in index_tokens("\n".join(part for part in own_text if part))}
        for part in shared_text[service.pk]:
            found |= _shared_tokens(part)
        found |= filters[service.pk]
        found.add(tk.organisation_token(service.organisation.pk))
        found.update(tk.status_tokens(service.status))
        if service.fees == Fees.FREE:
            found.add(tk.flag_token(tk.FLAG_FREE))
        if service.is_24_hours:
            found.add(tk.flag_token(tk.FLAG_24_HOURS))
        if service.is_crisis_line:
            found.add(tk.flag_token(tk.FLAG_CRISIS_LINE))
        found.update(hours.hours_tokens(sources[service.pk], indexed_on))
        result.append(
            Document(
                service_id=service.pk,
                tokens=tuple(sorted(found)),
                name_norm=normalise(service.name),
                name_kana=service.name_kana,
                name=service.name,
                status=service.status,
                hours_from=first,
                hours_until=last,
            )
        )
    return result


def hours_sources(is_24_hours: dict[int, bool]) -> dict[int, hours.HoursSource]:
    """What decides when each service is open (two queries): its own and its locations' schedules."""
    ids = list(is_24_hours)
    location_services: dict[int, list[int]] = defaultdict(list)
    for service_id, location_id in ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
        "service_id", "location_id"
    ):
        location_services[location_id].append(service_id)
    own: dict[int, list[hours.ScheduleRow]] = defaultdict(list)
    at_locations: dict[int, list[hours.ScheduleRow]] = defaultdict(list)
    for service_id, location_id, data, valid_from, valid_to in Schedule.objects.filter(
        Q(service_id__in=ids) | Q(location_id__in=list(location_services))
    ).values_list("service_id", "location_id", "hours", "valid_from", "valid_to"):
        schedule = hours.ScheduleRow.of(data, valid_from, valid_to)
        if service_id is not None:
            own[service_id].append(schedule)
        else:
            for linked in location_services[location_id]:
                at_locations[linked].append(schedule)
    return {
        service_id: hours.HoursSource.of(own=own[service_id], locations=at_locations[service_id], is_24_hours=flag)
        for service_id, flag in is_24_hours.items()
    }


@functools.lru_cache(maxsize=4096)
def _shared_tokens(text: str) -> frozenset[int]:
    return frozenset(tk.text_token(token) for token in index_tokens(text)) if text else frozenset()


# --- Writing ------------------------------------------------------------------------------------


def _pack(values: Iterable[int]) -> bytes:
    """Tokens as sorted unsigned 32-bit deltas in LEB128: ~3.4 bytes a token instead of 4, which
    lets two rows share a 4 KB SQLite page (most services have 400–650 tokens)."""
    out = bytearray()
    previous = 0
    for value in sorted(v & 0xFFFFFFFF for v in values):
        delta, previous = value - previous, value
        while delta >= 0x80:
            out.append((delta & 0x7F) | 0x80)
            delta >>= 7
        out.append(delta)
    return bytes(out)


def _unpack(blob: bytes) -> tuple[int, ...]:
    values: list[int] = []
    value = shift = delta = 0
    for byte in blob:
        delta |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            value += delta
            values.append(value - (1 << 32) if value >= 1 << 31 else value)
            delta = shift = 0
    return tuple(values)


def _date(value: dt.date) -> dt.date | str:
    # SQLite keeps dates as ISO text (compared as text, which orders them correctly).
    return value if connection.vendor == "postgresql" else value.isoformat()


def _remove(service_ids: Sequence[int]) -> None:
    if not service_ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DELETE FROM directory_search_doc WHERE service_id = ANY(%s)", [list(service_ids)])
            return
        cursor.execute(
            "SELECT service_id, tokens FROM directory_search_words "
            "WHERE service_id IN (SELECT value FROM json_each(%s))",
            [json.dumps(list(service_ids))],
        )
        old = cursor.fetchall()
        if not old:
            return
        # A contentless FTS5 table forgets a row only when told the words it was given.
        cursor.executemany(
            "INSERT INTO directory_search_fts (directory_search_fts, rowid, tokens) VALUES ('delete', %s, %s)",
            [(service_id, tk.fts_document(_unpack(blob))) for service_id, blob in old],
        )
        gone = json.dumps([row[0] for row in old])
        cursor.execute(
            "DELETE FROM directory_search_words WHERE service_id IN (SELECT value FROM json_each(%s))", [gone]
        )
        cursor.execute("DELETE FROM directory_search_doc WHERE service_id IN (SELECT value FROM json_each(%s))", [gone])


def _insert(docs: Sequence[Document]) -> None:
    if not docs:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows: list[tuple[Any, ...]] = []
            for d in docs:
                words = [t for t in d.tokens if not tk.is_hours(t)]
                opening = [t for t in d.tokens if tk.is_hours(t)]
                facets = [t for t in words if t < 0]
                rows.append((d.service_id, words, facets, opening, d.name_norm, d.name_kana, d.name, d.status))
                rows[-1] += (d.hours_from, d.hours_until)
            cursor.executemany(
                "INSERT INTO directory_search_doc (service_id, tokens, facets, hours, name_norm, name_kana, name,"
                " status, hours_from, hours_until) VALUES (%s, %s::int4[], %s::int4[], %s::int4[], %s, %s, %s, %s,"
                " %s, %s)",
                rows,
            )
            return
        cursor.executemany(
            "INSERT INTO directory_search_fts (rowid, tokens) VALUES (%s, %s)",
            [(d.service_id, tk.fts_document(d.tokens)) for d in docs],
        )
        cursor.executemany(
            "INSERT INTO directory_search_words (service_id, tokens) VALUES (%s, %s)",
            [(d.service_id, _pack(d.tokens)) for d in docs],
        )
        cursor.executemany(
            "INSERT INTO directory_search_doc "
            "(service_id, name_norm, name_kana, name, status, hours_from, hours_until) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (d.service_id, d.name_norm, d.name_kana, d.name, d.status, _date(d.hours_from), _date(d.hours_until))
                for d in docs
            ],
        )


def refresh(*, service_ids: Iterable[int]) -> None:
    """Re-index these services (delete, then insert the current rows) in the caller's transaction.

    A service that no longer exists is only removed.
    """
    ids = sorted(set(service_ids))
    indexed_on = timezone.localdate()
    with transaction.atomic():
        for chunk in _chunks(ids, BATCH):
            docs = documents(chunk, indexed_on=indexed_on)
            _remove(chunk)
            _insert(docs)


def prune() -> int:
    """Remove the rows of services that no longer exist; returns how many.

    Services are not deleted by tsunagu (they change status), but the test suite's ``flush``
    empties the services table without knowing about these tables.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.service_id FROM directory_search_doc d "
            "WHERE NOT EXISTS (SELECT 1 FROM directory_service s WHERE s.id = d.service_id)"
        )
        gone = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        for chunk in _chunks(gone, BATCH):
            _remove(chunk)
    return len(gone)


def rebuild(*, stale_hours_only: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Re-index every service (or only those whose opening-hours window is ending), in batches.

    Each batch commits on its own, so writers are never held up for the whole run and searches
    keep working throughout: a service's row is replaced, never absent. Returns how many services
    were indexed.
    """
    ids = _stale_ids() if stale_hours_only else list(Service.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for chunk in _chunks(ids, BATCH):
        refresh(service_ids=chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    prune()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE directory_search_doc")
        elif not stale_hours_only:
            # Merge the FTS5 segments written batch by batch into one b-tree: fewer lookups per query.
            cursor.execute("INSERT INTO directory_search_fts (directory_search_fts) VALUES ('optimize')")
    return done


def stale_before() -> dt.date:
    """Rows whose hours window ends before this day are renewed by ``rebuild(stale_hours_only=True)``."""
    return timezone.localdate() + dt.timedelta(days=45)


def _stale_ids() -> list[int]:
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT service_id FROM directory_search_doc WHERE hours_until < %s OR hours_from > %s ORDER BY service_id",
            [_date(stale_before()), _date(today)],
        )
        indexed = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT s.id FROM directory_service s WHERE NOT EXISTS "
            "(SELECT 1 FROM directory_search_doc d WHERE d.service_id = s.id) ORDER BY s.id"
        )
        missing = [row[0] for row in cursor.fetchall()]
    return sorted(set(indexed) | set(missing))
