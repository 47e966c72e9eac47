"""Alerts that reach someone (docs/consultations.md, "Alerts"): a high-risk assessment or call raises
one stored alert, shown on every staff page of every supervisor on duty until one acknowledges it;
unacknowledged after N minutes it goes once by e-mail and SMS to the escalation list, with nothing
personal in either; every step is audited."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import Alert, AlertContact, AlertKind, Consultation, ConsultationDesk, RiskLevel
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.core.tests.canary import canary

pytestmark = pytest.mark.django_db

HIGH = services.RiskAnswers(suicidal_thoughts=True, plan=True)
DOOR = "/staff/directory/"  # another staff page, not the intake's


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def sms_dir(settings: Any, tmp_path: Path) -> Path:
    settings.TSUNAGU_SMS_BACKEND = "tsunagu.core.sms.FileBackend"
    settings.TSUNAGU_SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


def taken_chat(desks: Desks, persona: str = "local_counsellor", *, body: str = "") -> Consultation:
    started = services.chat_start(address="192.0.2.20", at_risk=False, language="ja")
    if body:
        services.message_post(consultation=started.consultation, sender="person", body=body)
    services.consultation_take(actor=desks.actor(persona), consultation=started.consultation)
    return Consultation.objects.get(pk=started.consultation.pk)


def supervisor_client(desks: Desks) -> Client:
    client = Client()
    sign_in(client, desks.local_supervisor, organisation=desks.local)
    return client


def assess_high(desks: Desks, chat: Consultation, persona: str = "local_counsellor") -> None:
    services.risk_assess(actor=desks.actor(persona), consultation=chat, answers=HIGH)


def actions(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def on_the_list(desks: Desks, *, number: str = "090-1234-5678") -> None:
    supervisor = desks.local_supervisor
    supervisor.email = "local-supervisor@example.jp"
    supervisor.save()
    services.alert_contacts_save(
        actor=desks.actor("local_supervisor"),
        organisation=desks.local,
        contacts=[services.ContactData(user=supervisor, sms_number=number)],
    )


# -- raising ---------------------------------------------------------------------------------------


def test_a_high_assessment_raises_one_alert_and_a_risk_step_or_a_second_assessment_no_other(desks):
    chat = taken_chat(desks)
    services.risk_assess(
        actor=desks.actor("local_counsellor"), consultation=chat, answers=services.RiskAnswers(violence_at_home=True)
    )
    assert not Alert.objects.exists()  # medium: no alert
    assess_high(desks, chat)
    alert = Alert.objects.get()
    assert (alert.consultation, alert.kind, alert.acknowledged_at) == (chat, AlertKind.HIGH_RISK, None)
    assess_high(desks, chat)
    services.risk_step_record(actor=desks.actor("local_counsellor"), consultation=chat, step="stayed_on_line")
    assert Alert.objects.count() == 1
    raised = actions("alert.raised")
    assert len(raised) == 1
    assert raised[0].target_code == str(chat.code)
    assert raised[0].detail == {"alert": str(alert.code), "alert_kind": "high_risk"}


def test_a_high_risk_call_log_raises_an_alert_and_a_low_one_does_not(desks):
    actor = desks.actor("local_counsellor")
    now = timezone.now()
    services.call_log(actor=actor, data=services.CallData(started_at=now, ended_at=None, risk_level=RiskLevel.LOW))
    assert not Alert.objects.exists()
    call = services.call_log(
        actor=actor, data=services.CallData(started_at=now, ended_at=None, risk_level=RiskLevel.IMMINENT)
    )
    assert Alert.objects.get().consultation == call


def test_alert_raise_is_idempotent_per_open_alert_and_kind(desks):
    chat = taken_chat(desks)
    first = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)
    again = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)
    other_kind = services.alert_raise(consultation=chat, kind=AlertKind.HIGH_RISK)
    assert first.pk == again.pk != other_kind.pk
    assert len(actions("alert.raised")) == 2
    # Once acknowledged, the same kind may be raised again: a new alert.
    assert services.alert_acknowledge(actor=desks.actor("local_supervisor"), alert=first)
    renewed = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)
    assert renewed.pk != first.pk and renewed.is_open
    with pytest.raises(services.ConsultationError):
        services.alert_raise(consultation=chat, kind="made_up")


@pytest.mark.django_db(transaction=True)
def test_two_raises_at_once_from_two_connections_leave_one_alert(world):
    """Real concurrency: two threads, two database connections, the same consultation and kind."""
    make_desks(world)
    for round_ in range(5):
        started = services.chat_start(address=f"192.0.2.{round_ + 60}", at_risk=False, language="ja")
        chat = started.consultation
        barrier = threading.Barrier(2)
        raised: list[int] = []

        def raise_one(
            chat: Consultation = chat, barrier: threading.Barrier = barrier, raised: list[int] = raised
        ) -> None:
            try:
                barrier.wait()
                raised.append(services.alert_raise(consultation=chat, kind=AlertKind.HIGH_RISK).pk)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=raise_one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(raised) == 2 and raised[0] == raised[1]
    assert Alert.objects.count() == 5
    assert AuditEvent.objects.filter(action="alert.raised").count() == 5


# -- acknowledging ---------------------------------------------------------------------------------


def test_a_supervisor_acknowledges_once_and_a_counsellor_is_refused(desks):
    chat = taken_chat(desks)
    assess_high(desks, chat)
    alert = Alert.objects.get()
    with pytest.raises(services.Refused):
        services.alert_acknowledge(actor=desks.actor("local_counsellor"), alert=alert)
    denied = AuditEvent.objects.filter(action="alert.acknowledged", outcome="denied").get()
    assert denied.detail == {"reason": "not_supervisor"}
    assert Alert.objects.get().is_open
    # A supervisor of another organisation may read an open high-risk contact, so may acknowledge it.
    assert services.alert_acknowledge(actor=desks.actor("supervisor_a"), alert=alert) is True
    assert services.alert_acknowledge(actor=desks.actor("local_supervisor"), alert=alert) is False
    stored = Alert.objects.get()
    assert stored.acknowledged_by == desks.world.users["supervisor_a"] and stored.acknowledged_at is not None
    assert len(AuditEvent.objects.filter(action="alert.acknowledged", outcome="allowed")) == 1


def test_a_supervisor_who_may_not_read_the_consultation_cannot_acknowledge(desks):
    chat = taken_chat(desks)
    alert = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)  # not high risk
    with pytest.raises(services.Refused):
        services.alert_acknowledge(actor=desks.actor("supervisor_a"), alert=alert)
    assert selectors.alert_for(actor=desks.actor("supervisor_a"), code=alert.code) is None
    assert selectors.open_alerts(actor=desks.actor("supervisor_a")) == []
    assert selectors.open_alerts(actor=desks.actor("local_supervisor")) == [alert]


# -- the banner ------------------------------------------------------------------------------------


def test_the_banner_reads_the_open_alerts_in_one_query_and_nothing_for_a_counsellor(desks):
    chat = taken_chat(desks)
    assess_high(desks, chat)
    with CaptureQueriesContext(connection) as captured:
        found = selectors.open_alerts(actor=desks.actor("supervisor_a"))
    assert [alert.consultation.code for alert in found] == [chat.code]
    assert len(captured.captured_queries) == 1
    assert "consultations_consultationdesk" in captured.captured_queries[0]["sql"]  # on duty, same statement
    with CaptureQueriesContext(connection) as captured:
        assert selectors.open_alerts(actor=desks.actor("local_counsellor")) == []
    assert captured.captured_queries == []


def test_the_banner_is_on_another_staff_page_of_every_supervisor_on_duty_only(desks):
    chat = taken_chat(desks)
    assess_high(desks, chat)
    alert = Alert.objects.get()
    ack_url = reverse("consultations:alert_acknowledge", kwargs={"code": alert.code})
    supervisor = desks.world.client("supervisor_a")
    page = supervisor.get(DOOR).content.decode()
    assert 'id="staff-alerts"' in page and ack_url in page and "consultations/alerts.js" in page
    assert reverse("consultations:consultation", kwargs={"code": chat.code}) in page
    # The first time it reached a supervisor's screen is recorded once.
    supervisor.get(DOOR)
    shown = actions("alert.shown")
    assert len(shown) == 1 and shown[0].detail["via"] == "page"
    # A counsellor sees no banner and loads no script.
    counsellor = desks.world.client("counsellor_a").get(DOOR).content.decode()
    assert 'id="staff-alerts"' not in counsellor and "alerts.js" not in counsellor
    # Off duty (the organisation's desk does not answer the queue): the region, but no alert in it.
    ConsultationDesk.objects.filter(organisation=desks.world.organisations["A"]).update(is_active=False)
    off_duty = supervisor.get(DOOR).content.decode()
    assert ack_url not in off_duty


def test_acknowledging_from_a_page_removes_the_banner_for_every_supervisor(desks):
    chat = taken_chat(desks)
    assess_high(desks, chat)
    alert = Alert.objects.get()
    url = reverse("consultations:alert_acknowledge", kwargs={"code": alert.code})
    supervisor = desks.world.client("supervisor_a")
    answer = supervisor.post(url, {"next": DOOR})
    assert answer.status_code == 302 and answer["Location"] == DOOR
    assert not Alert.objects.get().is_open
    for persona in ("supervisor_a", "local_supervisor"):
        client = desks.world.client(persona) if persona == "supervisor_a" else supervisor_client(desks)
        assert url not in client.get(DOOR).content.decode()
    # An outside address is never followed.
    second = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)
    answer = supervisor_client(desks).post(
        reverse("consultations:alert_acknowledge", kwargs={"code": second.code}), {"next": "https://evil.example/"}
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("consultations:alerts")


def test_an_alert_the_supervisor_may_not_know_of_is_a_404(desks):
    chat = taken_chat(desks)  # the local desk's, not high risk: another organisation may not read it
    alert = services.alert_raise(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED)
    supervisor = desks.world.client("supervisor_a")
    assert supervisor.post(reverse("consultations:alert_acknowledge", kwargs={"code": alert.code})).status_code == 404
    unknown = reverse("consultations:alert_acknowledge", kwargs={"code": uuid.uuid4()})
    assert supervisor.post(unknown).status_code == 404
    assert Alert.objects.get().is_open
    assert str(alert.code) not in supervisor.get(DOOR).content.decode()
    assert str(alert.code) in supervisor_client(desks).get(DOOR).content.decode()


def test_a_counsellor_cannot_acknowledge_through_the_page(desks):
    chat = taken_chat(desks, "counsellor_a")
    assess_high(desks, chat, "counsellor_a")
    alert = Alert.objects.get()
    url = reverse("consultations:alert_acknowledge", kwargs={"code": alert.code})
    assert desks.world.client("counsellor_a").post(url, {"next": DOOR}).status_code == 403
    assert Alert.objects.get().is_open
    assert desks.world.client("supervisor_a").get(url).status_code == 405
    json_answer = desks.world.client("supervisor_a").post(url, HTTP_ACCEPT="application/json")
    assert json_answer.status_code == 200 and json_answer.json() == {"acknowledged": True}


def test_the_alerts_page_and_the_dashboard_list_open_and_acknowledged_alerts(desks):
    chat = taken_chat(desks)
    assess_high(desks, chat)
    supervisor = desks.world.client("supervisor_a")
    dashboard = supervisor.get(reverse("consultations:dashboard")).content.decode()
    assert "data-live-status" not in dashboard  # the old grey line is gone
    alert = Alert.objects.get()
    assert f'id="alert-{alert.code}"' in dashboard
    services.alert_acknowledge(actor=desks.actor("supervisor_a"), alert=alert)
    page = supervisor.get(reverse("consultations:alerts"))
    assert page.status_code == 200
    assert f'id="alert-{alert.code}"' in page.content.decode()
    fragment = supervisor.get(reverse("consultations:alerts") + "?fragment=banner").content.decode()
    assert "data-alert-list" in fragment and str(alert.code) not in fragment


# -- escalation ------------------------------------------------------------------------------------


def test_an_unacknowledged_alert_escalates_once_by_email_and_sms_with_nothing_personal(desks, sms_dir, settings):
    settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES = 3
    said = canary("said")
    chat = taken_chat(desks, body=f"今夜 {said} で死にたい")
    name = canary("name")
    services.person_record(
        actor=desks.actor("local_counsellor"),
        consultation=chat,
        data=services.PersonData(consent_method="oral", name=name, phone="09011112222"),
    )
    on_the_list(desks)
    assess_high(desks, chat)
    alert = Alert.objects.get()
    mail.outbox.clear()

    assert services.alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=2, seconds=59)).escalated == 0
    assert mail.outbox == [] and not sms_dir.exists()

    run = services.alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=3))
    assert (run.escalated, run.emails, run.texts, run.failed) == (1, 1, 1, 0)
    assert services.alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=10)).escalated == 0  # never twice

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["local-supervisor@example.jp"]
    link = settings.TSUNAGU_BASE_URL + reverse("consultations:alerts") + f"#alert-{alert.code}"
    assert link in email.body
    files = list(sms_dir.iterdir())
    assert len(files) == 1
    sms = files[0].read_text(encoding="utf-8")
    assert sms.startswith("To: 09012345678\n") and link in sms
    for text in (email.subject, email.body, sms):
        for secret in (said, name, "09011112222", "死にたい", str(chat.code)):
            assert secret not in text
    assert Alert.objects.get().escalated_at is not None
    emailed, texted = actions("alert.escalated_by_email"), actions("alert.escalated_by_sms")
    assert [e.detail for e in emailed] == [
        {"alert": str(alert.code), "alert_kind": "high_risk", "recipients": 1, "sent": 1}
    ]
    assert [e.detail for e in texted] == [
        {"alert": str(alert.code), "alert_kind": "high_risk", "recipients": 1, "sent": 1}
    ]


def test_an_acknowledged_alert_does_not_escalate(desks, sms_dir):
    on_the_list(desks)
    chat = taken_chat(desks)
    assess_high(desks, chat)
    alert = Alert.objects.get()
    services.alert_acknowledge(actor=desks.actor("local_supervisor"), alert=alert)
    mail.outbox.clear()
    assert services.alerts_escalate(now=alert.raised_at + dt.timedelta(hours=1)).escalated == 0
    assert mail.outbox == [] and not sms_dir.exists()


def test_with_no_list_of_its_own_the_alert_goes_to_the_other_desks_lists(desks, sms_dir):
    on_the_list(desks)  # the local desk's list
    chat = taken_chat(desks, "counsellor_a")  # handled by A, which has no list
    assess_high(desks, chat, "counsellor_a")
    alert = Alert.objects.get()
    mail.outbox.clear()
    run = services.alerts_escalate(now=alert.raised_at + dt.timedelta(minutes=5))
    assert (run.emails, run.texts) == (1, 1)
    assert mail.outbox[0].to == ["local-supervisor@example.jp"]


def test_a_handover_alert_goes_to_both_desks_lists_and_a_high_risk_one_to_the_handlers(desks, sms_dir):
    on_the_list(desks)  # the local desk's list: local_supervisor
    supervisor_a = desks.world.users["supervisor_a"]
    supervisor_a.email = "supervisor-a@example.jp"
    supervisor_a.save()
    services.alert_contacts_save(
        actor=desks.actor("supervisor_a"),
        organisation=desks.world.organisations["A"],
        contacts=[services.ContactData(user=supervisor_a)],
    )
    chat = taken_chat(desks, "counsellor_a")
    high = services.alert_raise(consultation=chat, kind=AlertKind.HIGH_RISK)
    assert [c.user for c in selectors.escalation_contacts(alert=high)] == [supervisor_a]
    Consultation.objects.filter(pk=chat.pk).update(transfer_to=desks.local)  # a handover offered to E
    handover = services.alert_raise(consultation=Consultation.objects.get(pk=chat.pk), kind="transfer_unanswered")
    assert {c.user for c in selectors.escalation_contacts(alert=handover)} == {supervisor_a, desks.local_supervisor}
    mail.outbox.clear()
    run = services.alerts_escalate(now=handover.raised_at + dt.timedelta(minutes=5))
    # Both alerts, each to both lists (the consultation is being handed over when they escalate).
    assert (run.escalated, run.emails, run.texts) == (2, 4, 2)
    assert sorted(address for email in mail.outbox for address in email.to) == [
        "local-supervisor@example.jp",
        "local-supervisor@example.jp",
        "supervisor-a@example.jp",
        "supervisor-a@example.jp",
    ]


def test_the_escalation_command_runs_the_escalation(desks, sms_dir, settings):
    from io import StringIO

    from django.core.management import call_command

    on_the_list(desks)
    chat = taken_chat(desks)
    assess_high(desks, chat)
    Alert.objects.update(raised_at=timezone.now() - dt.timedelta(minutes=settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES))
    mail.outbox.clear()
    out = StringIO()
    call_command("escalate_alerts", stdout=out)
    assert out.getvalue().strip() == "Escalated: 1; e-mails: 1; SMS: 1; not sent: 0"
    assert len(mail.outbox) == 1 and len(list(sms_dir.iterdir())) == 1


# -- the escalation list ---------------------------------------------------------------------------


def test_only_supervisors_go_on_the_list_and_numbers_are_stored_encrypted(desks):
    on_the_list(desks, number="０９０ー１２３４ー５６７８")
    contact = AlertContact.objects.get()
    assert contact.sms_number == "09012345678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT sms_number FROM consultations_alertcontact")
        (stored,) = cursor.fetchone()
    assert "09012345678" not in stored
    with pytest.raises(services.ConsultationError):
        services.alert_contacts_save(
            actor=desks.actor("local_supervisor"),
            organisation=desks.local,
            contacts=[services.ContactData(user=desks.local_counsellor)],
        )
    with pytest.raises(services.Refused):
        services.alert_contacts_save(
            actor=desks.actor("supervisor_a"),
            organisation=desks.local,
            contacts=[services.ContactData(user=desks.local_supervisor)],
        )
    saved = actions("consultation_desk.escalation_list_saved")
    assert [(e.outcome, e.detail) for e in saved] == [
        ("allowed", {"contacts": 1, "with_sms": 1}),
        ("denied", {"reason": "not_desk_manager"}),
    ]


def test_the_escalation_page_saves_the_list_and_refuses_a_bad_number(desks):
    supervisor = desks.world.users["supervisor_a"]
    client = desks.world.client("supervisor_a")
    url = reverse("consultations:escalation")
    page = client.get(url)
    assert page.status_code == 200
    key = supervisor.code.hex
    bad = client.post(url, {f"on_{key}": "on", f"sms_{key}": "090-abcd-5678"})
    assert bad.status_code == 400 and not AlertContact.objects.exists()
    good = client.post(url, {f"on_{key}": "on", f"sms_{key}": "090-1234-5678"})
    assert good.status_code == 302
    assert AlertContact.objects.get().sms_number == "09012345678"
    assert client.post(url, {}).status_code == 302
    assert not AlertContact.objects.exists()


@pytest.mark.parametrize(
    "number",
    ["\x00090-1234-5678", "０９０" * 2000, "090-1234-5678<script>", "+81 (90) 1234", "☎️09012345678", "1" * 16],
)
def test_hostile_numbers_get_a_message_and_change_nothing(desks, number):
    supervisor = desks.world.users["supervisor_a"]
    client = desks.world.client("supervisor_a")
    key = supervisor.code.hex
    answer = client.post(reverse("consultations:escalation"), {f"on_{key}": "on", f"sms_{key}": number})
    assert answer.status_code == 400
    assert "error-summary" in answer.content.decode()
    assert not AlertContact.objects.exists()


def test_a_number_without_the_tick_or_for_someone_else_changes_nothing(desks):
    client = desks.world.client("supervisor_a")
    key = desks.world.users["supervisor_a"].code.hex
    assert client.post(reverse("consultations:escalation"), {f"sms_{key}": "090-1234-5678"}).status_code == 400
    outsider = desks.local_supervisor.code.hex  # not a supervisor of A: not a field of A's form
    assert client.post(reverse("consultations:escalation"), {f"on_{outsider}": "on"}).status_code == 302
    assert not AlertContact.objects.exists()
