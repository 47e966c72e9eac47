"""Frames a browser would never send, over a real socket (daphne on a loopback port): each gets an
error frame, the socket stays open and still works afterwards, nothing is stored, and the server
writes no traceback (issue 14, finding 4; issue 15, finding 6). The server's log is read from the
file its process writes (``asgi_server.serve(log=…)``)."""

from __future__ import annotations

import asyncio
import json
import pathlib
from typing import Any

import pytest

from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, Message
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.test_realtime import connect, receive, staff_cookie, start_chat

pytestmark = pytest.mark.django_db(transaction=True)

#: Frames that are not a JSON object the protocol can read, and the error each gets.
UNREADABLE: list[tuple[str | bytes, str]] = [
    ("this is not JSON", "not_json"),
    ("", "not_json"),  # an empty text frame
    (b"\x00\x01binary", "binary"),
    ("[" * 10_000 + "]" * 10_000, "not_json"),  # nested deeper than the parser goes
    ("[" * 100_000 + "]" * 100_000, "too_large"),  # nested 100,000 deep
    ('{"type": "send", "body": "' + "あ" * 40_000 + '"}', "too_large"),  # over 32,768 characters
    ("[1, 2, 3]", "not_object"),
    ('"hello"', "not_object"),
]


def hello(after: str = "0", **fields: str) -> str:
    """A hello frame written by hand, so that numbers JSON allows but Python's json module never
    writes (1e400, Infinity, NaN) and escapes such as a lone surrogate reach the server as they are."""
    extra = "".join(f', "{name}": {value}' for name, value in fields.items())
    return '{"type": "hello", "after": ' + after + extra + "}"


#: Hello frames whose "after" is not a message number.
BAD_AFTER = ["1e400", "-1e400", "Infinity", "-Infinity", "NaN", "-1", "1.5", "true", '"x"', "99999999999", "[]"]

LONE_SURROGATE = json.dumps("\ud800")  # '"\\ud800"': valid JSON, not valid Unicode


async def error_of(socket: Any, frame: str | bytes) -> dict[str, Any]:
    await socket.send(frame)
    return await receive(socket, "error")


@pytest.fixture
def server_log(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "server.log"


@pytest.fixture
def server(desks, server_log) -> Any:
    yield from asgi_server.serve(log=str(server_log))


def faults(log: pathlib.Path) -> list[str]:
    """The lines of the server's log that tell of a fault: an ERROR (or worse) record, a traceback."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [line for line in lines if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line]


@pytest.fixture
def desks(world) -> Any:
    from tsunagu.consultations.tests.consultation_data import make_desks

    return make_desks(world)


def test_the_person_socket_answers_bad_frames_with_an_error_and_stays_open(server, server_log, desks, capfd):
    secret = start_chat(server)

    async def probe() -> None:
        async with connect(server, "/ws/chat/") as person:
            for frame, error in UNREADABLE:
                assert (await error_of(person, frame))["error"] == error, frame[:40]
            for after in BAD_AFTER:
                answer = await error_of(person, hello(after, secret=json.dumps(secret)))
                assert answer["error"] == "after", after
            assert (await error_of(person, hello(secret=LONE_SURROGATE)))["error"] == "text"
            # Still open, and the conversation works: the hello is answered, a send is stored.
            await person.send(hello(secret=json.dumps(secret)))
            assert (await receive(person, "messages"))["status"] == "waiting"
            answer = await error_of(person, '{"type": "send", "key": "k1", "body": ' + LONE_SURROGATE + "}")
            assert answer["key"] == "k1" and answer["code"] == "text"
            assert (await error_of(person, '{"type": "send", "key": ' + LONE_SURROGATE + ', "body": "x"}'))[
                "error"
            ] == "text"
            await person.send(json.dumps({"type": "send", "key": "k2", "body": "まだつながっていますか"}))
            assert (await receive(person, "ack"))["key"] == "k2"

    asyncio.run(probe())
    assert [m.body for m in Message.objects.filter(sender="person")] == ["まだつながっていますか"]
    output = capfd.readouterr()
    assert "Traceback" not in output.err + output.out
    assert "Exception inside application" not in output.err + output.out
    assert faults(server_log) == []


def test_the_counsellor_socket_answers_bad_frames_with_an_error_and_stays_open(server, server_log, desks, capfd):
    start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    cookie = staff_cookie(desks, "local_counsellor")

    async def probe() -> None:
        async with connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=cookie) as counsellor:
            for frame, error in UNREADABLE:
                assert (await error_of(counsellor, frame))["error"] == error, frame[:40]
            for after in BAD_AFTER:
                assert (await error_of(counsellor, hello(after)))["error"] == "after", after
            assert (await error_of(counsellor, hello(resume=LONE_SURROGATE)))["error"] == "text"
            await counsellor.send(hello())
            assert (await receive(counsellor, "messages"))["status"] == "active"
            answer = await error_of(counsellor, '{"type": "send", "key": "c1", "body": ' + LONE_SURROGATE + "}")
            assert answer["key"] == "c1" and answer["code"] == "text"
            await counsellor.send(json.dumps({"type": "send", "key": "c2", "body": "ここにいます"}))
            assert (await receive(counsellor, "ack"))["key"] == "c2"

    asyncio.run(probe())
    assert [m.body for m in Message.objects.filter(sender="counsellor")] == ["ここにいます"]
    output = capfd.readouterr()
    assert "Traceback" not in output.err + output.out
    assert faults(server_log) == []


def test_the_queue_socket_answers_bad_frames_with_an_error_and_stays_open(server, server_log, desks, capfd):
    cookie = staff_cookie(desks, "local_counsellor")

    async def probe() -> None:
        async with connect(server, "/ws/staff/consultations/", cookie=cookie) as queue:
            for frame, error in UNREADABLE:
                assert (await error_of(queue, frame))["error"] == error, frame[:40]
            start = asyncio.to_thread(start_chat, server)  # a chat starts: the queue socket is told
            await start
            assert (await receive(queue, "queue"))["type"] == "queue"

    asyncio.run(probe())
    assert "Traceback" not in capfd.readouterr().err
    assert faults(server_log) == []


#: JSON objects that are no frame of the protocol: no type, or one the socket does not take.
NOT_FRAMES = [
    '{"\\ud800": 1}',  # a lone surrogate as an object key
    "{}",
    '{"type": "nope"}',
    '{"type": "HELLO"}',
    '{"type": "\\ud800"}',
    '{"type": ["hello"]}',
    '{"type": {"type": "hello"}}',
    '{"type": null}',
    '{"type": 1}',
]

HUGE = "1" + "0" * 5000  # a JSON number Python's int() refuses (over 4,300 digits)
NUL = json.dumps("a\x00b")  # '"a\\u0000b"': valid Unicode that no PostgreSQL text column takes


def send(key: str = '"k"', body: str = '"x"', kind: str = "send", **fields: str) -> str:
    extra = "".join(f', "{name}": {value}' for name, value in fields.items())
    return '{"type": "' + kind + '", "key": ' + key + ', "body": ' + body + extra + "}"


def test_the_person_socket_refuses_every_field_it_cannot_take(server, server_log, desks):
    """Issue 15, finding 6: unknown types, fields of the wrong type, lone surrogates anywhere (in a
    string field, as an object key, deep in a value), NUL, numbers Python refuses. Each gets an
    error frame; a body the person cannot send gets a sentence and its key; nothing is stored."""
    secret = json.dumps(start_chat(server))

    async def probe() -> None:
        async with connect(server, "/ws/chat/") as person:
            for frame in NOT_FRAMES:
                assert (await error_of(person, frame))["error"] == "type", frame
            refused_hellos = [
                (hello(HUGE, secret=secret), "after"),
                (hello("-" + HUGE, secret=secret), "after"),
                (hello(secret="12345"), "secret"),
                (hello(secret="null"), "secret"),
                (hello(secret="[" + secret + "]"), "secret"),
                (hello(secret='{"a": ' * 50 + "1" + "}" * 50), "secret"),
                (hello(secret=NUL), "text"),
                (hello(secret=secret, language="7"), "language"),
                (hello(secret=secret, language=LONE_SURROGATE), "text"),
                (hello(secret=secret, extra="[[[" + LONE_SURROGATE + "]]]"), "text"),
                ('{"type": "hello", "after": 0, "secret": ' + secret + ', "\\udfff": 1}', "text"),
            ]
            for frame, error in refused_hellos:
                assert (await error_of(person, frame))["error"] == error, frame[:80]
            assert (await error_of(person, send()))["error"] == "hello first"
            await person.send(hello("-0", secret=secret))  # -0 is 0
            assert (await receive(person, "messages"))["status"] == "waiting"
            assert (await error_of(person, hello(secret=secret)))["error"] == "again"
            for key in ("1", "null", "[]", '{"k": 1}', "true"):
                assert (await error_of(person, send(key=key)))["error"] == "key", key
            assert (await error_of(person, send(key=NUL)))["error"] == "text"
            assert (await error_of(person, send(key=LONE_SURROGATE)))["error"] == "text"
            for body in ("1", "null", "[]", '{"text": "x"}', "[" * 200 + "]" * 200, HUGE):
                answer = await error_of(person, send(key='"b1"', body=body))
                assert answer["error"] == "body" and answer["key"] == "b1", body[:40]
            answer = await error_of(person, send(key='"b2"', body=NUL))
            assert answer["key"] == "b2" and answer["code"] == "text" and len(answer["error"]) > 10  # a sentence
            assert (await error_of(person, send(body='"x"', extra='{"\\ud800": 1}')))["error"] == "text"
            assert (await error_of(person, send(kind="note")))["error"] == "type"  # staff only
            await person.send(json.dumps({"type": "send", "key": "k9", "body": "まだつながっていますか"}))
            assert (await receive(person, "ack"))["key"] == "k9"

    asyncio.run(probe())
    assert [m.body for m in Message.objects.filter(sender="person")] == ["まだつながっていますか"]
    assert faults(server_log) == []


def test_the_counsellor_socket_refuses_every_field_it_cannot_take(server, server_log, desks):
    start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    cookie = staff_cookie(desks, "local_counsellor")
    stored = Message.objects.count()

    async def probe() -> None:
        async with connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=cookie) as counsellor:
            for frame in NOT_FRAMES:
                assert (await error_of(counsellor, frame))["error"] == "type", frame
            for frame, error in [
                (hello(HUGE), "after"),
                (hello(resume="1"), "resume"),
                (hello(resume="[]"), "resume"),
                (hello(resume=NUL), "text"),
                (hello(language="{}"), "language"),
            ]:
                assert (await error_of(counsellor, frame))["error"] == error, frame[:80]
            await counsellor.send(hello())
            assert (await receive(counsellor, "messages"))["status"] == "active"
            assert (await error_of(counsellor, hello()))["error"] == "again"
            for kind in ("send", "note"):
                assert (await error_of(counsellor, send(key=NUL, kind=kind)))["error"] == "text"
                assert (await error_of(counsellor, send(key="7", kind=kind)))["error"] == "key"
                answer = await error_of(counsellor, send(key='"n1"', body=NUL, kind=kind))
                assert answer["key"] == "n1" and answer["code"] == "text"
                assert (await error_of(counsellor, send(key='"n2"', body="[]", kind=kind)))["error"] == "body"
            await counsellor.send(json.dumps({"type": "note", "key": "n3", "body": "様子を見ます"}))
            assert (await receive(counsellor, "ack"))["key"] == "n3"

    asyncio.run(probe())
    assert [m.body for m in Message.objects.order_by("seq")][stored:] == ["様子を見ます"]
    assert faults(server_log) == []


def test_the_queue_socket_answers_every_object_with_an_error(server, server_log, desks):
    """The queue socket takes no frame at all: every JSON object gets ``type``."""
    cookie = staff_cookie(desks, "local_counsellor")

    async def probe() -> None:
        async with connect(server, "/ws/staff/consultations/", cookie=cookie) as queue:
            for frame in [*NOT_FRAMES, hello(), hello(HUGE), send()]:
                assert (await error_of(queue, frame))["error"] in ("type", "after"), frame[:80]
            await asyncio.to_thread(start_chat, server)
            assert (await receive(queue, "queue"))["type"] == "queue"

    asyncio.run(probe())
    assert faults(server_log) == []


def test_what_the_server_sends_is_always_json_a_browser_reads() -> None:
    """The server's frames are ASCII JSON: a lone surrogate (which no database can hold, but a
    frame's echo might carry) is escaped, never a failure to encode the frame."""
    from tsunagu.consultations.consumers import PersonChatConsumer

    text = asyncio.run(PersonChatConsumer.encode_json({"type": "error", "key": "\ud800", "error": "\udfff x"}))
    assert text.isascii() and json.loads(text)["key"] == "\ud800"
    text.encode("utf-8")  # a WebSocket text frame must be UTF-8
