#!/usr/bin/env python3
"""Chat delivery benchmark: many anonymous chats and counsellors over real WebSockets (docs/consultations.md).

One run, on a fresh database (SQLite under $TSUNAGU_VAR_DIR, or with ``--pg`` the PostgreSQL database
``tsunagu_bench_chat``, dropped and recreated), one arm per pace (``--gap``) and number of daphne
processes (``--processes``, default ``1,2``):

- **one process**: the in-memory channel layer (the baseline);
- **N processes + Redis**: N daphne processes sharing the Redis channel layer (configured as in
  production, ``config/settings.py``); the people's chats connect to the first half, the
  counsellors to the second, so every message crosses processes; half-way through, the first
  process is killed (SIGKILL) and started again on the same port (``--no-restart`` to skip).

For each arm: ``--chats`` people start a chat over HTTP (``POST /chat/``), ``--counsellors``
counsellors take them (several each), and everyone connects their WebSocket. Each person sends
``--messages`` messages ``--gap`` seconds apart (±25 %); the counsellor answers each one. The latency
of a message is from the moment its frame is sent to the moment the other side receives it. Clients
behave as the browser does (``static/consultations/live.js``): on a dropped socket they reconnect,
say ``hello`` with the last message number they saw and their page view's ``resume`` token, and
send again every message not yet acknowledged, with its key. At the end every message sent must
have arrived on the other side (within ``--drain`` seconds of the last send) and be stored exactly
once; a message that did not is named on stderr with where it is stored.

It prints a Markdown section (progress on stderr). ``BENCH_SERVER_LOGS=<dir>`` keeps each server's
output, ``BENCH_SERVER_LOG_LEVEL=INFO`` makes it say more (channels_redis logs a dropped event at INFO).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
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
    env["TSUNAGU_LOG_LEVEL"] = os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING")
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
    def __init__(self, port: int, env: dict[str, str], log: Path | None = None) -> None:
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        output: Any = subprocess.DEVNULL
        if self.log is not None:
            output = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
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
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


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
    received_at: list[float] = field(default_factory=list)
    outage: tuple[float, float] | None = None  # from the kill to the restarted process answering
    received: set[str] = field(default_factory=set)
    reconnects: int = 0
    closes: collections.Counter[str] = field(default_factory=collections.Counter)  # why sockets closed
    errors: list[str] = field(default_factory=list)


class Side:
    """One end of one conversation, reconnecting like the browser does (live.js): after a drop it
    says ``hello`` with the last message number it saw and the ``resume`` token of its page view,
    then sends again whatever was not acknowledged. Like a browser it sends no keepalive pings of
    its own (it answers daphne's)."""

    def __init__(self, url: str, hello: dict[str, Any], stats: Stats, headers: dict[str, str], origin: str) -> None:
        self.url, self.hello, self.stats, self.headers, self.origin = url, hello, stats, headers, origin
        self.after = 0
        self.resume = ""
        self.pending: dict[str, dict[str, Any]] = {}
        self.socket: Any = None
        self.on_message: Any = None
        self.closed = False
        self.connected = asyncio.Event()

    async def run(self) -> None:
        import websockets

        while not self.closed:
            why = "refused or unreachable"
            try:
                async with websockets.connect(
                    self.url, origin=self.origin, additional_headers=self.headers, open_timeout=20, ping_interval=None
                ) as socket:
                    self.socket = socket
                    hello = {**self.hello, "after": self.after}
                    if self.resume:
                        hello["resume"] = self.resume
                    await socket.send(json.dumps(hello))
                    for frame in list(self.pending.values()):
                        await socket.send(json.dumps(frame))
                    self.connected.set()
                    try:
                        async for raw in socket:
                            await self.receive(json.loads(raw))
                    finally:
                        why = f"{socket.close_code}" if socket.close_code is not None else "dropped"
            except Exception:  # noqa: BLE001 - dropped or refused: reconnect, as the browser does
                pass
            self.socket = None
            self.connected.clear()
            if not self.closed:
                self.stats.reconnects += 1
                self.stats.closes[why] += 1
                await asyncio.sleep(0.5 + random.random())

    async def receive(self, frame: dict[str, Any]) -> None:
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
        elif frame.get("type") == "resume":
            self.resume = frame["token"]
        elif frame.get("type") == "error":
            self.stats.errors.append(str(frame.get("error")))

    async def send(self, body: str) -> None:
        frame = {"type": "send", "body": body, "key": body}
        self.pending[body] = frame
        self.stats.sent_at[body] = time.monotonic()
        if self.socket is not None:
            with contextlib.suppress(Exception):  # if the socket is gone, it is sent again after the reconnect
                await self.socket.send(json.dumps(frame))


def received(stats: Stats, text: str) -> None:
    if text in stats.sent_at and text not in stats.received:
        now = time.monotonic()
        stats.received.add(text)
        stats.latencies.append((now - stats.sent_at[text]) * 1000)
        stats.sent_times.append(stats.sent_at[text])
        stats.received_at.append(now)


def conversation(
    person_port: int, staff_port: int, secret: str, code: str, cookie: str, stats: Stats
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


def arm(
    env: dict[str, str], staff: list[Staff], args: argparse.Namespace, *, processes: int, gap: float
) -> dict[str, Any]:
    """One arm: ``processes`` daphne processes (one with the in-memory layer, more with Redis, the
    people on the first half and the counsellors on the second, so every message crosses processes,
    and the first process killed and started again half-way unless --no-restart)."""
    from tsunagu.accounts.policy import Actor, Role
    from tsunagu.consultations import services
    from tsunagu.consultations.models import Consultation, Message

    redis = processes > 1
    restart = redis and not args.no_restart
    layer = "Redis layer" if redis else "in-memory layer"
    name = f"{processes} process{'es' if redis else ''}, {layer}" + (", one restarted mid-run" if restart else "")
    name += f", every {gap:g} s"
    server_env = dict(env)
    if redis:
        subprocess.run(["redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "FLUSHDB"], check=True, capture_output=True)
        server_env["REDIS_URL"] = REDIS_URL
    logs = Path(os.environ["BENCH_SERVER_LOGS"]) if os.environ.get("BENCH_SERVER_LOGS") else None
    servers = [
        Server(free_port(), server_env, logs / f"p{processes}-g{gap:g}-{n}.log" if logs else None)
        for n in range(processes)
    ]
    people = servers[: max(1, processes // 2)]
    counsellors = servers[processes // 2 :] if redis else servers
    load_before = os.getloadavg()[0]  # the machine's load average: other work skews every figure
    for server in servers:
        server.start()
    try:
        log(f"[{name}] starting {args.chats} chats")
        secrets = [start_chat(people[n % len(people)].port) for n in range(args.chats)]
        chats = list(Consultation.objects.filter(status="waiting").order_by("pk"))[-args.chats :]
        owners = []
        for n, chat in enumerate(chats):
            member = staff[n % len(staff)]
            actor = Actor(user=member.user, organisation=member.organisation, roles=frozenset({Role.COUNSELLOR}))
            assert services.consultation_take(actor=actor, consultation=chat)
            owners.append(member)
        stats = Stats()
        talk_started = 0.0

        async def main() -> None:
            nonlocal talk_started
            pairs = [
                conversation(
                    people[n % len(people)].port,
                    counsellors[n % len(counsellors)].port,
                    secret,
                    str(chat.code),
                    owner.cookie,
                    stats,
                )
                for n, (secret, chat, owner) in enumerate(zip(secrets, chats, owners, strict=True))
            ]
            runners = [asyncio.create_task(side.run()) for pair in pairs for side in pair]
            # Everyone connects first (the connection burst is not what is measured), then they talk.
            await asyncio.gather(*(side.connected.wait() for pair in pairs for side in pair))
            log(f"[{name}] all {len(runners)} sockets connected")
            await asyncio.sleep(2)
            stats.reconnects, stats.closes = 0, collections.Counter()  # drops while connecting do not count
            talk_started = time.monotonic()
            talkers = [asyncio.create_task(talk(person, args.messages, n, gap)) for n, (person, _c) in enumerate(pairs)]
            if restart:
                await asyncio.sleep(args.messages * gap / 2)
                log(f"[{name}] killing a people's server process and starting it again")
                killed = time.monotonic()
                await asyncio.to_thread(people[0].kill)
                await asyncio.to_thread(people[0].start)
                stats.outage = (killed, time.monotonic())
                log(f"[{name}] back after {stats.outage[1] - killed:.1f} s")
            await asyncio.gather(*talkers)
            expected = args.chats * args.messages * 2
            deadline = time.monotonic() + args.drain
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

        asyncio.run(main())
        expected = args.chats * args.messages * 2
        stored = Message.objects.filter(consultation__in=chats).exclude(sender="system")
        stored_bodies = list(stored.values_list("body", flat=True))
        lost_texts = sorted(set(stats.sent_at) - stats.received)
        if lost_texts:
            where = {m.body: (str(m.consultation.code), m.seq) for m in stored.select_related("consultation")}
            for text in lost_texts:
                log(f"[{name}] never received: {text}, stored as {where.get(text, 'nothing')}")
        steady = stats.latencies
        affected: list[float] = []
        if stats.outage is not None:
            # Messages sent from the kill until the clients are back (reconnects take up to 1.5 s
            # more) waited for the process to return; they are reported apart.
            begin, end = stats.outage[0], stats.outage[1] + 2.0
            timed = list(zip(stats.sent_times, stats.latencies, strict=True))
            steady = [ms for sent, ms in timed if not begin <= sent <= end]
            affected = [ms for sent, ms in timed if begin <= sent <= end]
        if os.environ.get("BENCH_DUMP"):  # every measured message: when it was sent, its latency (ms)
            with Path(os.environ["BENCH_DUMP"]).open("a") as dump:
                outage = list(stats.outage) if stats.outage else None
                dump.write(json.dumps({"arm": name, "outage": outage, "sent": stats.sent_times, "ms": stats.latencies}))
                dump.write("\n")
        lat = sorted(steady)
        first_sent = min(stats.sent_at.values()) if stats.sent_at else talk_started
        talking = (max(stats.received_at) - first_sent) if stats.received_at else float("nan")
        result = {
            "arm": name,
            "processes": processes,
            "gap": gap,
            "offered": args.chats * 2 / gap,
            "delivered": len(stats.received) / talking,
            "messages": expected,
            "received": len(stats.received),
            "lost": expected - len(stats.received),
            "stored": len(stored_bodies),
            "stored_twice": len(stored_bodies) - len(set(stored_bodies)),
            "median": statistics.median(lat) if lat else float("nan"),
            "p95": lat[int(len(lat) * 0.95) - 1] if lat else float("nan"),
            "max": lat[-1] if lat else float("nan"),
            "reconnects": stats.reconnects,
            "closes": dict(stats.closes),
            "outage_seconds": (stats.outage[1] - stats.outage[0]) if stats.outage else 0.0,
            "outage_messages": len(affected),
            "outage_max": max(affected) if affected else 0.0,
            "errors": len(stats.errors),
            "load": f"{load_before:.1f} → {os.getloadavg()[0]:.1f}",
        }
        log(f"[{name}] {result}")
        return result
    finally:
        for server in servers:
            server.stop()


def numbers(text: str, kind: type) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--counsellors", type=int, default=50)
    parser.add_argument("--messages", type=int, default=6, help="messages each person sends (each is answered)")
    parser.add_argument(
        "--gap", default="10", help="seconds between a person's messages (±25%%); several, comma-separated, run in turn"
    )
    parser.add_argument(
        "--processes", default="1,2", help="daphne processes per arm: 1 = in-memory layer, more = Redis (default 1,2)"
    )
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--no-restart", action="store_true", help="do not restart a process in the Redis arms")
    parser.add_argument(
        "--drain", type=float, default=60.0, help="seconds to wait for the last messages after the last is sent"
    )
    args = parser.parse_args()
    random.seed(20261126)
    env = prepare_database(args.pg)
    staff = make_staff(args.counsellors)
    from django.db import connection

    results = [
        arm(env, staff, args, processes=processes, gap=gap)
        for gap in numbers(args.gap, float)
        for processes in numbers(args.processes, int)
    ]
    database = (
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}".strip()
    )
    load = f"{args.chats} chats, {args.counsellors} counsellors, {args.messages} messages each way per chat"
    print(f"### Chat delivery ({database}; {load})\n")
    print("| arm | offered | delivered | median | p95 | max | lost | stored twice | reconnects (close codes) |", end="")
    print(" sent during the restart | their worst | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for r in results:
        during = f"{r['outage_messages']} ({r['outage_seconds']:.1f} s down)" if r["outage_seconds"] else "–"
        worst = f"{r['outage_max']:.0f} ms" if r["outage_seconds"] else "–"
        closes = ", ".join(f"{code}: {count}" for code, count in sorted(r["closes"].items()))
        rates = f"{r['offered']:.0f}/s | {r['delivered']:.0f}/s"
        print(
            f"| {r['arm']} | {rates} | {r['median']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.0f} ms | "
            f"{r['lost']} | {r['stored_twice']} | {r['reconnects']}{f' ({closes})' if closes else ''} | "
            f"{during} | {worst} | {r['load']} |"
        )
    print(
        "\nOffered: messages per second both ways (each person's message and its answer); delivered: messages "
        "received per second from the first send to the last arrival. Median, p95 and max are over the messages "
        "not sent during the restart; those are counted apart. Reconnects count every attempt, the failed ones "
        "while a process is down included. Load: the machine's one-minute load average before and after the arm."
    )


if __name__ == "__main__":
    main()
