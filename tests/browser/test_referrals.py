"""つなぎ in the browser, against daphne serving the real application (issue 6's "done when").

A counsellor of the national helpline records the person's consent from a chat and refers them to
the local council of social welfare, sharing two items; a forged consent is refused; the support
worker sees only those items, accepts and reports completion; the counsellor sees the loop closed;
the ledger shows the provision and the receipt and exports the person's record; the person withdraws
with the code on their slip and the support worker is cut off at once; sharing without consent needs
a justification, step-up and a second supervisor. Every page passes axe and fits a phone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_sign_in import check_page, field, t
from tsunagu.accounts.models import Organisation, User
from tsunagu.accounts.tests.personas import World, sign_in
from tsunagu.consultations.tests import asgi_server
from tsunagu.referrals.models import LegalBasis, Provision, Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import ADDRESS, NAME, PHONE, Case, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def staff(browser: Browser, server: asgi_server.AsgiServer, user: User, organisation: Organisation) -> Page:
    client = Client()
    sign_in(client, user, organisation=organisation)
    context: BrowserContext = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])
    return context.new_page()


def look(page: Page, name: str) -> None:
    """axe and no sideways scrolling, on a desktop and on a phone."""
    check_page(page, name)
    size: Any = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 800})
    check_page(page, name)
    page.set_viewport_size(size)


def confirm_in_dialog(page: Page) -> None:
    """Sending asks first (tests/browser/test_confirmations.py): 「確定する」 in the dialog."""
    with translation.override("ja"):
        label = translation.pgettext("confirm step", "Confirm")
    page.get_by_role("dialog").get_by_role("button", name=label).click()


def status_is(page: Page, status: str) -> None:
    expect(page.locator("[data-referral-status]")).to_have_text(t(status))


def test_consent_referral_loop_ledger_withdrawal_and_the_exception(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    counsellor = staff(browser, server, case.world.users["counsellor_a"], case.a)
    counsellor.goto(f"{server.url}/staff/consultations/{case.consultation.code}/")
    # The panel beside the conversation (tests/browser/test_live_work.py) links to the full page,
    # which has every option; this journey walks the full page.
    expect(counsellor.locator("#refer")).to_be_visible()
    counsellor.locator("#refer").get_by_role(
        "link", name=t("More options (an organisation outside tsunagu, a warm handoff, sharing without consent)")
    ).click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Refer the person"))
    look(counsellor, "referral-new")

    # Consent: what it is for, to whom, which items, how it was given.
    consent = counsellor.locator("#consents form")
    consent.get_by_label(t("Support from the receiving organisation")).check()
    consent.get_by_label("社会福祉協議会B").check()
    agreed = consent.get_by_role("group", name=field("Items the person agreed to share"))
    agreed.get_by_label(t("Concerns"), exact=True).check()
    agreed.get_by_label(t("Phone number"), exact=True).check()
    consent.get_by_label(t("Orally (口頭)")).check()
    consent.get_by_role("button", name=t("Record the consent")).click()
    code = counsellor.locator(".slip-code").inner_text()
    assert len(code) == 14 and code not in counsellor.url
    look(counsellor, "consent-slip")
    counsellor.get_by_role("link", name=t("Continue to the referral")).click()

    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label="社会福祉協議会B")
    items = form.get_by_role("group", name=field("Items to share (only what is needed)"))
    items.get_by_label(t("Concerns"), exact=True).check()
    items.get_by_label(t("Phone number"), exact=True).check()
    form.get_by_label(t("Do not call at home (for example, violence at home)")).check()
    # A forged consent (the radio's value changed in the page) is refused and creates nothing.
    counsellor.locator("input[name=referral-consent]").evaluate(
        "(radio, code) => { radio.value = code }", str(uuid.uuid4())
    )
    form.get_by_role("button", name=t("Send with this consent")).click()
    with counsellor.expect_response(lambda r: r.request.method == "POST") as refused:
        confirm_in_dialog(counsellor)
    assert refused.value.status == 403 and Referral.objects.count() == 0
    expect(counsellor.get_by_role("alert")).to_contain_text(
        t("This consent belongs to another person or organisation.")
    )
    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label="社会福祉協議会B")
    items = form.get_by_role("group", name=field("Items to share (only what is needed)"))
    items.get_by_label(t("Concerns"), exact=True).check()
    items.get_by_label(t("Phone number"), exact=True).check()
    form.get_by_label(t("Do not call at home (for example, violence at home)")).check()
    form.get_by_role("button", name=t("Send with this consent")).click()
    confirm_in_dialog(counsellor)
    status_is(counsellor, "Sent")
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and sorted(referral.items) == ["concerns", "phone"]

    # The support worker: told in the inbox, sees only the two items, accepts, completes.
    worker = staff(browser, server, case.world.users["support_worker_b"], case.b)
    worker.goto(f"{server.url}/staff/referrals/inbox/")
    look(worker, "referral-inbox")
    worker.get_by_role("link", name=t("A referral was sent to your organisation")).first.click()
    expect(worker.locator("#shared")).to_contain_text(PHONE)
    expect(worker.get_by_text(t("Do not call at home."))).to_be_visible()
    html = worker.content()
    assert NAME not in html and ADDRESS not in html
    look(worker, "referral-received")
    worker.get_by_role("button", name=t("Accept"), exact=True).click()
    status_is(worker, "Accepted")
    worker.get_by_role("button", name=t("Start support")).click()
    status_is(worker, "In support")
    worker.get_by_label(t("Outcome")).fill("初回面談を行い、生活支援につないだ。")
    worker.get_by_role("button", name=t("Report completion")).click()
    status_is(worker, "Completed")

    # The loop is closed for the counsellor.
    counsellor.goto(f"{server.url}/staff/referrals/{referral.code}/")
    status_is(counsellor, "Completed")
    expect(counsellor.locator("[data-outcome]")).to_have_text("初回面談を行い、生活支援につないだ。")
    look(counsellor, "referral-sent")

    # The ledger: the provision and its receipt, exported for the person.
    supervisor = staff(browser, server, case.world.users["supervisor_a"], case.a)
    supervisor.goto(f"{server.url}/staff/referrals/ledger/")
    look(supervisor, "ledger")
    supervisor.get_by_role("link", name=NAME).first.click()
    row = supervisor.locator("tbody tr").first
    expect(row).to_contain_text("社会福祉協議会B")
    expect(row).to_contain_text(case.world.users["support_worker_b"].display_name)
    look(supervisor, "ledger-person")
    with supervisor.expect_download() as download:
        supervisor.get_by_role("link", name=t("Download PDF")).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    provision = Provision.objects.get()
    assert provision.received_by == case.world.users["support_worker_b"]

    # The person withdraws with the code on their slip; the support worker is cut off at once.
    person = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 800}).new_page()
    person.goto(f"{server.url}/consent/withdraw/")
    look(person, "consent-withdraw")
    person.get_by_label(t("The code on your slip")).fill(code.lower())
    person.get_by_role("button", name=t("Withdraw my consent")).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(t("Your consent is withdrawn"))
    look(person, "consent-withdrawn")
    worker.reload()
    expect(worker.locator("[data-consent-withdrawn]")).to_be_visible()
    assert PHONE not in worker.content()

    # Sharing without consent: the legal basis, a justification, step-up, then a second supervisor.
    counsellor.goto(f"{server.url}/staff/referrals/from/{case.consultation.code}/")
    form = counsellor.locator("#referral form")
    form.get_by_label(t("Organisation in tsunagu")).select_option(label="社会福祉協議会B")
    form.locator("input[name=referral-items][value=address]").check()
    form.get_by_role("button", name=t("Share without consent (exceptional)…")).click()
    expect(counsellor.get_by_role("heading", level=1)).to_have_text(t("Share without consent"))
    look(counsellor, "exception")
    counsellor.get_by_label(t(str(LegalBasis.LIFE_BODY.label))).check()
    counsellor.get_by_label(t("Why consent cannot be obtained, and why sharing is necessary")).fill(
        "本人は意識が混濁しており同意を得ることが困難。生命の危険があり、地域の支援機関の訪問が必要。"
    )
    counsellor.get_by_role("button", name=t("Ask a supervisor to approve")).click()
    status_is(counsellor, "Awaiting a supervisor's approval")
    expect(counsellor.get_by_role("button", name=t("Approve and send"))).to_have_count(0)
    exception_referral = Referral.objects.get(status=ReferralStatus.AWAITING_APPROVAL)
    assert not Provision.objects.filter(referral=exception_referral).exists()

    supervisor.goto(f"{server.url}/staff/referrals/inbox/")
    supervisor.get_by_role("link", name=t("Sharing without consent needs your approval")).first.click()
    look(supervisor, "exception-decide")
    supervisor.get_by_role("button", name=t("Approve and send")).click()
    status_is(supervisor, "Sent")
    provision = Provision.objects.get(referral=exception_referral)
    assert provision.basis == LegalBasis.LIFE_BODY and provision.exception is not None
    supervisor.goto(f"{server.url}/staff/referrals/ledger/exceptions/")
    expect(supervisor.locator("tbody")).to_contain_text(NAME)
    look(supervisor, "exceptions-report")
