"""Referral pages over HTTP, without JavaScript: consent with its slip, a referral sharing two
items, what the recipient sees, the loop closing, withdrawal from the public page, forged posts,
step-up for the exception, and the ledger's exports for a disclosure request."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from pdfminer.high_level import extract_text

from tsunagu.accounts import session_policy
from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.referrals import services
from tsunagu.referrals.models import Consent, Provision, Referral, ReferralStatus
from tsunagu.referrals.tests.referral_data import ADDRESS, NAME, PHONE, SUMMARY, Case, consent_for, make_case, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def record_consent(client: Client, case: Case, items: list[str]) -> str:
    response = client.post(
        reverse("referrals:consent", kwargs={"code": case.consultation.code}),
        {
            "consent-purposes": ["support"],
            "consent-recipients": [str(case.b.code)],
            "consent-items": items,
            "consent-method": "oral",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    code = re.search(r'<p class="slip-code">([A-Z0-9-]+)</p>', html)
    assert code, "the slip shows the withdrawal code once"
    assert code.group(1) not in response.get("Location", "")
    return code.group(1)


def referral_post(
    case: Case, *, consent: str | None, action: str = "send", key: str | None = None, **extra: object
) -> dict[str, object]:
    data: dict[str, object] = {
        "referral-to_organisation": str(case.b.code),
        "referral-items": ["concerns", "phone"],
        "referral-contact_how": ["phone"],
        "referral-contact_when": "平日の午前中",
        "referral-do_not_call_home": "on",
        "referral-key": key or uuid.uuid4().hex,
        "referral-action": action,
        "confirmed": "1",  # past the confirm step of sending (tsunagu/core/confirm.py)
    }
    if consent:
        data["referral-consent"] = consent
    data.update(extra)
    return data


def test_consent_then_referral_then_the_recipient_sees_only_two_items_and_closes_the_loop(case):
    counsellor = case.world.client("counsellor_a")
    page = counsellor.get(reverse("referrals:new", kwargs={"code": case.consultation.code}))
    assert page.status_code == 200
    assert "社会福祉協議会B" in page.content.decode()
    record_consent(counsellor, case, ["concerns", "phone"])
    consent = Consent.objects.get()
    sent = counsellor.post(
        reverse("referrals:new", kwargs={"code": case.consultation.code}),
        referral_post(case, consent=str(consent.code)),
    )
    referral = Referral.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("referrals:detail", kwargs={"code": referral.code})
    assert referral.status == ReferralStatus.SENT

    worker = case.world.client("support_worker_b")
    html = worker.get(reverse("referrals:detail", kwargs={"code": referral.code})).content.decode()
    assert PHONE in html
    assert NAME not in html and ADDRESS not in html and SUMMARY not in html
    with translation.override("ja"):
        assert escape(translation.gettext("Do not call at home.")) in html
    read = AuditEvent.objects.filter(action="personal_data.read", target_code=str(referral.code)).last()
    assert read is not None and read.detail == {"fields": ["concerns", "phone"]}
    version = Referral.objects.get().version
    worker.post(
        reverse("referrals:respond", kwargs={"code": referral.code}),
        {"respond-version": version, "respond-step": "accept"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    worker.post(
        reverse("referrals:respond", kwargs={"code": referral.code}),
        {
            "respond-version": referral.version,
            "respond-step": "complete",
            "respond-note": "初回面談を行い、家計相談につないだ。",
        },
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED

    # The loop is closed: the counsellor sees the outcome and has it in the inbox.
    html = counsellor.get(reverse("referrals:detail", kwargs={"code": referral.code})).content.decode()
    assert "初回面談を行い、家計相談につないだ。" in html
    inbox = counsellor.get(reverse("referrals:inbox")).content.decode()
    assert reverse("referrals:detail", kwargs={"code": referral.code}) in inbox


def test_a_stale_answer_gets_a_clear_message_and_changes_nothing(case):
    referral = send(case, consent_for(case).consent)
    worker = case.world.client("support_worker_b")
    stale = referral.version
    case.world.client("counsellor_a").post(
        reverse("referrals:withdraw", kwargs={"code": referral.code}), {"version": stale, "confirmed": "1"}
    )
    response = worker.post(
        reverse("referrals:respond", kwargs={"code": referral.code}),
        {"respond-version": stale, "respond-step": "accept"},
        follow=True,
    )
    assert Referral.objects.get().status == ReferralStatus.WITHDRAWN
    with translation.override("ja"):
        expected = services.conflict_message(Referral.objects.get())
    assert escape(expected) in response.content.decode()


def test_a_forged_post_claiming_consent_or_an_override_is_refused_creates_nothing_and_is_audited(case):
    counsellor = case.world.client("counsellor_a")
    # A consent for D only, and a made-up one; and an "override" that no form has.
    other = consent_for(case, to=(case.world.organisations["D"],)).consent
    url = reverse("referrals:new", kwargs={"code": case.consultation.code})
    for forged in (str(other.code), str(uuid.uuid4()), None):
        response = counsellor.post(url, referral_post(case, consent=forged, override="1", legal_basis="art27_1_2"))
        assert response.status_code == 403
        assert Referral.objects.count() == 0 and Provision.objects.count() == 0
    assert AuditEvent.objects.filter(action="referral.sent", outcome="denied").count() == 3
    # A withdrawn consent is as good as none.
    recorded = consent_for(case)
    case.world.client("anonymous").post(reverse("consent_withdraw"), {"code": recorded.withdrawal_code})
    response = counsellor.post(url, referral_post(case, consent=str(recorded.consent.code)))
    assert response.status_code == 403 and Referral.objects.count() == 0


def test_the_person_withdraws_on_the_public_page_and_the_recipient_is_cut_off_at_once(case):
    recorded = consent_for(case)
    referral = send(case, recorded.consent)
    worker = case.world.client("support_worker_b")
    url = reverse("referrals:detail", kwargs={"code": referral.code})
    assert PHONE in worker.get(url).content.decode()

    person = Client()
    page = person.get("/consent/withdraw/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    wrong = person.post("/consent/withdraw/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert wrong.status_code == 400
    done = person.post("/en/consent/withdraw/", {"code": recorded.withdrawal_code.lower()})
    assert done.status_code == 200 and "withdrawn" in done.content.decode()
    html = worker.get(url).content.decode()
    assert PHONE not in html
    assert "data-consent-withdrawn" in html


def test_the_exception_page_asks_for_step_up_first(case):
    draft = case.world.client("counsellor_a").post(
        reverse("referrals:new", kwargs={"code": case.consultation.code}),
        referral_post(case, consent=None, action="exception"),
    )
    referral = Referral.objects.get()
    assert draft["Location"] == reverse("referrals:exception", kwargs={"code": referral.code})
    stale = Client()
    sign_in(stale, case.world.users["counsellor_a"], organisation=case.a)
    session = stale.session
    session[session_policy.REAUTH_AT] = 0
    session.save()
    response = stale.get(reverse("referrals:exception", kwargs={"code": referral.code}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
    assert Referral.objects.get().status == ReferralStatus.DRAFT


def test_the_ledger_exports_the_provision_and_receipt_for_the_person(case):
    referral = send(case, consent_for(case).consent)
    case.world.client("support_worker_b").get(reverse("referrals:detail", kwargs={"code": referral.code}))
    supervisor = case.world.client("supervisor_a")
    found = supervisor.post(reverse("referrals:ledger"), {"phone": "09012345678"}).content.decode()
    assert NAME in found and "社会福祉協議会B" in found
    none = supervisor.post(reverse("referrals:ledger"), {"phone": "03-0000-0000"}).content.decode()
    assert NAME not in none

    response = supervisor.get(reverse("referrals:ledger_csv", kwargs={"code": case.person.code}))
    assert response["Content-Type"].startswith("text/csv")
    assert NAME not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    row = rows[1]
    assert row[2] == "社会福祉協議会B" and row[3] == NAME
    assert row[8] != ""  # the receipt, confirmed when the support worker opened it

    pdf = supervisor.get(reverse("referrals:ledger_pdf", kwargs={"code": case.person.code}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = extract_text(io.BytesIO(pdf.content))
    assert "社会福祉協議会B" in text and NAME.replace(" ", "") in text.replace(" ", "")
    assert AuditEvent.objects.filter(action="provision.exported", target_code=str(case.person.code)).count() == 2


@pytest.mark.parametrize("url", ["referrals:list", "referrals:inbox"])
def test_lists_run_a_fixed_number_of_queries(case, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consent = consent_for(case).consent
    send(case, consent, key="one")
    worker = case.world.client("support_worker_b")
    with CaptureQueriesContext(connection) as one:
        assert worker.get(reverse(url)).status_code == 200
    for n in range(10):
        send(case, consent, key=f"more-{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert worker.get(reverse(url)).status_code == 200


def test_the_ledger_page_runs_a_fixed_number_of_queries_and_one_audit_row(case, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consent = consent_for(case).consent
    send(case, consent, key="one")
    supervisor = case.world.client("supervisor_a")
    with CaptureQueriesContext(connection) as one:
        supervisor.get(reverse("referrals:ledger"))
    for n in range(10):
        send(case, consent, key=f"more-{n}")
    before = AuditEvent.objects.filter(action="personal_data.read").count()
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = supervisor.get(reverse("referrals:ledger")).content.decode()
    assert html.count(NAME) == 11
    rows = AuditEvent.objects.filter(action="personal_data.read").order_by("seq")[before:]
    assert len(rows) == 1 and len(rows[0].detail["entries"]) == 11


def test_a_support_worker_records_a_person_they_support_and_refers_them(case):
    from tsunagu.accounts.policy import Role
    from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory

    d = case.world.organisations["D"]
    MembershipFactory(user=UserFactory(username="support-worker-d"), organisation=d, role=Role.SUPPORT_WORKER)
    worker = case.world.client("support_worker_b")
    created = worker.post(
        reverse("referrals:people"),
        {"person-consent_method": "written", "person-name": "佐藤 一郎", "person-phone": "0857-00-0000"},
    )
    from tsunagu.consultations.models import Person

    person = Person.objects.get(organisation=case.b)
    assert created.status_code == 302 and created["Location"] == reverse(
        "referrals:person", kwargs={"code": person.code}
    )
    assert "佐藤 一郎" in worker.get(reverse("referrals:people")).content.decode()
    slip = worker.post(
        reverse("referrals:person_consent", kwargs={"code": person.code}),
        {
            "consent-purposes": ["support"],
            "consent-recipients": [str(d.code)],
            "consent-items": ["name"],
            "consent-method": "written",
        },
    )
    assert slip.status_code == 200 and 'class="slip-code"' in slip.content.decode()
    consent = Consent.objects.get(person=person)
    sent = worker.post(
        reverse("referrals:person", kwargs={"code": person.code}),
        {
            "referral-to_organisation": str(d.code),
            "referral-items": ["name"],
            "referral-key": "direct",
            "referral-action": "send",
            "referral-consent": str(consent.code),
            "confirmed": "1",
        },
    )
    referral = Referral.objects.get(person=person)
    assert sent.status_code == 302 and referral.status == ReferralStatus.SENT and referral.to_organisation == d
    # Another organisation may not know this person exists.
    assert (
        case.world.client("supervisor_a").get(reverse("referrals:person", kwargs={"code": person.code})).status_code
        == 404
    )
