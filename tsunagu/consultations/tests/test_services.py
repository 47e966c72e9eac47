"""The desks's writes: a chat enters the shared queue, one counsellor takes it, messages are stored
once and in order, a transfer carries its note, risk alerts, calls, people with consent, blocks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from tsunagu.audit.aggregate import refusal_counts_record
from tsunagu.audit.models import AuditEvent, RefusalTally
from tsunagu.consultations import access, selectors, services
from tsunagu.consultations.models import (
    Block,
    Channel,
    ConsentMethod,
    Consultation,
    Message,
    Person,
    RiskLevel,
    Sender,
    Status,
)
from tsunagu.consultations.tests.consultation_data import Desks, make_desks, participate
from tsunagu.core import crypto
from tsunagu.directory.models import TaxonomyTerm

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.10"


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def start(at_risk: bool = False, address: str = ADDRESS) -> services.ChatStarted:
    return services.chat_start(address=address, at_risk=at_risk, language="ja")


def test_a_chat_waits_in_the_queue_with_the_risk_flag_first(desks):
    first = start()
    flagged = start(at_risk=True, address="192.0.2.11")
    waiting = list(selectors.queue(actor=desks.actor("counsellor_a")))
    assert [c.pk for c in waiting] == [flagged.consultation.pk, first.consultation.pk]
    assert selectors.queue_position(flagged.consultation) == 1
    assert selectors.queue_position(first.consultation) == 2
    # Both participating organisations see the same queue.
    assert list(selectors.queue(actor=desks.actor("local_counsellor"))) == waiting
    # The secret is not stored; its keyed hash finds the chat.
    assert first.secret not in str(Consultation.objects.values_list("chat_secret_index", flat=True))
    assert selectors.chat_of_secret(first.secret) == first.consultation
    assert selectors.chat_of_secret("not the secret") is None


def test_outside_every_organisations_hours_no_chat_is_started(desks):
    participate(desks.world.organisations["A"], hours="月～金 9:00～17:00")
    participate(desks.local, hours="月～金 9:00～17:00")
    saturday_night = dt.datetime(2026, 11, 28, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    with pytest.raises(services.ConsultationError) as refused:
        services.chat_start(address=ADDRESS, at_risk=True, language="ja", at=saturday_night)
    assert refused.value.code == "closed"
    assert not Consultation.objects.exists()


def test_anonymous_chat_creation_is_rate_limited_per_address(desks, settings):
    settings.TSUNAGU_CHAT_STARTS_PER_HOUR = 2
    start()
    start()
    with pytest.raises(services.ConsultationError) as refused:
        start()
    assert refused.value.code == "rate"
    assert Consultation.objects.count() == 2
    # Counted, not one audit row per refusal: anyone can ask for chats (issue 15, finding 11).
    refused_rows = AuditEvent.objects.filter(action="consultation.chat_refused", outcome="denied")
    assert not refused_rows.exists()
    assert RefusalTally.objects.get(action="consultation.chat_refused").count == 1
    assert refusal_counts_record(at=timezone.now() + dt.timedelta(hours=1)) == 1
    [row] = refused_rows
    assert row.detail["reason"] == "rate" and row.detail["count"] == 1
    start(address="192.0.2.99")  # another address is not affected


def test_two_counsellors_taking_at_once_exactly_one_wins(desks):
    chat = start().consultation
    assert services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    assert not services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    chat.refresh_from_db()
    assert chat.status == Status.ACTIVE and chat.counsellor == desks.world.users["counsellor_a"]
    assert AuditEvent.objects.filter(action="consultation.taken").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_from_two_connections_give_one_winner(world):
    """Real concurrency: two threads, two database connections, the same contact."""
    desks = make_desks(world)
    for _round in range(5):
        chat = start(address=f"192.0.2.{_round + 50}").consultation
        barrier = threading.Barrier(2)
        results: list[bool] = []
        lock = threading.Lock()

        def take(
            persona: str,
            chat: Consultation = chat,
            barrier: threading.Barrier = barrier,
            results: list[bool] = results,
            lock: threading.Lock = lock,
        ) -> None:
            try:
                barrier.wait()
                won = services.consultation_take(actor=desks.actor(persona), consultation=chat)
                with lock:
                    results.append(won)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=take, args=(p,)) for p in ("counsellor_a", "local_counsellor")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, True], results
        chat.refresh_from_db()
        assert chat.status == Status.ACTIVE
    assert AuditEvent.objects.filter(action="consultation.taken").count() == 5


def test_messages_are_numbered_stored_encrypted_and_a_resend_is_the_same_message(desks):
    chat = start().consultation
    first = services.message_post(consultation=chat, sender=Sender.PERSON, body=" 眠れません<script> ", client_key="k1")
    again = services.message_post(consultation=chat, sender=Sender.PERSON, body=" 眠れません<script> ", client_key="k1")
    assert again.pk == first.pk and first.seq == 1 and first.body == "眠れません<script>"
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM consultations_message WHERE id = %s", [first.pk])
        stored = cursor.fetchone()[0]
    assert "眠れません" not in stored and crypto.decrypt(stored, context="consultations.message.body") == first.body
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    reply = services.message_post(
        consultation=chat, sender=Sender.COUNSELLOR, body="お話を聞かせてください", actor=desks.actor("counsellor_a")
    )
    # 1: the person's message, 2: "a counsellor has joined", 3: the reply.
    assert [m.seq for m in Message.objects.filter(consultation=chat)] == [1, 2, 3] and reply.seq == 3
    audit = AuditEvent.objects.filter(action="consultation.message_sent").order_by("seq")
    assert [e.detail["sender"] for e in audit] == ["person", "counsellor"]
    assert "眠れません" not in str(list(audit.values_list("detail", flat=True)))


@pytest.mark.parametrize(("body", "code"), [("", "empty"), ("   ", "empty"), ("あ" * 2001, "too_long")])
def test_bad_messages_are_refused_and_store_nothing(desks, body, code):
    chat = start().consultation
    with pytest.raises(services.ConsultationError) as refused:
        services.message_post(consultation=chat, sender=Sender.PERSON, body=body)
    assert refused.value.code == code
    assert not Message.objects.exists()


def test_a_counsellor_cannot_reply_before_taking_and_nobody_writes_to_a_closed_chat(desks):
    chat = start().consultation
    with pytest.raises(services.ConsultationError):
        services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="x", actor=desks.actor("counsellor_a"))
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    services.consultation_close(actor=desks.actor("counsellor_a"), consultation=chat)
    with pytest.raises(services.ConsultationError) as refused:
        services.message_post(consultation=chat, sender=Sender.PERSON, body="まだいますか")
    assert refused.value.code == "closed"
    assert selectors.chat_of_secret("") is None


def test_a_warm_transfer_waits_only_for_the_other_organisation_with_its_note(desks):
    started = start()
    chat = started.consultation
    services.message_post(consultation=chat, sender=Sender.PERSON, body="仕事を失って、家賃が払えません")
    counsellor = desks.actor("counsellor_a")
    services.consultation_take(actor=counsellor, consultation=chat)
    with pytest.raises(services.ConsultationError) as refused:
        services.consultation_transfer(
            actor=counsellor, consultation=chat, to_organisation=desks.local, to_user=None, note=" "
        )
    assert refused.value.code == "note"
    services.consultation_transfer(
        actor=counsellor,
        consultation=chat,
        to_organisation=desks.local,
        to_user=None,
        note="住まいの相談。地元の支援へ",
    )
    chat.refresh_from_db()
    # Warm: the first counsellor stays until the receiver joins; it is offered, not queued.
    assert chat.status == Status.ACTIVE and chat.counsellor == counsellor.user and chat.transfer_to == desks.local
    assert chat not in selectors.queue(actor=desks.actor("local_counsellor"))
    assert chat in selectors.handovers_offered(actor=desks.actor("local_counsellor"))
    assert chat not in selectors.handovers_offered(actor=desks.actor("supervisor_a"))  # not for A's organisation
    assert not services.consultation_take(actor=desks.actor("supervisor_a"), consultation=chat)
    local = desks.actor("local_counsellor")
    assert services.consultation_take(actor=local, consultation=chat)
    chat.refresh_from_db()
    assert chat.organisation == desks.local
    # The new counsellor reads everything said so far and the note; the first organisation keeps
    # its view of what it recorded, but can no longer write.
    assert access.may_read_consultation(local, chat) and access.may_write_consultation(local, chat)
    assert access.may_read_consultation(counsellor, chat) and not access.may_write_consultation(counsellor, chat)
    assert chat.transfers.get().note == "住まいの相談。地元の支援へ"
    assert chat.transfers.get().taken_at is not None
    texts = [m.body for m in chat.messages.all()]
    assert texts[0] == "仕事を失って、家賃が払えません" and "transferred" in texts


def test_a_transfer_to_one_named_counsellor_is_theirs_alone(desks):
    chat = start().consultation
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    services.consultation_transfer(
        actor=desks.actor("counsellor_a"),
        consultation=chat,
        to_organisation=desks.local,
        to_user=desks.local_supervisor,
        note="スーパーバイザーにお願いします",
    )
    assert chat not in selectors.handovers_offered(actor=desks.actor("local_counsellor"))
    assert not services.consultation_take(actor=desks.actor("local_counsellor"), consultation=chat)
    assert services.consultation_take(actor=desks.actor("local_supervisor"), consultation=chat)


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({}, RiskLevel.LOW),
        ({"violence_at_home": True}, RiskLevel.MEDIUM),
        ({"suicidal_thoughts": True}, RiskLevel.MEDIUM),
        ({"suicidal_thoughts": True, "plan": True}, RiskLevel.HIGH),
        ({"child_at_risk": True}, RiskLevel.HIGH),
        ({"suicidal_thoughts": True, "plan": True, "means": True, "imminence": True}, RiskLevel.IMMINENT),
        ({"medical_emergency": True}, RiskLevel.IMMINENT),
    ],
)
def test_the_risk_level_follows_the_answers(desks, answers, level):
    chat = start().consultation
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)
    assessment = services.risk_assess(
        actor=desks.actor("counsellor_a"), consultation=chat, answers=services.RiskAnswers(**answers)
    )
    chat.refresh_from_db()
    assert assessment.level == level == chat.risk_level
    assert chat.risk_flag == (level >= RiskLevel.HIGH)


def test_a_counsellor_may_raise_the_level_but_never_lower_it(desks):
    chat = start().consultation
    actor = desks.actor("counsellor_a")
    services.consultation_take(actor=actor, consultation=chat)
    raised = services.risk_assess(
        actor=actor, consultation=chat, answers=services.RiskAnswers(), raise_to=RiskLevel.HIGH
    )
    assert raised.level == RiskLevel.HIGH
    kept = services.risk_assess(
        actor=actor,
        consultation=chat,
        answers=services.RiskAnswers(suicidal_thoughts=True, plan=True),
        raise_to=RiskLevel.LOW,
    )
    assert kept.level == RiskLevel.HIGH


def test_high_risk_is_seen_by_every_supervisor_and_each_step_is_recorded_with_its_time(desks):
    chat = start().consultation
    local = desks.actor("local_counsellor")
    services.consultation_take(actor=local, consultation=chat)
    services.risk_assess(
        actor=local, consultation=chat, answers=services.RiskAnswers(suicidal_thoughts=True, plan=True, means=True)
    )
    # A's supervisor sees the open high-risk contact of another organisation; A's counsellor does not.
    assert access.may_read_consultation(desks.actor("supervisor_a"), chat)
    assert not access.may_read_consultation(desks.actor("counsellor_a"), chat)
    assert not access.may_write_consultation(desks.actor("supervisor_a"), chat)
    assert [c.pk for c in selectors.dashboard(actor=desks.actor("supervisor_a")).high_risk] == [chat.pk]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        services.risk_step_record(actor=local, consultation=chat, step="called_119", note="救急要請")
    step = chat.risk_steps.get()
    assert step.step == "called_119" and step.taken_at > chat.started_at
    services.consultation_close(actor=local, consultation=chat)
    assert not access.may_read_consultation(desks.actor("supervisor_a"), chat)  # closed: back to its organisation


def test_a_logged_call_appears_in_the_same_list_as_chats(desks):
    actor = desks.actor("counsellor_a")
    chat = start().consultation
    services.consultation_take(actor=actor, consultation=chat)
    now = timezone.now()
    concern = TaxonomyTerm.objects.get(taxonomy__key="concern", key="loneliness-talk")
    call = services.call_log(
        actor=actor,
        data=services.CallData(
            started_at=now - dt.timedelta(minutes=20), ended_at=now, concerns=[concern], outcomes=["listened"]
        ),
    )
    assert call.channel == Channel.PHONE and call.status == Status.CLOSED
    assert {c.pk for c in selectors.recent(actor=actor)} == {chat.pk, call.pk}
    with pytest.raises(services.ConsultationError):
        services.call_log(actor=actor, data=services.CallData(started_at=now, ended_at=now - dt.timedelta(minutes=1)))


def test_a_person_is_recorded_only_with_consent_encrypted_and_found_again_by_phone(desks):
    actor = desks.actor("counsellor_a")
    chat = start().consultation
    services.consultation_take(actor=actor, consultation=chat)
    with pytest.raises(services.ConsultationError):
        services.person_record(actor=actor, consultation=chat, data=services.PersonData(consent_method="", name="山田"))
    person = services.person_record(
        actor=actor,
        consultation=chat,
        data=services.PersonData(consent_method=ConsentMethod.ORAL, name="山田 花子", phone="090-1234-5678"),
    )
    assert person.consent_taken_by == desks.world.users["counsellor_a"] and person.consent_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, phone_index FROM consultations_person WHERE id = %s", [person.pk])
        name, phone, index = cursor.fetchone()
    assert "山田" not in name and "5678" not in phone and "5678" not in index
    # Re-contact: the same number written another way finds the person, in this organisation only.
    assert selectors.people_with_phone(organisation=actor.organisation, phone="０９０１２３４５６７８") == [person]
    assert selectors.people_with_phone(organisation=desks.local, phone="09012345678") == []
    event = AuditEvent.objects.get(action="person.recorded")
    assert event.detail == {"fields": ["name", "phone"], "consent": "oral"}


def test_a_harassing_sender_is_blocked_for_a_period(desks):
    chat = start().consultation
    actor = desks.actor("counsellor_a")
    services.consultation_take(actor=actor, consultation=chat)
    with pytest.raises(services.ConsultationError):
        services.sender_block(actor=actor, consultation=chat, days=7, reason="")
    services.sender_block(actor=actor, consultation=chat, days=7, reason="繰り返しの嫌がらせ")
    with pytest.raises(services.ConsultationError) as refused:
        start()
    assert refused.value.code == "blocked"
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert start().consultation
    assert Block.objects.get().reason == "繰り返しの嫌がらせ"


def test_a_person_who_leaves_while_waiting_leaves_the_queue(desks):
    chat = start().consultation
    services.chat_end_by_person(consultation=chat)
    chat.refresh_from_db()
    assert chat.status == Status.CLOSED and chat.ended_by_person and chat.counsellor is None
    assert not selectors.queue(actor=desks.actor("counsellor_a")).exists()
    assert Person.objects.count() == 0
