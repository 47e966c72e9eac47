"""A counsellor's page whose socket drops (a flaky network, a proxy, a server process restarting)
connects again by itself, names its page view's token, and writes no second ``consultation.read``
row; the conversation still arrives live (issue 14, finding 3). Chromium against daphne, the
socket passed through Playwright's WebSocket routing so the test can cut it."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tsunagu.accounts.tests.personas import World, sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import services
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desks(world: World) -> Desks:
    return make_desks(world)


@pytest.fixture
def server(desks: Desks) -> Iterator[asgi_server.AsgiServer]:
    yield from asgi_server.serve()


def post(server: asgi_server.AsgiServer, path: str, fields: dict[str, str]) -> str:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(server.url + path, data=data), timeout=30) as response:
        return str(response.read().decode())


def reads(chat: Consultation, what: str) -> int:
    return AuditEvent.objects.filter(
        action=ConsultationAction.READ, target_code=str(chat.code), detail__what=what
    ).count()


def wait_until(page: Page, condition: Any, seconds: float = 10) -> None:
    """Waits in the page's own event loop: Playwright's sync API forwards routed frames only while
    the test calls into it."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_a_dropped_socket_reconnects_without_a_second_read_row(browser: Browser, server, desks):
    found = re.search(r'name="secret" value="([^"]+)"', post(server, "/chat/", {"at_risk": ""}))
    assert found
    secret = found.group(1)
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    client = Client()
    sign_in(client, desks.local_counsellor, organisation=desks.local)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    sockets: list[WebSocketRoute] = []
    hellos: list[dict[str, Any]] = []
    answered: list[WebSocketRoute] = []  # the server's answer to a hello (after its token) reached the page

    def through(socket: WebSocketRoute) -> None:
        upstream = socket.connect_to_server()
        sockets.append(socket)

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "hello":
                hellos.append(frame)
            upstream.send(message)

        socket.on_message(from_page)

        def from_server(message: str | bytes) -> None:
            socket.send(message)
            if json.loads(message).get("type") == "messages":
                answered.append(socket)

        upstream.on_message(from_server)

    context.route_web_socket(re.compile(r".*/ws/staff/consultations/[0-9a-f-]+/$"), through)
    page = context.new_page()
    page.goto(f"{server.url}/staff/consultations/{chat.code}/")
    wait_until(page, lambda: reads(chat, "stream") == 1)
    assert reads(chat, "detail") == 1 and "resume" not in hellos[0]
    for drop in range(1, 3):
        wait_until(page, lambda: sockets[-1] in answered)
        page.wait_for_timeout(200)  # the page reads the frames it was given
        sockets[-1].close(code=1000, reason="cut by the test")
        wait_until(page, lambda drop=drop: len(hellos) == drop + 1)  # live.js connects again by itself
        assert hellos[-1].get("resume")
    post(server, "/chat/send/", {"secret": secret, "body": "切れても届きますか"})
    expect(page.locator("[data-log]")).to_contain_text("切れても届きますか")
    assert reads(chat, "stream") == 1 and reads(chat, "detail") == 1
    page.reload()  # a new page view: its own rows
    wait_until(page, lambda: reads(chat, "stream") == 2)
    assert reads(chat, "detail") == 2
    context.close()
