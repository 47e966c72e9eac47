"""The consultation intake in the browser, against daphne serving HTTP and WebSocket for real.

A person starts a chat from the portal; a counsellor of another organisation takes it; they talk in
real time; the counsellor records concerns, risk and outcome, and a supervisor's dashboard shows the
high-risk alert without a reload; the counsellor transfers the chat with a note; quick exit ends it.
Also: the chat works with JavaScript off, and falls back to long polling when WebSocket is blocked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_sign_in import t
from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.tests.personas import World, sign_in
from tsunagu.consultations.models import Consultation, RiskLevel, Status
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 800}


@pytest.fixture
def desks(world: World) -> Desks:
    return make_desks(world)


@pytest.fixture
def server(desks: Desks, settings: Any) -> Iterator[asgi_server.AsgiServer]:
    port = asgi_server.free_port()
    # Quick exit leaves for a page of the same test server (the machine has no outside network).
    settings.TSUNAGU_QUICK_EXIT_URL = f"http://127.0.0.1:{port}/healthz"
    server = asgi_server.start(port=port)
    try:
        yield server
    finally:
        server.stop()


def person_context(browser: Browser, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    return context


def staff_context(
    browser: Browser, server: asgi_server.AsgiServer, user: User, organisation: Organisation
) -> BrowserContext:
    client = Client()
    sign_in(client, user, organisation=organisation)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    return context


def wait_until(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def start_chat(page: Page, server: asgi_server.AsgiServer, *, at_risk: bool) -> None:
    page.goto(f"{server.url}/now/")
    page.get_by_role("link", name=t("Chat with a counsellor here, without giving your name")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Talk to someone now (chat)"))
    if at_risk:
        page.get_by_label(t("Yes"), exact=True).check()
    page.get_by_role("button", name=t("Start the chat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Chat"))


def send(page: Page, text: str) -> None:
    page.locator("[data-send-form] textarea").fill(text)
    page.locator("[data-send-form] button[type=submit]").click()


def test_a_chat_from_the_portal_to_a_counsellor_of_another_organisation_and_on(
    browser: Browser, server: asgi_server.AsgiServer, desks: Desks
) -> None:
    person = person_context(browser).new_page()
    start_chat(person, server, at_risk=True)
    assert_no_axe_violations(person)
    send(person, "眠れない夜が続いています")
    expect(person.locator(".chat-log")).to_contain_text("眠れない夜が続いています")
    assert_no_axe_violations(person)  # (axe needs JavaScript in the page: the no-JS test cannot run it)
    screenshot(person, "chat-waiting")

    supervisor = staff_context(
        browser, server, desks.world.users["supervisor_a"], desks.world.organisations["A"]
    ).new_page()
    supervisor.goto(f"{server.url}/staff/consultations/dashboard/")
    expect(supervisor.get_by_text(t("No high-risk contact is open."))).to_be_visible()

    counsellor = staff_context(browser, server, desks.local_counsellor, desks.local).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/")
    expect(counsellor.get_by_text(t("Risk flag")).first).to_be_visible()
    assert_no_axe_violations(counsellor)
    counsellor.get_by_role("button", name=t("Take")).first.click()
    expect(counsellor.locator(".chat-log")).to_contain_text("眠れない夜が続いています")
    expect(person.locator("[data-state]")).to_have_text(t("A counsellor is with you."))

    # Real time both ways: no reload on either side.
    send(counsellor, "こんばんは。ここにいますよ。")
    expect(person.locator(".chat-log")).to_contain_text("こんばんは。ここにいますよ。", timeout=5_000)
    send(person, "話を聞いてもらえますか")
    expect(counsellor.locator(".chat-log")).to_contain_text("話を聞いてもらえますか", timeout=5_000)
    screenshot(person, "chat-talking")

    counsellor.get_by_label("孤独・話し相手", exact=False).first.check()
    counsellor.locator("#record").get_by_label(t("Listened")).check()
    counsellor.get_by_role("button", name=t("Save the record")).click()
    expect(counsellor.get_by_text(t("The record was saved."))).to_be_visible()
    counsellor.get_by_label(t("Thoughts of suicide")).check()
    counsellor.get_by_label(t("A plan")).check()
    counsellor.get_by_role("button", name=t("Save the assessment")).click()
    expect(counsellor.get_by_role("heading", name=t("Emergency checklist"))).to_be_visible()
    assert_no_axe_violations(counsellor)
    screenshot(counsellor, "intake-consultation")
    # The supervisor of another organisation is alerted on the open dashboard, without a reload.
    expect(supervisor.get_by_role("link", name=t("High")).first).to_be_visible(timeout=5_000)
    assert_no_axe_violations(supervisor)
    chat = Consultation.objects.get()
    assert chat.risk_level == RiskLevel.HIGH and chat.outcome_listened
    assert [term.key for term in chat.concerns.all()] == ["loneliness-talk"]

    # A high-risk warm transfer: the first counsellor stays until the receiver joins, the person
    # never reads a queue position, the receiver reads the note and the conversation first.
    counsellor.locator("#transfer").get_by_label(t("Transfer to organisation")).select_option(label="全国相談ネットA")
    receiver_user = desks.world.users["counsellor_a"]
    counsellor.locator("#transfer").get_by_label(t("Counsellor (optional)")).select_option(
        label=receiver_user.display_name or receiver_user.username
    )
    counsellor.locator("#transfer").get_by_label(t("Note for the next counsellor")).fill(
        "夜間の不眠と孤独感。リスク高、見守り継続を"
    )
    counsellor.get_by_role("button", name=t("Transfer with this note")).click()
    confirm = counsellor.locator("dialog[open] [data-confirm-yes]")
    confirm.click()  # an irreversible action asks first (the dialog, with JavaScript)
    expect(counsellor.get_by_role("heading", name=t("Handover in progress"))).to_be_visible()
    handover_text = t(
        "We are handing your conversation over to another counsellor. "
        "The counsellor you are talking with stays with you until they join."
    )
    expect(person.locator("[data-state]")).to_have_text(handover_text, timeout=5_000)
    assert "番目" not in person.locator("[data-state]").inner_text()
    # The first counsellor is still with the person.
    send(counsellor, "引き継ぐ人が来るまで、私がここにいます。")
    expect(person.locator(".chat-log")).to_contain_text("引き継ぐ人が来るまで、私がここにいます。", timeout=5_000)
    expect(person.locator("[data-state]")).to_have_text(handover_text)

    other = staff_context(browser, server, receiver_user, desks.world.organisations["A"]).new_page()
    other.goto(f"{server.url}/staff/consultations/")
    expect(other.get_by_role("heading", name=t("Handovers offered to you"))).to_be_visible()
    other.locator("#handovers-heading + ul a").first.click()
    expect(other.get_by_text("夜間の不眠と孤独感。リスク高、見守り継続を")).to_be_visible()
    expect(other.locator(".chat-log")).to_contain_text("話を聞いてもらえますか")
    assert_no_axe_violations(other)
    screenshot(other, "handover-offered")
    other.get_by_role("button", name=t("Join the conversation")).click()
    expect(person.locator("[data-state]")).to_have_text(t("A counsellor is with you."), timeout=5_000)
    expect(person.locator(".chat-log")).to_contain_text(t("The new counsellor has joined the chat."))
    send(other, "引き継ぎました。続けてお話しください。")
    expect(person.locator(".chat-log")).to_contain_text("引き継ぎました。続けてお話しください。", timeout=5_000)
    chat = Consultation.objects.get()
    assert chat.counsellor == receiver_user and chat.transfer_to is None

    # Quick exit: the page is replaced (Back does not return) and the chat ends.
    person.get_by_role("link", name=t("Quick exit")).click()
    person.wait_for_url(f"{server.url}/healthz")
    wait_until(lambda: Consultation.objects.get().status == Status.CLOSED)
    assert Consultation.objects.get().ended_by_person
    # Back leads to the page before the conversation at most (the chat's start page), never to it.
    person.go_back()
    assert "眠れない夜が続いています" not in person.content()


def test_the_chat_works_without_javascript(browser: Browser, server: asgi_server.AsgiServer, desks: Desks) -> None:
    person = person_context(browser, javascript=False).new_page()
    start_chat(person, server, at_risk=False)
    send(person, "スクリプトなしで送ります")
    expect(person.locator(".chat-log")).to_contain_text("スクリプトなしで送ります")
    counsellor = staff_context(browser, server, desks.local_counsellor, desks.local).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/")
    counsellor.get_by_role("button", name=t("Take")).first.click()
    send(counsellor, "届いています")
    expect(counsellor.locator(".chat-log")).to_contain_text("届いています")
    person.get_by_role("button", name=t("See new messages")).click()
    expect(person.locator(".chat-log")).to_contain_text("届いています")
    person.get_by_role("button", name=t("End the chat")).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(t("The chat has ended"))
    assert Consultation.objects.get().status == Status.CLOSED


def test_when_websocket_is_blocked_the_chat_falls_back_to_long_polling(
    browser: Browser, server: asgi_server.AsgiServer, desks: Desks
) -> None:
    context = person_context(browser)
    opened: list[str] = []

    def refuse(socket: WebSocketRoute) -> None:  # what a proxy that blocks WebSocket does
        opened.append(socket.url)
        socket.close()

    context.route_web_socket("**/ws/**", refuse)
    person = context.new_page()
    start_chat(person, server, at_risk=False)
    send(person, "プロキシの中から")
    expect(person.locator(".chat-log")).to_contain_text("プロキシの中から")
    counsellor = staff_context(browser, server, desks.local_counsellor, desks.local).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/")
    counsellor.get_by_role("button", name=t("Take")).first.click()
    expect(counsellor.locator(".chat-log")).to_contain_text("プロキシの中から")
    send(counsellor, "長いポーリングでも届きます")
    expect(person.locator(".chat-log")).to_contain_text("長いポーリングでも届きます", timeout=8_000)
    assert opened, "the page tried WebSocket first"
    assert Consultation.objects.get().messages.filter(sender="person").count() == 1


@pytest.mark.parametrize("width", [1280, 320])
def test_the_other_intake_pages_pass_axe_at_every_width(
    browser: Browser, server: asgi_server.AsgiServer, desks: Desks, width: int
) -> None:
    context = staff_context(browser, server, desks.world.users["supervisor_a"], desks.world.organisations["A"])
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    for path in (
        "/staff/consultations/calls/new/",
        "/staff/consultations/settings/",
        "/staff/consultations/dashboard/",
    ):
        page.goto(f"{server.url}{path}")
        assert_no_axe_violations(page)
        screenshot(page, "consultations" + path.rstrip("/").replace("/", "-"))
    person = person_context(browser).new_page()
    person.set_viewport_size({"width": width, "height": 800})
    start_chat(person, server, at_risk=False)
    person.get_by_role("button", name=t("End the chat")).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(t("The chat has ended"))
    assert_no_axe_violations(person)
