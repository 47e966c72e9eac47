"""Retention: past the period after the last contact, personal details are erased and only the
anonymous figures stay; anything more recent is untouched."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import ConsentMethod, Consultation, Message, Person, RiskLevel, Sender
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.directory.models import TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def a_consultation(desks: Desks, *, phone: str) -> Consultation:
    actor = desks.actor("counsellor_a")
    chat = services.chat_start(address="192.0.2.30", at_risk=True, language="ja").consultation
    services.message_post(consultation=chat, sender=Sender.PERSON, body="家族に言えない悩みがあります")
    services.consultation_take(actor=actor, consultation=chat)
    concern = TaxonomyTerm.objects.get(taxonomy__key="concern", key="family-couple")
    services.consultation_record(
        actor=actor,
        consultation=chat,
        data=services.RecordData(concerns=[concern], summary="家族関係の相談", outcomes=["listened"]),
    )
    services.risk_assess(
        actor=actor, consultation=chat, answers=services.RiskAnswers(suicidal_thoughts=True, plan=True), notes="要注意"
    )
    services.person_record(
        actor=actor,
        consultation=chat,
        data=services.PersonData(consent_method=ConsentMethod.ORAL, name="佐藤", phone=phone),
    )
    services.consultation_close(actor=actor, consultation=chat)
    return chat


def test_personal_details_go_after_the_retention_period_and_the_figures_stay(desks, settings):
    settings.TSUNAGU_CONSULTATION_RETENTION_DAYS = 365
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(days=400)):
        old = a_consultation(desks, phone="090-1111-2222")
    recent = a_consultation(desks, phone="090-3333-4444")

    out = StringIO()
    call_command("erase_expired_consultation_data", stdout=out)
    assert "1 people, 1 consultations, 3 messages" in out.getvalue()

    old.refresh_from_db()
    assert old.erased_at is not None and old.summary == "" and old.sender_index == "" and old.chat_secret_index == ""
    assert not Message.objects.filter(consultation=old).exists()
    assert old.assessments.get().notes == ""
    # The anonymous figures are kept.
    assert old.channel == "web_chat" and old.risk_level == RiskLevel.HIGH and old.outcomes == ["listened"]
    assert [t.key for t in old.concerns.all()] == ["family-couple"]
    person = Person.objects.get(pk=old.person_id)
    assert person.erased_at is not None and person.name == "" and person.phone == "" and person.phone_index == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM consultations_person WHERE id = %s", [person.pk])
        assert cursor.fetchone() == ("", "")
    assert selectors.people_with_phone(organisation=desks.world.organisations["A"], phone="09011112222") == []

    recent.refresh_from_db()
    assert recent.erased_at is None and recent.summary == "家族関係の相談"
    assert Message.objects.filter(consultation=recent).exists()
    assert Person.objects.get(pk=recent.person_id).name == "佐藤"
    assert AuditEvent.objects.filter(action="consultation.erased").count() == 1


def test_an_open_consultation_is_never_erased(desks, settings):
    settings.TSUNAGU_CONSULTATION_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - dt.timedelta(days=60)):
        chat = services.chat_start(address="192.0.2.31", at_risk=False, language="ja").consultation
        services.message_post(consultation=chat, sender=Sender.PERSON, body="まだ話しています")
    call_command("erase_expired_consultation_data", stdout=StringIO())
    chat.refresh_from_db()
    assert chat.erased_at is None and chat.messages.count() == 1


def test_an_ended_block_loses_the_senders_hash_with_its_consultation_and_a_current_one_keeps_it(desks, settings):
    settings.TSUNAGU_CONSULTATION_RETENTION_DAYS = 365
    actor = desks.actor("counsellor_a")
    with time_machine.travel(timezone.now() - dt.timedelta(days=400)):
        old = a_consultation(desks, phone="090-5555-6666")
        ended = services.sender_block(actor=actor, consultation=old, days=30, reason="繰り返しの嫌がらせ")
    current_chat = a_consultation(desks, phone="090-7777-8888")
    current = services.sender_block(actor=actor, consultation=current_chat, days=30, reason="嫌がらせ")
    call_command("erase_expired_consultation_data", stdout=StringIO())
    ended.refresh_from_db()
    current.refresh_from_db()
    assert ended.sender_index == "" and ended.reason == ""
    assert current.sender_index != "" and current.reason == "嫌がらせ"
    assert AuditEvent.objects.get(action="consultation.erased").detail["blocks"] == 1
