"""The edges of who sees what and when: the recipient's ledger, withdrawn drafts, consents withdrawn
under drafts and under going-on referrals, cancelling a request for approval, sending a colleague's
draft, items a directly recorded person cannot have."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts.policy import Actor, Role
from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory
from tsunagu.audit.models import AuditEvent
from tsunagu.consultations.services import PersonData
from tsunagu.referrals import access, selectors, services
from tsunagu.referrals.models import (
    ExceptionStatus,
    Item,
    LegalBasis,
    Notification,
    Referral,
    ReferralStatus,
    SharingException,
)
from tsunagu.referrals.tests.referral_data import NAME, PHONE, Case, consent_for, make_case, referral_data, send

pytestmark = pytest.mark.django_db

JUSTIFICATION = "本人は意識が混濁しており同意を得ることが困難。生命の危険があるため地元の支援機関による訪問が必要。"


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def draft(case: Case, *, key: str = "draft", consent_code: object = None) -> Referral:
    return services.referral_create(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=referral_data(case),
        key=key,
        consent_code=consent_code,  # type: ignore[arg-type]
        send=False,
    )


def test_the_recipients_ledger_names_the_person_only_by_what_was_shared(case):
    send(case, consent_for(case).consent)  # concerns and the phone number, not the name
    supervisor_b = case.actor("supervisor_b")
    entries = selectors.entries_of(actor=supervisor_b, provisions=selectors.ledger(actor=supervisor_b))
    assert [e.label for e in entries] == [PHONE] and not entries[0].ours
    ours = selectors.entries_of(
        actor=case.actor("supervisor_a"), provisions=selectors.ledger(actor=case.actor("supervisor_a"))
    )
    assert [e.label for e in ours] == [NAME]
    # Trying phone numbers finds nothing on the receiving side; its person page and exports are closed.
    assert list(selectors.ledger(actor=supervisor_b, phone=PHONE)) == []
    assert selectors.person_in_ledger(actor=supervisor_b, code=case.person.code) is None
    client = case.world.client("anonymous")
    from tsunagu.accounts.tests.personas import sign_in

    sign_in(client, case.supervisor_b, organisation=case.b)
    html = client.get(reverse("referrals:ledger")).content.decode()
    assert NAME not in html and PHONE in html
    assert client.get(reverse("referrals:ledger_csv", kwargs={"code": case.person.code})).status_code == 404


def test_a_draft_the_sender_withdrew_never_reaches_the_recipient(case):
    referral = draft(case)
    services.referral_withdraw(actor=case.actor("counsellor_a"), referral=referral, version=referral.version)
    worker = case.actor("support_worker_b")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert access.side_of(worker, referral) is None
    assert list(selectors.received(actor=worker)) == []
    assert selectors.counts(actor=worker)["received_new"] == 0


def test_a_consent_withdrawn_under_a_draft_leaves_the_draft_free_for_a_new_consent(case):
    first = consent_for(case)
    referral = draft(case, consent_code=first.consent.code)
    assert referral.consent == first.consent
    services.consent_withdraw_by_code(code=first.withdrawal_code)
    referral.refresh_from_db()
    assert (
        referral.consent is None and referral.consent_withdrawn_at is None and referral.status == ReferralStatus.DRAFT
    )
    assert not Notification.objects.filter(referral=referral, user=case.world.users["support_worker_b"]).exists()
    second = consent_for(case).consent
    sent = services.referral_send(
        actor=case.actor("counsellor_a"), referral=referral, version=referral.version, consent_code=second.code
    )
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT
    assert set(selectors.shared_for(case.actor("support_worker_b"), sent)) == {Item.CONCERNS, Item.PHONE}


def test_a_withdrawn_consent_closes_a_referral_going_on_and_stops_its_reminders(case):
    recorded = consent_for(case)
    referral = send(case, recorded.consent)
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate().replace(year=2020))
    services.consent_withdraw_by_code(code=recorded.withdrawal_code)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONSENT_WITHDRAWN and referral.closed_at is not None
    assert services.reminders_send() == services.ReminderRun(reminded=0, escalated=0)
    assert list(selectors.received(actor=case.actor("support_worker_b"), overdue=True)) == []
    # Opening it now records no receipt: nothing was shown.
    services.referral_open(actor=case.actor("support_worker_b"), referral=referral)
    assert referral.provisions.get().received_at is None


def test_an_exception_release_rests_on_the_exception_not_on_a_consent_the_draft_carried(case):
    recorded = consent_for(case)
    referral = draft(case, consent_code=recorded.consent.code)
    exception = services.exception_request(
        actor=case.actor("counsellor_a"),
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.LIFE_BODY,
        justification=JUSTIFICATION,
        reauthenticated_at=timezone.now(),
    )
    released = services.exception_decide(actor=case.actor("supervisor_a"), exception=exception, approve=True)
    assert released.consent is None and released.provisions.get().basis == LegalBasis.LIFE_BODY
    services.consent_withdraw_by_code(code=recorded.withdrawal_code)
    released.refresh_from_db()
    assert released.status == ReferralStatus.SENT
    assert set(selectors.shared_for(case.actor("support_worker_b"), released)) == {Item.CONCERNS, Item.PHONE}


def test_the_sender_can_take_back_a_request_for_approval(case):
    referral = draft(case)
    services.exception_request(
        actor=case.actor("counsellor_a"),
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.LIFE_BODY,
        justification=JUSTIFICATION,
        reauthenticated_at=timezone.now(),
    )
    referral.refresh_from_db()
    services.referral_withdraw(actor=case.actor("counsellor_a"), referral=referral, version=referral.version)
    assert SharingException.objects.get(referral=referral).status == ExceptionStatus.CANCELLED
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.WITHDRAWN
    assert not referral.provisions.exists()


def test_a_colleague_who_cannot_write_the_consultation_cannot_send_its_draft(case):
    colleague = UserFactory(username="counsellor-a2")
    MembershipFactory(user=colleague, organisation=case.a, role=Role.COUNSELLOR)
    actor = Actor(user=colleague, organisation=case.a, roles=frozenset({Role.COUNSELLOR}))
    consent = consent_for(case).consent
    referral = draft(case, consent_code=consent.code)
    with pytest.raises(services.Refused):
        services.referral_send(actor=actor, referral=referral, version=referral.version, consent_code=consent.code)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT
    assert AuditEvent.objects.filter(action="referral.sent", outcome="denied").count() == 1


def test_a_directly_recorded_person_cannot_have_consultation_items(case):
    worker = case.actor("support_worker_b")
    person = services.person_add(actor=worker, data=PersonData(consent_method="oral", name="佐藤 一郎"))
    d = case.world.organisations["D"]
    with pytest.raises(services.ReferralError):
        services.consent_record(
            actor=worker,
            person=person,
            data=services.ConsentData(
                purposes=["support"], recipients=[d], other_recipient="", items=["concerns"], method="oral"
            ),
        )
    MembershipFactory(user=UserFactory(username="support-worker-d"), organisation=d, role=Role.SUPPORT_WORKER)
    with pytest.raises(services.ReferralError):
        services.referral_create(
            actor=worker,
            person=person,
            data=services.ReferralData(
                to_organisation=d, to_service=None, external_name="", external_contact="", items=("summary",)
            ),
            key="x",
            consent_code=None,
            send=False,
        )


def test_the_slip_gives_the_public_address_in_the_default_language(case, settings):
    settings.TSUNAGU_BASE_URL = "https://tsunagu.example.jp"
    client = case.world.client("counsellor_a")
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("referrals:consent", kwargs={"code": case.consultation.code}),
        {
            "consent-purposes": ["support"],
            "consent-recipients": [str(case.b.code)],
            "consent-items": ["phone"],
            "consent-method": "oral",
        },
    )
    assert "https://tsunagu.example.jp/consent/withdraw/" in response.content.decode()
