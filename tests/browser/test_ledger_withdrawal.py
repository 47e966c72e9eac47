"""The provision ledger after the person withdraws, in the browser (issue 14, finding 10): the person
types the code on their slip; the sending organisation's ledger (list and person page) and the
recipient's list show 「同意撤回（…、控えの番号で本人が）」 right under the provision; every page passes
axe and fits a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Browser, expect

from tests.browser.test_referrals import look, staff
from tests.browser.test_sign_in import t
from tsunagu.accounts.tests.personas import World
from tsunagu.consultations.tests import asgi_server
from tsunagu.referrals.models import ProvisionWithdrawal
from tsunagu.referrals.tests.referral_data import Case, consent_for, make_case, send

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


def test_the_ledger_shows_the_withdrawal_under_the_provision_on_both_sides(
    browser: Browser, server: asgi_server.AsgiServer, case: Case
) -> None:
    recorded = consent_for(case)
    send(case, recorded.consent, key="concerned")
    send(case, consent_for(case).consent, key="other")

    person = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 800}).new_page()
    person.goto(f"{server.url}/consent/withdraw/")
    person.get_by_label(t("The code on your slip")).fill(recorded.withdrawal_code)
    person.get_by_role("button", name=t("Withdraw my consent")).click()
    expect(person.get_by_role("heading", level=1)).to_have_text(t("Your consent is withdrawn"))
    entry = ProvisionWithdrawal.objects.get()

    when = timezone.localtime(entry.withdrawn_at).strftime("%Y-%m-%d %H:%M")  # JST
    with translation.override("ja"):
        text = translation.gettext("Consent withdrawn (%(when)s, by the person with the code on their slip)")
    shown = text % {"when": when}

    supervisor = staff(browser, server, case.world.users["supervisor_a"], case.a)
    supervisor.goto(f"{server.url}/staff/referrals/ledger/")
    withdrawal_rows = supervisor.locator("tr.ledger-withdrawal")
    expect(withdrawal_rows).to_have_count(1)
    expect(withdrawal_rows).to_have_text(shown)
    look(supervisor, "ledger-withdrawn")

    supervisor.goto(server.url + reverse("referrals:ledger_person", kwargs={"code": case.person.code}))
    rows = supervisor.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_have_text(shown)  # right under the first provision, the one it concerns
    look(supervisor, "ledger-person-withdrawn")

    recipient = staff(browser, server, case.supervisor_b, case.b)
    recipient.goto(f"{server.url}/staff/referrals/ledger/")
    expect(recipient.locator("tr.ledger-withdrawal")).to_have_text(shown)
    look(recipient, "ledger-recipient-withdrawn")
