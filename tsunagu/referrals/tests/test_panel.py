"""The つなぎ panel beside the conversation (issue: live work that keeps people safe, finding 8).
On the code before, the consultation page had only a link to a separate referral page, which
asked consent again, filled nothing from it, showed suggestions as plain text, and the consultation
never showed its referrals' state."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from tsunagu.consultations.models import Message, Sender
from tsunagu.directory.models import Service, ServiceStatus
from tsunagu.directory.tests.factories import make_service
from tsunagu.referrals.models import Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import Case, consent_for, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def page_url(case: Case) -> str:
    return reverse("consultations:consultation", kwargs={"code": case.consultation.code})


def test_consent_is_asked_once_in_the_panel_and_carried_into_the_referral(case):
    counsellor = case.world.client("counsellor_a")
    page = counsellor.get(page_url(case)).content.decode()
    assert 'id="refer"' in page and 'id="conversation"' in page
    recorded = counsellor.post(
        reverse("referrals:consent", kwargs={"code": case.consultation.code}),
        {
            "back": "consultation",
            "consent-purposes": ["support"],
            "consent-recipients": [str(case.b.code)],
            "consent-items": ["concerns", "phone"],
            "consent-method": "oral",
        },
    )
    html = recorded.content.decode()
    # The answer is the consultation page itself (the chat stays open), with the slip in the panel.
    assert recorded.status_code == 200 and 'id="conversation"' in html
    code = re.search(r'<p class="slip-code">([A-Z0-9-]+)</p>', html)
    assert code is not None
    # The referral form starts from the consent: its one recipient and its items, already chosen.
    panel = html[html.index('id="refer"') :]
    assert re.search(rf'<option value="{case.b.code}" selected>', panel)
    assert re.search(r'value="concerns"[^>]*checked', panel) and re.search(r'value="phone"[^>]*checked', panel)
    assert not re.search(r'value="address"[^>]*checked', panel)
    assert "consent-purposes" not in panel  # not asked a second time

    # The code goes to the person in the conversation; a wrong code does not.
    consent = case.consultation.consents.get()
    send_url = reverse("referrals:consent_send_code", kwargs={"code": consent.code})
    counsellor.post(send_url, {"code": "AAAA-BBBB-CCCC"})
    assert not [m for m in Message.objects.filter(consultation=case.consultation) if code.group(1) in m.body]
    sent = counsellor.post(send_url, {"code": code.group(1)})
    assert sent.status_code == 302 and sent["Location"].endswith("#refer")
    mine = list(Message.objects.filter(consultation=case.consultation, sender=Sender.COUNSELLOR))
    assert len(mine) == 1 and code.group(1) in mine[0].body and not mine[0].staff_only

    # Sending from the panel comes back to the conversation, where the referral's state shows.
    sent = counsellor.post(
        reverse("referrals:new", kwargs={"code": case.consultation.code}),
        {
            "back": "consultation",
            "confirmed": "1",
            "referral-to_organisation": str(case.b.code),
            "referral-items": ["concerns", "phone"],
            "referral-consent": str(consent.code),
            "referral-key": uuid.uuid4().hex,
            "referral-action": "send",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == page_url(case) + "#refer"
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT
    page = counsellor.get(page_url(case)).content.decode()
    assert escape(str(referral.get_status_display())) in page[page.index('id="refer"') :]


def test_a_suggestion_fills_the_recipient(case):
    service = make_service(organisation=case.b, name="くらしの相談窓口")
    Service.objects.filter(pk=service.pk).update(accepts_referrals=True, status=ServiceStatus.ACTIVE)
    consent_for(case)  # with consent, the referral form is in the panel
    counsellor = case.world.client("counsellor_a")
    page = counsellor.get(page_url(case)).content.decode()
    link = f'href="?to_service={service.code}#refer"'
    assert link in page  # a link, not plain text
    chosen = counsellor.get(page_url(case) + f"?to_service={service.code}").content.decode()
    panel = chosen[chosen.index('id="refer"') :]
    assert re.search(rf'<option value="{service.code}" selected>', panel)


def test_the_person_block_reads_labels_not_field_names(case):
    page = case.world.client("counsellor_a").get(page_url(case)).content.decode()
    person = page[page.index('id="person"') :]
    assert "<dt>name</dt>" not in person and "<dt>phone</dt>" not in person
