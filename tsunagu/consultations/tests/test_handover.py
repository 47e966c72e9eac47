"""The warm transfer (handover) and the supervisor in the conversation (issue: live work that keeps
people safe, findings 1 and 9). Each test failed on the code before: a transfer put the chat back
in the queue with the first counsellor released, and a supervisor who did not handle the chat
wrote to the person as 「相談員」."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import access, selectors, services
from tsunagu.consultations.models import Alert, AlertKind, Consultation, Message, Sender, Status
from tsunagu.consultations.serialisers import conversation_state, messages_json
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def _high_risk_chat(desks: Desks) -> Consultation:
    chat = services.chat_start(address="192.0.2.50", at_risk=False, language="ja").consultation
    services.message_post(consultation=chat, sender=Sender.PERSON, body="今夜、薬をまとめて飲もうと思っています")
    counsellor = desks.actor("counsellor_a")
    assert services.consultation_take(actor=counsellor, consultation=chat)
    services.risk_assess(
        actor=counsellor,
        consultation=chat,
        answers=services.RiskAnswers(suicidal_thoughts=True, plan=True, means=True, imminence=True),
    )
    chat.refresh_from_db()
    return chat


def _person_view(chat: Consultation) -> dict[str, Any]:
    chat.refresh_from_db()
    return {**conversation_state(chat), "messages": messages_json(consultation=chat, after=0)}


def test_a_high_risk_transfer_keeps_the_first_counsellor_and_never_shows_a_queue_position(desks):
    chat = _high_risk_chat(desks)
    first = desks.actor("counsellor_a")
    services.consultation_transfer(
        actor=first,
        consultation=chat,
        to_organisation=desks.local,
        to_user=desks.local_counsellor,
        note="計画と手段あり",
    )
    seen = _person_view(chat)
    assert seen["status"] == Status.ACTIVE and seen["handover"] is True and seen["position"] == 0
    assert seen["messages"][-1]["sender"] == Sender.SYSTEM
    # The first counsellor is still with the person and can still write.
    assert chat.counsellor_id == first.user.pk
    services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="まだここにいますよ", actor=first)
    # The receiver reads the conversation and the note before joining, then joins.
    receiver = desks.actor("local_counsellor")
    assert access.may_read_consultation(receiver, chat) and not access.may_reply(receiver, chat)
    assert services.consultation_take(actor=receiver, consultation=chat)
    chat.refresh_from_db()
    assert chat.counsellor_id == receiver.user.pk and chat.transfer_to_id is None
    assert chat.transfers.get().taken_by_id == receiver.user.pk
    assert not access.may_reply(first, chat) and access.may_read_consultation(first, chat)
    assert _person_view(chat)["handover"] is False
    assert any(m.body == "handover_joined" for m in chat.messages.all())
    assert AuditEvent.objects.filter(action="consultation.handover_joined", target_code=str(chat.code)).exists()


def test_a_high_risk_transfer_to_nobody_by_name_goes_to_the_supervisors(desks):
    chat = _high_risk_chat(desks)
    services.consultation_transfer(
        actor=desks.actor("counsellor_a"), consultation=chat, to_organisation=desks.local, to_user=None, note="至急"
    )
    chat.refresh_from_db()
    assert chat.transfer_to_supervisors
    assert chat not in selectors.handovers_offered(actor=desks.actor("local_counsellor"))
    assert not services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    assert chat in selectors.handovers_offered(actor=desks.actor("local_supervisor"))
    assert services.consultation_take(actor=desks.actor("local_supervisor"), consultation=chat)


def test_a_handover_nobody_joins_escalates_once_and_tells_the_first_counsellor(desks, settings):
    settings.TSUNAGU_HANDOVER_TIMEOUT_SECONDS = 60
    chat = _high_risk_chat(desks)
    services.consultation_transfer(
        actor=desks.actor("counsellor_a"), consultation=chat, to_organisation=desks.local, to_user=None, note="至急"
    )
    assert not services.handover_check(consultation=chat)  # not yet
    assert not Alert.objects.filter(kind=AlertKind.TRANSFER_UNANSWERED).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert services.handovers_check() == 1
        assert services.handovers_check() == 0  # once
    assert Alert.objects.filter(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED).count() == 1
    notice = next(m for m in Message.objects.filter(consultation=chat) if m.body == "handover_unanswered")
    assert notice.staff_only
    # The first counsellor reads it; the person does not.
    staff_view = messages_json(consultation=chat, after=0, staff=True)
    assert notice.seq in [m["seq"] for m in staff_view]
    assert notice.seq not in [m["seq"] for m in _person_view(chat)["messages"]]
    assert AuditEvent.objects.filter(action="consultation.handover_escalated").count() == 1


def test_the_first_counsellor_may_cancel_a_handover_and_closing_ends_it(desks):
    chat = _high_risk_chat(desks)
    first = desks.actor("counsellor_a")
    services.consultation_transfer(
        actor=first, consultation=chat, to_organisation=desks.local, to_user=desks.local_counsellor, note="a"
    )
    with pytest.raises(services.ConsultationError) as twice:
        services.consultation_transfer(
            actor=first, consultation=chat, to_organisation=desks.local, to_user=None, note="b"
        )
    assert twice.value.code == "pending"
    services.handover_cancel(actor=first, consultation=chat)
    chat.refresh_from_db()
    assert chat.transfer_to_id is None and chat.transfers.get().cancelled_at is not None
    assert not services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    services.consultation_transfer(
        actor=first, consultation=chat, to_organisation=desks.local, to_user=desks.local_counsellor, note="c"
    )
    services.consultation_close(actor=first, consultation=chat)
    chat.refresh_from_db()
    assert chat.status == Status.CLOSED and chat.transfer_to_id is None
    assert not chat.transfers.filter(taken_at__isnull=True, cancelled_at__isnull=True).exists()


def test_a_supervisor_writes_to_the_person_only_after_joining_openly(desks):
    chat = _high_risk_chat(desks)
    supervisor = desks.actor("supervisor_a")
    with pytest.raises(services.Refused):
        services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="こんにちは", actor=supervisor)
    assert AuditEvent.objects.filter(action="consultation.message_sent", outcome="denied").exists()
    # A private note reaches staff only.
    note = services.note_post(actor=supervisor, consultation=chat, body="安全計画を先に確認して")
    assert note.staff_only and note.sender == Sender.SUPERVISOR
    assert note.seq not in [m["seq"] for m in _person_view(chat)["messages"]]
    staff_view = {m["seq"]: m for m in messages_json(consultation=chat, after=0, staff=True)}
    assert staff_view[note.seq]["note"] is True and staff_view[note.seq]["author"]
    # Joining openly tells the person; then the supervisor writes as the supervisor.
    assert services.supervisor_join(actor=supervisor, consultation=chat)
    assert not services.supervisor_join(actor=supervisor, consultation=chat)
    sent = services.message_post(
        consultation=chat, sender=Sender.COUNSELLOR, body="スーパーバイザーです", actor=supervisor
    )
    assert sent.sender == Sender.SUPERVISOR
    seen = _person_view(chat)["messages"]
    assert [m["sender"] for m in seen[-2:]] == [Sender.SYSTEM, Sender.SUPERVISOR]
    assert "author" not in seen[-1]  # the person sees the role, never a name


def test_a_counsellor_of_another_organisation_can_neither_note_nor_join(desks):
    chat = _high_risk_chat(desks)
    other = desks.actor("local_counsellor")
    with pytest.raises(services.Refused):
        services.note_post(actor=other, consultation=chat, body="x")
    with pytest.raises(services.Refused):
        services.supervisor_join(actor=desks.actor("local_supervisor"), consultation=chat)


def test_the_scheduler_command_escalates_a_forgotten_handover(desks, settings):
    from io import StringIO

    from django.core.management import call_command

    chat = _high_risk_chat(desks)
    services.consultation_transfer(
        actor=desks.actor("counsellor_a"), consultation=chat, to_organisation=desks.local, to_user=None, note="至急"
    )
    out = StringIO()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.TSUNAGU_HANDOVER_TIMEOUT_SECONDS + 1)):
        call_command("check_handovers", stdout=out)
    assert "1" in out.getvalue()
    assert Alert.objects.filter(consultation=chat, kind=AlertKind.TRANSFER_UNANSWERED).exists()
