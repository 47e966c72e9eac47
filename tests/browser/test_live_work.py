"""The counsellor's and supervisor's live work in the browser (issue: live work that keeps people
safe): a supervisor's private note reaches the counsellor and never the person; joining openly is
shown to the person under the role's name; the record and the つなぎ panel save beside the
conversation without leaving it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_consultation_chat import person_context as new_person
from tests.browser.test_consultation_chat import send, staff_context, start_chat
from tests.browser.test_sign_in import t
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.tests.personas import World
from tsunagu.consultations.models import Consultation, Message
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import participate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def a(world: World) -> Organisation:
    participate(world.organisations["A"])
    return world.organisations["A"]


@pytest.fixture
def server(a: Organisation, settings: Any) -> Iterator[asgi_server.AsgiServer]:
    port = asgi_server.free_port()
    settings.TSUNAGU_QUICK_EXIT_URL = f"http://127.0.0.1:{port}/healthz"
    server = asgi_server.start(port=port)
    try:
        yield server
    finally:
        server.stop()


def test_a_supervisor_notes_privately_then_joins_openly(
    browser: Browser, server: asgi_server.AsgiServer, world: World, a: Organisation
) -> None:
    person = new_person(browser).new_page()
    start_chat(person, server, at_risk=True)
    send(person, "誰かと話したいです")
    counsellor = staff_context(browser, server, world.users["counsellor_a"], a).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/")
    counsellor.get_by_role("button", name=t("Take")).first.click()
    expect(counsellor.locator(".chat-log")).to_contain_text("誰かと話したいです")

    supervisor = staff_context(browser, server, world.users["supervisor_a"], a).new_page()
    supervisor.goto(f"{server.url}/staff/consultations/{Consultation.objects.get().code}/")
    # Not joined: no reply form, only the note.
    expect(supervisor.locator("[data-send-form]")).to_have_count(0)
    supervisor.locator("[data-note-form] textarea").fill("安全計画を先に確かめてください")
    supervisor.locator("[data-note-form] button[type=submit]").click()
    expect(counsellor.locator(".chat-log")).to_contain_text("安全計画を先に確かめてください", timeout=5_000)
    expect(counsellor.locator(".chat-note")).to_contain_text(t("Staff only"))
    assert_no_axe_violations(supervisor)

    supervisor.get_by_role("button", name=t("Join the conversation openly")).click()
    expect(person.locator(".chat-log")).to_contain_text(t("A supervisor has joined the chat."), timeout=5_000)
    send(supervisor, "スーパーバイザーです。一緒にいます。")
    expect(person.locator(".chat-log")).to_contain_text("スーパーバイザーです。一緒にいます。", timeout=5_000)
    last = person.locator(".chat-log li").last
    expect(last.locator(".chat-who")).to_have_text(t("Supervisor"))
    # The counsellor sees who wrote it.
    name = world.users["supervisor_a"].display_name or world.users["supervisor_a"].username
    expect(counsellor.locator(".chat-log li").last.locator(".chat-who")).to_contain_text(name, timeout=5_000)
    # The note never reached the person's open page.
    assert "安全計画を先に確かめてください" not in person.content()
    assert any(m.staff_only for m in Message.objects.all())
    screenshot(counsellor, "consultation-supervisor-note")


def test_the_record_saves_beside_the_conversation_without_leaving_it(
    browser: Browser, server: asgi_server.AsgiServer, world: World, a: Organisation
) -> None:
    person = new_person(browser).new_page()
    start_chat(person, server, at_risk=False)
    send(person, "仕事をなくしました")
    counsellor = staff_context(browser, server, world.users["counsellor_a"], a).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/")
    counsellor.get_by_role("button", name=t("Take")).first.click()
    expect(counsellor.locator(".chat-log")).to_contain_text("仕事をなくしました")
    counsellor.evaluate("window.__samePage = true")
    counsellor.locator("#record").get_by_label(t("Listened")).check()
    counsellor.get_by_role("button", name=t("Save the record")).click()
    expect(counsellor.locator("#record [data-saved]")).to_have_text(t("The record was saved."))
    assert counsellor.evaluate("window.__samePage === true"), "the page was not reloaded"
    assert Consultation.objects.get().outcome_listened
    # The conversation kept running meanwhile.
    send(person, "まだいますか")
    expect(counsellor.locator(".chat-log")).to_contain_text("まだいますか", timeout=5_000)
    # The person's details, in place too; then the つなぎ panel asks for consent.
    counsellor.locator("#person").get_by_label(
        t("How the person agreed to their details being recorded")
    ).select_option("oral")
    counsellor.locator("#id_person-name").fill("山田 花子")
    counsellor.get_by_role("button", name=t("Record with consent")).click()
    expect(counsellor.locator("#refer")).to_contain_text(t("Step 2: the person's consent to share"))
    assert counsellor.evaluate("window.__samePage === true")
    assert_no_axe_violations(counsellor)
    counsellor.set_viewport_size({"width": 390, "height": 844})
    screenshot(counsellor, "consultation-phone")
