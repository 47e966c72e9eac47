"""Sending a referral and withdrawing it ask first (issue 14, finding 7).

Without JavaScript, the POST without ``confirmed=1`` creates, sends and withdraws nothing and
answers with the confirm step page (tsunagu/core/confirm.py); 「確定する」 there does it. From the
new referral's form, 「戻る」 brings the form back with everything entered. The access door comes
first: the recipient asking to withdraw still gets 403, never a confirm page."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tsunagu.audit.models import AuditEvent
from tsunagu.core.tests.confirm_step import press, read_confirm_step
from tsunagu.referrals import services
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import Provision, Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import PHONE, Case, consent_for, make_case, referral_data, send

pytestmark = pytest.mark.django_db

WHEN = "平日の午前中、10時から12時"
SEND_DETAIL = (
    "The items the person agreed to share go to the recipient at once, and the provision is entered in the "
    "ledger. Sending cannot be undone: you can withdraw the referral later, but the recipient may already have "
    "read it."
)


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def ja(message: str, context: str = "") -> str:
    with translation.override("ja"):
        return translation.pgettext(context, message) if context else translation.gettext(message)


CONFIRM = "Confirm"
BACK = "Back"


def entries(case: Case, consent: str, action: str = "send") -> dict[str, object]:
    return {
        "referral-to_organisation": str(case.b.code),
        "referral-items": ["concerns", "phone"],
        "referral-contact_how": ["phone"],
        "referral-contact_when": WHEN,
        "referral-do_not_call_home": "on",
        "referral-key": uuid.uuid4().hex,
        "referral-consent": consent,
        "referral-action": action,
    }


def sent_rows() -> int:
    return AuditEvent.objects.filter(action=ReferralAction.SENT.value, outcome="allowed").count()


def test_sending_from_the_new_referral_asks_first_then_sends_once(case):
    consent = consent_for(case).consent
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    asked = counsellor.post(url, entries(case, str(consent.code)))
    assert asked.status_code == 200
    html = asked.content.decode()
    step = read_confirm_step(html)
    assert step is not None and step.heading == ja("Send this referral?")
    assert escape(ja(SEND_DETAIL)) in html  # what will happen, and what cannot be undone
    assert case.b.name in html  # to whom
    assert ("referral-contact_when", WHEN) in step.fields and ("referral-action", "send") in step.fields
    assert step.action == url and WHEN not in step.action
    assert not Referral.objects.exists() and not Provision.objects.exists() and sent_rows() == 0

    done = press(counsellor, step, ja(CONFIRM, "confirm step"))
    referral = Referral.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("referrals:detail", kwargs={"code": referral.code})
    assert referral.status == ReferralStatus.SENT and referral.contact_when == WHEN
    assert Provision.objects.count() == 1 and sent_rows() == 1
    # The recipient sees it now, and only now.
    assert PHONE in case.world.client("support_worker_b").get(done["Location"]).content.decode()


def test_back_from_the_confirm_step_brings_the_form_back_filled_in(case):
    consent = consent_for(case).consent
    other = consent_for(case).consent  # two usable consents: the chosen one must stay chosen
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    step = read_confirm_step(counsellor.post(url, entries(case, str(other.code))).content.decode())
    assert step is not None
    back = press(counsellor, step, ja(BACK, "confirm step"))
    assert back.status_code == 200
    html = back.content.decode()
    assert read_confirm_step(html) is None
    assert f'value="{WHEN}"' in html
    assert f'id="consent-{other.code}" value="{other.code}" checked' in html
    assert f'id="consent-{consent.code}" value="{consent.code}" checked' not in html
    assert re.search(r'name="referral-items" value="phone"[^>]*checked', html)
    assert re.search(r'name="referral-do_not_call_home"[^>]*checked', html)
    assert not re.search(r'name="referral-items" value="address"[^>]*checked', html)
    assert not Referral.objects.exists() and not Provision.objects.exists()


def test_back_from_the_confirm_step_of_the_panel_returns_to_the_conversation_filled_in(case):
    """The referral form beside the conversation (``back=consultation``): 「戻る」 leads back to the
    consultation page, its panel filled in, the chat still there."""
    consent = consent_for(case).consent
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    asked = counsellor.post(url, {**entries(case, str(consent.code)), "back": "consultation"})
    step = read_confirm_step(asked.content.decode())
    assert step is not None and ("back", "consultation") in step.fields
    assert step.buttons[ja(BACK, "confirm step")][2] == url + "#refer"
    back = press(counsellor, step, ja(BACK, "confirm step"))
    assert back.status_code == 200
    html = back.content.decode()
    assert 'id="conversation"' in html and 'id="refer"' in html
    assert f'value="{WHEN}"' in html[html.index('id="refer"') :]
    assert not Referral.objects.exists()


def test_a_draft_is_saved_without_asking(case):
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    saved = counsellor.post(url, entries(case, "", action="draft"))
    assert saved.status_code == 302
    assert Referral.objects.get().status == ReferralStatus.DRAFT


def test_a_forged_consent_is_still_refused_after_the_confirmation(case):
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    step = read_confirm_step(counsellor.post(url, entries(case, str(uuid.uuid4()))).content.decode())
    assert step is not None and not Referral.objects.exists()
    refused = press(counsellor, step, ja(CONFIRM, "confirm step"))
    assert refused.status_code == 403 and not Referral.objects.exists() and not Provision.objects.exists()
    assert AuditEvent.objects.filter(action=ReferralAction.SENT.value, outcome="denied").count() == 1


def test_sending_a_draft_from_its_page_asks_first(case):
    consent = consent_for(case).consent
    draft = services.referral_create(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=referral_data(case),
        key="draft-1",
        consent_code=None,
        send=False,
    )
    counsellor = case.world.client("counsellor_a")
    url = reverse("referrals:send", kwargs={"code": draft.code})
    asked = counsellor.post(url, {"version": draft.version, "consent": str(consent.code)})
    assert asked.status_code == 200
    step = read_confirm_step(asked.content.decode())
    assert step is not None and step.heading == ja("Send this referral?")
    assert step.back_link == reverse("referrals:detail", kwargs={"code": draft.code})
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT and not Provision.objects.exists()

    assert press(counsellor, step, ja(CONFIRM, "confirm step")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SENT and Provision.objects.count() == 1


def test_withdrawing_asks_first_and_the_recipient_keeps_seeing_until_confirmed(case):
    referral = send(case, consent_for(case).consent)
    counsellor = case.world.client("counsellor_a")
    worker = case.world.client("support_worker_b")
    detail = reverse("referrals:detail", kwargs={"code": referral.code})
    assert PHONE in worker.get(detail).content.decode()  # opened: the referral is "viewed"
    referral.refresh_from_db()
    seen = referral.status
    url = reverse("referrals:withdraw", kwargs={"code": referral.code})
    asked = counsellor.post(url, {"version": referral.version})
    assert asked.status_code == 200
    html = asked.content.decode()
    step = read_confirm_step(html)
    assert step is not None and step.heading == ja("Withdraw this referral?")
    assert case.b.name in html and ("version", str(referral.version)) in step.fields
    referral.refresh_from_db()
    assert referral.status == seen
    assert AuditEvent.objects.filter(action=ReferralAction.WITHDRAWN.value).count() == 0

    assert press(counsellor, step, ja(CONFIRM, "confirm step")).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert PHONE not in worker.get(detail).content.decode()


def test_the_recipient_gets_403_not_a_question(case):
    referral = send(case, consent_for(case).consent)
    worker = case.world.client("support_worker_b")
    response = worker.post(reverse("referrals:withdraw", kwargs={"code": referral.code}), {"version": referral.version})
    assert response.status_code == 403 and read_confirm_step(response.content.decode()) is None
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_pages_mark_send_and_withdraw_for_the_dialog(case):
    counsellor = case.world.client("counsellor_a")
    consent_for(case)
    new = counsellor.get(reverse("referrals:new", kwargs={"code": case.consultation.code})).content.decode()
    send_button = new.split('name="referral-action" value="send"', 1)[1].split(">", 1)[0]
    assert f'data-confirm="{escape(ja("Send this referral?"))}"' in send_button
    draft_button = new.split('name="referral-action" value="draft"', 1)[1].split(">", 1)[0]
    assert "data-confirm" not in draft_button  # a draft changes nothing for anyone else
    referral = send(case, consent_for(case).consent)
    detail = counsellor.get(reverse("referrals:detail", kwargs={"code": referral.code})).content.decode()
    withdraw = detail.split(f'action="{reverse("referrals:withdraw", kwargs={"code": referral.code})}"', 1)[1]
    assert f'data-confirm="{escape(ja("Withdraw this referral?"))}"' in withdraw.split(">", 1)[0]
