"""Property tests over every frame type of every socket, through a real socket (issue 15, "Fuzzing in
the project's own suite"): daphne on a loopback port (``asgi_server``), one connection per socket
reused across all the examples, the server's log read from the file its process writes.

For every frame Hypothesis makes up (the protocol's frames with fields of every JSON kind and of
none, lone surrogates as values and as object keys, NUL, numbers Python refuses, deep nesting,
unknown types, text that is not JSON, binary frames) the socket must answer with an error frame or
a valid answer, never close (let alone with 1011), still answer a valid frame afterwards, store
nothing from a refused frame, and the server must log no ERROR and no traceback. The alert socket
takes no frame and answers none (docs/consultations.md, "Alerts"): it must stay open and still push
an alert. Unknown socket paths must be refused during the handshake, never with a 500.

Bounded for CI: about 60 examples per socket, the whole file in well under a minute on two cores.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import websockets
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, Message
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.consultations.tests.test_realtime import staff_cookie, start_chat

pytestmark = pytest.mark.django_db(transaction=True)

#: No shrinking: the examples share one connection, so once a frame has broken it every later one
#: fails too, and the first failing frame (the one reported) is the one to look at.
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: The frames issue 15 found to close a socket with 1011, tried first on every socket.
FOUND = [
    '{"type": "hello", "after": 0, "secret": "\\ud800"}',
    '{"type": "send", "key": "\\ud800", "body": "x"}',
    '{"type": "send", "key": "k", "body": "\\ud800"}',
    '{"\\ud800": 1}',
    "",
    '{"type": "hello", "after": Infinity}',
    '{"type": "hello", "after": 1' + "0" * 5_000 + "}",
    '{"type": "send", "key": "a\\u0000", "body": "x"}',
    '{"type": "note", "key": "n", "body": [[[[[[]]]]]]}',
    '{"type": "nope"}',
]


def found_first(test: Callable[..., None]) -> Callable[..., None]:
    for frame in reversed(FOUND):
        test = example(frame=frame)(test)
    return test


# --- frames --------------------------------------------------------------------------------------

#: Strings a broken or hostile client sends. A lone surrogate travels escaped in the JSON text
#: (``"\ud800"``): the frame itself is valid UTF-8, as any client must send.
HOSTILE_STRINGS = st.sampled_from(
    [
        "\ud800",
        "\udfff",
        "a\ud800b",
        "\x00",
        "a\x00b",
        "",
        " ",
        "\u202e",
        "\ufeff",
        "あ" * 2_001,
        "x" * 10_000,
        "'; DROP TABLE consultations_message; --",
        "<script>alert(1)</script>",
        "%(x)s{0}",
        "👨‍👩‍👧",
    ]
)
#: Any string, lone surrogates included (Hypothesis leaves them out unless asked).
ANY_STRING = st.text(st.characters(exclude_categories=()), max_size=40)
#: JSON numbers written by hand: Python's json module writes none of the first four.
RAW_NUMBERS = st.sampled_from(
    [
        *("1" + "0" * 5_000, "-" + "1" * 5_000, "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "-0", "-0.0"),
        *("0", "7", "7.0", "1.5", "-1", "2147483647", "2147483648", "99999999999999999999", "1E2"),
    ]
)


def _string(value: str) -> str:
    return json.dumps(value)  # ASCII: a lone surrogate as its escape


SCALARS = st.one_of(
    ANY_STRING.map(_string),
    HOSTILE_STRINGS.map(_string),
    RAW_NUMBERS,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["true", "false", "null"]),
)


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{_string(key)}: {value}" for key, value in pairs) + "}"


#: Any JSON value, as text: scalars, and lists and objects of them (object keys may be any string).
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(ANY_STRING | HOSTILE_STRINGS, inner), max_size=4).map(_object),
    ),
    max_leaves=12,
)
NESTED = st.integers(min_value=50, max_value=3_000).map(lambda depth: "[" * depth + "1" + "]" * depth)


def _plausible(name: str) -> st.SearchStrategy[str]:
    """Values a field of that name would hold from a real page (so that valid frames occur too)."""
    if name == "after":
        return st.integers(min_value=0, max_value=50).map(str)
    if name == "language":
        return st.sampled_from(["ja", "en", "ja-x-easy", "zh-hans", "xx"]).map(_string)
    if name == "body":
        return st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30).map(_string)
    return st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20).map(_string)


def frames(types: list[str], fields: list[str]) -> st.SearchStrategy[str | bytes]:
    """Frames for a socket that takes ``types`` with ``fields``: the protocol's own frames with each
    field plausible, hostile or missing, plus extra fields under any key; frames with any fields
    under any keys; and frames that are no frame (not JSON, not an object, binary, empty, too long)."""

    def value_of(name: str) -> st.SearchStrategy[str | None]:
        plausible = _plausible(name)  # most often, so that whole frames are valid now and then
        return st.one_of(*[plausible] * 8, st.none(), VALUES, HOSTILE_STRINGS.map(_string), NESTED)

    extra = st.lists(st.tuples(ANY_STRING | HOSTILE_STRINGS, VALUES), max_size=2)
    shaped = st.builds(
        lambda kind, values, extra: _object(
            [
                ("type", _string(kind)),
                *((name, value) for name, value in zip(fields, values, strict=True) if value is not None),
                *extra,
            ]
        ),
        st.sampled_from(types),
        st.tuples(*(value_of(name) for name in fields)),
        st.one_of(st.just([]), st.just([]), extra),
    )
    field = st.sampled_from([*fields, "type", "extra", "\ud800", ""])
    pair = field.flatmap(lambda name: st.tuples(st.just(name), VALUES | NESTED if name in fields else VALUES))
    kind = st.one_of(st.sampled_from([*types, "nope", "HELLO", ""]).map(_string), VALUES)
    loose = st.builds(lambda kind, pairs: _object([("type", kind), *pairs]), kind, st.lists(pair, max_size=5))
    return st.one_of(
        shaped,
        shaped,
        shaped,
        loose,
        VALUES,
        NESTED,
        st.text(st.characters(codec="utf-8"), max_size=50),  # not JSON, or not an object
        st.binary(max_size=50),
        st.just(""),
        st.just('{"type": "send", "key": "k", "body": "' + "x" * 40_000 + '"}'),
    )


# --- one connection, many examples ---------------------------------------------------------------


class Socket:
    """A WebSocket client connection kept open across Hypothesis examples on an event loop of its
    own (each example is a plain function)."""

    def __init__(self, url: str, origin: str, cookie: str = "") -> None:
        self.loop = asyncio.new_event_loop()
        headers = {"Cookie": cookie} if cookie else {}
        self.connection: Any = self.run(websockets.connect(url, origin=origin, additional_headers=headers))

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def send(self, frame: str | bytes) -> None:
        self.run(self.connection.send(frame))

    def answer(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5) -> dict[str, Any]:
        """The next frame ``wanted`` takes; frames the server pushes meanwhile (``messages``) are
        skipped. A closed socket raises ``websockets.ConnectionClosed``: the test fails."""

        async def read() -> dict[str, Any]:
            deadline = time.monotonic() + timeout
            while True:
                text = await asyncio.wait_for(self.connection.recv(), max(0.1, deadline - time.monotonic()))
                frame: dict[str, Any] = json.loads(text)
                if wanted(frame):
                    return frame

        result: dict[str, Any] = self.run(read())
        return result

    def nothing_within(self, seconds: float) -> bool:
        async def read() -> bool:
            try:
                await asyncio.wait_for(self.connection.recv(), seconds)
            except TimeoutError:
                return True
            return False

        result: bool = self.run(read())
        return result

    def alive(self) -> bool:
        async def ping() -> bool:
            await asyncio.wait_for(await self.connection.ping(), 5)
            return True

        result: bool = self.run(ping())
        return result

    def close(self) -> None:
        self.run(self.connection.close())
        self.loop.close()


def answered(frame: dict[str, Any]) -> bool:
    return frame.get("type") in ("error", "ack")


def faults(log: pathlib.Path) -> list[str]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [line for line in lines if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line]


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def desks(world: Any) -> Desks:
    return make_desks(world)


@pytest.fixture
def server_log(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "server.log"


@pytest.fixture
def server(desks: Desks, server_log: pathlib.Path) -> Iterator[asgi_server.AsgiServer]:
    yield from asgi_server.serve(log=str(server_log))


def fuzz_conversation(connection: Socket, types: list[str], fields: list[str], sender: str) -> None:
    """Every frame gets an error or an ack; an ack only for a frame of a type that stores; after
    each frame a resend of a known message still gets its ack; the messages stored are exactly the
    ones acknowledged."""
    connection.send(json.dumps({"type": "send", "key": "probe", "body": "probe"}))
    probe = connection.answer(answered)
    assert probe["type"] == "ack"
    acknowledged = {probe["seq"]}

    @EXAMPLES
    @found_first
    @given(frame=frames(types, fields))
    def each(frame: str | bytes) -> None:
        connection.send(frame)
        answer = connection.answer(answered)
        if answer["type"] == "ack":
            # A valid frame may carry a number of thousands of digits in a field the server ignores:
            # read it the way the server does, without converting it.
            assert isinstance(frame, str) and json.loads(frame, parse_int=len)["type"] in ("send", "note")
            acknowledged.add(answer["seq"])
        # Still open and still working: the same message sent again is acknowledged as before.
        connection.send(json.dumps({"type": "send", "key": "probe", "body": "probe"}))
        assert connection.answer(answered)["seq"] == probe["seq"]

    each()
    stored = set(Message.objects.filter(sender=sender).values_list("seq", flat=True))
    assert stored == acknowledged


def test_every_frame_on_the_person_socket(server: asgi_server.AsgiServer, server_log: pathlib.Path) -> None:
    secret = start_chat(server)
    connection = Socket(server.ws_url + "/ws/chat/", server.url)
    try:
        connection.send(json.dumps({"type": "hello", "after": 0, "secret": secret}))
        assert connection.answer(lambda frame: frame.get("type") == "messages")["status"] == "waiting"
        fuzz_conversation(connection, ["hello", "send"], ["secret", "after", "language", "key", "body"], "person")
    finally:
        connection.close()
    assert faults(server_log) == []


def test_every_frame_on_the_counsellor_socket(
    server: asgi_server.AsgiServer, server_log: pathlib.Path, desks: Desks
) -> None:
    start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    cookie = staff_cookie(desks, "local_counsellor")
    connection = Socket(server.ws_url + f"/ws/staff/consultations/{chat.code}/", server.url, cookie)
    try:
        connection.send(json.dumps({"type": "hello", "after": 0}))
        assert connection.answer(lambda frame: frame.get("type") == "messages")["status"] == "active"
        fuzz_conversation(
            connection, ["hello", "send", "note"], ["resume", "after", "language", "key", "body"], "counsellor"
        )
    finally:
        connection.close()
    assert faults(server_log) == []


def test_every_frame_on_the_queue_socket(
    server: asgi_server.AsgiServer, server_log: pathlib.Path, desks: Desks
) -> None:
    """The queue socket takes no frame: each gets an error, and the socket still tells of a new chat."""
    connection = Socket(server.ws_url + "/ws/staff/consultations/", server.url, staff_cookie(desks, "local_counsellor"))
    try:

        @EXAMPLES
        @found_first
        @given(frame=frames(["hello", "send", "note"], ["after", "key", "body"]))
        def each(frame: str | bytes) -> None:
            connection.send(frame)
            assert connection.answer(lambda answer: True)["type"] == "error"

        each()
        start_chat(server)
        assert connection.answer(lambda frame: frame.get("type") != "error")["type"] == "queue"
    finally:
        connection.close()
    assert Consultation.objects.count() == 1
    assert faults(server_log) == []


@pytest.fixture
def redis_server(desks: Desks, settings: Any, server_log: pathlib.Path) -> Iterator[asgi_server.AsgiServer]:
    """A server on the Redis channel layer, so that an alert raised in this process reaches it."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/6"], "prefix": f"fuzz{uuid.uuid4().hex[:8]}"},
        }
    }
    yield from asgi_server.serve(log=str(server_log))


def test_every_frame_on_the_alert_socket(
    redis_server: asgi_server.AsgiServer, server_log: pathlib.Path, desks: Desks
) -> None:
    """The alert socket takes no frame and answers none: it stays open and still pushes an alert."""
    server = redis_server
    connection = Socket(server.ws_url + "/ws/staff/alerts/", server.url, staff_cookie(desks, "supervisor_a"))
    try:
        assert connection.answer(lambda frame: True)["event"] == "hello"

        @EXAMPLES
        @found_first
        @given(frame=frames(["acknowledge", "hello"], ["alert", "after"]))
        def each(frame: str | bytes) -> None:
            connection.send(frame)
            assert connection.alive()

        each()
        assert connection.nothing_within(0.3)
        started = services.chat_start(address="192.0.2.30", at_risk=False, language="ja")
        services.consultation_take(actor=desks.actor("local_counsellor"), consultation=started.consultation)
        services.risk_assess(
            actor=desks.actor("local_counsellor"),
            consultation=started.consultation,
            answers=services.RiskAnswers(suicidal_thoughts=True, plan=True, means=True),
        )
        assert connection.answer(lambda frame: True)["event"] == "raised"
    finally:
        connection.close()
    assert faults(server_log) == []


# --- unknown paths -------------------------------------------------------------------------------

SEGMENTS = st.one_of(
    st.sampled_from(["ws", "chat", "staff", "consultations", "alerts", "en", "ja", "api", "..", ".", "%00", "%ff"]),
    st.uuids().map(str),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12).map(lambda text: quote(text, safe="")),
)


def _status(server: asgi_server.AsgiServer, path: str) -> int:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Origin: {server.url}\r\n\r\n"
    ).encode("ascii")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_every_socket_path_is_served_or_refused_during_the_handshake(
    server: asgi_server.AsgiServer, server_log: pathlib.Path
) -> None:
    """Any path: a socket that opens (101: a path a route serves; the staff ones refuse a visitor
    without a session with 403) or a refusal (403), never a 500."""

    @EXAMPLES
    @given(segments=st.lists(SEGMENTS, max_size=5), slash=st.booleans())
    def each(segments: list[str], slash: bool) -> None:
        path = "/" + "/".join(segments) + ("/" if slash and segments else "")
        assert _status(server, path) in (101, 403), path

    each()
    assert faults(server_log) == []
