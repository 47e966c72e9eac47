"""Referral services on the real database: consent decides what travels, the ledger records every
provision and receipt, withdrawal cuts the recipient off, exceptions need a second supervisor."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.core import mail
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from tsunagu.accounts.policy import Actor, Role
from tsunagu.audit.aggregate import refusal_counts_record
from tsunagu.audit.models import AuditEvent
from tsunagu.referrals import access, rules, selectors, services
from tsunagu.referrals.models import (
    ConsentStatus,
    ExceptionStatus,
    Item,
    LegalBasis,
    Notification,
    NotificationKind,
    Provision,
    Referral,
    ReferralStatus,
    SharingException,
)
from tsunagu.referrals.tests.referral_data import ADDRESS, NAME, PHONE, SUMMARY, Case, consent_for, make_case, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def denied(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome="denied"))


# -- consent -------------------------------------------------------------------------------------


def test_consent_is_recorded_with_a_withdrawal_code_kept_only_as_a_keyed_hash(case):
    recorded = consent_for(case)
    consent = recorded.consent
    assert consent.status == ConsentStatus.ACTIVE
    assert set(consent.items) == {Item.CONCERNS, Item.PHONE}
    assert list(consent.recipients.all()) == [case.b]
    assert consent.taken_by == case.world.users["counsellor_a"]
    assert consent.expires_on > timezone.localdate()
    assert len(recorded.withdrawal_code) == 14
    assert recorded.withdrawal_code.replace("-", "") not in consent.withdrawal_code_index
    assert consent.withdrawal_code_index == services.withdrawal_code_index(recorded.withdrawal_code.lower())
    row = AuditEvent.objects.get(action="consent.recorded")
    assert row.target_code == str(consent.code) and NAME not in json.dumps(row.detail, ensure_ascii=False)


def test_only_the_handler_records_consent(case):
    with pytest.raises(services.Refused):
        services.consent_record(
            actor=case.actor("support_worker_b"),
            consultation=case.consultation,
            data=services.ConsentData(
                purposes=["support"], recipients=[case.b], other_recipient="", items=["phone"], method="oral"
            ),
        )
    assert len(denied("consent.recorded")) == 1


# -- sending under consent -----------------------------------------------------------------------


def test_a_referral_carries_only_the_items_consented_and_writes_the_ledger(case):
    consent = consent_for(case).consent
    referral = send(case, consent)
    assert referral.status == ReferralStatus.SENT
    shared = json.loads(referral.shared)
    assert set(shared) == {Item.CONCERNS, Item.PHONE}
    assert shared[Item.PHONE] == {"phone": PHONE}
    text = referral.shared
    assert NAME not in text and ADDRESS not in text and SUMMARY not in text
    provision = Provision.objects.get(referral=referral)
    assert provision.basis == "consent" and provision.consent == consent
    assert set(provision.items) == {Item.CONCERNS, Item.PHONE}
    assert provision.to_organisation == case.b and provision.person == case.person
    assert provision.person_label == NAME
    assert provision.received_at is None
    assert provision.keep_until.year == timezone.localdate().year + 3
    actions = list(
        AuditEvent.objects.filter(target_code__in=[str(referral.code), str(provision.code)]).values_list(
            "action", flat=True
        )
    )
    assert {"referral.created", "referral.sent", "provision.recorded"} <= set(actions)
    # The support worker and B's supervisor are told, by inbox and an e-mail that is only a link.
    told = set(
        Notification.objects.filter(referral=referral, kind=NotificationKind.RECEIVED).values_list(
            "user__username", flat=True
        )
    )
    assert told == {"support-worker-b", "supervisor-b"}


def test_the_notification_e_mail_holds_no_personal_data(case, django_capture_on_commit_callbacks):
    consent = consent_for(case).consent
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(case, consent)
    assert {m.to[0] for m in mail.outbox} == {"support-worker-b@example.jp", "supervisor-b@example.jp"}
    for message in mail.outbox:
        assert f"/staff/referrals/{referral.code}/" in message.body
        for secret in (NAME, PHONE, ADDRESS, SUMMARY, "1234-5678"):
            assert secret not in message.body and secret not in message.subject


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("none", "consent_missing"),
        ("withdrawn", "consent_withdrawn"),
        ("other_recipient", "consent_recipient"),
        ("more_items", "consent_items"),
        ("other_person", "consent_other"),
        ("expired", "consent_expired"),
        ("unknown", "consent_other"),
    ],
)
def test_a_referral_without_a_covering_consent_is_refused_creates_nothing_and_is_audited(case, how, reason):
    consent = consent_for(case).consent
    code = consent.code
    items = (Item.CONCERNS, Item.PHONE)
    if how == "none":
        code = None
    elif how == "withdrawn":
        services.consent_withdraw(actor=case.actor("counsellor_a"), consent=consent)
    elif how == "other_recipient":
        code = consent_for(case, to=(case.world.organisations["D"],)).consent.code
    elif how == "more_items":
        items = (Item.CONCERNS, Item.PHONE, Item.ADDRESS)
    elif how == "other_person":
        from tsunagu.consultations.models import Person

        other = Person.objects.create(
            organisation=case.a,
            consent_method="oral",
            consent_at=timezone.now(),
            consent_taken_by=case.world.users["counsellor_a"],
        )
        consent.__class__.objects.filter(pk=consent.pk).update(person=other)
    elif how == "expired":
        consent.__class__.objects.filter(pk=consent.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    elif how == "unknown":
        import uuid

        code = uuid.uuid4()
    with pytest.raises(services.Refused) as refused:
        services.referral_create(
            actor=case.actor("counsellor_a"),
            consultation=case.consultation,
            data=services.ReferralData(
                to_organisation=case.b, to_service=None, external_name="", external_contact="", items=items
            ),
            key="forged",
            consent_code=code,
            send=True,
        )
    assert refused.value.code == reason
    assert Referral.objects.count() == 0 and Provision.objects.count() == 0 and Notification.objects.count() == 0
    rows = denied("referral.sent")
    assert len(rows) == 1 and rows[0].detail["reason"] == reason


def test_a_double_submission_creates_one_referral(case):
    consent = consent_for(case).consent
    first = send(case, consent, key="same-key")
    second = send(case, consent, key="same-key")
    assert first.pk == second.pk
    assert Referral.objects.count() == 1 and Provision.objects.count() == 1


def _trigger(table: str, when: str) -> tuple[str, str]:
    """A real database failure in the middle of the send: a trigger that aborts one insert."""
    if connection.vendor == "sqlite":
        return (
            f"CREATE TRIGGER test_fail BEFORE INSERT ON {table} WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'injected'); END;",
            "DROP TRIGGER test_fail",
        )
    return (
        "CREATE FUNCTION test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END; $$ LANGUAGE plpgsql;"
        f"CREATE TRIGGER test_fail BEFORE INSERT ON {table} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION test_fail();",
        f"DROP TRIGGER test_fail ON {table}; DROP FUNCTION test_fail();",
    )


@pytest.mark.parametrize(
    ("table", "when"),
    [
        ("referrals_provision", "1 = 1"),  # the ledger entry fails after the referral was sent
        ("audit_auditevent", "NEW.action = 'provision.recorded'"),  # the last audit row fails
        ("referrals_notification", "1 = 1"),  # telling the recipient fails
    ],
)
def test_sending_the_ledger_entry_and_the_audit_rows_commit_together_or_not_at_all(case, table, when):
    consent = consent_for(case).consent
    create, drop = _trigger(table, when)
    before = AuditEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(create)
    try:
        with pytest.raises(DatabaseError):
            send(case, consent)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)
    assert Referral.objects.count() == 0
    assert Provision.objects.count() == 0
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == before


# -- the recipient's side ------------------------------------------------------------------------


def test_the_recipient_sees_only_the_shared_items_and_confirms_receipt_by_opening(case):
    referral = send(case, consent_for(case).consent)
    worker = case.actor("support_worker_b")
    assert access.side_of(worker, referral) == access.RECIPIENT
    opened = services.referral_open(actor=worker, referral=referral)
    assert opened.status == ReferralStatus.VIEWED
    provision = Provision.objects.get(referral=referral)
    assert provision.received_by == case.world.users["support_worker_b"] and provision.received_at is not None
    shared = selectors.shared_for(worker, opened)
    assert set(shared) == {Item.CONCERNS, Item.PHONE}
    assert NAME not in json.dumps(shared, ensure_ascii=False)
    # Another organisation's staff may not know it exists.
    outsider = Actor(
        user=case.world.users["org_admin_d"],
        organisation=case.world.organisations["D"],
        roles=frozenset({Role.ORG_ADMIN}),
    )
    assert access.side_of(outsider, referral) is None


def test_the_loop_closes_accept_support_complete_and_the_sender_is_told(case):
    referral = send(case, consent_for(case).consent)
    worker = case.actor("support_worker_b")
    referral = services.referral_open(actor=worker, referral=referral)
    referral = services.referral_respond(actor=worker, referral=referral, version=referral.version, step="accept")
    referral = services.referral_respond(
        actor=worker, referral=referral, version=referral.version, step="start_support"
    )
    with pytest.raises(services.ReferralError):
        services.referral_respond(actor=worker, referral=referral, version=referral.version, step="complete")
    referral = services.referral_respond(
        actor=worker, referral=referral, version=referral.version, step="complete", note="面談し、生活支援につないだ"
    )
    assert referral.status == ReferralStatus.COMPLETED and referral.outcome_note == "面談し、生活支援につないだ"
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds == ["created", "sent", "viewed", "accepted", "in_support", "completed"]
    told = Notification.objects.filter(
        referral=referral, user=case.world.users["counsellor_a"], kind=NotificationKind.UPDATED
    )
    assert told.count() == 4  # viewed, accepted, in support, completed
    # The sender may not answer for the recipient.
    with pytest.raises(services.Refused):
        services.referral_respond(
            actor=case.actor("counsellor_a"), referral=referral, version=referral.version, step="accept"
        )


def test_declining_needs_a_reason_and_ends_the_recipients_access(case):
    referral = send(case, consent_for(case).consent)
    worker = case.actor("support_worker_b")
    with pytest.raises(services.ReferralError):
        services.referral_respond(actor=worker, referral=referral, version=referral.version, step="decline")
    declined = services.referral_respond(
        actor=worker, referral=referral, version=referral.version, step="decline", reason="no_capacity"
    )
    assert declined.status == ReferralStatus.DECLINED and declined.shared == ""
    assert selectors.shared_for(worker, declined) == {}


def test_a_stale_step_loses_with_a_message_naming_the_new_state(case):
    referral = send(case, consent_for(case).consent)
    worker = case.actor("support_worker_b")
    stale = referral.version
    services.referral_withdraw(actor=case.actor("counsellor_a"), referral=referral, version=stale)
    with pytest.raises(services.Conflict) as conflict:
        services.referral_respond(actor=worker, referral=referral, version=stale, step="accept")
    assert "Withdrawn" in conflict.value.message or "取り下げ" in conflict.value.message
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_withdraw_resolve_to_one_state(world):
    case = make_case(world)
    referral = send(case, consent_for(case).consent)
    version = referral.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name: str, call) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            call()
            outcomes[name] = "won"
        except services.Conflict:
            outcomes[name] = "lost"
        finally:
            connections.close_all()

    accept = threading.Thread(
        target=run,
        args=(
            "accept",
            lambda: services.referral_respond(
                actor=case.actor("support_worker_b"), referral=referral, version=version, step="accept"
            ),
        ),
    )
    withdraw = threading.Thread(
        target=run,
        args=(
            "withdraw",
            lambda: services.referral_withdraw(actor=case.actor("counsellor_a"), referral=referral, version=version),
        ),
    )
    for thread in (accept, withdraw):
        thread.start()
    for thread in (accept, withdraw):
        thread.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    final = Referral.objects.get(pk=referral.pk)
    winner = "accept" if outcomes["accept"] == "won" else "withdraw"
    assert final.status == (ReferralStatus.ACCEPTED if winner == "accept" else ReferralStatus.WITHDRAWN)
    assert final.version == version + 1
    assert final.events.filter(kind__in=["accepted", "withdrawn"]).count() == 1


# -- withdrawal of consent -----------------------------------------------------------------------


def test_withdrawal_cuts_every_recipient_off_at_once_and_tells_them(case):
    recorded = consent_for(case)
    referral = send(case, recorded.consent)
    worker = case.actor("support_worker_b")
    referral = services.referral_open(actor=worker, referral=referral)
    assert selectors.shared_for(worker, referral)
    assert services.consent_withdraw_by_code(code=recorded.withdrawal_code.lower().replace("-", " "))
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.shared == "" and fresh.consent_withdrawn_at is not None
    assert selectors.shared_for(worker, fresh) == {}
    assert Notification.objects.filter(
        referral=referral, kind=NotificationKind.CONSENT_WITHDRAWN, user=case.world.users["support_worker_b"]
    ).exists()
    assert Notification.objects.filter(
        referral=referral, kind=NotificationKind.CONSENT_WITHDRAWN, user=case.world.users["counsellor_a"]
    ).exists()
    with pytest.raises(services.ReferralError):
        services.referral_respond(actor=worker, referral=fresh, version=fresh.version, step="accept")
    row = AuditEvent.objects.get(action="consent.withdrawn", outcome="allowed")
    assert row.detail["via"] == "person" and row.detail["referrals"] == [str(referral.code)]


def test_a_wrong_withdrawal_code_changes_nothing_and_is_audited_per_hour(case):
    consent_for(case)
    assert not services.consent_withdraw_by_code(code="AAAA-BBBB-CCCC")
    assert not services.consent_withdraw_by_code(code="AAAA-BBBB-DDDD")
    assert not case.person.consents.filter(status=ConsentStatus.WITHDRAWN).exists()
    assert not denied("consent.withdrawn")  # counted, not one row per code typed (issue 15)
    assert refusal_counts_record(at=timezone.now() + dt.timedelta(hours=1)) == 1
    [row] = denied("consent.withdrawn")
    assert (row.detail["reason"], row.detail["count"]) == ("wrong_code", 2)


# -- sharing without consent ---------------------------------------------------------------------


def _draft(case: Case) -> Referral:
    return services.referral_create(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=services.ReferralData(
            to_organisation=case.b,
            to_service=None,
            external_name="",
            external_contact="",
            items=(Item.NAME, Item.ADDRESS),
        ),
        key="draft",
        consent_code=None,
        send=False,
    )


JUSTIFICATION = "本人は意識が混濁しており同意を得ることが困難。生命の危険があるため地元の支援機関による訪問が必要。"


def test_the_exception_needs_step_up_a_justification_and_a_second_supervisor(case):
    referral = _draft(case)
    assert referral.status == ReferralStatus.DRAFT and Provision.objects.count() == 0
    counsellor = case.actor("counsellor_a")
    with pytest.raises(services.Refused):
        services.exception_request(
            actor=counsellor,
            referral=referral,
            version=referral.version,
            legal_basis=LegalBasis.LIFE_BODY,
            justification=JUSTIFICATION,
            reauthenticated_at=timezone.now() - dt.timedelta(hours=1),
        )
    with pytest.raises(services.ReferralError):
        services.exception_request(
            actor=counsellor,
            referral=referral,
            version=referral.version,
            legal_basis=LegalBasis.LIFE_BODY,
            justification="急ぎ",
            reauthenticated_at=timezone.now(),
        )
    exception = services.exception_request(
        actor=counsellor,
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.LIFE_BODY,
        justification=JUSTIFICATION,
        reauthenticated_at=timezone.now(),
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_APPROVAL and referral.shared == ""
    assert Provision.objects.count() == 0
    assert access.side_of(case.actor("support_worker_b"), referral) is None  # nothing released yet
    assert Notification.objects.filter(
        kind=NotificationKind.APPROVAL_NEEDED, user=case.world.users["supervisor_a"]
    ).exists()
    # The requester cannot approve; a counsellor cannot approve.
    with pytest.raises(services.Refused):
        services.exception_decide(actor=counsellor, exception=exception, approve=True)
    released = services.exception_decide(
        actor=case.actor("supervisor_a"), exception=exception, approve=True, note="確認した"
    )
    assert released.status == ReferralStatus.SENT
    provision = Provision.objects.get(referral=referral)
    assert provision.basis == LegalBasis.LIFE_BODY and provision.exception == exception and provision.consent is None
    assert set(json.loads(released.shared)) == {Item.NAME, Item.ADDRESS}
    assert Notification.objects.filter(kind=NotificationKind.EXCEPTION_RELEASED, user=case.org_admin_a).exists()
    report = list(selectors.exceptions_report(actor=case.actor("org_admin_a")))
    assert report == [provision]
    assert SharingException.objects.get(pk=exception.pk).status == ExceptionStatus.APPROVED


def test_a_supervisor_cannot_approve_their_own_request(case):
    from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory

    referral = _draft(case)
    supervisor = case.actor("supervisor_a")
    with pytest.raises(services.ReferralError) as alone:  # nobody else could ever approve
        services.exception_request(
            actor=supervisor,
            referral=referral,
            version=referral.version,
            legal_basis=LegalBasis.PUBLIC_HEALTH_CHILD,
            justification=JUSTIFICATION,
            reauthenticated_at=timezone.now(),
        )
    assert alone.value.code == "no_approver"
    MembershipFactory(user=UserFactory(username="supervisor-a2"), organisation=case.a, role=Role.SUPERVISOR)
    exception = services.exception_request(
        actor=supervisor,
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.PUBLIC_HEALTH_CHILD,
        justification=JUSTIFICATION,
        reauthenticated_at=timezone.now(),
    )
    with pytest.raises(services.Refused) as refused:
        services.exception_decide(actor=supervisor, exception=exception, approve=True)
    assert refused.value.code == "same_person"
    assert Provision.objects.count() == 0
    assert denied("sharing_exception.approved")[0].detail == {"reason": "same_person"}


def test_a_rejected_exception_returns_the_referral_to_draft(case):
    referral = _draft(case)
    exception = services.exception_request(
        actor=case.actor("counsellor_a"),
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.LAW,
        justification=JUSTIFICATION,
        reauthenticated_at=timezone.now(),
    )
    back = services.exception_decide(actor=case.actor("supervisor_a"), exception=exception, approve=False)
    assert back.status == ReferralStatus.DRAFT and Provision.objects.count() == 0


# -- the ledger is kept --------------------------------------------------------------------------


def test_the_database_refuses_to_delete_a_ledger_entry_before_its_time(case):
    referral = send(case, consent_for(case).consent)
    provision = Provision.objects.get(referral=referral)
    with pytest.raises(DatabaseError), transaction.atomic():
        Provision.objects.filter(pk=provision.pk).delete()
    assert Provision.objects.filter(pk=provision.pk).exists()
    # Nor may its keep date be shortened, nor what was provided be rewritten; the receipt may be set.
    for change in ({"keep_until": dt.date(2000, 1, 1)}, {"items": ["name"]}, {"basis": "art27_1_1"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Provision.objects.filter(pk=provision.pk).update(**change)
    Provision.objects.filter(pk=provision.pk).update(received_at=timezone.now())
    past_its_time(provision)
    with connection.cursor() as cursor:  # past its time, the raw delete goes through
        cursor.execute("DELETE FROM referrals_provision WHERE id = %s", [provision.pk])
    assert not Provision.objects.filter(pk=provision.pk).exists()


def past_its_time(provision: Provision) -> None:
    """What three years do to an entry (the guard lifted as only a tamper drill or the test flush may)."""
    from tsunagu.audit.maintenance import GUARDED_TABLES, append_only_guard_lifted

    if connection.vendor == "postgresql":  # ALTER TABLE refuses while deferred FK checks are pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with append_only_guard_lifted(connection, GUARDED_TABLES):
        Provision.objects.filter(pk=provision.pk).update(keep_until=timezone.localdate() - dt.timedelta(days=1))


def test_the_ledger_guards_exist_after_every_migration():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'referrals_provision'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'referrals_provision'::regclass AND NOT tgisinternal"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert {"referrals_provision_keep", "referrals_provision_fixed"} <= names


# -- reminders -----------------------------------------------------------------------------------


def test_business_days_skip_weekends_holidays_and_the_year_end():
    assert rules.add_business_days(dt.date(2026, 4, 30), 3) == dt.date(2026, 5, 8)  # Golden Week
    # Friday 12/25 → Monday 12/28, then the closure 12/29–1/3 → Monday 1/4.
    assert rules.add_business_days(dt.date(2026, 12, 25), 2) == dt.date(2027, 1, 4)
    assert rules.add_business_days(dt.date(2026, 12, 28), 1) == dt.date(2027, 1, 4)
    assert rules.add_business_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 24)  # 11/23 勤労感謝の日


def test_an_unanswered_referral_is_reminded_then_escalated_to_the_recipients_supervisors(case):
    with time_machine.travel(dt.datetime(2026, 4, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        referral = send(case, consent_for(case).consent)
        assert referral.respond_by == dt.date(2026, 5, 8)
    assert services.reminders_send(today=dt.date(2026, 5, 8)) == services.ReminderRun(reminded=0, escalated=0)
    assert services.reminders_send(today=dt.date(2026, 5, 11)) == services.ReminderRun(reminded=1, escalated=0)
    assert services.reminders_send(today=dt.date(2026, 5, 12)) == services.ReminderRun(reminded=0, escalated=0)
    assert services.reminders_send(today=dt.date(2026, 5, 13)) == services.ReminderRun(reminded=0, escalated=1)
    assert services.reminders_send(today=dt.date(2026, 5, 20)) == services.ReminderRun(reminded=0, escalated=0)
    reminded = set(Notification.objects.filter(kind=NotificationKind.REMINDER).values_list("user__username", flat=True))
    escalated = set(
        Notification.objects.filter(kind=NotificationKind.ESCALATION).values_list("user__username", flat=True)
    )
    assert reminded == {"support-worker-b", "supervisor-b"} and escalated == {"supervisor-b"}
    with time_machine.travel(dt.datetime(2026, 5, 11, 10, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        assert [r.pk for r in selectors.received(actor=case.actor("support_worker_b"), overdue=True)] == [referral.pk]
        assert [r.pk for r in selectors.sent(actor=case.actor("counsellor_a"), overdue=True)] == [referral.pk]


# -- retention -----------------------------------------------------------------------------------


def test_retention_empties_finished_referrals_and_deletes_ledger_entries_past_their_keep_date(case, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.TSUNAGU_CONSULTATION_RETENTION_DAYS = 30
    finished = send(case, consent_for(case).consent, key="finished")
    finished = services.referral_withdraw(actor=case.actor("counsellor_a"), referral=finished, version=finished.version)
    Referral.objects.filter(pk=finished.pk).update(
        contact_note="裏口から", updated_at=timezone.now() - dt.timedelta(days=31)
    )
    ongoing = send(case, consent_for(case).consent, key="ongoing")
    Referral.objects.filter(pk=ongoing.pk).update(updated_at=timezone.now() - dt.timedelta(days=31))
    out = StringIO()
    call_command("erase_expired_referral_data", stdout=out)
    assert "Erased: 1 referrals; deleted 0 ledger entries" in out.getvalue()
    finished.refresh_from_db()
    ongoing.refresh_from_db()
    assert finished.erased_at is not None and finished.contact_note == "" and finished.contact_when == ""
    assert ongoing.erased_at is None and ongoing.shared != "" and ongoing.contact_when == "平日の午前"
    assert Provision.objects.count() == 2  # kept: three years have not passed
    # The database's own clock decides (a travelling test clock does not fool the trigger): an entry
    # whose keep date has passed is deleted, the other stays.
    past_its_time(Provision.objects.get(referral=finished))
    call_command("erase_expired_referral_data", stdout=out)
    assert list(Provision.objects.values_list("referral_id", flat=True)) == [ongoing.pk]


def test_the_reminder_command_reports_what_it_sent(case):
    from io import StringIO

    from django.core.management import call_command

    referral = send(case, consent_for(case).consent)
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - dt.timedelta(days=1))
    out = StringIO()
    call_command("send_referral_reminders", stdout=out)
    assert out.getvalue().strip() == "Reminded: 1; escalated: 0"


# -- a support organisation refers a person it supports directly -------------------------------


def test_a_support_organisation_records_a_person_and_refers_them_on(case):
    from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory
    from tsunagu.consultations.services import PersonData

    d = case.world.organisations["D"]
    MembershipFactory(user=UserFactory(username="support-worker-d"), organisation=d, role=Role.SUPPORT_WORKER)
    worker = case.actor("support_worker_b")
    person = services.person_add(
        actor=worker, data=PersonData(consent_method="written", name="佐藤 一郎", phone="0857-00-0000")
    )
    assert person.organisation == case.b and not person.consultations.exists()
    assert access.may_act_for_directly(worker, person)
    # The helpline's counsellor cannot act for B's person; a consultation's person is not "direct".
    assert not access.may_act_for_directly(case.actor("counsellor_a"), person)
    assert not access.may_act_for_directly(case.actor("supervisor_a"), case.person)
    consent = services.consent_record(
        actor=worker,
        person=person,
        data=services.ConsentData(
            purposes=["support"], recipients=[d], other_recipient="", items=["name", "phone"], method="written"
        ),
    ).consent
    referral = services.referral_create(
        actor=worker,
        person=person,
        data=services.ReferralData(
            to_organisation=d, to_service=None, external_name="", external_contact="", items=("name",)
        ),
        key="direct",
        consent_code=consent.code,
        send=True,
    )
    assert referral.status == ReferralStatus.SENT and referral.consultation is None
    assert json.loads(referral.shared) == {"name": {"name": "佐藤 一郎", "name_kana": ""}}
    assert Provision.objects.get(referral=referral).from_organisation == case.b
    with pytest.raises(services.Refused):
        services.consent_record(
            actor=case.actor("counsellor_a"),
            person=person,
            data=services.ConsentData(
                purposes=["support"], recipients=[d], other_recipient="", items=["name"], method="oral"
            ),
        )
    assert AuditEvent.objects.filter(action="consent.recorded", outcome="denied").count() == 1


def test_only_those_who_may_refer_record_people_directly(case):
    from tsunagu.consultations.models import Person
    from tsunagu.consultations.services import PersonData

    council = Actor(
        user=case.world.users["council_member_b"], organisation=case.b, roles=frozenset({Role.COUNCIL_MEMBER})
    )
    with pytest.raises(services.Refused):
        services.person_add(actor=council, data=PersonData(consent_method="oral", name="誰か"))
    with pytest.raises(services.ReferralError):
        services.person_add(actor=case.actor("support_worker_b"), data=PersonData(consent_method="oral"))
    assert Person.objects.count() == 1  # only the consultation's person
