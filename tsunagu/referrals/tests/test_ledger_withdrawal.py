"""The provision ledger remembers a withdrawal (issue 14, finding 10): when the person withdraws their
consent with the code on their slip (or staff record it), an entry is appended to the ledger for
each provision that rested on that consent, in the same transaction. It is shown wherever the
provision is shown (the person's page, the list on both sides, CSV, PDF), and the database keeps it
as it keeps the provision: no change at all, no deletion before its keep date."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pdfminer.high_level import extract_text

from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor
from tsunagu.referrals import retention, services
from tsunagu.referrals.models import (
    ConsentStatus,
    Provision,
    ProvisionWithdrawal,
    Referral,
    ReferralStatus,
    WithdrawnVia,
)
from tsunagu.referrals.tests.referral_data import NAME, Case, consent_for, make_case, send
from tsunagu.referrals.tests.test_services import _trigger

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
WITHDRAWN_AT = dt.datetime(2026, 12, 7, 14, 3, tzinfo=JST)


@pytest.fixture
def case(world) -> Case:
    return make_case(world)


def _ja(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


def by_the_person(when: str = "2026-12-07 14:03") -> str:
    """「同意撤回（2026-12-07 14:03、控えの番号で本人が）」 in the page's language (Japanese)."""
    return _ja("Consent withdrawn (%(when)s, by the person with the code on their slip)") % {"when": when}


def _flat(text: str) -> str:
    return "".join(text.split())


def _withdraw_with_the_slip(code: str) -> None:
    with time_machine.travel(WITHDRAWN_AT, tick=False):
        response = Client().post("/consent/withdraw/", {"code": code})
    assert response.status_code == 200


def _two_provisions(case: Case) -> tuple[services.ConsentRecorded, Referral, Referral]:
    """A referral under the consent the person will withdraw, and one under another consent."""
    withdrawn = consent_for(case)
    concerned = send(case, withdrawn.consent, key="concerned")
    other = send(case, consent_for(case).consent, key="other")
    case.world.client("support_worker_b").get(reverse("referrals:detail", kwargs={"code": concerned.code}))
    return withdrawn, concerned, other


def test_a_withdrawal_with_the_slip_is_appended_and_shown_on_the_ledger_pages_csv_and_pdf(case):
    recorded, concerned, _other = _two_provisions(case)
    provision = Provision.objects.get(referral=concerned)
    before = Provision.objects.filter(pk=provision.pk).values().get()

    _withdraw_with_the_slip(recorded.withdrawal_code)

    # Appended: the provision is as it was written, the entry is new and linked to it.
    assert Provision.objects.filter(pk=provision.pk).values().get() == before
    entry = ProvisionWithdrawal.objects.get()
    assert entry.provision == provision and entry.via == WithdrawnVia.PERSON and entry.recorded_by is None
    assert entry.withdrawn_at == WITHDRAWN_AT and entry.keep_until == provision.keep_until
    row = AuditEvent.objects.get(action="consent.withdrawn")
    assert row.detail["provisions"] == [str(provision.code)]

    supervisor = case.world.client("supervisor_a")
    person_page = supervisor.get(reverse("referrals:ledger_person", kwargs={"code": case.person.code}))
    html = person_page.content.decode()
    assert html.count(by_the_person()) == 1
    # The provisions still read as written: both rest on the person's consent.
    basis = _ja("The person's consent (%(method)s, %(date)s)").split("（")[0].split(" (")[0]
    assert html.count(basis) == 2
    listed = supervisor.get(reverse("referrals:ledger")).content.decode()
    assert listed.count(by_the_person()) == 1
    # The recipient's ledger shows it under the entry it received.
    recipient = Client()
    sign_in(recipient, case.supervisor_b, organisation=case.b)
    assert recipient.get(reverse("referrals:ledger")).content.decode().count(by_the_person()) == 1

    csv_response = supervisor.get(reverse("referrals:ledger_csv", kwargs={"code": case.person.code}))
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == _ja("Consent withdrawn")
    assert [r[-1] for r in rows[1:]] == [by_the_person(), ""]  # in the order provided: concerned, other
    assert rows[1][5].startswith(basis) and rows[1][3] == NAME

    pdf = supervisor.get(reverse("referrals:ledger_pdf", kwargs={"code": case.person.code}))
    text = _flat(extract_text(io.BytesIO(pdf.content)))
    assert _flat(by_the_person()) in text
    assert text.count(_flat(by_the_person())) == 1


def test_the_row_stands_right_under_the_provision_it_concerns(case):
    recorded, _concerned, _other = _two_provisions(case)
    _withdraw_with_the_slip(recorded.withdrawal_code)
    html = (
        case.world.client("supervisor_a")
        .get(reverse("referrals:ledger_person", kwargs={"code": case.person.code}))
        .content.decode()
    )
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = body.split("<tr")[1:]
    assert len(rows) == 3
    assert by_the_person() not in rows[0] and by_the_person() in rows[1] and by_the_person() not in rows[2]


def test_a_withdrawal_recorded_by_staff_is_appended_too_and_only_once(case):
    recorded, _concerned, _other = _two_provisions(case)
    supervisor = case.actor("supervisor_a")
    with time_machine.travel(WITHDRAWN_AT, tick=False):
        services.consent_withdraw(actor=supervisor, consent=recorded.consent)
    entry = ProvisionWithdrawal.objects.get()
    assert entry.via == WithdrawnVia.STAFF and entry.recorded_by == case.world.users["supervisor_a"]
    expected = _ja("Consent withdrawn (%(when)s, recorded by staff)") % {"when": "2026-12-07 14:03"}
    page = case.world.client("supervisor_a").get(reverse("referrals:ledger_person", kwargs={"code": case.person.code}))
    assert page.content.decode().count(expected) == 1
    # Withdrawn again (the code after staff recorded it, or a second click): nothing more is appended.
    services.consent_withdraw(actor=supervisor, consent=recorded.consent)
    assert services.consent_withdraw_by_code(code=recorded.withdrawal_code) is True
    assert ProvisionWithdrawal.objects.count() == 1


def test_a_consent_without_provisions_appends_nothing(case):
    recorded = consent_for(case)
    _withdraw_with_the_slip(recorded.withdrawal_code)
    assert not ProvisionWithdrawal.objects.exists()


def test_the_ledger_entry_and_the_withdrawal_commit_together_or_not_at_all(case):
    recorded, concerned, _other = _two_provisions(case)
    create, drop = _trigger("referrals_provisionwithdrawal", "1 = 1")
    with connection.cursor() as cursor:
        cursor.execute(create)
    try:
        with pytest.raises(DatabaseError):
            services.consent_withdraw_by_code(code=recorded.withdrawal_code)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)
    recorded.consent.refresh_from_db()
    concerned.refresh_from_db()
    assert recorded.consent.status == ConsentStatus.ACTIVE and concerned.shared != ""
    assert concerned.status != ReferralStatus.CONSENT_WITHDRAWN
    assert not ProvisionWithdrawal.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.withdrawn").exists()


def test_the_database_refuses_to_change_or_delete_the_entry_before_its_time(case):
    recorded, concerned, other = _two_provisions(case)
    _withdraw_with_the_slip(recorded.withdrawal_code)
    entry = ProvisionWithdrawal.objects.get()
    for change in (
        {"withdrawn_at": timezone.now()},
        {"via": WithdrawnVia.STAFF, "recorded_by": case.world.users["counsellor_a"]},
        {"keep_until": dt.date(2000, 1, 1)},
        {"provision": Provision.objects.get(referral=other)},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            ProvisionWithdrawal.objects.filter(pk=entry.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        ProvisionWithdrawal.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM referrals_provisionwithdrawal WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE referrals_provisionwithdrawal")
    fresh = ProvisionWithdrawal.objects.get(pk=entry.pk)
    assert (fresh.withdrawn_at, fresh.via, fresh.keep_until) == (entry.withdrawn_at, entry.via, entry.keep_until)
    # Nor may the provision go while its withdrawal entry stands.
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - ProtectedError or the trigger
        Provision.objects.filter(referral=concerned).delete()
    assert Provision.objects.filter(referral=concerned).exists()


def _past_their_time(*referrals: Referral) -> None:
    """What three years do to entries (the guard lifted as only a tamper drill or the test flush may)."""
    from tsunagu.audit.maintenance import GUARDED_TABLES, append_only_guard_lifted

    if connection.vendor == "postgresql":  # ALTER TABLE refuses while deferred FK checks are pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with append_only_guard_lifted(connection, GUARDED_TABLES):
        Provision.objects.filter(referral__in=referrals).update(keep_until=yesterday)
        ProvisionWithdrawal.objects.filter(provision__referral__in=referrals).update(keep_until=yesterday)


def test_retention_deletes_the_entry_with_its_provision_after_their_keep_date_only(case):
    recorded, concerned, other = _two_provisions(case)
    _withdraw_with_the_slip(recorded.withdrawal_code)
    actor = SystemActor(label="test")
    assert retention.erase_expired(actor=actor) == retention.Erased(referrals=0, provisions=0, withdrawals=0)
    assert ProvisionWithdrawal.objects.count() == 1 and Provision.objects.count() == 2
    _past_their_time(concerned)
    erased = retention.erase_expired(actor=actor)
    assert (erased.provisions, erased.withdrawals) == (1, 1)
    assert not ProvisionWithdrawal.objects.exists()
    assert list(Provision.objects.values_list("referral_id", flat=True)) == [other.pk]
    row = AuditEvent.objects.filter(action="referral.erased").order_by("-seq").first()
    assert row is not None and row.detail["withdrawals"] == 1


def test_the_withdrawal_guards_exist_after_every_migration():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'referrals_provisionwithdrawal'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'referrals_provisionwithdrawal'::regclass AND NOT tgisinternal"
            )
        names = {row[0] for row in cursor.fetchall()}
    expected = {"referrals_provisionwithdrawal_keep", "referrals_provisionwithdrawal_fixed"}
    if connection.vendor == "postgresql":
        expected.add("referrals_provisionwithdrawal_no_truncate")
    assert expected <= names
