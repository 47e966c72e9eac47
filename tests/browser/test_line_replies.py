"""A LINE reply the platform refuses, in the browser, against daphne and the loopback LINE platform
(issue 14, finding 6): the counsellor who sent it and a supervisor following the conversation both
see 「送信できませんでした」 live, and the retry button sends it once the platform accepts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_consultation_chat import staff_context, wait_until
from tests.browser.test_sign_in import t
from tsunagu.accounts.tests.personas import World
from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, Message, Sender
from tsunagu.consultations.tests import asgi_server, line_platform
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER = "U0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def platform(settings: Any) -> Iterator[line_platform.Platform]:
    fake = line_platform.start()
    settings.LINE_CHANNEL_SECRET = line_platform.CHANNEL_SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = line_platform.ACCESS_TOKEN
    settings.LINE_API_BASE = fake.base
    yield fake
    assert fake.server is not None
    fake.server.shutdown()


@pytest.fixture
def server(world: World, platform: line_platform.Platform) -> Iterator[asgi_server.AsgiServer]:
    # Started after the LINE settings: the server process is forked with them.
    server = asgi_server.start(port=asgi_server.free_port())
    try:
        yield server
    finally:
        server.stop()


def test_a_refused_reply_shows_live_to_both_staff_and_the_retry_sends_it(
    browser: Browser, world: World, platform: line_platform.Platform, server: asgi_server.AsgiServer
) -> None:
    desks: Desks = make_desks(world)
    assert (
        platform.deliver(f"{server.url}/integrations/line/webhook/", [line_platform.text_event(USER, "ねむれない")])
        == 200
    )
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    url = server.url + reverse("consultations:consultation", kwargs={"code": chat.code})

    counsellor_context = staff_context(browser, server, world.users["counsellor_a"], world.organisations["A"])
    supervisor_context = staff_context(browser, server, world.users["supervisor_a"], world.organisations["A"])
    try:
        counsellor = counsellor_context.new_page()
        supervisor = supervisor_context.new_page()
        dashboard = supervisor_context.new_page()
        dashboard.goto(server.url + reverse("consultations:dashboard"))
        expect(dashboard.locator('[data-figure="line-failed"]')).to_have_text("0")
        counsellor.goto(url)
        supervisor.goto(url)
        expect(counsellor.locator(".chat-person")).to_contain_text("ねむれない")
        expect(supervisor.locator(".chat-person")).to_contain_text("ねむれない")
        wait_until(lambda: counsellor.evaluate("!!document.querySelector('[data-conversation]')"))
        counsellor.wait_for_timeout(500)  # the socket says hello

        # A slow platform that refuses: the supervisor is told of the reply only once LINE answered.
        platform.refuse_push = True
        platform.push_delay = 1.0
        counsellor.locator("[data-send-form] textarea").fill("今夜はここにいます")
        counsellor.locator("[data-send-form]").get_by_role("button", name=t("Send"), exact=True).click()
        reply = counsellor.locator(".chat-counsellor", has_text="今夜はここにいます")
        expect(reply.locator('[data-delivery="failed"]')).to_contain_text(t("Could not be sent"))
        retry = reply.get_by_role("button", name=t("Send again"))
        expect(retry).to_be_visible()
        watched = supervisor.locator(".chat-counsellor", has_text="今夜はここにいます")
        expect(watched.locator('[data-delivery="failed"]')).to_contain_text(t("Could not be sent"))
        assert Message.objects.get(sender=Sender.COUNSELLOR).delivery == "failed"
        assert_no_axe_violations(counsellor)
        # The supervisor's dashboard counts it without a reload, and links to the conversation.
        expect(dashboard.locator('[data-figure="line-failed"]')).to_have_text("1")
        expect(dashboard.locator(f'a[href$="{chat.code}/"]').first).to_be_visible()

        # The platform accepts now: the retry sends it, and the marker goes, without a reload.
        platform.refuse_push = False
        platform.push_delay = 0.0
        retry.click()
        expect(reply.locator("[data-delivery]")).to_have_count(0)
        expect(counsellor.locator("[data-live-status]")).to_have_text(t("The reply was sent to LINE."))
        assert [p["messages"][0]["text"] for p in platform.pushed] == ["今夜はここにいます"]
        assert Message.objects.get(sender=Sender.COUNSELLOR).delivery == "sent"
        expect(dashboard.locator('[data-figure="line-failed"]')).to_have_text("0")
        supervisor.reload()
        expect(supervisor.locator(".chat-counsellor", has_text="今夜はここにいます")).to_be_visible()
        expect(supervisor.locator("[data-delivery]")).to_have_count(0)
    finally:
        counsellor_context.close()
        supervisor_context.close()


def test_without_javascript_the_failed_reply_and_its_retry_work_as_a_form(
    browser: Browser, world: World, platform: line_platform.Platform, server: asgi_server.AsgiServer
) -> None:
    desks: Desks = make_desks(world)
    platform.deliver(f"{server.url}/integrations/line/webhook/", [line_platform.text_event(USER, "こんばんは")])
    chat = Consultation.objects.get()
    counsellor_actor = desks.actor("counsellor_a")
    services.consultation_take(actor=counsellor_actor, consultation=chat)
    platform.refuse_push = True
    services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="届かない返信", actor=counsellor_actor)
    platform.refuse_push = False

    context = staff_context(browser, server, world.users["counsellor_a"], world.organisations["A"])
    try:
        # The same session, without JavaScript (a context's JavaScript is set when it is made).
        cookies = context.cookies()
        plain = browser.new_context(locale="ja-JP", java_script_enabled=False)
        plain.add_cookies(cookies)  # type: ignore[arg-type]
        page = plain.new_page()
        page.goto(server.url + reverse("consultations:consultation", kwargs={"code": chat.code}))
        reply = page.locator(".chat-counsellor", has_text="届かない返信")
        expect(reply.locator('[data-delivery="failed"]')).to_contain_text(t("Could not be sent"))
        reply.get_by_role("button", name=t("Send again")).click()
        expect(page.get_by_text(t("The reply was sent to LINE."))).to_be_visible()
        expect(page.locator("[data-delivery]")).to_have_count(0)
        assert [p["messages"][0]["text"] for p in platform.pushed] == ["届かない返信"]
        plain.close()
    finally:
        context.close()
