#!/usr/bin/env python3
"""Foundation benchmark: the hash-chained audit trail and field encryption (see bench/README.md).

Measures, on the database DATABASE_URL names (default: a fresh SQLite file under $TSUNAGU_VAR_DIR):

a. sequential audit appends (``record``) against a plain insert of an equivalent row;
b. concurrent appends from several threads, then ``verify_chain`` over the whole table;
c. the audit overhead of a view that shows personal data (staff user detail page), against the
   same request with ``record_personal_data_read`` replaced by a no-op in this process only;
d. AES-256-GCM field encryption, and loading users with encrypted fields;
e. the user detail page, with and without an organisation search, as active organisations grow.

Every measurement is repeated (``--reps``) and reported as the median over repetitions, with the
range of the per-repetition values. Baselines run in the same repetition, interleaved with the
measured operation so that drift on a shared machine affects both alike.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sqlite3
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DETAIL = {"fields": ["display_name", "email", "phone"]}
FAKE_HMAC = "f" * 64
# 50 characters of ordinary Japanese (a counsellor's note would look like this).
JAPANESE_50 = "相談者は最近ひとり暮らしを始めたばかりで、夜になると不安が強くなると話した。次回も同じ相談員が対応。"
assert len(JAPANESE_50) == 50


# --------------------------------------------------------------------------------------------------
# statistics and reporting


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


@dataclass
class Series:
    """One metric across repetitions: the report shows the median and the range."""

    unit: str
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def show(self, *, spread: bool = True) -> str:
        text = fmt(self.median, self.unit)
        if spread and len(self.values) > 1:
            text += f" ({fmt(min(self.values), self.unit, bare=True)}–{fmt(max(self.values), self.unit, bare=True)})"
        return text


def fmt(value: float, unit: str, *, bare: bool = False) -> str:
    if unit == "%":
        text = f"{value:+.1f}"
    elif unit == "×":
        text = f"{value:.2f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if bare:
        return text
    return f"{text} {unit}" if unit not in {"%", "×", ""} else f"{text}{unit}"


class Results:
    def __init__(self) -> None:
        self.series: dict[str, Series] = {}

    def add(self, key: str, value: float, unit: str) -> None:
        self.series.setdefault(key, Series(unit)).add(value)

    def __getitem__(self, key: str) -> Series:
        return self.series[key]

    def as_json(self) -> dict[str, Any]:
        return {key: {"unit": s.unit, "median": s.median, "values": s.values} for key, s in self.series.items()}


def ms(ns: float) -> float:
    return ns / 1e6


def us(ns: float) -> float:
    return ns / 1e3


# --------------------------------------------------------------------------------------------------
# database


def prepare_database() -> str:
    """Point DATABASE_URL at a fresh database, set Django up and migrate. Returns the URL."""
    var_dir = os.environ.get("TSUNAGU_VAR_DIR")
    if not var_dir:
        sys.exit("Set TSUNAGU_VAR_DIR (e.g. /tmp/tsunagu-bench) and run scripts/init-local-keys first.")
    import dj_database_url

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}"
    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"The benchmark recreates its database; its name must contain 'bench' (got {name!r}).")
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
    else:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("TSUNAGU_LOG_LEVEL", "WARNING")  # no per-request INFO lines from django-axes
    (Path(var_dir) / "static").mkdir(exist_ok=True)  # WhiteNoise warns about a missing STATIC_ROOT
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return url


def create_plain_table() -> Any:
    """A scratch table with the audit table's columns, indexes and checks, but no chain and no triggers."""
    from django.db import connection, models

    from tsunagu.audit.models import AuditEvent

    attrs: dict[str, Any] = {f.name: f.clone() for f in AuditEvent._meta.local_concrete_fields if f.name != "id"}
    meta = type(
        "Meta",
        (),
        {
            "app_label": "audit",
            "db_table": "bench_plain_auditevent",
            "constraints": [
                models.CheckConstraint(condition=c.condition, name=f"bench_{c.name}")  # type: ignore[attr-defined]
                for c in AuditEvent._meta.constraints
            ],
        },
    )
    attrs.update({"__module__": __name__, "Meta": meta})
    plain = type("BenchPlainAuditEvent", (models.Model,), attrs)
    with connection.schema_editor() as editor:
        editor.create_model(plain)
    return plain


def environment() -> dict[str, str]:
    from django.db import connection

    info = {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": connection.vendor,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
    import django

    info["django"] = django.get_version()
    return info


# --------------------------------------------------------------------------------------------------
# a/b. audit appends


class BenchActor:
    """Looks like a signed-in staff member acting for an organisation (UUIDs, not None)."""

    def __init__(self) -> None:
        self.audit_actor_code = uuid.uuid4()
        self.audit_actor_label = "system-admin-c"
        self.audit_org_code = uuid.uuid4()


class Appenders:
    """The measured operation (the chain) and its baseline (an equivalent plain row), one transaction each."""

    def __init__(self, plain_model: Any) -> None:
        import itertools

        self.plain_model = plain_model
        self.actor = BenchActor()
        self.target = str(uuid.uuid4())
        self._seq = itertools.count(1)  # next() on itertools.count is atomic under the GIL

    def chain(self) -> None:
        from tsunagu.audit.actions import AuditTrailAction
        from tsunagu.audit.services import record

        record(
            actor=self.actor,
            action=AuditTrailAction.PERSONAL_DATA_READ,
            target_type="user",
            target_code=self.target,
            detail=DETAIL,
        )

    def plain(self, *, no_commit_flush: bool = False) -> None:
        from django.db import connection, transaction
        from django.utils import timezone

        with transaction.atomic():
            if no_commit_flush:  # diagnostic only (PostgreSQL): how much of an insert is the WAL flush at commit
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            self.plain_model.objects.create(
                seq=next(self._seq),
                occurred_at=timezone.now(),
                actor_code=self.actor.audit_actor_code,
                actor_label=self.actor.audit_actor_label,
                org_code=self.actor.audit_org_code,
                action="personal_data.read",
                target_type="user",
                target_code=self.target,
                outcome="allowed",
                ip=None,
                request_id="",
                detail=DETAIL,
                prev_hmac=FAKE_HMAC,
                hmac=FAKE_HMAC,
            )


def timed(op: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    op()
    return time.perf_counter_ns() - start


def bench_sequential(results: Results, app: Appenders, n: int, rep: int) -> None:
    chain: list[int] = []
    plain: list[int] = []
    gc.collect()
    for i in range(n):
        if (i + rep) % 2:
            chain.append(timed(app.chain))
            plain.append(timed(app.plain))
        else:
            plain.append(timed(app.plain))
            chain.append(timed(app.chain))
    results.add("a.chain.median", ms(statistics.median(chain)), "ms")
    results.add("a.chain.p95", ms(p95(chain)), "ms")
    results.add("a.chain.rate", n / (sum(chain) / 1e9), "/s")
    results.add("a.plain.median", ms(statistics.median(plain)), "ms")
    results.add("a.plain.p95", ms(p95(plain)), "ms")
    results.add("a.plain.rate", n / (sum(plain) / 1e9), "/s")
    results.add("a.ratio.median", statistics.median(chain) / statistics.median(plain), "×")
    results.add("a.ratio.p95", p95(chain) / p95(plain), "×")


def bench_append_parts(results: Results, app: Appenders, n: int) -> None:
    """Where an append's time goes: head lookup, chain lock (PostgreSQL), canonical form + HMAC.

    ``record()`` itself is timed in ``bench_sequential``; these are its parts, timed apart. The ORM
    lookup is the code ``record()`` used before it switched to plain SQL, kept for comparison.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from tsunagu.audit import chain
    from tsunagu.audit.models import AuditEvent
    from tsunagu.audit.services import _HEAD_SQL, _lock_and_read_head

    def lookup() -> None:
        AuditEvent.objects.order_by("-seq").values_list("seq", "hmac").first()

    def lookup_raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(_HEAD_SQL)
            cursor.fetchone()

    def lock() -> None:
        with transaction.atomic(savepoint=False):  # as in record()
            _lock_and_read_head()

    def empty_transaction() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    actor = BenchActor()
    fields: dict[str, Any] = {
        "seq": 123_456,
        "occurred_at": timezone.now(),
        "actor_code": actor.audit_actor_code,
        "actor_label": actor.audit_actor_label,
        "org_code": actor.audit_org_code,
        "action": "personal_data.read",
        "target_type": "user",
        "target_code": str(uuid.uuid4()),
        "outcome": "allowed",
        "ip": "192.0.2.1",
        "request_id": uuid.uuid4().hex,
        "detail": DETAIL,
    }

    def sign() -> None:
        chain.sign(FAKE_HMAC, chain.canonical(**fields))

    parts: list[tuple[str, Callable[[], None]]] = [
        ("a.part.lookup", lookup),
        ("a.part.lookup_raw", lookup_raw),
        ("a.part.lock_txn", lock),
        ("a.part.select1_txn", empty_transaction),
        ("a.part.hmac", sign),
    ]
    if connection.vendor == "postgresql":
        parts += [("a.part.plain", app.plain), ("a.part.plain_no_flush", lambda: app.plain(no_commit_flush=True))]
    for key, op in parts:
        samples = [timed(op) for _ in range(n)]
        results.add(key, us(statistics.median(samples)), "µs")


def bench_concurrent(results: Results, app: Appenders, threads: int, per_thread: int, rep: int) -> None:
    from django.db import connections

    def run(op: Callable[[], None], label: str) -> None:
        barrier = threading.Barrier(threads + 1, timeout=120)
        latencies: list[list[int]] = [[] for _ in range(threads)]

        def worker(slot: int) -> None:
            try:
                barrier.wait()
                for _ in range(per_thread):
                    latencies[slot].append(timed(op))
            finally:
                connections.close_all()  # this thread's connections only

        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(worker, slot) for slot in range(threads)]
            gc.collect()
            barrier.wait()
            start = time.perf_counter_ns()
            for future in futures:
                future.result()
            wall = time.perf_counter_ns() - start
        every = [x for slot in latencies for x in slot]
        results.add(f"b.{label}.rate", threads * per_thread / (wall / 1e9), "/s")
        results.add(f"b.{label}.median", ms(statistics.median(every)), "ms")
        results.add(f"b.{label}.p95", ms(p95(every)), "ms")
        results.add(f"b.{label}.p99", ms(percentile(every, 0.99)), "ms")
        results.add(f"b.{label}.max", ms(max(every)), "ms")

    order = [(app.chain, "chain"), (app.plain, "plain")]
    for op, label in order if rep % 2 == 0 else reversed(order):
        run(op, label)
    results.add("b.ratio.rate", results["b.chain.rate"].values[-1] / results["b.plain.rate"].values[-1], "×")


def bench_verify(results: Results) -> None:
    from tsunagu.audit.models import AuditEvent
    from tsunagu.audit.services import verify_chain

    gc.collect()
    start = time.perf_counter_ns()
    outcome = verify_chain()
    elapsed = time.perf_counter_ns() - start
    assert outcome.ok, outcome
    assert outcome.checked == AuditEvent.objects.count() == outcome.last_seq, outcome
    results.add("b.verify.rows", outcome.checked, "")
    results.add("b.verify.seconds", elapsed / 1e9, "s")
    results.add("b.verify.rate", outcome.checked / (elapsed / 1e9), "rows/s")


# --------------------------------------------------------------------------------------------------
# c. audit overhead of a view that shows personal data


class ViewBench:
    def __init__(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from tsunagu.accounts.tests.personas import build_world
        from tsunagu.core.crypto import blind_index, normalise_phone

        world = build_world()
        subject = world.users["counsellor_a"]
        subject.email = "counsellor-a@example.jp"
        subject.phone = "090-1234-5678"
        subject.phone_index = blind_index(normalise_phone(subject.phone), purpose="phone")
        subject.save()
        self.client = world.client("system_admin_c")
        self.url = reverse("accounts:user_detail", kwargs={"code": subject.code})

        from tsunagu.accounts.views import manage

        self.manage = manage
        self.original = manage.record_personal_data_read
        first = self.audited()
        assert first.status_code == 200, first.status_code
        assert b"contact-heading" in first.content, "the personal-data section is not shown"
        assert subject.email.encode() in first.content, "the decrypted e-mail address is not shown"
        self.page_bytes = len(first.content)
        self.queries: dict[str, int] = {}
        for label, get in (("audited", self.audited), ("plain", self.unaudited)):
            with CaptureQueriesContext(connection) as captured:
                get()
            self.queries[label] = len(captured.captured_queries)

    def audited(self) -> Any:
        return self.client.get(self.url)

    def unaudited(self) -> Any:
        self.manage.record_personal_data_read = _no_audit  # benchmark process only, restored below
        try:
            return self.client.get(self.url)
        finally:
            self.manage.record_personal_data_read = self.original

    def run(self, results: Results, n: int, rep: int) -> None:
        from tsunagu.audit.models import AuditEvent

        reads_before = AuditEvent.objects.filter(action="personal_data.read", target_type="user").count()
        audited: list[int] = []
        plain: list[int] = []
        gc.collect()
        for i in range(n):
            pair = [(self.audited, audited), (self.unaudited, plain)]
            for get, sink in pair if (i + rep) % 2 == 0 else reversed(pair):
                start = time.perf_counter_ns()
                response = get()
                sink.append(time.perf_counter_ns() - start)
                assert response.status_code == 200, response.status_code
        reads = AuditEvent.objects.filter(action="personal_data.read", target_type="user").count() - reads_before
        assert reads == n, f"expected {n} audited reads, found {reads}: the no-op patch leaked or failed"
        a_med, p_med = statistics.median(audited), statistics.median(plain)
        results.add("c.audited.median", ms(a_med), "ms")
        results.add("c.audited.p95", ms(p95(audited)), "ms")
        results.add("c.plain.median", ms(p_med), "ms")
        results.add("c.plain.p95", ms(p95(plain)), "ms")
        results.add("c.added.median", ms(a_med - p_med), "ms")
        results.add("c.overhead.median", 100 * (a_med - p_med) / p_med, "%")
        results.add("c.overhead.p95", 100 * (p95(audited) - p95(plain)) / p95(plain), "%")


def _no_audit(**_: object) -> None:
    return None


# --------------------------------------------------------------------------------------------------
# d. encryption


def bench_crypto(results: Results, n: int) -> None:
    from tsunagu.core import crypto

    context = "accounts.user.display_name"
    enc: list[int] = []
    dec: list[int] = []
    both: list[int] = []
    gc.collect()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        stored = crypto.encrypt(JAPANESE_50, context=context)
        t1 = time.perf_counter_ns()
        plain = crypto.decrypt(stored, context=context)
        t2 = time.perf_counter_ns()
        enc.append(t1 - t0)
        dec.append(t2 - t1)
        both.append(t2 - t0)
    assert plain == JAPANESE_50
    results.add("d.encrypt", us(statistics.median(enc)), "µs")
    results.add("d.decrypt", us(statistics.median(dec)), "µs")
    results.add("d.roundtrip", us(statistics.median(both)), "µs")


class LoadBench:
    PLAIN_FIELDS = ("id", "code", "username", "is_active", "date_joined")
    ENCRYPTED = ("display_name", "email", "phone")

    def __init__(self, count: int) -> None:
        from tsunagu.accounts.models import User
        from tsunagu.core.crypto import blind_index, normalise_phone

        first = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        users = []
        for i in range(count):
            phone = f"090-{i // 10000:04d}-{i % 10000:04d}"
            users.append(
                User(
                    username=f"bench-user-{i:05d}",
                    password="!bench-unusable",
                    display_name=f"山田 花子{i}",
                    email=f"hanako.yamada{i}@example.jp",
                    phone=phone,
                    phone_index=blind_index(normalise_phone(phone), purpose="phone"),
                )
            )
        User.objects.bulk_create(users, batch_size=500)
        self.qs = User.objects.filter(pk__gte=first).order_by("pk")
        assert self.qs.count() == count

    def run(self, results: Results, inner: int) -> None:
        variants: dict[str, Callable[[], list[Any]]] = {
            "models": lambda: list(self.qs.all()),
            "models_deferred": lambda: list(self.qs.defer(*self.ENCRYPTED)),
            "values_plain": lambda: list(self.qs.values_list(*self.PLAIN_FIELDS)),
            "values_encrypted": lambda: list(self.qs.values_list(*self.PLAIN_FIELDS, *self.ENCRYPTED)),
        }
        samples: dict[str, list[int]] = {key: [] for key in variants}
        gc.collect()
        for _ in range(inner):
            for key, load in variants.items():
                samples[key].append(timed(load))
        medians = {key: statistics.median(values) for key, values in samples.items()}
        for key, value in medians.items():
            results.add(f"d.load.{key}", ms(value), "ms")
        results.add("d.load.ratio_models", medians["models"] / medians["values_plain"], "×")
        results.add("d.load.ratio_values", medians["values_encrypted"] / medians["values_plain"], "×")
        results.add("d.load.ratio_deferred", medians["models"] / medians["models_deferred"], "×")


# --------------------------------------------------------------------------------------------------
# e. the same page as the number of organisations grows (the add-membership form searches by name)

ORG_QUERY = "ベンチ1"  # matches thousands of the added organisations at the larger sizes; the page shows 20


def bench_org_scale(results: Results, view: ViewBench, scales: list[int], requests: int) -> None:
    from tsunagu.accounts.models import Organisation

    def search() -> Any:
        return view.client.get(view.url, {"org_q": ORG_QUERY})

    def measure(prefix: str) -> None:
        for label, get in (("page", view.audited), ("search", search)):
            get()  # warm-up
            samples = [timed(get) for _ in range(requests)]
            results.add(f"{prefix}.{label}.median", ms(statistics.median(samples)), "ms")
            results.add(f"{prefix}.{label}.bytes", len(get().content), "")

    have = Organisation.objects.filter(is_active=True).count()
    results.add("e.base.orgs", have, "")
    measure("e.base")
    for scale in scales:
        if scale > have:
            Organisation.objects.bulk_create(
                [
                    Organisation(name=f"NPO法人ベンチ{i}", name_kana=f"ベンチ{i}", type="npo", municipality_code="")
                    for i in range(have, scale)
                ],
                batch_size=2000,
            )
            have = scale
        measure(f"e.{scale}")
        for label in ("page", "search"):
            ratio = results[f"e.{scale}.{label}.median"].median / results[f"e.base.{label}.median"].median
            results.add(f"e.{scale}.{label}.ratio", ratio, "×")


# --------------------------------------------------------------------------------------------------
# report


def report(results: Results, env: dict[str, str], args: argparse.Namespace, view: ViewBench) -> str:
    r = results
    db = env["database"]
    version = f"PostgreSQL {env['postgresql']}" if db == "postgresql" else f"SQLite {env['sqlite']}"
    target_ok = r["c.overhead.median"].median <= 10
    lines = [
        f"### {version}",
        "",
        f"{env['date']}, {env['cpus']} CPUs, Python {env['python']}, Django {env['django']}; "
        f"{args.reps} repetitions, each cell the median over repetitions (range of the repetitions in brackets).",
        "",
        f"**a. Sequential audit appends** ({args.appends} per repetition, one transaction each, "
        "interleaved with the baseline)",
        "",
        "| | chained `record()` | plain insert of the same row | ratio |",
        "| --- | --- | --- | --- |",
        f"| median latency | {r['a.chain.median'].show()} | {r['a.plain.median'].show()} "
        f"| {r['a.ratio.median'].show()} |",
        f"| p95 latency | {r['a.chain.p95'].show()} | {r['a.plain.p95'].show()} | {r['a.ratio.p95'].show()} |",
        f"| appends/s | {r['a.chain.rate'].show()} | {r['a.plain.rate'].show()} | |",
        "",
        f"Parts of an append (each the median of {args.appends} calls per repetition, timed apart from the "
        "loop above): head lookup as `record()` sends it, plain SQL on a cursor, "
        f"{r['a.part.lookup_raw'].show()} (through the ORM, as before the change, kept for comparison: "
        f"{r['a.part.lookup'].show()}); a transaction with `record()`'s lock and head lookup "
        f"(`_lock_and_read_head()`; one round trip on PostgreSQL) {r['a.part.lock_txn'].show()} "
        f"(a transaction with `SELECT 1`: {r['a.part.select1_txn'].show()}); "
        f"canonical form + HMAC {r['a.part.hmac'].show()}."
        + (
            f" Plain insert {r['a.part.plain'].show()}; the same with `SET LOCAL synchronous_commit = off` "
            f"(diagnostic only, to size the WAL flush at commit) {r['a.part.plain_no_flush'].show()}."
            if "a.part.plain" in r.series
            else ""
        ),
        "",
        f"**b. Concurrent appends** ({args.threads} threads × {args.per_thread})",
        "",
        "| | chained `record()` | plain insert | ratio |",
        "| --- | --- | --- | --- |",
        f"| throughput | {r['b.chain.rate'].show()} | {r['b.plain.rate'].show()} | {r['b.ratio.rate'].show()} |",
        f"| median latency | {r['b.chain.median'].show()} | {r['b.plain.median'].show()} | |",
        f"| p95 latency | {r['b.chain.p95'].show()} | {r['b.plain.p95'].show()} | |",
        f"| p99 latency | {r['b.chain.p99'].show()} | {r['b.plain.p99'].show()} | |",
        f"| max latency | {r['b.chain.max'].show()} | {r['b.plain.max'].show()} | |",
        "",
        f"`verify_chain()` afterwards: ok over {r['b.verify.rows'].values[-1]:,.0f} rows (whole table), "
        f"{r['b.verify.seconds'].show()}, {r['b.verify.rate'].show()}.",
        "",
        f"**c. Audit overhead of a personal-data view** (GET staff user detail as system administrator, "
        f"{args.requests} requests per arm per repetition, arms interleaved request by request; "
        f"page {view.page_bytes:,} bytes, {view.queries['audited']} queries audited vs "
        f"{view.queries['plain']} without the audit read)",
        "",
        "| | audited (as shipped) | audit read patched to a no-op | added |",
        "| --- | --- | --- | --- |",
        f"| median | {r['c.audited.median'].show()} | {r['c.plain.median'].show()} "
        f"| {r['c.added.median'].show()} = **{r['c.overhead.median'].show()}** |",
        f"| p95 | {r['c.audited.p95'].show()} | {r['c.plain.p95'].show()} | {r['c.overhead.p95'].show()} |",
        "",
        f"Target ≤ 10% added latency (median): **{'met' if target_ok else 'missed'}**.",
        "",
        "**d. Field encryption** (AES-256-GCM)",
        "",
        "| | value |",
        "| --- | --- |",
        f"| encrypt, 50 Japanese characters (median of {args.crypto:,}) | {r['d.encrypt'].show()} |",
        f"| decrypt, same | {r['d.decrypt'].show()} |",
        f"| encrypt + decrypt | {r['d.roundtrip'].show()} |",
        f"| load {args.users:,} users as model instances (3 encrypted fields each) | {r['d.load.models'].show()} |",
        f"| `values_list` of 5 non-encrypted fields, same users (baseline) | {r['d.load.values_plain'].show()} |",
        f"| **ratio** models / baseline | **{r['d.load.ratio_models'].show()}** |",
        f"| `values_list` of the same 5 fields + the 3 encrypted ones | {r['d.load.values_encrypted'].show()} |",
        f"| ratio with / without the encrypted columns (no model instances) | {r['d.load.ratio_values'].show()} |",
        f"| model instances with the encrypted fields deferred | {r['d.load.models_deferred'].show()} |",
        f"| ratio full models / models without the encrypted columns | {r['d.load.ratio_deferred'].show()} |",
        "",
    ]
    if args.org_scale:

        def row(prefix: str, label: str, ratio: str) -> str:
            return (
                f"{r[f'{prefix}.{label}.median'].show(spread=False)} "
                f"| {r[f'{prefix}.{label}.bytes'].values[0] / 1024:,.0f} KB | {ratio}"
            )

        lines += [
            "**e. The same user detail page as active organisations grow** (organisations are no longer listed: "
            f"the add-membership form searches them by name, at most 20 matches; median of {args.org_requests} "
            f"requests, audited as shipped; the search is `?org_q={ORG_QUERY}`)",
            "",
            "| active organisations | page | HTML | ratio | page with a search | HTML | ratio |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {r['e.base.orgs'].values[0]:,.0f} (baseline) | {row('e.base', 'page', '1×')} "
            f"| {row('e.base', 'search', '1×')} |",
        ]
        lines += [
            f"| {scale:,} | {row(f'e.{scale}', 'page', r[f'e.{scale}.page.ratio'].show(spread=False))} "
            f"| {row(f'e.{scale}', 'search', r[f'e.{scale}.search.ratio'].show(spread=False))} |"
            for scale in args.org_scale
        ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5, help="repetitions of every measurement (default 5)")
    parser.add_argument("--appends", type=int, default=2000, help="sequential appends per repetition")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--per-thread", type=int, default=500, help="appends per thread per repetition")
    parser.add_argument("--requests", type=int, default=300, help="view requests per arm per repetition")
    parser.add_argument("--crypto", type=int, default=20_000, help="encrypt+decrypt round trips per repetition")
    parser.add_argument("--users", type=int, default=1000, help="users to load in d")
    parser.add_argument(
        "--org-scale",
        type=lambda text: [int(x) for x in text.split(",") if x],
        default=[1000, 5000, 50000],
        help="e: active organisations to grow to, comma-separated ('' to skip; default 1000,5000,50000)",
    )
    parser.add_argument("--org-requests", type=int, default=5, help="e: requests per size")
    parser.add_argument("--json", type=Path, help="also write every per-repetition value to this file")
    args = parser.parse_args()

    url = prepare_database()
    env = environment()
    print(f"benchmarking on {env['database']} ({url.split('@')[-1]})", file=sys.stderr)
    results = Results()

    plain_model = create_plain_table()
    app = Appenders(plain_model)
    for _ in range(100):  # warm-up: connection, statement caches, first pages of both tables
        app.chain()
        app.plain()
    for rep in range(args.reps):
        bench_sequential(results, app, args.appends, rep)
        bench_append_parts(results, app, args.appends)
        print(f"a. rep {rep + 1}: chain {results['a.chain.median'].values[-1]:.3f} ms", file=sys.stderr)

    for rep in range(args.reps):
        bench_concurrent(results, app, args.threads, args.per_thread, rep)
        print(f"b. rep {rep + 1}: {results['b.chain.rate'].values[-1]:.0f} appends/s", file=sys.stderr)
    for _ in range(args.reps):
        bench_verify(results)

    view = ViewBench()
    for _ in range(30):
        view.audited()
        view.unaudited()
    for rep in range(args.reps):
        view.run(results, args.requests, rep)
        print(f"c. rep {rep + 1}: {results['c.overhead.median'].values[-1]:+.1f}%", file=sys.stderr)

    loader = LoadBench(args.users)
    for rep in range(args.reps):
        bench_crypto(results, args.crypto)
        loader.run(results, inner=7)
        print(f"d. rep {rep + 1}: {results['d.roundtrip'].values[-1]:.1f} µs", file=sys.stderr)

    if args.org_scale:
        bench_org_scale(results, view, args.org_scale, args.org_requests)
        print("e. done", file=sys.stderr)

    print(report(results, env, args, view))
    if args.json:
        args.json.write_text(json.dumps({"environment": env, "results": results.as_json()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
