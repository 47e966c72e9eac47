"""The real-time protocol over a real socket: daphne on a loopback port, a real WebSocket client.

A message is acknowledged only once it is stored; a resend after a dropped connection is the same
message; the other side receives it at once; the long-polling fallback answers as soon as a
message arrives; sockets refuse whoever may not see the conversation."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from django.test import Client

from tsunagu.accounts.tests.personas import sign_in
from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, Message
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def server(desks) -> Iterator[asgi_server.AsgiServer]:
    yield from asgi_server.serve()


def post(
    server: asgi_server.AsgiServer, path: str, fields: dict[str, str], *, accept_json: bool = False
) -> tuple[int, str]:
    data = urllib.parse.urlencode(fields).encode()
    headers = {"Accept": "application/json"} if accept_json else {}
    request = urllib.request.Request(server.url + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def start_chat(server: asgi_server.AsgiServer) -> str:
    status, html = post(server, "/chat/", {"at_risk": ""})
    assert status == 200
    found = re.search(r'name="secret" value="([^"]+)"', html)
    assert found
    return found.group(1)


def staff_cookie(desks: Desks, who: str) -> str:
    client = Client()
    if who == "local_counsellor":
        sign_in(client, desks.local_counsellor, organisation=desks.local)
    else:
        sign_in(client, desks.world.users[who], organisation=desks.world.organisations["A"])
    return f"sessionid={client.cookies['sessionid'].value}"


async def receive_from(socket: Any, sender: str, timeout: float = 5) -> dict[str, Any]:
    """The next "messages" frame that carries a message of ``sender`` (frames also echo one's own)."""
    while True:
        frame = await receive(socket, "messages", timeout)
        if any(m["sender"] == sender for m in frame["messages"]):
            return frame


async def receive(socket: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        frame: dict[str, Any] = json.loads(
            await asyncio.wait_for(socket.recv(), timeout=max(0.1, deadline - time.monotonic()))
        )
        if frame.get("type") == kind:
            return frame


def connect(server: asgi_server.AsgiServer, path: str, *, cookie: str = "", origin: str | None = None) -> Any:
    headers = {"Cookie": cookie} if cookie else {}
    return websockets.connect(server.ws_url + path, origin=origin or server.url, additional_headers=headers)


def test_a_person_and_a_counsellor_talk_in_real_time(server, desks):
    secret = start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    cookie = staff_cookie(desks, "local_counsellor")

    async def talk() -> None:
        async with (
            connect(server, "/ws/chat/") as person,
            connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=cookie) as counsellor,
        ):
            await person.send(json.dumps({"type": "hello", "secret": secret, "after": 0}))
            state = await receive(person, "messages")
            assert state["status"] == "active"
            await counsellor.send(json.dumps({"type": "hello", "after": 0}))
            await receive(counsellor, "messages")
            started = time.monotonic()
            await person.send(json.dumps({"type": "send", "body": "夜になると不安になります", "key": "p1"}))
            ack = await receive(person, "ack")
            # Acknowledged means stored: the row is there, committed, for any other connection.
            stored = await asyncio.to_thread(lambda: Message.objects.get(seq=ack["seq"]).body)
            assert stored == "夜になると不安になります"
            news = await receive_from(counsellor, "person")
            assert [m["text"] for m in news["messages"]] == ["夜になると不安になります"]
            assert time.monotonic() - started < 2
            await counsellor.send(json.dumps({"type": "send", "body": "ここにいます。", "key": "c1"}))
            reply = await receive_from(person, "counsellor")
            assert reply["messages"][-1]["sender"] == "counsellor" and reply["messages"][-1]["text"] == "ここにいます。"

    asyncio.run(talk())


def test_a_dropped_connection_resumes_and_a_resend_is_stored_once(server, desks):
    secret = start_chat(server)

    async def drop_and_resume() -> None:
        async with connect(server, "/ws/chat/") as first:
            await first.send(json.dumps({"type": "hello", "secret": secret, "after": 0}))
            await receive(first, "messages")
            await first.send(json.dumps({"type": "send", "body": "聞こえますか", "key": "same-key"}))
            seq = (await receive(first, "ack"))["seq"]
        # The connection dropped before the browser knew; it sends the same message again.
        async with connect(server, "/ws/chat/") as second:
            await second.send(json.dumps({"type": "hello", "secret": secret, "after": 0}))
            resumed = await receive(second, "messages")
            assert [m["text"] for m in resumed["messages"]] == ["聞こえますか"]
            await second.send(json.dumps({"type": "send", "body": "聞こえますか", "key": "same-key"}))
            assert (await receive(second, "ack"))["seq"] == seq

    asyncio.run(drop_and_resume())
    assert Message.objects.count() == 1


def test_messages_survive_a_server_restart(desks):
    first = asgi_server.start()
    try:
        secret = start_chat(first)
        assert post(first, "/chat/send/", {"secret": secret, "body": "再起動の前"}, accept_json=True)[0] == 200
    finally:
        first.stop()
    second = asgi_server.start()
    try:
        status, body = post(second, "/chat/messages/", {"secret": secret, "after": "0", "wait": "0"}, accept_json=True)
        assert status == 200 and [m["text"] for m in json.loads(body)["messages"]] == ["再起動の前"]
    finally:
        second.stop()


def test_long_polling_answers_as_soon_as_a_message_arrives(server, desks):
    secret = start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    cookie = staff_cookie(desks, "counsellor_a")
    answer: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        status, body = post(server, "/chat/messages/", {"secret": secret, "after": "1", "wait": "1"}, accept_json=True)
        answer.update(status=status, body=json.loads(body), seconds=time.monotonic() - started)

    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(1.0)

    async def reply() -> None:
        async with connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=cookie) as counsellor:
            await counsellor.send(json.dumps({"type": "hello", "after": 0}))
            await counsellor.send(json.dumps({"type": "send", "body": "お待たせしました", "key": "c1"}))
            await receive(counsellor, "ack")

    asyncio.run(reply())
    waiting.join(30)
    assert answer["status"] == 200
    assert [m["text"] for m in answer["body"]["messages"]] == ["お待たせしました"]
    assert 1.0 <= answer["seconds"] < 5  # it waited, and answered when the message came, not at 20 s


def test_sockets_refuse_whoever_may_not_see_the_conversation(server, desks):
    start_chat(server)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    outsider = staff_cookie(desks, "counsellor_a")  # another organisation's counsellor
    insider = staff_cookie(desks, "local_counsellor")

    async def refused() -> None:
        # Refused during the handshake: the socket never opens (HTTP 403).
        for cookie in (outsider, ""):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=cookie):
                    pass
            assert refused.value.response.status_code == 403
        async with connect(server, f"/ws/staff/consultations/{chat.code}/", cookie=insider) as allowed:
            await allowed.send(json.dumps({"type": "hello", "after": 0}))
            assert (await receive(allowed, "messages"))["status"] == "active"
        async with connect(server, "/ws/chat/") as guesser:
            await guesser.send(json.dumps({"type": "hello", "secret": "a guess", "after": 0}))
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await guesser.recv()
        with pytest.raises(websockets.InvalidStatus):  # a page of another site may not open it
            async with connect(server, "/ws/chat/", origin="https://evil.example"):
                pass

    asyncio.run(refused())


def test_two_server_processes_share_one_queue_through_redis(desks, settings):
    """With REDIS_URL set, a message sent to one process reaches a socket of another at once."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/6"], "prefix": f"test{uuid.uuid4().hex[:8]}"},
        }
    }
    first, second = asgi_server.start(), asgi_server.start()
    try:
        secret = start_chat(first)
        chat = Consultation.objects.get()
        services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
        cookie = staff_cookie(desks, "local_counsellor")

        async def across() -> None:
            async with (
                connect(first, "/ws/chat/") as person,
                connect(second, f"/ws/staff/consultations/{chat.code}/", cookie=cookie) as counsellor,
            ):
                await person.send(json.dumps({"type": "hello", "secret": secret, "after": 0}))
                await receive(person, "messages")
                await counsellor.send(json.dumps({"type": "hello", "after": 0}))
                await receive(counsellor, "messages")
                started = time.monotonic()
                await counsellor.send(json.dumps({"type": "send", "body": "別のプロセスから", "key": "x1"}))
                reply = await receive_from(person, "counsellor")
                assert reply["messages"][-1]["text"] == "別のプロセスから"
                assert time.monotonic() - started < 2  # pushed, not found by the 5-second re-read

        asyncio.run(across())
    finally:
        first.stop()
        second.stop()
