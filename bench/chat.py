#!/usr/bin/env python3
"""Chat delivery benchmark: many anonymous chats and counsellors over real WebSockets (docs/consultations.md).

One run, on a fresh database (SQLite under $TSUNAGU_VAR_DIR, or with ``--pg`` the PostgreSQL database
``tsunagu_bench_chat``, dropped and recreated), two arms:

- **one process**: one daphne process, the in-memory channel layer (the baseline);
- **two processes + Redis**: two daphne processes sharing the Redis channel layer; the people's
  chats connect to one, the counsellors to the other, so every message crosses processes; half-way
  through, the people's process is killed and started again on the same port.

For each arm: ``--chats`` people start a chat over HTTP (``POST /chat/``), ``--counsellors``
counsellors take them (several each), and everyone connects their WebSocket. Each person sends
``--messages`` messages a couple of seconds apart; the counsellor answers each one. The latency of a
message is from the moment its frame is sent to the moment the other side receives it. Clients
behave as the browser does (``static/consultations/live.js``): on a dropped socket they reconnect,
say ``hello`` with the last message number they saw, and send again every message not yet
acknowledged, with its key. At the end every message sent must have arrived on the other side and
be stored exactly once.

It prints a Markdown section (progress on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgres://postgres@127.0.0.1:5432/tsunagu_bench_chat"
REDIS_URL = "redis://127.0.0.1:6379/7"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def prepare_database(pg: bool) -> dict[str, str]:
    env = dict(os.environ)
    var = Path(env.get("TSUNAGU_VAR_DIR", ROOT / "var"))
    if pg:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "DROP DATABASE IF EXISTS tsunagu_bench_chat",
             "-c", "CREATE DATABASE tsunagu_bench_chat ENCODING 'UTF8' TEMPLATE template0"],
            check=True,
        )  # fmt: skip
        env["DATABASE_URL"] = PG_URL
    else:
        path = var / "bench_chat.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["TSUNAGU_CHAT_STARTS_PER_HOUR"] = "1000000"
    env["TSUNAGU_LOG_LEVEL"] = "WARNING"
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


@dataclass
class Staff:
    cookie: str
    user: Any
    organisation: Any


def make_staff(counsellors: int) -> list[Staff]:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tsunagu.accounts import session_policy
    from tsunagu.accounts.models import Membership, Organisation, OrganisationType, User
    from tsunagu.accounts.policy import Role
    from tsunagu.audit.services import SystemActor
    from tsunagu.consultations import services

    organisations = []
    for n in range(5):
        organisation = Organisation.objects.create(name=f"ベンチ相談団体{n}", type=OrganisationType.NPO)
        services.desk_settings_save(
            actor=SystemActor(), organisation=organisation, hours={}, hours_text="", active=True
        )
        organisations.append(organisation)
    staff = []
    for n in range(counsellors):
        organisation = organisations[n % len(organisations)]
        user = User.objects.create_user(username=f"bench-counsellor-{n}", password=None)
        Membership.objects.create(user=user, organisation=organisation, role=Role.COUNSELLOR)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session_policy.mark_signed_in(session)
        session[session_policy.ACTING_ORG] = str(organisation.code)
        session.save()
        staff.append(Staff(cookie=f"sessionid={session.session_key}", user=user, organisation=organisation))
    return staff


class Server:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne on {self.port} did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_chat(port: int) -> str:
    data = urllib.parse.urlencode({"at_risk": ""}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/", data=data, timeout=30) as response:
        html = response.read().decode()
    found = re.search(r'name="secret" value="([^"]+)"', html)
    assert found, "no chat secret in the room page"
    return found.group(1)


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    sent_times: list[float] = field(default_factory=list)  # when each measured message was sent
    outage: tuple[float, float] | None = None  # from the kill to the restarted process answering
    received: set[str] = field(default_factory=set)
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)


class Side:
    """One end of one conversation, reconnecting like the browser does."""

    def __init__(self, url: str, hello: dict[str, Any], stats: Stats, headers: dict[str, str], origin: str) -> None:
        self.url, self.hello, self.stats, self.headers, self.origin = url, hello, stats, headers, origin
        self.after = 0
        self.pending: dict[str, dict[str, Any]] = {}
        self.socket: Any = None
        self.on_message: Any = None
        self.closed = False
        self.connected = asyncio.Event()

    async def run(self) -> None:
        import websockets

        while not self.closed:
            try:
                async with websockets.connect(
                    self.url, origin=self.origin, additional_headers=self.headers, open_timeout=20
                ) as socket:
                    self.socket = socket
                    await socket.send(json.dumps({**self.hello, "after": self.after}))
                    for frame in list(self.pending.values()):
                        await socket.send(json.dumps(frame))
                    self.connected.set()
                    async for raw in socket:
                        frame = json.loads(raw)
                        if frame.get("type") == "ack":
                            self.pending.pop(frame.get("key", ""), None)
                            if frame.get("seq") == self.after + 1:
                                self.after = frame["seq"]
                        elif frame.get("type") == "messages":
                            for message in frame["messages"]:
                                if message["seq"] > self.after:
                                    self.after = message["seq"]
                                    if self.on_message is not None:
                                        await self.on_message(message)
                        elif frame.get("type") == "error":
                            self.stats.errors.append(str(frame.get("error")))
            except Exception:  # noqa: BLE001 - dropped or refused: reconnect, as the browser does
                pass
            self.socket = None
            self.connected.clear()
            if not self.closed:
                self.stats.reconnects += 1
                await asyncio.sleep(0.5 + random.random())

    async def send(self, body: str) -> None:
        frame = {"type": "send", "body": body, "key": body}
        self.pending[body] = frame
        self.stats.sent_at[body] = time.monotonic()
        if self.socket is not None:
            with contextlib.suppress(Exception):  # if the socket is gone, it is sent again after the reconnect
                await self.socket.send(json.dumps(frame))


def received(stats: Stats, text: str) -> None:
    if text in stats.sent_at and text not in stats.received:
        stats.received.add(text)
        stats.latencies.append((time.monotonic() - stats.sent_at[text]) * 1000)
        stats.sent_times.append(stats.sent_at[text])


async def conversation(
    person_port: int, staff_port: int, secret: str, code: str, cookie: str, stats: Stats, messages: int, index: int
) -> tuple[Side, Side]:
    person = Side(
        f"ws://127.0.0.1:{person_port}/ws/chat/",
        {"type": "hello", "secret": secret},
        stats,
        {},
        f"http://127.0.0.1:{person_port}",
    )
    counsellor = Side(
        f"ws://127.0.0.1:{staff_port}/ws/staff/consultations/{code}/",
        {"type": "hello"},
        stats,
        {"Cookie": cookie},
        f"http://127.0.0.1:{staff_port}",
    )

    async def at_counsellor(message: dict[str, Any]) -> None:
        if message["sender"] == "person":
            received(stats, message["text"])
            await counsellor.send("r" + message["text"][1:])

    async def at_person(message: dict[str, Any]) -> None:
        if message["sender"] == "counsellor":
            received(stats, message["text"])

    counsellor.on_message = at_counsellor
    person.on_message = at_person
    return person, counsellor


async def talk(person: Side, messages: int, index: int, gap: float) -> None:
    await person.connected.wait()
    await asyncio.sleep(random.random() * gap)
    for n in range(messages):
        await person.send(f"p{index}:{n}")
        await asyncio.sleep(gap * (0.75 + random.random() / 2))


def arm(name: str, env: dict[str, str], staff: list[Staff], args: argparse.Namespace, *, redis: bool) -> dict[str, Any]:
    from tsunagu.accounts.policy import Actor, Role
    from tsunagu.consultations import services
    from tsunagu.consultations.models import Consultation, Message

    server_env = dict(env)
    if redis:
        subprocess.run(["redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "FLUSHDB"], check=True, capture_output=True)
        server_env["REDIS_URL"] = REDIS_URL
    person_server = Server(free_port(), server_env)
    staff_server = Server(free_port(), server_env) if redis else person_server
    person_server.start()
    if staff_server is not person_server:
        staff_server.start()
    try:
        log(f"[{name}] starting {args.chats} chats")
        secrets = [start_chat(person_server.port) for _ in range(args.chats)]
        chats = list(Consultation.objects.filter(status="waiting").order_by("pk"))[-args.chats :]
        owners = []
        for n, chat in enumerate(chats):
            member = staff[n % len(staff)]
            actor = Actor(user=member.user, organisation=member.organisation, roles=frozenset({Role.COUNSELLOR}))
            assert services.consultation_take(actor=actor, consultation=chat)
            owners.append(member)
        stats = Stats()

        async def main() -> None:
            pairs = [
                await conversation(
                    person_server.port, staff_server.port, secret, str(chat.code), owner.cookie, stats, args.messages, n
                )
                for n, (secret, chat, owner) in enumerate(zip(secrets, chats, owners, strict=True))
            ]
            runners = [asyncio.create_task(side.run()) for pair in pairs for side in pair]
            # Everyone connects first (the connection burst is not what is measured), then they talk.
            await asyncio.gather(*(side.connected.wait() for pair in pairs for side in pair))
            log(f"[{name}] all {len(runners)} sockets connected")
            await asyncio.sleep(2)
            talkers = [
                asyncio.create_task(talk(person, args.messages, n, args.gap)) for n, (person, _c) in enumerate(pairs)
            ]
            if redis and not args.no_restart:
                await asyncio.sleep(args.messages * args.gap / 2)
                log(f"[{name}] killing the people's server process and starting it again")
                killed = time.monotonic()
                await asyncio.to_thread(person_server.kill)
                await asyncio.to_thread(person_server.start)
                stats.outage = (killed, time.monotonic())
                log(f"[{name}] back after {stats.outage[1] - killed:.1f} s")
            await asyncio.gather(*talkers)
            expected = args.chats * args.messages * 2
            deadline = time.monotonic() + 60
            while len(stats.received) < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            for pair in pairs:
                for side in pair:
                    side.closed = True
                    if side.socket is not None:
                        await side.socket.close()
            for task in runners:
                task.cancel()
            await asyncio.gather(*runners, return_exceptions=True)

        started = time.monotonic()
        asyncio.run(main())
        seconds = time.monotonic() - started
        expected = args.chats * args.messages * 2
        stored = Message.objects.filter(consultation__in=chats).exclude(sender="system")
        stored_bodies = list(stored.values_list("body", flat=True))
        steady = stats.latencies
        affected: list[float] = []
        if stats.outage is not None:
            # Messages sent from the kill until the clients are back (reconnects take up to 1.5 s
            # more) waited for the process to return; they are reported apart.
            begin, end = stats.outage[0], stats.outage[1] + 2.0
            pairs = list(zip(stats.sent_times, stats.latencies, strict=True))
            steady = [ms for sent, ms in pairs if not begin <= sent <= end]
            affected = [ms for sent, ms in pairs if begin <= sent <= end]
        lat = sorted(steady)
        result = {
            "arm": name,
            "messages": expected,
            "received": len(stats.received),
            "lost": expected - len(stats.received),
            "stored": len(stored_bodies),
            "stored_twice": len(stored_bodies) - len(set(stored_bodies)),
            "median": statistics.median(lat) if lat else float("nan"),
            "p95": lat[int(len(lat) * 0.95) - 1] if lat else float("nan"),
            "max": lat[-1] if lat else float("nan"),
            "reconnects": stats.reconnects,
            "outage_seconds": (stats.outage[1] - stats.outage[0]) if stats.outage else 0.0,
            "outage_messages": len(affected),
            "outage_max": max(affected) if affected else 0.0,
            "errors": len(stats.errors),
            "seconds": seconds,
            "rate": expected / seconds,
        }
        log(f"[{name}] {result}")
        return result
    finally:
        person_server.stop()
        if staff_server is not person_server:
            staff_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--counsellors", type=int, default=50)
    parser.add_argument("--messages", type=int, default=6, help="messages each person sends (each is answered)")
    parser.add_argument("--gap", type=float, default=10.0, help="seconds between a person's messages (±25%%)")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--no-restart", action="store_true", help="do not restart a process in the Redis arm")
    args = parser.parse_args()
    random.seed(20261126)
    env = prepare_database(args.pg)
    staff = make_staff(args.counsellors)
    from django.db import connection

    results = [
        arm("one process, in-memory layer", env, staff, args, redis=False),
        arm(
            "two processes, Redis layer" + ("" if args.no_restart else ", one restarted mid-run"),
            env,
            staff,
            args,
            redis=True,
        ),
    ]
    database = (
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}".strip()
    )
    load = f"{args.chats} chats, {args.counsellors} counsellors, {args.messages} messages each way per chat"
    print(f"### Chat delivery ({database}; {load}, one every {args.gap:g} s ±25 %)\n")
    print(
        "| arm | messages | median | p95 | max | lost | stored twice | reconnects | sent during the restart |", end=""
    )
    print(" their worst |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        during = f"{r['outage_messages']} ({r['outage_seconds']:.1f} s down)" if r["outage_seconds"] else "–"
        worst = f"{r['outage_max']:.0f} ms" if r["outage_seconds"] else "–"
        print(
            f"| {r['arm']} | {r['messages']} | {r['median']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.0f} ms | "
            f"{r['lost']} | {r['stored_twice']} | {r['reconnects']} | {during} | {worst} |"
        )
    print("\nMedian, p95 and max are over the messages not sent during the restart; those are counted apart.")


if __name__ == "__main__":
    main()
