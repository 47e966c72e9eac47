"""Irreversible actions ask first, in Chromium against daphne (issue 14, finding 7; and the system
messages' label of finding 9).

With JavaScript, the form's submit opens a native <dialog>: it is labelled by its question, the
focus moves into it (onto 「戻る」), Escape or 「戻る」 closes it with nothing sent and the focus back on
the button that was pressed, and 「確定する」 does the action. Without JavaScript, the same click
shows the confirm step page, whose 「確定する」 does it and whose 「戻る」 goes back (to the form, filled
in, for a new referral). axe-core finds nothing on the confirm page nor with the dialog open.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_sign_in import check_page, field, t
from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.tests.personas import World, sign_in
from tsunagu.consultations.models import Block, Consultation, Status
from tsunagu.consultations.tests import asgi_server
from tsunagu.referrals.models import Provision, Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import Case, consent_for, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHEN = "平日の午前中、10時から12時"
REASON = "同じ内容の嫌がらせが続いている"


def tc(message: str) -> str:
    """The confirm step's own words (「確定する」, 「戻る」)."""
    with translation.override("ja"):
        return translation.pgettext("confirm step", message)


@pytest.fixture
def case(world: World) -> Case:
    return make_case(world)


@pytest.fixture
def server(case: Case) -> Iterator[asgi_server.AsgiServer]:
    server = asgi_server.start(port=asgi_server.free_port())
    try:
        yield server
    finally:
        server.stop()


def staff(
    browser: Browser, server: asgi_server.AsgiServer, user: User, organisation: Organisation, *, javascript: bool = True
) -> Page:
    client = Client()
    sign_in(client, user, organisation=organisation)
    context: BrowserContext = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    return context.new_page()


def person(browser: Browser, server: asgi_server.AsgiServer) -> Page:
    context = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{server.url}/chat/")
    page.get_by_role("button", name=t("Start the chat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Chat"))
    return page


def dialog_asks(page: Page, question: str) -> Locator:
    """The dialog is open, named by its question, and holds the focus (on 「戻る」, the safe choice)."""
    dialog = page.get_by_role("dialog", name=question)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=tc("Back"))).to_be_focused()
    return dialog


def take_from_queue(counsellor: Page, server: asgi_server.AsgiServer) -> None:
    counsellor.goto(f"{server.url}/staff/consultations/")
    counsellor.get_by_role("button", name=t("Take")).first.click()
    expect(counsellor.get_by_role("heading", level=1)).to_contain_text(t("Consultation"))


def system_line(page: Page, text: str) -> Locator:
    return page.locator(".chat-log li.chat-system").filter(has_text=text)


def test_with_javascript_the_dialog_asks_cancel_changes_nothing_and_confirm_acts(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    resident = person(browser, server)
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a)
    take_from_queue(counsellor, server)
    chat = Consultation.objects.exclude(pk=case.consultation.pk).get()
    # finding 9: a system message arrives live, labelled in the reader's language (chat.js).
    joined = system_line(resident, t("A counsellor has joined the chat."))
    expect(joined.locator(".chat-who")).to_have_text(t("Notice"))

    # Blocking: the dialog opens over the form; Escape closes it, nothing is blocked, focus returns.
    counsellor.get_by_text(t("Block a harassing sender")).click()
    block_form = counsellor.locator("#block form")
    block_form.get_by_label(field("Reason")).fill(REASON)
    block_button = block_form.get_by_role("button", name=t("Block"), exact=True)
    block_button.click()
    dialog = dialog_asks(counsellor, t("Block this sender?"))
    expect(dialog).to_contain_text(
        t(
            "For the days you chose, this sender cannot contact any desk again on this channel (chat or LINE). "
            "A block cannot be lifted before it ends."
        )
    )
    assert_no_axe_violations(counsellor)
    screenshot(counsellor, "confirm-dialog")
    counsellor.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(block_button).to_be_focused()
    assert not Block.objects.exists()
    expect(block_form.get_by_label(field("Reason"))).to_have_value(REASON)  # nothing lost

    # Ending: 「戻る」 changes nothing; 「確定する」 ends it, and the person is told, live.
    close = counsellor.get_by_role("button", name=t("Close the conversation"))
    close.click()
    dialog = dialog_asks(counsellor, t("End this consultation?"))
    dialog.get_by_role("button", name=tc("Back")).click()
    expect(dialog).to_be_hidden()
    expect(close).to_be_focused()
    chat.refresh_from_db()
    assert chat.status == Status.ACTIVE
    close.click()
    dialog_asks(counsellor, t("End this consultation?")).get_by_role("button", name=tc("Confirm")).click()
    expect(counsellor.get_by_text(t("The conversation was closed."))).to_be_visible()
    chat.refresh_from_db()
    assert chat.status == Status.CLOSED
    ended = system_line(resident, t("The chat has ended. Thank you for talking with us."))
    expect(ended.locator(".chat-who")).to_have_text(t("Notice"))

    # Referral: only 「つなぎを送る」 asks (a draft would not); the pressed button's value travels.
    consent_for(case)
    counsellor.goto(f"{server.url}/staff/referrals/from/{case.consultation.code}/")
    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label=case.b.name)
    items = form.get_by_role("group", name=field("Items to share (only what is needed)"))
    items.get_by_label(t("Concerns"), exact=True).check()
    items.get_by_label(t("Phone number"), exact=True).check()
    send = form.get_by_role("button", name=t("Send with this consent"))
    send.click()
    dialog = dialog_asks(counsellor, t("Send this referral?"))
    assert_no_axe_violations(counsellor)
    dialog.get_by_role("button", name=tc("Back")).click()
    expect(send).to_be_focused()
    assert not Referral.objects.exists()
    send.click()
    dialog_asks(counsellor, t("Send this referral?")).get_by_role("button", name=tc("Confirm")).click()
    expect(counsellor.locator("[data-referral-status]")).to_have_text(t("Sent"))
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and Provision.objects.count() == 1

    # Withdrawing, from the referral's page.
    withdraw = counsellor.get_by_role("button", name=t("Withdraw the referral"))
    withdraw.click()
    dialog = dialog_asks(counsellor, t("Withdraw this referral?"))
    counsellor.keyboard.press("Escape")
    expect(withdraw).to_be_focused()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    withdraw.click()
    dialog_asks(counsellor, t("Withdraw this referral?")).get_by_role("button", name=tc("Confirm")).click()
    with translation.override("ja"):
        withdrawn = str(ReferralStatus.WITHDRAWN.label)
    expect(counsellor.locator("[data-referral-status]")).to_have_text(withdrawn)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


def test_staff_pages_label_live_system_messages_too(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    """finding 9: staff.js labels a system message that arrives while the page is open."""
    resident = person(browser, server)
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a)
    take_from_queue(counsellor, server)
    resident.get_by_role("button", name=t("End the chat")).click()
    left = system_line(counsellor, t("The person has left the chat."))
    expect(left.locator(".chat-who")).to_have_text(t("Notice"))
    assert "tsunagu" not in counsellor.locator(".chat-log").inner_text()


def test_without_javascript_the_confirm_step_page_asks(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a, javascript=False)
    consultation_url = f"{server.url}/staff/consultations/{case.consultation.code}/"

    # Blocking: the page asks; 「戻る」 leads back to the consultation; 「確定する」 blocks.
    counsellor.goto(consultation_url)
    counsellor.get_by_text(t("Block a harassing sender")).click()
    counsellor.locator("#block form").get_by_label(field("Reason")).fill(REASON)
    counsellor.locator("#block form").get_by_role("button", name=t("Block"), exact=True).click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Block this sender?"))
    assert counsellor.url == consultation_url + "block/"  # the POST's own address: nothing in a query
    assert REASON not in counsellor.url
    screenshot(counsellor, "confirm-step")
    assert not Block.objects.exists()
    counsellor.get_by_role("link", name=tc("Back")).click()
    expect(counsellor.get_by_role("heading", level=1)).to_contain_text(t("Consultation"))
    assert not Block.objects.exists()
    counsellor.get_by_text(t("Block a harassing sender")).click()
    counsellor.locator("#block form").get_by_label(field("Reason")).fill(REASON)
    counsellor.locator("#block form").get_by_role("button", name=t("Block"), exact=True).click()
    counsellor.get_by_role("button", name=tc("Confirm")).click()
    expect(counsellor.get_by_text(t("The sender is blocked."))).to_be_visible()
    assert Block.objects.get().reason == REASON

    # Sending a referral: 「戻る」 brings the form back as it was filled in; 「確定する」 sends.
    consent_for(case)
    counsellor.goto(f"{server.url}/staff/referrals/from/{case.consultation.code}/")
    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label=case.b.name)
    items = form.get_by_role("group", name=field("Items to share (only what is needed)"))
    items.get_by_label(t("Concerns"), exact=True).check()
    form.get_by_label(t("When the person may be contacted")).fill(WHEN)
    form.get_by_role("button", name=t("Send with this consent")).click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Send this referral?"))
    expect(counsellor.locator("main")).to_contain_text(case.b.name)
    screenshot(counsellor, "confirm-step-referral")
    assert not Referral.objects.exists()
    counsellor.get_by_role("button", name=tc("Back")).click()
    form = counsellor.locator("#referral form")
    expect(form.get_by_label(t("When the person may be contacted"))).to_have_value(WHEN)
    expect(form.get_by_label(t("Organisation in tsunagu"))).to_have_value(str(case.b.code))
    assert not Referral.objects.exists()
    form.get_by_role("button", name=t("Send with this consent")).click()
    counsellor.get_by_role("button", name=tc("Confirm")).click()
    expect(counsellor.locator("[data-referral-status]")).to_have_text(t("Sent"))
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.contact_when == WHEN


def test_the_confirm_step_page_passes_axe(browser: Browser, server: asgi_server.AsgiServer, case: Case) -> None:
    """axe-core runs as a script, so it cannot run where JavaScript is off: the page is reached here
    as a browser without <dialog> reaches it (the form's data-confirm gone, so the script does not
    ask), which is the very page a browser without JavaScript gets."""
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a)
    counsellor.goto(f"{server.url}/staff/consultations/{case.consultation.code}/")
    counsellor.get_by_text(t("Block a harassing sender")).click()
    block_form = counsellor.locator("#block form")
    block_form.get_by_label(field("Reason")).fill(REASON)
    block_form.evaluate("form => form.removeAttribute('data-confirm')")
    block_form.get_by_role("button", name=t("Block"), exact=True).click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Block this sender?"))
    check_page(counsellor, "confirm-step")  # axe, and no sideways scrolling on a desktop
    counsellor.set_viewport_size({"width": 360, "height": 800})
    check_page(counsellor, "confirm-step")  # and on a phone
    assert not Block.objects.exists()

    consent_for(case)
    counsellor.set_viewport_size({"width": 1280, "height": 900})
    counsellor.goto(f"{server.url}/staff/referrals/from/{case.consultation.code}/")
    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label=case.b.name)
    form.get_by_role("group", name=field("Items to share (only what is needed)")).get_by_label(
        t("Concerns"), exact=True
    ).check()
    send = form.get_by_role("button", name=t("Send with this consent"))
    send.evaluate("button => button.removeAttribute('data-confirm')")
    send.click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Send this referral?"))
    check_page(counsellor, "confirm-step-referral")
    assert not Referral.objects.exists()


def test_the_referral_panel_beside_the_conversation_sends_after_the_dialog(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    """The panel's form is sent in place by staff.js: after 「確定する」 it must still be a sending
    (the pressed button's value travels), not a draft."""
    consent_for(case)
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a)
    counsellor.goto(f"{server.url}/staff/consultations/{case.consultation.code}/")
    panel = counsellor.locator("#refer")
    panel.get_by_label(t("Organisation in tsunagu")).select_option(label=case.b.name)
    panel.get_by_role("group", name=field("Items to share (only what is needed)")).get_by_label(
        t("Concerns"), exact=True
    ).check()
    panel.get_by_role("button", name=t("Send with this consent")).click()
    dialog = dialog_asks(counsellor, t("Send this referral?"))
    assert_no_axe_violations(counsellor)
    dialog.get_by_role("button", name=tc("Confirm")).click()
    expect(dialog).to_be_hidden()
    expect(panel).to_contain_text(case.b.name)
    expect(counsellor.locator("#conversation")).to_be_visible()
    for _ in range(50):
        if Referral.objects.exists():
            break
        counsellor.wait_for_timeout(100)
    assert Referral.objects.get().status == ReferralStatus.SENT
