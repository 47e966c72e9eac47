"""What the staff navigation costs: the bar on every staff page is assembled from the apps' doors
(tsunagu/accounts/doors.py), with a live count beside some of them (docs/architecture.md, "Doors").

For a supervisor (the persona with the most doors and counts) it times GET of three staff pages (the
dashboard counts its doors for its own sections, so it is not one of them)
through Django's test ``Client`` and counts their queries:

- measured: the pages as they are served, navigation and counts included;
- baseline (same run, interleaved): the same requests with the navigation's context processor
  replaced by one that shows no doors, in this process only.

    export TSUNAGU_VAR_DIR=/tmp/tsunagu-bench && python3 scripts/init-local-keys
    .venv/bin/python bench/staff_navigation.py [--reps 5] [--requests 200]

It prints a Markdown section for docs/performance.md. The database is recreated (bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_foundation import prepare_database  # noqa: E402

PAGES = ("/staff/consultations/", "/staff/referrals/", "/staff/directory/")


def _no_navigation(request: Any) -> dict[str, object]:
    return {"staff_doors": []}


def _world() -> Any:
    """The personas, a desk that answers the queue, five waiting chats, one referral received."""
    from tsunagu.accounts.tests.personas import build_world
    from tsunagu.consultations import services
    from tsunagu.consultations.tests.consultation_data import participate

    world = build_world()
    participate(world.organisations["A"])
    for n in range(5):
        services.chat_start(address=f"192.0.2.{n + 1}", at_risk=n == 0, language="ja")
    return world


def _time(client: Any, path: str, requests: int) -> float:
    """Median milliseconds of one GET over ``requests`` requests."""
    times = []
    for _ in range(requests):
        started = time.perf_counter_ns()
        response = client.get(path)
        times.append((time.perf_counter_ns() - started) / 1e6)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def _queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    prepare_database()
    from django.conf import settings
    from django.test.utils import override_settings

    world = _world()
    client = world.client("supervisor_a")
    engine: dict[str, Any] = settings.TEMPLATES[0]
    options: dict[str, Any] = dict(engine["OPTIONS"])
    options["context_processors"] = [p for p in options["context_processors"] if not p.endswith("staff_navigation")] + [
        "bench.staff_navigation._no_navigation"
    ]
    templates_without = [{**engine, "OPTIONS": options}]

    measured: dict[str, list[float]] = {path: [] for path in PAGES}
    baseline: dict[str, list[float]] = {path: [] for path in PAGES}
    for rep in range(args.reps):
        print(f"repetition {rep + 1}/{args.reps}", file=sys.stderr)
        for path in PAGES:
            measured[path].append(_time(client, path, args.requests))
            with override_settings(TEMPLATES=templates_without):
                baseline[path].append(_time(client, path, args.requests))
    queries = {path: _queries(client, path) for path in PAGES}
    with override_settings(TEMPLATES=templates_without):
        queries_without = {path: _queries(client, path) for path in PAGES}
        page = client.get(PAGES[1]).content.decode()
        assert 'class="staff-nav"' not in page  # the baseline really shows no navigation

    print(f"### Staff navigation ({os.environ.get('DATABASE_URL', 'sqlite').split(':')[0]})\n")
    print(f"{args.reps} repetitions × {args.requests} GETs per page, supervisor persona, test client.\n")
    print("| page | with navigation | without (baseline) | difference | queries with / without |")
    print("| --- | --- | --- | --- | --- |")
    for path in PAGES:
        with_nav, without_nav = statistics.median(measured[path]), statistics.median(baseline[path])
        print(
            f"| `{path}` | {with_nav:.2f} ms | {without_nav:.2f} ms | {with_nav - without_nav:+.2f} ms "
            f"({(with_nav / without_nav - 1) * 100:+.0f}%) | {queries[path]} / {queries_without[path]} |"
        )


if __name__ == "__main__":
    main()
