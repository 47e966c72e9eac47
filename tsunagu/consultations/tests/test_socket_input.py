"""Frames a browser would never send, over a real socket (daphne on a loopback port): each gets an
error frame, the socket stays open and still works afterwards, nothing is stored, and the server
writes no traceback (issue 14, finding 4)."""

from __future__ import annotations

import asyncio
import json
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
def server(desks) -> Any:
    yield from asgi_server.serve()


@pytest.fixture
def desks(world) -> Any:
    from tsunagu.consultations.tests.consultation_data import make_desks

    return make_desks(world)


def test_the_person_socket_answers_bad_frames_with_an_error_and_stays_open(server, desks, capfd):
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


def test_the_counsellor_socket_answers_bad_frames_with_an_error_and_stays_open(server, desks, capfd):
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


def test_the_queue_socket_answers_bad_frames_with_an_error_and_stays_open(server, desks, capfd):
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
