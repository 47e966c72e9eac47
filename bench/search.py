#!/usr/bin/env python3
"""Directory search benchmark: ``services_search`` against its raw SQL and the naive Django way.

One run, on one database (a fresh SQLite file under $TSUNAGU_VAR_DIR, or with ``--pg`` the
PostgreSQL database ``tsunagu_bench_search``, dropped and recreated):

1. migrate, load every real area (``load_areas``), generate ``--n`` services (100,000; 300,000 with
   ``--large``) across all municipalities with a fixed seed (``bench/search_data.py``), about one
   organisation per two services, their locations, taxonomy attributes, areas served, languages,
   phones and opening hours. A sample goes through ``directory.services.service_save``; the rest is
   written with ``bulk_create`` and checked to hold what ``service_save`` would have written. Then
   ``search.index.rebuild()``.
2. for each query class (broad, rare, 1 character, 2 characters, kana/kanji variants), without
   filters and with area + concern + open-now filters, times the first page (20 results) of
   ``services_search``; the same SQL statements the selector sent, replayed on a cursor (the raw
   SQL floor); and the naive Django way, ``Service.objects.filter(Q(name__icontains=q) |
   Q(description__icontains=q))[:20]`` with the filters done naively (joins, and ``open_now`` in
   Python over the matching services' schedules). The three arms are interleaved query by query.
3. checks that no query comes back empty where a substring match exists, and, for every query
   whose substring matches are few enough to page through, that the selector finds every service
   the substring finds (set inclusion, uncapped).
4. measures the search index against the table it indexes.

It prints a Markdown section (progress goes to stderr). ``--both`` runs SQLite, then PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import math
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_data import AreaInfo, Generator, OrgSpec, ServiceSpec  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/tsunagu_bench_search"
PER_PAGE = 20


def next_wednesday_afternoon() -> dt.datetime:
    """14:00 in Tokyo on the first Wednesday after today that is not a public holiday: office hours
    are open, evening and weekend hours are not, so the open-now filter keeps part of the candidates.
    Relative to today because the index describes opening hours for a window starting yesterday."""
    import jpholiday

    tokyo = dt.timezone(dt.timedelta(hours=9))
    day = dt.datetime.now(tokyo).date() + dt.timedelta(days=1)
    while day.weekday() != 2 or jpholiday.is_holiday(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(14, 0), tzinfo=tokyo)


NOW = next_wednesday_afternoon()
BATCH = 2000

# Query classes. "rare" is filled from the generated data (words used by few services).
FIXED_CLASSES: dict[str, tuple[str, ...]] = {
    "broad": ("相談", "支援"),
    "rare": (),
    "1 character": ("介", "孤", "食"),
    "2 characters": ("介護", "DV", "食堂"),
    "kana/kanji variants": ("ひきこもり", "引きこもり", "ヒキコモリ", "子ども", "子供", "こども"),
}
# The concern a person typing the query would also pick (filtered cases); others cycle.
CONCERN_FOR = {
    "相談": "loneliness-talk",
    "支援": "living-money",
    "介": "care",
    "介護": "care",
    "孤": "loneliness-talk",
    "食": "parenting-pregnancy",
    "食堂": "parenting-pregnancy",
    "DV": "violence",
    "ひきこもり": "hikikomori",
    "引きこもり": "hikikomori",
    "ヒキコモリ": "hikikomori",
    "子ども": "parenting-pregnancy",
    "子供": "parenting-pregnancy",
    "こども": "parenting-pregnancy",
}
OTHER_CONCERNS = ("other", "mind-life", "illness-health", "disability")


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def fmt_ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


# --------------------------------------------------------------------------------------------------
# database


def prepare_database(pg: bool, pg_url: str = PG_URL, *, keep: bool = False) -> str:
    var_dir = os.environ.get("TSUNAGU_VAR_DIR")
    if not var_dir:
        sys.exit("Set TSUNAGU_VAR_DIR (e.g. /tmp/tsunagu-bench) and run scripts/init-local-keys first.")
    import dj_database_url

    url = pg_url if pg else f"sqlite:///{Path(var_dir) / 'bench_search.sqlite3'}"
    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"The benchmark recreates its database; its name must contain 'bench' (got {name!r}).")
    if keep:
        pass  # --reuse: the data of an earlier run stays
    elif not pg:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
    else:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("TSUNAGU_LOG_LEVEL", "WARNING")
    (Path(var_dir) / "static").mkdir(exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return url


def machine() -> dict[str, str]:
    import django
    from django.db import connection

    info = {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": connection.vendor,
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(meminfo.split("MemTotal:")[1].split()[0])
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = cpuinfo.split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
    except (OSError, IndexError, ValueError):
        pass
    # Which search code was measured (the working tree may be ahead of the last commit).
    import hashlib

    search_dir = ROOT / "tsunagu" / "directory" / "search"
    info["search_code"] = ", ".join(
        f"{path.name} {hashlib.sha256(path.read_bytes()).hexdigest()[:8]}" for path in sorted(search_dir.glob("*.py"))
    )
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True)
        info["commit"] = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except OSError:
        info["commit"] = "?"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            info["postgresql"] = cursor.fetchone()[0]
    return info


# --------------------------------------------------------------------------------------------------
# data


@dataclass
class LoadReport:
    areas_s: float = 0.0
    generate_s: float = 0.0  # Python generation only
    insert_s: float = 0.0  # everything else of the load (bulk_create and service_save)
    save_count: int = 0
    save_s: float = 0.0
    rebuild_s: float = 0.0
    analyze_s: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    tail_counts: dict[str, int] = field(default_factory=dict)
    services: int = 0
    reused: bool = False


class BenchActor:
    audit_actor_code = None
    audit_actor_label = "bench/search.py"
    audit_org_code = None


def load_areas(report: LoadReport) -> None:
    import io

    from django.core.management import call_command

    start = time.perf_counter()
    call_command("load_areas", stdout=io.StringIO())
    report.areas_s = time.perf_counter() - start


def area_infos() -> tuple[list[AreaInfo], dict[str, list[tuple[str, str]]]]:
    from tsunagu.directory.models import Area, PostalCode

    rows = list(Area.objects.filter(is_active=True).values_list("pk", "code", "name", "level", "parent__code"))
    parent = {code: parent_code for _pk, code, _name, _level, parent_code in rows}

    def prefecture(code: str) -> str:
        while parent.get(code):
            code = parent[code]
        return code

    areas = [
        AreaInfo(
            pk=pk, code=code, name=name, level=level, parent_code=parent_code or "", prefecture_code=prefecture(code)
        )
        for pk, code, name, level, parent_code in rows
    ]
    towns: dict[str, list[tuple[str, str]]] = {}
    for area_code, postal, town in PostalCode.objects.exclude(town="").values_list("area__code", "code", "town"):
        towns.setdefault(area_code, []).append((postal, town))
    return areas, towns


class Writer:
    """Writes generated data: organisations and locations, then services in batches."""

    def __init__(self, gen: Generator, orgs: list[OrgSpec]) -> None:
        from tsunagu.directory.models import Area, TaxonomyTerm

        self.gen = gen
        self.orgs = orgs
        self.area_pk = dict(Area.objects.values_list("code", "pk"))
        self.terms = {(tax, key): pk for pk, tax, key in TaxonomyTerm.objects.values_list("pk", "taxonomy__key", "key")}
        self.org_objects: list[Any] = []
        self.location_pk: dict[Any, int] = {}

    def write_organisations(self) -> None:
        from django.db import transaction
        from django.utils import timezone

        from tsunagu.accounts.models import Organisation
        from tsunagu.directory.models import Location

        now = timezone.now()
        with transaction.atomic():
            objects = [
                Organisation(
                    name=spec.name,
                    type=spec.type,
                    municipality_code=spec.area.code if spec.area else "",
                    description=spec.description,
                    created_at=now,
                    updated_at=now,
                )
                for spec in self.orgs
            ]
            self.org_objects = Organisation.objects.bulk_create(objects, batch_size=BATCH)
            locations = []
            for spec, org in zip(self.orgs, self.org_objects, strict=True):
                if spec.location is None:
                    continue
                fields = dict(spec.location)
                area = fields.pop("area")
                locations.append(
                    Location(
                        organisation=org,
                        area_id=self.area_pk[area.code] if area else None,
                        created_at=now,
                        updated_at=now,
                        **fields,
                    )
                )
            for location in Location.objects.bulk_create(locations, batch_size=BATCH):
                self.location_pk[location.code] = location.pk

    def save_one(self, spec: ServiceSpec) -> None:
        from tsunagu.directory.services import service_save

        service_save(actor=BenchActor(), organisation=self.org_objects[spec.org_index], data=spec.data, code=spec.code)

    def write_services(self, specs: list[ServiceSpec]) -> None:
        """What ``service_save`` writes for a new service, minus its history and audit rows."""
        from django.db import transaction
        from django.utils import timezone

        from tsunagu.directory.models import (
            Attribute,
            Language,
            Phone,
            Schedule,
            Service,
            ServiceArea,
            ServiceAtLocation,
        )
        from tsunagu.directory.services import _TERM_FIELDS, SERVICE_SCALARS

        now = timezone.now()
        with transaction.atomic():
            services = Service.objects.bulk_create(
                [
                    Service(
                        organisation=self.org_objects[spec.org_index],
                        code=spec.code,
                        created_at=now,
                        updated_at=now,
                        **{name: getattr(spec.data, name) for name in SERVICE_SCALARS},
                    )
                    for spec in specs
                ],
                batch_size=BATCH,
            )
            attributes, areas, languages, phones, schedules, links = [], [], [], [], [], []
            for spec, service in zip(specs, services, strict=True):
                data = spec.data
                wanted = sorted({(tax, key) for name, tax in _TERM_FIELDS.items() for key in getattr(data, name)})
                attributes += [Attribute(service=service, taxonomy_term_id=self.terms[pair]) for pair in wanted]
                areas += [
                    ServiceArea(service=service, area_id=self.area_pk[code]) for code in sorted(set(data.area_codes))
                ]
                if data.is_national:
                    areas.append(ServiceArea(service=service, area=None, description="全国"))
                languages += [Language(service=service, tag=tag) for tag in sorted(set(data.languages))]
                phones += [
                    Phone(
                        service=service,
                        number=p.number,
                        extension=p.extension,
                        type=p.type,
                        description=p.description,
                        position=i,
                    )
                    for i, p in enumerate(data.phones)
                ]
                if data.hours is not None:
                    schedules.append(Schedule(service=service, hours=data.hours))
                links += [
                    ServiceAtLocation(service=service, location_id=self.location_pk[code])
                    for code in data.location_codes
                ]
            for model, rows in (
                (Attribute, attributes),
                (ServiceArea, areas),
                (Language, languages),
                (Phone, phones),
                (Schedule, schedules),
                (ServiceAtLocation, links),
            ):
                model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]


def generate_and_load(n: int, seed: int, via_save: int, report: LoadReport) -> list[ServiceSpec]:
    """Returns a sample of the specs written (both paths) for the equivalence check."""
    start = time.perf_counter()
    areas, towns = area_infos()
    gen = Generator(seed, areas, towns)
    orgs = gen.organisations(max(1, n // 2))
    report.generate_s += time.perf_counter() - start

    start = time.perf_counter()
    writer = Writer(gen, orgs)
    writer.write_organisations()
    report.insert_s += time.perf_counter() - start

    sample: list[ServiceSpec] = []
    every = max(1, n // 300)
    written = 0
    while written < n:
        start = time.perf_counter()
        batch: list[ServiceSpec] = []
        for i in range(written, min(n, written + BATCH)):
            org_index = gen.rng.randrange(len(orgs))
            batch.append(gen.service(orgs[org_index], org_index, i))
        report.generate_s += time.perf_counter() - start
        start = time.perf_counter()
        saved = 0
        if written < via_save:
            saved = min(len(batch), via_save - written)
            save_start = time.perf_counter()
            for spec in batch[:saved]:
                writer.save_one(spec)
            report.save_s += time.perf_counter() - save_start
            report.save_count += saved
            sample += batch[: min(saved, 50)]
        writer.write_services(batch[saved:])
        report.insert_s += time.perf_counter() - start
        sample += [spec for i, spec in enumerate(batch[saved:], start=written + saved) if i % every == 0]
        written += len(batch)
        if written % 20_000 < BATCH:
            log(f"  {written:,} services written")
    report.tail_counts = gen.tail_counts
    report.services = n
    return sample


def check_equivalence(sample: list[ServiceSpec]) -> int:
    """Bulk-written services must hold exactly what ``service_save`` writes (history aside)."""
    from tsunagu.directory.models import Service
    from tsunagu.directory.services import SERVICE_SCALARS, _data_collections, _service_collections

    for spec in sample:
        service = Service.objects.get(code=spec.code)
        for name in SERVICE_SCALARS:
            assert getattr(service, name) == getattr(spec.data, name), (spec.code, name)
        assert _service_collections(service) == _data_collections(spec.data), spec.code
        service.full_clean()
    return len(sample)


def count_rows() -> dict[str, int]:
    from tsunagu.accounts.models import Organisation
    from tsunagu.directory import models as m

    return {
        "services": m.Service.objects.count(),
        "organisations": Organisation.objects.count(),
        "locations": m.Location.objects.count(),
        "attributes (taxonomy terms)": m.Attribute.objects.count(),
        "service areas": m.ServiceArea.objects.count(),
        "languages": m.Language.objects.count(),
        "schedules": m.Schedule.objects.count(),
        "phones": m.Phone.objects.count(),
        "service at location": m.ServiceAtLocation.objects.count(),
        "areas": m.Area.objects.count(),
        "postal codes": m.PostalCode.objects.count(),
    }


def analyze() -> float:
    """PostgreSQL: ANALYZE after the bulk load (autovacuum would do it within a minute anyway; doing
    it here keeps plans from changing in the middle of the run). SQLite: nothing (the project never
    runs ANALYZE; whatever the index rebuild does is measured as it is)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


# --------------------------------------------------------------------------------------------------
# sizes


@dataclass
class Sizes:
    table: int  # the services table with its own indexes
    table_heap: int  # the services table alone (SQLite: its b-tree; PostgreSQL: heap + TOAST)
    index: int
    parts: dict[str, int]


def measure_sizes(index_names: Callable[[list[str]], list[str]]) -> Sizes:
    """``index_names`` picks the search index's relations among all relation names."""
    from django.db import connection

    from tsunagu.directory.models import Service

    table = Service._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            sizes = {name: int(size) for name, size in cursor.fetchall()}
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
            owner = dict(cursor.fetchall())
            table_total = sum(size for name, size in sizes.items() if owner.get(name) == table)
            table_heap = sizes.get(table, 0)
            names = index_names(list(sizes))
            # Indexes on the index's own tables belong to the index.
            names = sorted(set(names) | {name for name, tbl in owner.items() if tbl in names and name in sizes})
            parts = {name: sizes[name] for name in names}
        else:
            cursor.execute("SELECT pg_total_relation_size(%s), pg_table_size(%s)", [table, table])
            table_total, table_heap = (int(x) for x in cursor.fetchone())
            cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")
            all_names = [row[0] for row in cursor.fetchall()]
            parts = {}
            for name in index_names(all_names):
                cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [name])
                kind = cursor.fetchone()[0]
                if kind in ("r", "m"):
                    cursor.execute("SELECT pg_total_relation_size(%s)", [name])
                    parts[name] = int(cursor.fetchone()[0])
                elif kind == "i":
                    cursor.execute(
                        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                        "JOIN pg_class x ON x.oid = i.indexrelid WHERE x.relname = %s",
                        [name],
                    )
                    on_table = cursor.fetchone()[0]
                    if on_table in index_names(all_names):
                        continue  # counted with its table
                    cursor.execute("SELECT pg_relation_size(%s)", [name])
                    parts[name] = int(cursor.fetchone()[0])
    return Sizes(table=table_total, table_heap=table_heap, index=sum(parts.values()), parts=parts)


# --------------------------------------------------------------------------------------------------
# the three arms


@dataclass(frozen=True)
class Case:
    cls: str
    text: str
    filtered: bool
    area_code: str = ""
    concern: str = ""

    @property
    def label(self) -> str:
        return f"{self.text} [{self.area_code} {self.concern} open-now]" if self.filtered else self.text


class Capture:
    """Collects every statement sent through Django's cursors while installed."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


NAIVE_PREFETCH = ("schedules", "service_at_locations__location__schedules")


def naive_open(service: Any) -> bool:
    """Open at NOW, the documented way: the service's own schedules valid today, else its locations'
    schedules valid today; with none the parser fully understood, the 24-hours flag decides."""
    from tsunagu.directory.schedules import Schedule as Hours
    from tsunagu.directory.schedules import open_now

    today = NOW.date()

    def valid(schedule: Any) -> bool:
        return (schedule.valid_from is None or schedule.valid_from <= today) and (
            schedule.valid_to is None or today <= schedule.valid_to
        )

    rows = [s for s in service.schedules.all() if valid(s)] or [
        s for link in service.service_at_locations.all() for s in link.location.schedules.all() if valid(s)
    ]
    parsed = [Hours.from_json(s.hours) for s in rows]
    if not any(h.parsed_completely for h in parsed):
        return bool(service.is_24_hours)
    return any(open_now(h, NOW) is True for h in parsed)


class Arms:
    def __init__(self, search: Any) -> None:
        self.search = search  # the selectors module
        from tsunagu.directory.models import Area

        self.parents: dict[str, list[str]] = {}
        rows = dict(Area.objects.values_list("code", "parent__code"))
        for code in rows:
            chain, current = [], code
            while current:
                chain.append(current)
                current = rows.get(current)
            self.parents[code] = chain
        # The selector's default: what residents may see (active and temporarily closed).
        self.default_statuses = tuple(search.SearchFilters().statuses)
        self.statements: dict[Case, list[tuple[str, Any, bool]]] = {}
        self.index_statements: dict[Case, list[tuple[str, Any, bool]]] = {}
        self.page_ids: dict[Case, list[int]] = {}
        # Diagnostic: the selector's last step alone (loading the page's services for the cards).
        self.cards_step: Callable[[list[int]], Any] | None = getattr(search, "service_cards", None)

    def filters(self, case: Case) -> Any:
        if not case.filtered:
            return self.search.SearchFilters()
        return self.search.SearchFilters(area_code=case.area_code, concerns=(case.concern,), open_now=True)

    def selector(self, case: Case, page: int = 1, per_page: int = PER_PAGE) -> Any:
        return self.search.services_search(
            text=case.text, filters=self.filters(case), page=page, per_page=per_page, now=NOW
        )

    def capture(self, case: Case) -> list[tuple[str, Any, bool]]:
        from django.db import connection

        capture = Capture()
        with connection.execute_wrapper(capture):
            result = self.selector(case)
        self.page_ids[case] = [s.pk for s in result.services]
        self.statements[case] = capture.statements
        self.index_statements[case] = [s for s in capture.statements if "directory_search" in s[0]]
        return capture.statements

    def floor(self, case: Case, *, index_only: bool = False) -> int:
        """The selector's statements (or only those on the index tables), replayed on a cursor, every
        row fetched."""
        from django.db import connection

        rows = 0
        with connection.cursor() as cursor:
            for sql, params, many in (self.index_statements if index_only else self.statements)[case]:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
                if cursor.description is not None:
                    rows += len(cursor.fetchall())
        return rows

    # -- naive

    def cards(self, case: Case) -> object:
        return self.cards_step(self.page_ids[case]) if self.cards_step is not None else None

    def naive_queryset(self, case: Case) -> Any:
        from django.db.models import Q

        from tsunagu.directory.models import Service

        qs = Service.objects.filter(Q(name__icontains=case.text) | Q(description__icontains=case.text))
        qs = qs.filter(status__in=self.default_statuses)
        if case.filtered:
            served = self.parents[case.area_code]
            qs = qs.filter(
                Q(service_areas__area__code__in=served)
                | Q(service_areas__area__isnull=True, service_areas__isnull=False)
            )
            qs = qs.filter(
                attributes__taxonomy_term__taxonomy__key="concern", attributes__taxonomy_term__key=case.concern
            ).distinct()
        return qs

    def naive(self, case: Case, *, ordered: bool = True) -> list[Any]:
        qs = self.naive_queryset(case)
        if not ordered:
            qs = qs.order_by()
        if not case.filtered:
            return list(qs[:PER_PAGE])
        found = []
        # In chunks: one prefetch over every match would also exceed SQLite's expression depth.
        for service in qs.prefetch_related(*NAIVE_PREFETCH).iterator(chunk_size=100):
            if naive_open(service):
                found.append(service)
                if len(found) == PER_PAGE:
                    break
        return found

    def naive_ids(self, case: Case) -> set[int]:
        """Every match of the naive way, uncapped (open now evaluated for each)."""
        qs = self.naive_queryset(case)
        if not case.filtered:
            return set(qs.order_by().values_list("pk", flat=True))
        return {
            service.pk
            for service in qs.prefetch_related(*NAIVE_PREFETCH).iterator(chunk_size=500)
            if naive_open(service)
        }

    def selector_ids(self, case: Case, per_page: int) -> tuple[set[int], int]:
        ids: set[int] = set()
        page = 1
        while True:
            result = self.selector(case, page=page, per_page=per_page)
            ids.update(s.pk for s in result.services)
            if len(result.services) < per_page:
                return ids, page
            page += 1


# --------------------------------------------------------------------------------------------------
# measuring


def timed(op: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    op()
    return (time.perf_counter_ns() - start) / 1e6


@dataclass
class Row:
    cls: str
    filtered: bool
    cases: list[Case]
    # per repetition: median and p95 of each arm
    sel_med: list[float] = field(default_factory=list)
    sel_p95: list[float] = field(default_factory=list)
    raw_med: list[float] = field(default_factory=list)
    raw_p95: list[float] = field(default_factory=list)
    index_med: list[float] = field(default_factory=list)
    cards_med: list[float] = field(default_factory=list)
    naive_med: list[float] = field(default_factory=list)
    unordered_med: list[float] = field(default_factory=list)
    naive_p95: list[float] = field(default_factory=list)
    overhead: list[float] = field(default_factory=list)
    speedup: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    lower_bound: int = 0
    statements: int = 0
    substring: list[int] = field(default_factory=list)  # per case, uncapped (correctness pass)
    found: list[int] = field(default_factory=list)  # per case, the selector paged to the end

    @property
    def label(self) -> str:
        return self.cls + (" + filters" if self.filtered else "")


def med(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], unit: str = "") -> str:
    text = fmt_ms(med(values))
    if len(values) > 1:
        text += f" ({fmt_ms(min(values))}–{fmt_ms(max(values))})"
    return text + unit


def rare_words(tail_counts: dict[str, int], n: int) -> tuple[str, ...]:
    """Five niche words used by few services: at most 1 in 2,500 (40 at 100k), at least 2.

    Only Japanese words of three characters or more that occur nowhere else in the vocabulary (not
    inside another niche word, a topic, a language name …), so their use count is their substring count.
    """
    from bench import search_data

    limit = max(3, n // 2500)
    vocabulary = [str(value) for name, value in vars(search_data).items() if name.isupper() and name != "TAIL"]
    elsewhere = "\n".join([*vocabulary, *search_data.TAIL])

    def unique(word: str) -> bool:
        return word.isascii() is False and len(word) >= 3 and elsewhere.count(word) == 1

    candidates = sorted((count, word) for word, count in tail_counts.items() if 2 <= count <= limit and unique(word))
    if len(candidates) < 5:
        candidates = sorted((c, w) for w, c in tail_counts.items() if c >= 1 and unique(w))[:5]
    step = max(1, len(candidates) // 5)
    return tuple(word for _count, word in candidates[::step][:5])


def build_rows(classes: dict[str, tuple[str, ...]], area_pool: list[str]) -> list[Row]:
    rows = []
    for cls, pool in classes.items():
        for filtered in (False, True):
            cases = []
            for i, text in enumerate(pool):
                if filtered:
                    concern = CONCERN_FOR.get(text, OTHER_CONCERNS[i % len(OTHER_CONCERNS)])
                    cases.append(Case(cls, text, True, area_pool[i % len(area_pool)], concern))
                else:
                    cases.append(Case(cls, text, False))
            rows.append(Row(cls=cls, filtered=filtered, cases=cases))
    return rows


def area_pool() -> list[str]:
    """Where people search: the three areas with most services listed, and one middling one."""
    from django.db.models import Count

    from tsunagu.directory.models import ServiceArea

    ranked = list(
        ServiceArea.objects.filter(area__level__in=("municipality", "ward"))
        .values("area__code")
        .annotate(n=Count("id"))
        .order_by("-n", "area__code")
        .values_list("area__code", flat=True)
    )
    return [*ranked[:3], ranked[len(ranked) // 2]]


class GcWatch:
    """Durations of the garbage collector's runs, per generation, while installed."""

    def __init__(self) -> None:
        self.durations: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._start = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter_ns()
        else:
            self.durations[info["generation"]].append((time.perf_counter_ns() - self._start) / 1e6)

    def summary(self) -> str:
        return "; ".join(
            f"generation {gen}: {len(values):,} runs, max {fmt_ms(max(values))} ms, total {fmt_ms(sum(values))} ms"
            for gen, values in self.durations.items()
            if values
        )


def measure(rows: list[Row], arms: Arms, reps: int, executions: int, baseline_executions: int) -> None:
    """Per execution, the arms run back to back in an order that rotates, so drift hits all alike."""
    for rep in range(reps):
        for row in rows:
            sel: list[float] = []
            raw: list[float] = []
            index: list[float] = []
            cards: list[float] = []
            naive: list[float] = []
            unordered: list[float] = []
            gc.collect()
            for i in range(executions):
                case = row.cases[i % len(row.cases)]
                ops: list[tuple[list[float], Callable[[], object]]] = [
                    (sel, functools.partial(arms.selector, case)),
                    (raw, functools.partial(arms.floor, case)),
                    (index, functools.partial(arms.floor, case, index_only=True)),
                    (cards, functools.partial(arms.cards, case)),
                ]
                if i < baseline_executions:
                    ops.append((naive, functools.partial(arms.naive, case)))
                    ops.append((unordered, functools.partial(arms.naive, case, ordered=False)))
                shift = (i + rep) % len(ops)
                for target, op in ops[shift:] + ops[:shift]:
                    target.append(timed(op))
            row.sel_med.append(med(sel))
            row.sel_p95.append(percentile(sel, 0.95))
            row.raw_med.append(med(raw))
            row.raw_p95.append(percentile(raw, 0.95))
            row.index_med.append(med(index))
            row.cards_med.append(med(cards))
            row.naive_med.append(med(naive))
            row.naive_p95.append(percentile(naive, 0.95))
            row.unordered_med.append(med(unordered))
            row.overhead.append(med(sel) - med(raw))
            row.speedup.append(med(naive) / med(sel))
            log(
                f"  rep {rep + 1} {row.label}: selector {med(sel):.2f}/{percentile(sel, 0.95):.2f} ms, "
                f"raw {med(raw):.2f} ms (index {med(index):.2f}), naive {med(naive):.1f} ms"
            )


def statement_label(sql: str) -> str:
    if "directory_search" in sql:
        if "hours_from >" in sql and sql.rstrip().endswith("LIMIT 1"):
            return "index: stale-hours probe"
        return "index: matches"
    if "FROM directory_phone p" in sql:
        return "cards: parts (phones, languages, areas, terms)"
    if "FROM directory_schedule sc" in sql:
        return "cards: schedules"
    if "JOIN accounts_organisation o" in sql:
        return "cards: services"
    match = re.search(r'FROM "(\w+)"', sql)
    return match[1].removeprefix("directory_") if match else sql[:30]


def statement_breakdown(rows: list[Row], arms: Arms, executions: int) -> dict[str, list[tuple[str, float]]]:
    """Each statement the selector sends, replayed alone: median ms per kind of statement, per row."""
    from django.db import connection

    result: dict[str, list[tuple[str, float]]] = {}
    for row in rows:
        times: dict[str, list[float]] = {}
        for i in range(executions):
            case = row.cases[i % len(row.cases)]
            for sql, params, many in arms.statements[case]:
                with connection.cursor() as cursor:
                    start = time.perf_counter_ns()
                    if many:
                        cursor.executemany(sql, params)
                    else:
                        cursor.execute(sql, params)
                    if cursor.description is not None:
                        cursor.fetchall()
                    elapsed = (time.perf_counter_ns() - start) / 1e6
                times.setdefault(statement_label(sql), []).append(elapsed)
        result[row.label] = [(label, med(values)) for label, values in times.items()]
    return result


@dataclass
class Correctness:
    checked: int = 0
    empty_failures: list[str] = field(default_factory=list)
    inclusion_checked: int = 0
    inclusion_failures: list[str] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0


def check_correctness(rows: list[Row], arms: Arms, inclusion_max: int, page_size: int) -> Correctness:
    """Every query of every row: never empty where the naive way finds something; and the selector,
    paged to the end, finds every service the naive way finds (set inclusion)."""
    result = Correctness()
    start = time.perf_counter()
    for row in rows:
        for case in row.cases:
            first = arms.selector(case)
            naive_first = arms.naive(case)
            result.checked += 1
            if naive_first and (first.total == 0 or not first.services):
                result.empty_failures.append(f"{case.label}: naive finds {len(naive_first)}+, selector none")
            substring = arms.naive_ids(case)
            row.substring.append(len(substring))
            if len(substring) > inclusion_max:
                result.skipped.append((case.label, len(substring)))
                continue
            found, pages = arms.selector_ids(case, page_size)
            row.found.append(len(found))
            result.pages += pages
            result.inclusion_checked += 1
            missing = substring - found
            if missing:
                result.inclusion_failures.append(
                    f"{case.label}: {len(missing)} of {len(substring)} substring matches not found "
                    f"(e.g. service ids {sorted(missing)[:5]})"
                )
            log(f"  {case.label}: substring {len(substring):,} ⊆ selector {len(found):,} ({pages} pages)")
    result.seconds = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------------------------------
# report


def report(
    env: dict[str, str],
    args: argparse.Namespace,
    load: LoadReport,
    sizes: Sizes,
    rows: list[Row],
    correct: Correctness,
    query_tokens_ms: float,
    breakdown: dict[str, list[tuple[str, float]]],
) -> str:
    db = env["postgresql"].split(" on ")[0] if "postgresql" in env else f"SQLite {env['sqlite']}"
    out: list[str] = []
    out.append(f"### {db}\n")
    out.append(
        f"{env['date']}, {env['nproc']} CPUs ({env.get('cpu', '?')}), {env.get('ram', '?')} RAM, "
        f"Python {env['python']}, Django {env['django']}; {load.services:,} services, seed {args.seed}; "
        f"{args.reps} repetitions × {args.executions} searches per row (the naive way: the first "
        f"{args.baseline_executions} of them), each cell the median over repetitions (range in brackets); "
        f"`now` = {NOW.isoformat()}. Load average before the run {env['load_before']}, after "
        f"{env.get('load_after', '?')} (other work on the shared machine shows here). Application: commit "
        f"{env['commit']}; search code (sha256 prefixes) {env['search_code']}. Python's garbage collector "
        f"during the timed loops (all arms): {env.get('gc', '?')}.\n"
    )
    rows_text = ", ".join(f"{name} {count:,}" for name, count in load.rows.items())
    if load.reused:
        rows_text += " (data, index and load figures from an earlier run of the same size and seed, `--reuse`)"
    out.append(
        f"**Data.** {rows_text}. Areas loaded in {load.areas_s:.1f} s; services generated in "
        f"{load.generate_s:.1f} s (Python) and written in {load.insert_s:.1f} s "
        f"({load.save_count} through `service_save`, {load.save_s / max(1, load.save_count) * 1000:.1f} ms each "
        f"with their history, audit row and index refresh; the rest with `bulk_create`); {load.checked} sampled "
        f"services checked to hold what `service_save` writes. **`index.rebuild()`: {load.rebuild_s:.1f} s** "
        f"({load.services / max(load.rebuild_s, 1e-9):,.0f} services/s)"
        + (f"; then `ANALYZE` of the whole database {load.analyze_s:.1f} s." if load.analyze_s else ".")
        + "\n"
    )
    parts = ", ".join(f"`{name}` {mb(size)}" for name, size in sorted(sizes.parts.items(), key=lambda kv: -kv[1]))
    out.append(
        f"**Size.** Search index {mb(sizes.index)} ({parts}); services table {mb(sizes.table)} with its indexes "
        f"({mb(sizes.table_heap)} without): **{sizes.index / sizes.table:.2f}× the table** "
        f"({sizes.index / sizes.table_heap:.2f}× the table without its indexes).\n"
    )
    out.append(
        "| query class | filters | substring matches | selector matches | `services_search` median | p95 | "
        "raw SQL median | p95 | of which index SQL | overhead | cards step | naive median | naive p95 | "
        "naive / selector | naive without ORDER BY |"
    )
    out.append(
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for row in rows:
        substring = f"{statistics.median(row.substring):,.0f}" if row.substring else "?"
        found = f"{statistics.median(row.found):,.0f}" if len(row.found) == len(row.cases) else "?"
        out.append(
            f"| {row.cls} | {'area + concern + open now' if row.filtered else '—'} | {substring} | {found} | "
            f"{spread(row.sel_med)} | {spread(row.sel_p95)} | {spread(row.raw_med)} | {spread(row.raw_p95)} | "
            f"{spread(row.index_med)} | {spread(row.overhead)} | {spread(row.cards_med)} | {spread(row.naive_med)} | "
            f"{spread(row.naive_p95)} | {spread(row.speedup, '×')} | {spread(row.unordered_med)} |"
        )
    out.append("")
    out.append(
        "Times in ms. *substring / selector matches*: medians over the row's queries of the services the naive "
        "way finds uncapped, and of those `services_search` returns when paged to the end (it finds more: "
        "spelling variants, and text beyond name and description). *raw SQL*: every statement "
        "`services_search` sent for that search, replayed on a Django cursor with every row fetched; *index SQL*: "
        "only the statements on the index tables (the match query and the stale-hours probe); "
        "*overhead* = selector median − raw SQL median (Python: query planning, ranking, building the cards). "
        "*cards step*: the selector's last step alone (`cards.service_cards(ids)`: the page's 20 services with their "
        "phones, terms, areas, languages and schedules as plain values, SQL included), timed in the same loop. "
        "*naive*: `Service.objects.filter(Q(name__icontains=q) | Q(description__icontains=q))` restricted to the "
        "same statuses, in the model's default order, `[:20]`; with filters, joins on the areas served (the "
        "area, its containing areas, 全国) and the concern, then `open_now` in Python over the matches' "
        "schedules until 20 are open. *naive without ORDER BY*: the same with `.order_by()`, so the database "
        "may stop at the first 20 matches (no ranking, no stable order: shown for scale, not as the baseline).\n"
    )
    classes: dict[str, list[str]] = {}
    for row in rows:
        classes.setdefault(row.cls, [c.text for c in row.cases])
    out.append("Queries: " + "; ".join(f"{cls}: {', '.join(texts)}" for cls, texts in classes.items()) + ".")
    filtered_cases = [c for row in rows if row.filtered for c in row.cases]
    areas = sorted({c.area_code for c in filtered_cases})
    out.append(
        f"Filtered searches use the areas {', '.join(areas)} (the three with most services listed and one "
        f"middling one) and the concern matching the query. Statements per search: "
        f"{', '.join(sorted({str(r.statements) for r in rows}))}. `query_tokens` uncached (Sudachi): median "
        f"{query_tokens_ms:.2f} ms per query; it is cached in the process, so after warm-up it is not in the "
        "timings above.\n"
    )
    out.append(
        "Where the raw SQL time goes (each statement replayed alone, median ms over the row's searches, in the "
        "order the selector sends them):\n"
    )
    for label, parts in breakdown.items():
        shown = [f"{part[0]} {fmt_ms(part[1])}" for part in parts]
        out.append(f"- {label}: " + ", ".join(shown))
    out.append("")
    all_p95 = [med(r.sel_p95) for r in rows]
    all_med = [med(r.sel_med) for r in rows]
    overheads = [med(r.overhead) for r in rows]
    broad = [med(r.speedup) for r in rows if r.cls == "broad"]
    ratio = sizes.index / sizes.table

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    def worst(values: list[float]) -> str:
        row = rows[values.index(max(values))]
        return f"worst {fmt_ms(max(values))} ms ({row.label})"

    out.append("| target | measured | |")
    out.append("| --- | --- | --- |")
    out.append(f"| median ≤ 5 ms, every class | {worst(all_med)} | {verdict(max(all_med) <= 5)} |")
    out.append(f"| p95 ≤ 50 ms, every class | {worst(all_p95)} | {verdict(max(all_p95) <= 50)} |")
    out.append(
        f"| selector ≤ raw SQL + 1 ms (median) | {worst(overheads).replace(' ms', ' ms over')} | "
        f"{verdict(max(overheads) <= 1)} |"
    )
    out.append(
        f"| ≥ 20× faster than naive on broad queries | {' and '.join(f'{x:.0f}×' for x in broad)} "
        f"(without / with filters) | {verdict(min(broad) >= 20)} |"
    )
    out.append(f"| index ≤ 1× the table | {ratio:.2f}× | {verdict(ratio <= 1)} |")
    out.append(
        f"| never empty where a substring match exists | {correct.checked} searches | "
        f"{verdict(not correct.empty_failures)} |"
    )
    out.append(
        f"| finds every substring match (uncapped, set inclusion) | {correct.inclusion_checked} searches, "
        f"{correct.pages:,} pages | {verdict(not correct.inclusion_failures)} |"
    )
    out.append("")
    if correct.skipped:
        out.append(
            "Not paged through (more than `--inclusion-max` substring matches): "
            + ", ".join(f"{label} ({n:,})" for label, n in correct.skipped)
            + "."
        )
    for failure in correct.empty_failures + correct.inclusion_failures:
        out.append(f"- FAILED: {failure}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------


def _state_file(pg: bool) -> Path:
    """Where a run records its load, for ``--reuse``."""
    return Path(os.environ["TSUNAGU_VAR_DIR"]) / f"bench_search.{'postgresql' if pg else 'sqlite'}.json"


def _reusable(args: argparse.Namespace) -> LoadReport | None:
    state = _state_file(args.pg)
    if not args.reuse or not state.exists():
        return None
    saved = json.loads(state.read_text())
    if (saved.get("n"), saved.get("seed")) != (args.n, args.seed):
        return None
    return LoadReport(**saved["load"])


def run(args: argparse.Namespace) -> int:
    reused = _reusable(args)
    url = prepare_database(args.pg, args.pg_url, keep=reused is not None)
    env = machine()
    log(f"search benchmark on {env['database']} ({url.split('@')[-1]}), {args.n:,} services")
    from django.db import connection

    from tsunagu.directory.search import index, selectors
    from tsunagu.directory.search import text as search_text

    if reused is not None:
        load = reused
        load.reused = True
        if count_rows().get("services") != args.n:
            sys.exit("--reuse: the database does not hold the services of the recorded run; run without --reuse")
        log("reusing the data and index of an earlier run (--reuse)")
    else:
        _state_file(args.pg).unlink(missing_ok=True)
        load = LoadReport()
        load_areas(load)
        log(f"areas loaded in {load.areas_s:.1f} s; generating")
        sample = generate_and_load(args.n, args.seed, args.via_save, load)
        load.rows = count_rows()
        log(f"generated {load.generate_s:.1f} s, written {load.insert_s:.1f} s; checking equivalence")
        load.checked = check_equivalence(sample)
        gc.collect()
        start = time.perf_counter()
        index.rebuild()
        load.rebuild_s = time.perf_counter() - start
        log(f"index rebuilt in {load.rebuild_s:.1f} s")
        load.analyze_s = analyze()
        _state_file(args.pg).write_text(json.dumps({"n": args.n, "seed": args.seed, "load": load.__dict__}))

    sizes = measure_sizes(index_relations(index, connection.vendor))
    log(f"index {mb(sizes.index)}, table {mb(sizes.table)}")

    classes = dict(FIXED_CLASSES)
    classes["rare"] = rare_words(load.tail_counts, args.n)
    arms = Arms(selectors)
    rows = build_rows(classes, area_pool())

    # Warm-up; capture each search's statements; totals.
    for row in rows:
        for case in row.cases:
            for _ in range(2):
                arms.selector(case)
            arms.capture(case)
            result = arms.selector(case)
            row.totals.append(result.total)
            row.lower_bound += bool(result.total_is_lower_bound)
            row.statements = max(row.statements, len(arms.statements[case]))
            arms.floor(case)
            arms.floor(case, index_only=True)
            arms.cards(case)
            arms.naive(case)
            arms.naive(case, ordered=False)
    log("warmed up; measuring")
    watch = GcWatch()
    gc.callbacks.append(watch)
    measure(rows, arms, args.reps, args.executions, args.baseline_executions)
    gc.callbacks.remove(watch)
    env["gc"] = watch.summary()

    # What Sudachi costs a query the process has not seen.
    tokens_ms = []
    for row in rows:
        for case in row.cases:
            search_text._query.cache_clear()
            tokens_ms.append(timed(functools.partial(search_text.query_tokens, case.text)))

    breakdown = statement_breakdown(rows, arms, args.executions)
    env["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    log("checking correctness")
    correct = check_correctness(rows, arms, args.inclusion_max, args.inclusion_page)
    text = report(env, args, load, sizes, rows, correct, med(tokens_ms), breakdown)
    print(text)
    if args.json:
        data = {
            "environment": env,
            "load": load.__dict__,
            "sizes": sizes.__dict__,
            "rows": [
                {k: v for k, v in row.__dict__.items() if k != "cases"} | {"cases": [c.label for c in row.cases]}
                for row in rows
            ],
            "correctness": correct.__dict__,
            "statements": breakdown,
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return 1 if correct.empty_failures or correct.inclusion_failures else 0


def index_relations(index: Any, vendor: str) -> Callable[[list[str]], list[str]]:
    """The relations that make up the search index, by the names the index module uses."""
    prefixes = tuple(getattr(index, "RELATION_PREFIXES", ("directory_search",)))

    def pick(names: list[str]) -> list[str]:
        return sorted(name for name in names if name.startswith(prefixes))

    return pick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", action="store_true", help=f"PostgreSQL ({PG_URL}) instead of SQLite")
    parser.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL database (its name must contain 'bench')")
    parser.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL (two processes)")
    parser.add_argument("--large", action="store_true", help="300,000 services instead of 100,000")
    parser.add_argument("--n", type=int, help="services (default 100,000; 300,000 with --large)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the timed loop (default 3)")
    parser.add_argument("--executions", type=int, default=100, help="timed searches per class per repetition")
    parser.add_argument(
        "--baseline-executions", type=int, default=20, help="of which the naive way also runs (default 20)"
    )
    parser.add_argument("--via-save", type=int, default=300, help="services written through service_save")
    parser.add_argument(
        "--inclusion-max",
        type=int,
        default=1_000_000,
        help="page through queries with at most this many substring matches (default: all)",
    )
    parser.add_argument("--inclusion-page", type=int, default=1000, help="page size for the inclusion check")
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data and index of the last complete run with the same --n and --seed (no reload)",
    )
    args = parser.parse_args()
    if args.n is None:
        args.n = 300_000 if args.large else 100_000
    if args.both:
        forwarded = [a for a in sys.argv[1:] if a != "--both"]
        codes = []
        for extra in ([], ["--pg"]):
            command = [sys.executable, str(Path(__file__).resolve()), *forwarded, *extra]
            if args.json and extra:
                i = command.index("--json")
                command[i + 1] = str(args.json.with_suffix(".pg" + args.json.suffix))
            codes.append(subprocess.call(command))
        sys.exit(max(codes))
    sys.exit(run(args))


if __name__ == "__main__":
    main()
