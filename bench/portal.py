#!/usr/bin/env python3
"""Public portal benchmark: page weight and Lighthouse (mobile) against the quality bars.

Bars (issue 4, shared performance document): every public page at most 30 KB compressed
(HTML+CSS+JS it loads); Lighthouse mobile on the home page, the finder's results and a service
detail page with 100,000 services loaded: performance >= 95, accessibility 100.

One run:

1. a SQLite file ``$TSUNAGU_VAR_DIR/bench_portal.sqlite3`` (recreated; ``--reuse`` keeps it when it
   holds the same ``--n``/``--seed``): migrate, every real area, ``--n`` generated services
   (``bench/search_data.py`` through ``bench/search.py``'s loader), the demo directory (real national
   lines) on top, then the search index rebuild;
2. ``collectstatic`` with the production storage (hashed, gzip-compressed files) into
   ``$TSUNAGU_VAR_DIR/static``, and a real HTTP server on a free port of 127.0.0.1 in production mode
   (DEBUG off, WhiteNoise serving the static files, HTML gzip-compressed as the reverse proxy in
   front of production does): Django's own threaded development server class, HTTP/1.1;
3. per page: the HTML (GET, or POST for the finder's results, the search results and the print
   list) and every stylesheet and script it loads, fetched with ``Accept-Encoding: gzip``; bytes on
   the wire, and gzip-compressed size for anything served uncompressed;
4. Lighthouse 12 (``bench/lighthouse``, ``scripts/install-lighthouse``) with Debian's Chromium,
   default mobile profile (simulated throttling), ``--runs`` times per page (median); the finder's
   results, which only a POST reaches, through a Lighthouse user flow (``bench/lighthouse/flow.mjs``)
   that fills in the finder and measures the navigation its submit button starts.

It prints a Markdown section for docs/performance.md (progress goes to stderr) and exits non-zero
when a bar is missed. ``--json FILE`` also writes every per-run value.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import html.parser
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
BUDGET = 30 * 1024  # bytes, compressed HTML+CSS+JS
PERFORMANCE_BAR = 95
ACCESSIBILITY_BAR = 100
DB_NAME = "bench_portal.sqlite3"
LIGHTHOUSE_PAGES = ("home", "finder results", "service detail")
METRICS = (
    ("first-contentful-paint", "FCP", "ms"),
    ("largest-contentful-paint", "LCP", "ms"),
    ("total-blocking-time", "TBT", "ms"),
    ("cumulative-layout-shift", "CLS", ""),
    ("speed-index", "SI", "ms"),
)


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def var_dir() -> Path:
    value = os.environ.get("TSUNAGU_VAR_DIR")
    if not value:
        sys.exit("Set TSUNAGU_VAR_DIR (e.g. /tmp/tsunagu-bench) and run scripts/init-local-keys first.")
    return Path(value)


# --------------------------------------------------------------------------------------------------
# data


@dataclass
class DataState:
    n: int
    seed: int
    services: int = 0
    load_s: float = 0.0
    rebuild_s: float = 0.0
    reused: bool = False


def setup_django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("TSUNAGU_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def prepare_data(n: int, seed: int, reuse: bool) -> DataState:
    """The benchmark's own SQLite file; recreated unless ``reuse`` and it holds the same data."""
    db = var_dir() / DB_NAME
    state_file = db.with_suffix(".json")
    assert "bench" in db.name
    if reuse and db.exists() and state_file.exists():
        saved = json.loads(state_file.read_text())
        if saved.get("n") == n and saved.get("seed") == seed and saved.get("complete"):
            setup_django(db)
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            from tsunagu.directory.search import index

            start = time.perf_counter()
            index.rebuild(stale_hours_only=True)  # the index describes hours for a window of days
            took = time.perf_counter() - start
            log(f"reusing {db} ({saved['services']:,} services); stale opening hours re-indexed in {took:.1f} s")
            return DataState(
                n=n,
                seed=seed,
                services=saved["services"],
                load_s=saved["load_s"],
                rebuild_s=saved["rebuild_s"],
                reused=True,
            )
        log(f"{db} holds other data ({saved}); recreating it")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    state_file.unlink(missing_ok=True)
    setup_django(db)
    from django.core.management import call_command

    from bench.search import LoadReport, generate_and_load, load_areas

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    report = LoadReport()
    load_areas(report)
    log(f"areas loaded in {report.areas_s:.0f} s; writing {n:,} services")
    generate_and_load(n, seed, min(50, n), report)
    # The demo directory on top: real national lines (24 hours, crisis lines) as on a real portal.
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_directory_demo", stdout=io.StringIO())
    load_s = time.perf_counter() - start
    log(f"written in {load_s:.0f} s; rebuilding the search index")
    from tsunagu.directory.models import Service
    from tsunagu.directory.search import index

    start = time.perf_counter()
    index.rebuild()
    rebuild_s = time.perf_counter() - start
    services = Service.objects.count()
    log(f"index rebuilt in {rebuild_s:.0f} s; {services:,} services")
    state = DataState(n=n, seed=seed, services=services, load_s=load_s, rebuild_s=rebuild_s)
    state_file.write_text(json.dumps(state.__dict__ | {"complete": True}) + "\n")
    return state


# --------------------------------------------------------------------------------------------------
# the server (a child process: ``bench/portal.py --serve PORT``)


def server_environment(db: Path) -> dict[str, str]:
    """Production mode, as deployed (docs/operations.md), minus HTTPS: plain HTTP on 127.0.0.1."""
    keys = var_dir() / "keys"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TSUNAGU_", "DATABASE_URL")) or k == "TSUNAGU_VAR_DIR"
    }
    env |= {
        "TSUNAGU_ENV": "production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SECRET_KEY_FILE": str(keys / "secret_key"),
        "TSUNAGU_ENCRYPTION_KEYS_FILE": str(keys / "encryption_keys"),
        "TSUNAGU_BLIND_INDEX_KEY_FILE": str(keys / "blind_index_key"),
        "TSUNAGU_AUDIT_HMAC_KEY_FILE": str(keys / "audit_hmac_key"),
        "TSUNAGU_SSL_REDIRECT": "false",
        "TSUNAGU_BEHIND_PROXY": "false",
        "TSUNAGU_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return env


def gzip_app(app: Any) -> Any:
    """What the reverse proxy in front of production does for HTML: gzip when the client accepts it.
    (WhiteNoise already serves the static files' precompressed .gz variants itself.)"""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # the write() callable: Django never uses it

        body_iter = app(environ, capture)
        headers = captured["headers"]
        names = {k.lower(): v for k, v in headers}
        accepts = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        if (
            not accepts
            or "content-encoding" in names
            or not names.get("content-type", "").startswith(("text/html", "application/json"))
        ):
            start_response(captured["status"], headers)
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close:
                close()
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(compressed)))]
        vary = [v for k, v in headers if k.lower() == "vary"]
        headers = [(k, v) for k, v in headers if k.lower() != "vary"]
        headers.append(("Vary", ", ".join([*vary, "Accept-Encoding"])))
        start_response(captured["status"], headers)
        return [compressed]

    return wrapped


def serve(port: int) -> None:
    import logging

    import django

    django.setup()
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    app = gzip_app(get_wsgi_application())
    logging.getLogger("django.server").setLevel(logging.WARNING)  # no line per request
    run("127.0.0.1", port, app, threading=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(db: Path) -> Iterator[str]:
    env = server_environment(db)
    log("collectstatic (production storage: hashed, compressed)")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--clear", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    port = free_port()
    while port == 8000:
        port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(port)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except urllib.error.HTTPError as exc:
                sys.exit(f"the server on {base} answers /healthz with HTTP {exc.code}")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the server on {base} did not start")
            time.sleep(0.3)
        log(f"serving on {base} (pid {proc.pid})")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --------------------------------------------------------------------------------------------------
# pages


@dataclass
class Page:
    name: str
    path: str
    lighthouse: bool = False
    # Pages only a POST reaches: either the form fields to POST to ``path`` directly, or ``steps``: GET
    # ``path``, then for each step fill in these fields in the form that holds them and press its first
    # submit button, as a person does (the finder: each step's form carries the earlier answers).
    post: dict[str, list[str]] | None = None
    steps: list[dict[str, list[str]]] = field(default_factory=list)
    # Lighthouse through the user flow script even without steps (a control against the CLI).
    via_flow: bool = False
    weigh: bool = True

    @property
    def method(self) -> str:
        return "POST" if self.post is not None or self.steps else "GET"


@dataclass
class Resource:
    url: str
    kind: str  # html, css, js, other
    status: int
    wire: int  # bytes on the wire (body as sent)
    encoding: str
    raw: int  # uncompressed bytes
    gzipped: int  # gzip size (the wire size when served gzip-compressed)


@dataclass
class Weight:
    page: Page
    resources: list[Resource] = field(default_factory=list)
    third_party: list[str] = field(default_factory=list)
    set_cookie: bool = False

    @property
    def total(self) -> int:
        return sum(r.gzipped for r in self.resources if r.kind in {"html", "css", "js"})


class Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.found.append(("css", a["href"]))
            elif "modulepreload" in rel or a.get("as") == "script":
                self.found.append(("js", a["href"]))
            elif {"icon", "preload", "manifest", "apple-touch-icon"} & set(rel):
                self.found.append(("other", a["href"]))
        elif tag == "script" and a.get("src"):
            self.found.append(("js", a["src"]))
        elif tag in {"img", "source", "iframe", "embed"} and a.get("src"):
            self.found.append(("other", a["src"]))


class Forms(html.parser.HTMLParser):
    """The forms of a page: action, the controls that a browser submits by default, submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "fields": [], "names": set(), "buttons": []}
            self.forms.append(self._current)
            return
        if self._current is None or not a.get("name"):
            return
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "button" or (tag == "input" and kind == "submit"):
            if kind == "submit":
                self._current["buttons"].append((a["name"], a.get("value", "")))
            return
        self._current["names"].add(a["name"])
        if tag == "input" and (kind == "hidden" or (kind in {"checkbox", "radio"} and "checked" in a)):
            self._current["fields"].append((a["name"], a.get("value", "on")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def fetch(url: str, post: list[tuple[str, str]] | None = None) -> tuple[int, dict[str, str], bytes]:
    data = urllib.parse.urlencode(post).encode() if post is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept-Encoding": "gzip", "User-Agent": "bench"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def resource(url: str, kind: str, post: list[tuple[str, str]] | None = None) -> tuple[Resource, bytes, dict[str, str]]:
    status, headers, body = fetch(url, post)
    encoding = headers.get("content-encoding", "")
    raw = gzip.decompress(body) if encoding == "gzip" else body
    gzipped = len(body) if encoding == "gzip" else len(gzip.compress(raw, compresslevel=6, mtime=0))
    return Resource(url, kind, status, len(body), encoding or "none", len(raw), gzipped), raw, headers


def walk_steps(base: str, page: Page) -> tuple[str, list[tuple[str, str]]]:
    """The URL and POST body of the last step (the earlier steps are submitted on the way)."""
    url = base + page.path
    status, headers, body = fetch(url)
    for i, answers in enumerate(page.steps):
        if status != 200:
            sys.exit(f"{page.name}: HTTP {status} from {url} before step {i + 1}")
        text = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        parser = Forms()
        parser.feed(text.decode("utf-8", "replace"))
        first = next(iter(answers))
        form = next((f for f in parser.forms if first in f["names"]), None)
        if form is None:
            sys.exit(f"{page.name}: no form with a field {first!r} at step {i + 1} ({url})")
        fields = [(k, v) for k, v in form["fields"] if k not in answers]
        fields += [(k, v) for k, values in answers.items() for v in values]
        fields += form["buttons"][:1]
        url = urllib.parse.urljoin(url, form["action"] or url)
        if i == len(page.steps) - 1:
            return url, fields
        status, headers, body = fetch(url, fields)
    raise AssertionError("no steps")


def measure_weight(base: str, page: Page) -> Weight:
    weight = Weight(page)
    if page.steps:
        url, post = walk_steps(base, page)
    else:
        url = base + page.path
        post = [(k, v) for k, values in page.post.items() for v in values] if page.post is not None else None
    html_res, body, headers = resource(url, "html", post)
    weight.resources.append(html_res)
    weight.set_cookie = "set-cookie" in headers
    parser = Links()
    parser.feed(body.decode("utf-8", "replace"))
    seen = set()
    for kind, href in parser.found:
        link = urllib.parse.urljoin(url, href)
        if link in seen or link.startswith("data:"):
            continue
        seen.add(link)
        if not link.startswith(base + "/"):
            weight.third_party.append(link)
            continue
        weight.resources.append(resource(link, kind)[0])
    return weight


PAGE_NAMES = (
    "home",
    "now",
    "places",
    "worried",
    "browse privately",
    "finder (first step)",
    "finder results",
    "search (form)",
    "search results",
    "service detail",
    "print (form)",
    "print list",
    "self-check",
)


def pick_pages() -> list[Page]:
    """Every public portal page (those whose route is missing are left out and named in the report)."""
    from django.urls import NoReverseMatch, reverse

    pages = []
    for name, url_name in (
        ("home", "portal:home"),
        ("now", "portal:now"),
        ("places", "portal:places"),
        ("worried", "portal:worried"),
        ("browse privately", "portal:private"),
        ("finder (first step)", "portal:finder"),
        ("search (form)", "portal:search"),
        ("print (form)", "portal:print"),
        ("self-check", "portal:selfcheck"),
    ):
        with contextlib.suppress(NoReverseMatch):
            pages.append(Page(name, reverse(url_name), lighthouse=name == "home"))
    pages[1:1] = [Page("home (English)", "/en/"), Page("home (やさしい日本語)", "/ja-easy/")]
    codes = heaviest_services()
    with contextlib.suppress(NoReverseMatch):
        pages.append(Page("service detail", reverse("portal:service", kwargs={"code": codes[0]}), lighthouse=True))
    with contextlib.suppress(NoReverseMatch):
        pages.append(Page("search results", reverse("portal:search"), steps=[{"q": ["相談 支援"]}]))
    with contextlib.suppress(NoReverseMatch):
        pages.append(Page("finder results", reverse("portal:finder"), lighthouse=True, steps=finder_steps()))
    if pages[0].name == "home":  # the same page through the user flow script: both ways must agree
        pages.append(Page("home, user flow (control)", pages[0].path, lighthouse=True, via_flow=True, weigh=False))
    with contextlib.suppress(NoReverseMatch):
        pages.append(Page("print list", reverse("portal:print"), post={"services": [str(c) for c in codes]}))
    return pages


def heaviest_services(n: int = 10) -> list[Any]:
    """Services whose pages are among the heaviest: most phones, then the longest description."""
    from django.db.models import Count
    from django.db.models.functions import Length

    from tsunagu.directory.models import Service

    return list(
        Service.objects.filter(status="active")
        .annotate(phone_count=Count("phones"), text=Length("description"))
        .order_by("-phone_count", "-text", "pk")
        .values_list("code", flat=True)[:n]
    )


def finder_steps() -> list[dict[str, list[str]]]:
    """A person worried about loneliness, for themself, in the ward with the most services (by postal
    code), reachable by phone: the four steps of the finder."""
    from django.db.models import Count

    from tsunagu.directory.models import Area, PostalCode

    area = (
        Area.objects.filter(level__in=("municipality", "ward"), is_active=True)
        .annotate(n=Count("service_areas"))
        .order_by("-n", "code")
        .first()
    )
    postal = PostalCode.objects.filter(area=area).order_by("code").values_list("code", flat=True).first()
    assert postal, area
    return [
        {"concerns": ["loneliness-talk"]},
        {"for_whom": ["self"]},
        {"where": [f"{postal[:3]}-{postal[3:]}"]},
        {"channels": ["phone"]},
    ]


# --------------------------------------------------------------------------------------------------
# Lighthouse


def lighthouse_bin() -> Path:
    path = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not path.exists():
        sys.exit("Lighthouse is not installed: run scripts/install-lighthouse")
    return path


def lighthouse_version() -> str:
    package = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else "?"


CHROME_FLAGS = "--headless=new --no-sandbox"


def lighthouse_run(url: str, out: Path) -> dict[str, Any]:
    command = [
        str(lighthouse_bin()),
        url,
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    _lighthouse(command)
    return dict(json.loads(out.read_text()))


def _lighthouse(command: list[str], attempts: int = 3) -> None:
    """Runs Lighthouse, again when Chromium's trace fails (NO_NAVSTART, seen on a busy machine); a
    retried run is a whole new run, so the figures are not affected."""
    for attempt in range(1, attempts + 1):
        done = subprocess.run(command, check=False, env=os.environ | {"CHROME_PATH": CHROME}, cwd=LIGHTHOUSE_DIR)
        if done.returncode == 0:
            return
        log(f"Lighthouse failed (exit {done.returncode}), attempt {attempt} of {attempts}")
    raise subprocess.CalledProcessError(done.returncode, command)


def lighthouse_flow(page_url: str, steps: list[dict[str, list[str]]], out: Path) -> dict[str, Any]:
    command = ["node", str(LIGHTHOUSE_DIR / "flow.mjs"), json.dumps({"url": page_url, "steps": steps, "out": str(out)})]
    _lighthouse(command)
    return dict(json.loads(out.read_text()))


@dataclass
class LighthouseRun:
    performance: float
    accessibility: float
    metrics: dict[str, float]
    failing: dict[str, tuple[float, str]]  # audit id -> (score, "category: title"), audits that cost points
    final_url: str
    measured: str = ""  # user flows: the measured page's title (a POST does not change the URL)
    settings: str = ""  # the emulation and throttling Lighthouse used
    server_ms: float = float("nan")  # the document's observed server response time (TTFB)
    benchmark_index: float = float("nan")  # Lighthouse's measure of this machine's CPU speed during the run
    long_tasks: list[tuple[str, float]] = field(default_factory=list)  # (attributed to, observed ms), longest first


def summarise(lhr: dict[str, Any]) -> LighthouseRun:
    categories = lhr["categories"]
    audits = lhr["audits"]
    failing = {}
    for category in ("performance", "accessibility"):
        for ref in categories[category]["auditRefs"]:
            audit = audits.get(ref["id"], {})
            score = audit.get("score")
            if ref.get("weight", 0) > 0 and score is not None and score < 1:
                failing[ref["id"]] = (float(score), f"{category}: {audit.get('title', '')}")
    base = urllib.parse.urlparse(str(lhr.get("finalDisplayedUrl") or ""))
    long_tasks = [
        (
            str(item.get("url", "")).replace(f"{base.scheme}://{base.netloc}", "") or "?",
            float(item.get("duration", 0)),
        )
        for item in audits.get("long-tasks", {}).get("details", {}).get("items", [])
    ]
    return LighthouseRun(
        performance=round(100 * (categories["performance"]["score"] or 0)),
        accessibility=round(100 * (categories["accessibility"]["score"] or 0)),
        metrics={key: float(audits[key]["numericValue"]) for key, _label, _unit in METRICS if key in audits},
        failing=failing,
        final_url=str(lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or ""),
        measured=str(lhr.get("benchMeasuredPage", {}).get("title", "")),
        settings=settings_text(lhr["configSettings"]),
        server_ms=float(audits.get("server-response-time", {}).get("numericValue", float("nan"))),
        benchmark_index=float(lhr.get("environment", {}).get("benchmarkIndex", float("nan"))),
        long_tasks=sorted(long_tasks, key=lambda t: -t[1]),
    )


def settings_text(config: dict[str, Any]) -> str:
    screen = config.get("screenEmulation", {})
    throttling = config.get("throttling", {})
    return (
        f"{config.get('formFactor')} form factor, screen {screen.get('width')}×{screen.get('height')} at "
        f"{screen.get('deviceScaleFactor')}× ({'mobile' if screen.get('mobile') else 'desktop'}), "
        f"{config.get('throttlingMethod')} throttling: RTT {throttling.get('rttMs')} ms, "
        f"{throttling.get('throughputKbps', 0) / 1024:.1f} Mbps, "
        f"CPU slowdown {throttling.get('cpuSlowdownMultiplier')}×"
    )


# --------------------------------------------------------------------------------------------------
# report


def machine() -> dict[str, str]:
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
        info["cpu"] = Path("/proc/cpuinfo").read_text().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True)
        info["commit"] = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except OSError:
        info["commit"] = "?"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["chromium"] = subprocess.run(
            [CHROME, "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    info["lighthouse"] = lighthouse_version()
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return info


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def fmt_metric(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.0f} ms"
    return f"{value:.3f}"


def spread(values: list[float], fmt: Callable[[float], str]) -> str:
    med = statistics.median(values)
    if len(values) < 2 or min(values) == max(values):
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def report(
    env: dict[str, str],
    data: DataState,
    weights: list[Weight],
    runs: dict[str, list[LighthouseRun]],
    missing: list[str],
    args: argparse.Namespace,
) -> tuple[str, bool]:
    ok = True
    out = []
    out.append(f"## Public portal: page weight and Lighthouse ({env['date'][:10]})\n")
    out.append(
        f"Measured by `bench/portal.py` on {env['date']}: {env.get('cpu', '?')}, {env['nproc']} cores, "
        f"{env.get('ram', '?')}; Python {env['python']}, {env.get('chromium', 'Chromium ?')}, Lighthouse "
        f"{env['lighthouse']} (node {env.get('node', '?')}). Commit {env['commit']}. Load average "
        f"{env['load_before']} before, {env.get('load_after', '?')} after "
        "(another benchmark may have been running on the same 2 cores).\n"
    )
    out.append(
        f"Data: SQLite, {data.services:,} services ({data.n:,} generated by `bench/search_data.py`, seed "
        f"{data.seed}, plus the demo directory), every real area; "
        + ("the database of an earlier run (--reuse), which " if data.reused else "")
        + f"loaded in {data.load_s:.0f} s and rebuilt the search index in {data.rebuild_s:.0f} s"
        + ". Server: production settings (DEBUG off, WhiteNoise with compressed static files, HTML gzip "
        "level 6 as a reverse proxy would), Django's threaded HTTP/1.1 server on 127.0.0.1.\n"
    )
    out.append("### Page weight (bar: ≤ 30 KB compressed HTML+CSS+JS per page)\n")
    out.append("| page | HTML | CSS | JS | total | bar | other requests |")
    out.append("| --- | ---: | ---: | ---: | ---: | :---: | --- |")
    for w in weights:
        by_kind = {kind: sum(r.gzipped for r in w.resources if r.kind == kind) for kind in ("html", "css", "js")}
        others = [r for r in w.resources if r.kind == "other"]
        good = w.total <= BUDGET and not w.third_party and all(r.status == 200 for r in w.resources)
        ok &= good
        notes = [f"{len(others)} other ({kb(sum(r.wire for r in others))})"] if others else []
        notes += [f"third-party: {u}" for u in w.third_party]
        notes += [f"HTTP {r.status}: {r.url}" for r in w.resources if r.status != 200]
        notes += ["sets a cookie"] if w.set_cookie else []
        method = " (POST)" if w.page.method == "POST" else ""
        out.append(
            f"| {w.page.name}{method} | {kb(by_kind['html'])} | {kb(by_kind['css'])} | {kb(by_kind['js'])} | "
            f"**{kb(w.total)}** | {'✓' if good else '✗'} | {'; '.join(notes) or '—'} |"
        )
    out.append(
        "\nSizes are gzip-compressed bodies (what travels; HTML compressed at level 6, static files as "
        "WhiteNoise precompresses them). Files loaded: "
        + "; ".join(
            sorted(
                {
                    f"{urllib.parse.urlparse(r.url).path} {kb(r.gzipped)} ({kb(r.raw)} uncompressed)"
                    for w in weights
                    for r in w.resources
                    if r.kind in {"css", "js"}
                }
            )
        )
        + ".\n"
    )
    if missing:
        out.append(f"Not measured (the page does not exist yet): {', '.join(missing)}.\n")
    if runs:
        out.append(
            f"### Lighthouse, mobile (bars: performance ≥ {PERFORMANCE_BAR}, accessibility {ACCESSIBILITY_BAR})\n"
        )
        used = sorted({r.settings for rs in runs.values() for r in rs})
        out.append(
            f"Lighthouse's default mobile profile ({'; '.join(used)}), headless Chromium (`--headless=new "
            f"--no-sandbox`), cold cache; median of {args.runs} runs per page, pages interleaved (range in "
            "brackets). The finder's results are reached by POSTing the finder's four steps, so Lighthouse "
            "measures them in a user flow (`bench/lighthouse/flow.mjs`: Puppeteer fills in the steps, the last "
            "submit is the measured navigation); `home, user flow (control)` is the home page measured the "
            "same way, to compare with the CLI's figures for the same page.\n"
        )
        out.append(
            "| page | performance | accessibility | "
            + " | ".join(label for _k, label, _u in METRICS)
            + " | server response | bars |"
        )
        out.append("| --- | ---: | ---: | " + " | ".join("---:" for _ in METRICS) + " | ---: | :---: |")
        failing_notes = []
        for name, page_runs in runs.items():
            perf = [r.performance for r in page_runs]
            acc = [r.accessibility for r in page_runs]
            good = statistics.median(perf) >= PERFORMANCE_BAR and statistics.median(acc) >= ACCESSIBILITY_BAR
            ok &= good
            cells = [
                spread([r.metrics.get(key, float("nan")) for r in page_runs], lambda v, u=unit: fmt_metric(v, u))
                for key, _label, unit in METRICS
            ]
            server = spread([r.server_ms for r in page_runs], lambda v: f"{v:,.0f} ms")
            out.append(
                f"| {name} | {spread(perf, lambda v: f'{v:.0f}')} | {spread(acc, lambda v: f'{v:.0f}')} | "
                + " | ".join(cells)
                + f" | {server} | {'✓' if good else '✗'} |"
            )
            notes = []
            for audit_id in sorted({a for r in page_runs for a in r.failing}):
                scores = [r.failing[audit_id][0] for r in page_runs if audit_id in r.failing]
                title = next(r.failing[audit_id][1] for r in page_runs if audit_id in r.failing)
                low, high = min(scores), max(scores)
                shown = f"{low:.2f}" if low == high else f"{low:.2f}–{high:.2f}"
                notes.append(f"{title} (`{audit_id}`) scored {shown} in {len(scores)} of {len(page_runs)} runs")
            if notes:
                worst = max(page_runs, key=lambda r: r.metrics.get("total-blocking-time", 0))
                tasks = ", ".join(f"{where} {ms:.0f} ms" for where, ms in worst.long_tasks[:4])
                if tasks:
                    notes.append(f"longest main-thread tasks (simulated) in its run with most TBT: {tasks}")
                failing_notes.append(f"- {name}: " + "; ".join(notes))
        indexes = [r.benchmark_index for rs in runs.values() for r in rs]
        out.append(
            "\nServer response: the document's observed response time (Lighthouse `server-response-time`). "
            "Lighthouse's CPU benchmark index of this machine during the runs: "
            f"{spread(indexes, lambda v: f'{v:,.0f}')} (higher is faster; it falls when other work shares "
            "the cores, and the simulated TBT rises with it)."
        )
        titles = [
            f"- {name}: every run measured the page titled “{page_runs[0].measured}”"
            if len({r.measured for r in page_runs}) == 1
            else f"- {name}: the runs measured different pages: {sorted({r.measured for r in page_runs})}"
            for name, page_runs in runs.items()
            if any(r.measured for r in page_runs)
        ]
        if titles:
            out.append("\nPages measured through the user flow (a POST does not change the address):\n")
            out.extend(titles)
        if failing_notes:
            out.append("\nAudits that cost points (in any run):\n")
            out.extend(failing_notes)
        out.append("")
    out.append(f"Overall: {'every bar met' if ok else 'a bar is missed (✗ above)'}.")
    return "\n".join(out) + "\n", ok


# --------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    env_info: dict[str, str] = {}
    data = prepare_data(args.n, args.seed, args.reuse)
    db = var_dir() / DB_NAME
    from django.db import connection

    connection.close()
    env_info = machine()
    out_dir = var_dir() / "bench_portal_lighthouse"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    with running_server(db) as base:
        pages = pick_pages()
        present = {p.name for p in pages}
        missing = [name for name in PAGE_NAMES if name not in present]
        weights = []
        for page in pages:
            if not page.weigh:
                continue
            weight = measure_weight(base, page)
            weights.append(weight)
            log(f"{page.name}: {kb(weight.total)}")
        runs: dict[str, list[LighthouseRun]] = {}
        if not args.weights_only:
            lighthouse_bin()
            for i in range(args.runs):  # pages interleaved, so drift affects them alike
                for page in pages:
                    if not page.lighthouse:
                        continue
                    out = out_dir / f"{page.name.replace(' ', '-')}-{i + 1}.json"
                    if page.steps or page.via_flow:
                        lhr = lighthouse_flow(base + page.path, page.steps, out)
                    else:
                        lhr = lighthouse_run(base + page.path, out)
                    result = summarise(lhr)
                    runs.setdefault(page.name, []).append(result)
                    log(f"{page.name} #{i + 1}: performance {result.performance}, accessibility {result.accessibility}")
                    if result.measured:
                        log(f"  measured page: {result.measured!r}")
    env_info["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text, ok = report(env_info, data, weights, runs, missing, args)
    print(text)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": env_info,
                    "data": data.__dict__,
                    "weights": [
                        {
                            "page": w.page.name,
                            "path": w.page.path,
                            "total": w.total,
                            "resources": [r.__dict__ for r in w.resources],
                        }
                        for w in weights
                    ],
                    "lighthouse": {name: [r.__dict__ for r in rs] for name, rs in runs.items()},
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="generated services (default 100,000)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds the same --n and --seed")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median; default 3)")
    parser.add_argument("--weights-only", action="store_true", help="page weight only, no Lighthouse")
    parser.add_argument("--load-only", action="store_true", help="prepare the database and stop")
    parser.add_argument("--json", type=Path, help="also write every per-run value to this file")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.load_only:
        prepare_data(args.n, args.seed, args.reuse)
        return
    sys.exit(run(args))


if __name__ == "__main__":
    main()
