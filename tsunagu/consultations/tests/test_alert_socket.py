"""The supervisors' alert socket over a real socket: daphne on a loopback port, a real WebSocket
client, and Redis as the channel layer (so an alert raised in this test process reaches the server
process, as it does from another daphne process in production)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from tsunagu.consultations import services
from tsunagu.consultations.models import Alert, ConsultationDesk
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.consultations.tests.test_realtime import connect, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

HIGH = services.RiskAnswers(suicidal_thoughts=True, plan=True, means=True)


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def server(desks: Desks, settings: Any) -> Iterator[asgi_server.AsgiServer]:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/6"], "prefix": f"alerts{uuid.uuid4().hex[:8]}"},
        }
    }
    yield from asgi_server.serve()


async def frame(socket: Any, timeout: float = 5) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))
    return data


def high_risk_chat(desks: Desks) -> Any:
    started = services.chat_start(address="192.0.2.30", at_risk=False, language="ja")
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=started.consultation)
    return started.consultation


def test_a_supervisor_on_duty_is_told_of_a_new_alert_and_of_its_acknowledgement(server, desks):
    chat = high_risk_chat(desks)
    cookie = staff_cookie(desks, "supervisor_a")  # another organisation's supervisor

    async def follow() -> None:
        async with connect(server, "/ws/staff/alerts/", cookie=cookie) as socket:
            hello = await frame(socket)
            assert hello == {"type": "alerts", "event": "hello", "alert": "", "open": []}
            # Frames a client should never send do not break the socket.
            await socket.send("not json")
            await socket.send(b"\x00\xff")
            await socket.send(json.dumps({"type": "acknowledge", "nested": [[[[[]]]]]}))
            started = time.monotonic()
            await asyncio.to_thread(
                services.risk_assess, actor=desks.actor("local_counsellor"), consultation=chat, answers=HIGH
            )
            raised = await frame(socket)
            elapsed = time.monotonic() - started
            alert = await asyncio.to_thread(Alert.objects.get)
            assert raised == {
                "type": "alerts",
                "event": "raised",
                "alert": str(alert.code),
                "open": [{"code": str(alert.code), "kind": "high_risk"}],
            }
            assert elapsed < 2
            await asyncio.to_thread(services.alert_acknowledge, actor=desks.actor("local_supervisor"), alert=alert)
            gone = await frame(socket)
            assert (gone["event"], gone["alert"], gone["open"]) == ("acknowledged", str(alert.code), [])
            # A risk step on the same contact is not a new alert: nothing arrives.
            await asyncio.to_thread(
                services.risk_step_record,
                actor=desks.actor("local_counsellor"),
                consultation=chat,
                step="stayed_on_line",
            )
            with pytest.raises(TimeoutError):
                await frame(socket, timeout=1)

    asyncio.run(follow())


def test_the_alert_socket_refuses_counsellors_supervisors_off_duty_and_strangers(server, desks):
    counsellor = staff_cookie(desks, "counsellor_a")
    supervisor = staff_cookie(desks, "supervisor_a")

    async def refused(cookie: str) -> int:
        with pytest.raises(websockets.InvalidStatus) as refusal:
            async with connect(server, "/ws/staff/alerts/", cookie=cookie):
                pass
        return int(refusal.value.response.status_code)

    async def attempts() -> None:
        assert await refused(counsellor) == 403
        assert await refused("") == 403
        await asyncio.to_thread(
            lambda: ConsultationDesk.objects.filter(organisation=desks.world.organisations["A"]).update(is_active=False)
        )
        assert await refused(supervisor) == 403  # their desk does not answer the queue: off duty

    asyncio.run(attempts())
