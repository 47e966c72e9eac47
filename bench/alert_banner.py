"""What the alert banner costs: every staff page of a supervisor carries the banner region of open
alerts (tsunagu/consultations/context_processors.py, docs/consultations.md, "Alerts").

For the supervisor persona it times GET of the same three staff pages as ``staff_navigation.py``
through Django's test ``Client`` and counts their queries:

- measured: the pages as they are served, the banner included;
- baseline (same run, interleaved): the same requests with the banner's context processor replaced
  by one that shows no banner, in this process only.

``--alert`` first raises one open high-risk alert (a chat taken and assessed high), so the banner
shows one alert; without it the banner region is empty (the usual case).

    export TSUNAGU_VAR_DIR=/tmp/tsunagu-bench && python3 scripts/init-local-keys
    .venv/bin/python bench/alert_banner.py [--reps 5] [--requests 100] [--alert]

It prints a Markdown table for docs/performance.md. The database is recreated (bench/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_foundation import prepare_database  # noqa: E402
from bench.staff_navigation import PAGES, _queries, _time, _world  # noqa: E402


def _no_banner(request: Any) -> dict[str, object]:
    return {"staff_alerts": None}


def _raise_alert(world: Any) -> None:
    from tsunagu.accounts.policy import Actor, Role
    from tsunagu.consultations import services
    from tsunagu.consultations.models import Consultation

    counsellor = Actor(
        user=world.users["counsellor_a"], organisation=world.organisations["A"], roles=frozenset({Role.COUNSELLOR})
    )
    chat = Consultation.objects.filter(risk_flag=False).order_by("pk").first()
    assert chat is not None
    services.consultation_take(actor=counsellor, consultation=chat)
    chat.refresh_from_db()
    services.risk_assess(
        actor=counsellor, consultation=chat, answers=services.RiskAnswers(suicidal_thoughts=True, plan=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--alert", action="store_true", help="one open alert in the banner")
    args = parser.parse_args()
    prepare_database()
    from django.conf import settings
    from django.test.utils import override_settings

    world = _world()
    if args.alert:
        _raise_alert(world)
    client = world.client("supervisor_a")
    engine: dict[str, Any] = settings.TEMPLATES[0]
    options: dict[str, Any] = dict(engine["OPTIONS"])
    options["context_processors"] = [p for p in options["context_processors"] if not p.endswith("staff_alerts")] + [
        "bench.alert_banner._no_banner"
    ]
    templates_without = [{**engine, "OPTIONS": options}]
    client.get(PAGES[0])  # the alert's first display is recorded once, before the timing

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
        assert 'id="staff-alerts"' not in client.get(PAGES[1]).content.decode()  # the baseline shows no banner
    page = client.get(PAGES[1]).content.decode()
    assert 'id="staff-alerts"' in page and ('data-alert="' in page) == args.alert

    shown = "one open alert" if args.alert else "no open alert"
    print(f"{args.reps} repetitions × {args.requests} GETs per page, supervisor persona, test client, {shown}.\n")
    print("| page | with banner | without (baseline) | difference (range of repetitions) | queries with / without |")
    print("| --- | --- | --- | --- | --- |")
    for path in PAGES:
        with_banner, without = statistics.median(measured[path]), statistics.median(baseline[path])
        differences = [m - b for m, b in zip(measured[path], baseline[path], strict=True)]
        print(
            f"| `{path}` | {with_banner:.2f} ms | {without:.2f} ms | {with_banner - without:+.2f} ms "
            f"({min(differences):+.2f} … {max(differences):+.2f}) | {queries[path]} / {queries_without[path]} |"
        )


if __name__ == "__main__":
    main()
