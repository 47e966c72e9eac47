"""Ending a consultation, transferring it and blocking its sender ask first (issue 14, finding 7).

Without JavaScript, the POST without ``confirmed=1`` changes nothing and answers with the confirm
step page (tsunagu/core/confirm.py): the question, what will happen, the submitted fields repeated
in the body, 「確定する」 and 「戻る」. Pressing 「確定する」 there does the action. The access door
comes first: someone who may not know the consultation still gets 404, not a confirm page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import services
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.models import Block, Consultation, Message, Status, Transfer
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.core.tests.confirm_step import press, read_confirm_step

pytestmark = pytest.mark.django_db

NOTE = "夜間の不眠と孤独感。見守りを続けてください"
REASON = "同じ内容の嫌がらせが続いている"


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def chat(desks: Desks) -> Consultation:
    started = services.chat_start(address="192.0.2.10", at_risk=False, language="ja")
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=started.consultation)
    return Consultation.objects.get(pk=started.consultation.pk)


def ja(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


def url(name: str, chat: Consultation) -> str:
    return reverse(f"consultations:{name}", kwargs={"code": chat.code})


def audited(action: ConsultationAction) -> int:
    return AuditEvent.objects.filter(action=action.value, outcome="allowed").count()


def test_ending_asks_first_and_only_the_confirmation_ends_it(desks, chat):
    counsellor = desks.world.client("counsellor_a")
    said = Message.objects.filter(consultation=chat).count()
    asked = counsellor.post(url("close", chat))
    assert asked.status_code == 200
    html = asked.content.decode()
    step = read_confirm_step(html)
    assert step is not None and step.heading == ja("End this consultation?")
    assert (
        escape(
            ja("The consultation ends and cannot be reopened. In a chat or on LINE, the person is told it has ended.")
        )
        in html
    )
    assert step.action == url("close", chat)  # the same POST again, nothing in a query string
    chat.refresh_from_db()
    assert chat.status == Status.ACTIVE and chat.ended_at is None
    assert audited(ConsultationAction.CLOSED) == 0
    assert Message.objects.filter(consultation=chat).count() == said  # the person was told nothing
    # 「戻る」 is a link back to the conversation: nothing to post.
    assert step.back_link == url("consultation", chat)
    # Only "1" confirms: any other value is asked again.
    assert read_confirm_step(counsellor.post(url("close", chat), {"confirmed": "yes"}).content.decode()) is not None

    done = press(counsellor, step, ja_confirm())
    assert done.status_code == 302
    chat.refresh_from_db()
    assert chat.status == Status.CLOSED
    assert audited(ConsultationAction.CLOSED) == 1


def ja_confirm() -> str:
    with translation.override("ja"):
        return translation.pgettext("confirm step", "Confirm")


def test_transferring_asks_first_repeats_the_note_in_the_body_and_then_transfers(desks, chat):
    counsellor = desks.world.client("counsellor_a")
    entries = {"transfer-to_organisation": str(desks.local.code), "transfer-note": NOTE}
    asked = counsellor.post(url("transfer", chat), entries)
    assert asked.status_code == 200
    html = asked.content.decode()
    step = read_confirm_step(html)
    assert step is not None and step.heading == ja("Transfer this consultation?")
    assert desks.local.name in html  # to whom, said in words
    assert ("transfer-note", NOTE) in step.fields and ("transfer-to_organisation", str(desks.local.code)) in step.fields
    assert NOTE not in step.action and "?" not in step.action
    assert not Transfer.objects.exists()
    chat.refresh_from_db()
    assert chat.transfer_to is None and audited(ConsultationAction.TRANSFERRED) == 0

    done = press(counsellor, step, ja_confirm())
    assert done.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.note == NOTE and transfer.to_organisation == desks.local
    assert audited(ConsultationAction.TRANSFERRED) == 1


def test_a_transfer_without_a_note_is_told_at_once_not_asked(desks, chat):
    counsellor = desks.world.client("counsellor_a")
    response = counsellor.post(
        url("transfer", chat), {"transfer-to_organisation": "", "transfer-note": ""}, follow=True
    )
    assert read_confirm_step(response.content.decode()) is None
    assert not Transfer.objects.exists()


def test_blocking_asks_first_with_the_days_and_then_blocks(desks, chat):
    counsellor = desks.world.client("counsellor_a")
    asked = counsellor.post(url("block", chat), {"block-days": "3", "block-reason": REASON})
    assert asked.status_code == 200
    step = read_confirm_step(asked.content.decode())
    assert step is not None and step.heading == ja("Block this sender?")
    assert ("block-reason", REASON) in step.fields and ("block-days", "3") in step.fields
    assert not Block.objects.exists() and audited(ConsultationAction.SENDER_BLOCKED) == 0
    # The same chat can still start again from that address: nothing was blocked.
    services.chat_start(address="192.0.2.10", at_risk=False, language="ja")

    done = press(counsellor, step, ja_confirm())
    assert done.status_code == 302
    block = Block.objects.get()
    assert block.reason == REASON and block.consultation == chat
    with pytest.raises(services.ConsultationError):
        services.chat_start(address="192.0.2.10", at_risk=False, language="ja")


def test_bad_block_input_is_told_at_once_not_asked(desks, chat):
    counsellor = desks.world.client("counsellor_a")
    response = counsellor.post(url("block", chat), {"block-days": "400", "block-reason": REASON}, follow=True)
    assert read_confirm_step(response.content.decode()) is None
    assert not Block.objects.exists()


@pytest.mark.parametrize("name", ["close", "transfer", "block"])
def test_the_door_comes_before_the_question(desks, chat, name):
    """Another organisation's counsellor gets the same 404 as for any consultation it may not know,
    with its one denied row: the confirm page never tells that the consultation exists."""
    outsider = Client()
    sign_in(outsider, desks.local_counsellor, organisation=desks.local)
    data = {"transfer-to_organisation": str(desks.local.code), "transfer-note": NOTE, "block-days": "3"}
    before = AuditEvent.objects.filter(outcome="denied").count()
    response = outsider.post(url(name, chat), {**data, "block-reason": REASON})
    assert response.status_code == 404
    assert read_confirm_step(response.content.decode()) is None
    assert AuditEvent.objects.filter(outcome="denied").count() == before + 1
    chat.refresh_from_db()
    assert chat.status == Status.ACTIVE and not Transfer.objects.exists() and not Block.objects.exists()


def test_the_consultation_page_marks_the_three_forms_for_the_dialog(desks, chat):
    html = desks.world.client("counsellor_a").get(url("consultation", chat)).content.decode()
    for name, question in (
        ("close", "End this consultation?"),
        ("transfer", "Transfer this consultation?"),
        ("block", "Block this sender?"),
    ):
        assert f'action="{url(name, chat)}"' in html
        form = html.split(f'action="{url(name, chat)}"', 1)[1].split(">", 1)[0]
        assert f'data-confirm="{escape(ja(question))}"' in form
        assert "data-confirm-detail=" in form
