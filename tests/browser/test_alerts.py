"""Alerts that reach someone, in the browser, against daphne serving HTTP and WebSocket for real.

Two supervisors have other staff pages open (the directory, the referrals list); a counsellor's
assessment marks a chat high risk; the banner appears on both pages within 2 s, with a sound and
the browser's notification (allowed by the user); one supervisor acknowledges it and it leaves both
pages. A second alert nobody acknowledges goes out, once the escalation command runs with the clock
past N minutes, by e-mail (the test outbox) and SMS (the file backend's directory). axe-core finds
no WCAG 2.1 AA violation with the banner shown, nor on the escalation list page.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_consultation_chat import staff_context
from tests.browser.test_sign_in import t
from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.tests.personas import World
from tsunagu.consultations import services
from tsunagu.consultations.models import Alert, AlertContact, Consultation
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records what the page's script asks of the browser's Notification and Web Audio APIs, then lets
# the real APIs do it (headless Chromium shows no notification and plays to no speaker).
SPY = """
window.__alerts = {notifications: [], tones: 0};
(function () {
  var Real = window.Notification;
  if (Real) {
    var Spy = function (title, options) {
      window.__alerts.notifications.push({title: title, body: (options || {}).body || ""});
      return new Real(title, options);
    };
    Object.defineProperty(Spy, "permission", {get: function () { return Real.permission; }});
    Spy.requestPermission = Real.requestPermission.bind(Real);
    window.Notification = Spy;
  }
  var Context = window.AudioContext;
  if (Context) {
    var create = Context.prototype.createOscillator;
    Context.prototype.createOscillator = function () { window.__alerts.tones += 1; return create.call(this); };
  }
})();
"""


def tp(context: str, message: str) -> str:
    with translation.override("ja"):
        return translation.pgettext(context, message)


@pytest.fixture
def desks(world: World) -> Desks:
    return make_desks(world)


@pytest.fixture
def server(desks: Desks) -> Iterator[asgi_server.AsgiServer]:
    yield from asgi_server.serve()


def supervisor_page(
    browser: Browser, server: asgi_server.AsgiServer, user: User, organisation: Organisation, path: str
) -> tuple[BrowserContext, Page]:
    context = staff_context(browser, server, user, organisation)
    context.grant_permissions(["notifications"], origin=server.url)
    context.add_init_script(SPY)
    page = context.new_page()
    page.goto(server.url + path)
    expect(page.locator("#staff-alerts")).to_have_attribute("data-live", "on")  # the alert socket is open
    page.locator("h1").click()  # a first gesture: the browser now allows the page to play sound
    return context, page


def banner_items(page: Page) -> Any:
    return page.locator("#staff-alerts [data-alert]")


def test_an_alert_reaches_supervisors_on_other_pages_is_acknowledged_or_escalates(
    browser: Browser, server: asgi_server.AsgiServer, desks: Desks, settings: Any, tmp_path: Path
) -> None:
    settings.TSUNAGU_SMS_BACKEND = "tsunagu.core.sms.FileBackend"
    settings.TSUNAGU_SMS_FILE_PATH = str(tmp_path / "sms")
    local_supervisor = desks.local_supervisor
    local_supervisor.email = "local-supervisor@example.jp"
    local_supervisor.save()
    started = services.chat_start(address="192.0.2.40", at_risk=False, language="ja")
    services.message_post(consultation=started.consultation, sender="person", body="もう限界です")
    services.consultation_take(actor=desks.actor("local_counsellor"), consultation=started.consultation)
    chat = Consultation.objects.get()

    # The local desk's escalation list, chosen on its page (with an SMS number).
    _, settings_page = supervisor_page(browser, server, local_supervisor, desks.local, "/staff/consultations/settings/")
    settings_page.get_by_role("link", name=t("Choose the escalation list")).click()
    settings_page.get_by_label(t("On the escalation list")).check()
    settings_page.get_by_label(t("Mobile number for SMS (optional)")).fill("090-1234-5678")
    assert_no_axe_violations(settings_page)
    settings_page.get_by_role("button", name=t("Save the escalation list")).click()
    expect(settings_page.get_by_text(t("The escalation list was saved."))).to_be_visible()
    assert AlertContact.objects.get().sms_number == "09012345678"

    # Two supervisors on duty, each on another staff page; the first of another organisation.
    _, directory = supervisor_page(
        browser, server, desks.world.users["supervisor_a"], desks.world.organisations["A"], "/staff/directory/"
    )
    _, referrals = supervisor_page(browser, server, local_supervisor, desks.local, "/staff/referrals/")
    expect(banner_items(directory)).to_have_count(0)

    counsellor = staff_context(browser, server, desks.local_counsellor, desks.local).new_page()
    counsellor.goto(f"{server.url}/staff/consultations/{chat.code}/")
    counsellor.get_by_label(t("Thoughts of suicide")).check()
    counsellor.get_by_label(t("A plan")).check()
    clicked = time.monotonic()
    counsellor.get_by_role("button", name=t("Save the assessment")).click()
    expect(banner_items(directory)).to_have_count(1, timeout=2_000)
    seconds = time.monotonic() - clicked
    expect(banner_items(referrals)).to_have_count(1, timeout=2_000)
    assert seconds < 2, seconds
    alert = Alert.objects.get()
    item = directory.locator(f'[data-alert="{alert.code}"]')
    expect(item).to_have_attribute("role", "alert")
    expect(item.get_by_role("link")).to_have_attribute("href", f"/staff/consultations/{chat.code}/")
    # The sound and the browser's notification, which says nothing about the person.
    directory.wait_for_function("window.__alerts.notifications.length === 1")
    notice = directory.evaluate("window.__alerts")
    assert notice["tones"] >= 1
    assert "もう限界です" not in str(notice) and str(chat.code) not in str(notice)
    # Allowed already: the banner does not offer to ask again.
    expect(directory.locator("[data-alert-notify-row]")).to_be_hidden()
    assert_no_axe_violations(directory)
    screenshot(directory, "alert-banner")

    # One supervisor acknowledges: the banner leaves both pages.
    item.get_by_role("button", name=tp("alert", "Acknowledge")).click()
    expect(banner_items(directory)).to_have_count(0)
    expect(banner_items(referrals)).to_have_count(0, timeout=2_000)
    acknowledged = Alert.objects.get()
    assert acknowledged.acknowledged_by == desks.world.users["supervisor_a"]

    # A second high assessment raises a new alert; nobody acknowledges it.
    counsellor.reload()
    counsellor.get_by_label(t("Thoughts of suicide")).check()
    counsellor.get_by_label(t("A child at risk")).check()
    counsellor.get_by_role("button", name=t("Save the assessment")).click()
    expect(banner_items(directory)).to_have_count(1, timeout=2_000)
    second = Alert.objects.get(acknowledged_at__isnull=True)
    mail.outbox.clear()
    out = StringIO()
    call_command("escalate_alerts", stdout=out)
    assert mail.outbox == [] and not (tmp_path / "sms").exists()  # not yet
    past = timezone.now() + dt.timedelta(minutes=settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES, seconds=1)
    with time_machine.travel(past, tick=False):
        call_command("escalate_alerts", stdout=out)
        call_command("escalate_alerts", stdout=out)  # a minute later: nothing twice
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["local-supervisor@example.jp"]
    texts = list((tmp_path / "sms").iterdir())
    assert len(texts) == 1
    for sent in (mail.outbox[0].body, texts[0].read_text(encoding="utf-8")):
        assert f"/staff/consultations/alerts/#alert-{second.code}" in sent
        assert "もう限界です" not in sent and str(chat.code) not in sent
    # The link leads a signed-in supervisor to the alert.
    directory.goto(f"{server.url}/staff/consultations/alerts/#alert-{second.code}")
    expect(directory.locator(f"#alert-{second.code}")).to_be_visible()
    assert_no_axe_violations(directory)
