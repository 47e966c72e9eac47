"""LINE: a message signed like the real platform arrives in the shared queue over real HTTP, a
counsellor's reply goes back through the Messaging API, and bad deliveries change nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.accounts.policy import Actor, Role
from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory, add_totp
from tsunagu.accounts.tests.personas import sign_in
from tsunagu.audit.aggregate import refusal_counts_record
from tsunagu.audit.models import AuditEvent, RefusalTally
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import Channel, Consultation, Message, Sender, Status
from tsunagu.consultations.serialisers import message_json
from tsunagu.consultations.tests import line_platform
from tsunagu.consultations.tests.consultation_data import Desks, make_desks, participate

pytestmark = pytest.mark.django_db(transaction=True)

USER = "U4af4980629ab1234567890abcdef0123"


@pytest.fixture
def platform(settings) -> Iterator[line_platform.Platform]:
    fake = line_platform.start()
    settings.LINE_CHANNEL_SECRET = line_platform.CHANNEL_SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = line_platform.ACCESS_TOKEN
    settings.LINE_API_BASE = fake.base
    yield fake
    assert fake.server is not None
    fake.server.shutdown()


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


@pytest.fixture
def webhook(live_server) -> str:
    return f"{live_server.url}/integrations/line/webhook/"


def test_a_signed_message_enters_the_queue_and_the_reply_goes_back(platform, desks, webhook):
    assert platform.deliver(webhook, [line_platform.text_event(USER, "だれかと話したいです")]) == 200
    chat = Consultation.objects.get()
    assert chat.channel == Channel.LINE and chat.status == Status.WAITING
    assert chat in selectors.queue(actor=desks.actor("local_counsellor"))
    assert chat.line_user_id == USER and USER not in chat.line_user_index
    # The same user writes again: the same conversation.
    platform.deliver(webhook, [line_platform.text_event(USER, "いま大丈夫ですか")])
    assert [m.body for m in Message.objects.filter(consultation=chat)] == ["だれかと話したいです", "いま大丈夫ですか"]

    counsellor = desks.actor("local_counsellor")
    services.consultation_take(actor=counsellor, consultation=chat)
    reply = services.message_post(
        consultation=chat, sender=Sender.COUNSELLOR, body="こんばんは。お話を聞きます。", actor=counsellor
    )
    assert [(p["to"], p["messages"]) for p in platform.pushed] == [
        (USER, [{"type": "text", "text": "こんばんは。お話を聞きます。"}])
    ]
    assert f"Bearer {line_platform.ACCESS_TOKEN}" in platform.tokens
    reply.refresh_from_db()
    assert reply.delivery == "sent"


def test_a_reply_the_platform_refuses_is_kept_and_marked(platform, desks, webhook):
    platform.deliver(webhook, [line_platform.text_event(USER, "こんにちは")])
    chat = Consultation.objects.get()
    counsellor = desks.actor("counsellor_a")
    services.consultation_take(actor=counsellor, consultation=chat)
    platform.refuse_push = True
    reply = services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="届かない返信", actor=counsellor)
    reply.refresh_from_db()
    assert reply.delivery == "failed" and reply.body == "届かない返信"


def test_a_redelivered_event_is_stored_once(platform, desks, webhook):
    event = line_platform.text_event(USER, "ねむれない")
    assert platform.deliver(webhook, [event]) == 200
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert platform.deliver(webhook, [again]) == 200
    assert Message.objects.count() == 1


@pytest.mark.parametrize("signature", [None, "", "AAAA", line_platform.sign(b"another body")])
def test_a_missing_or_wrong_signature_is_refused_with_400_and_counted(platform, desks, webhook, signature):
    body = json.dumps({"destination": "U", "events": [line_platform.text_event(USER, "なりすまし")]}).encode()
    assert platform.post_raw(webhook, body, signature=signature) == 400
    assert not Consultation.objects.exists() and not Message.objects.exists()
    # Counted, and in the audit trail once its hour has passed, as one row per source and hour
    # (test_refused_deliveries_are_audited_in_aggregate_and_limited), never one per delivery.
    [tally] = RefusalTally.objects.all()
    assert (tally.action, tally.reason, tally.count) == ("consultation.line_webhook_refused", "signature", 1)
    assert not AuditEvent.objects.filter(action="consultation.line_webhook_refused").exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"events": "nope"}', b'{"events": [{"type": "message"}]}', b'{"events": ['],
)
def test_a_malformed_payload_is_refused_with_400_and_changes_nothing(platform, desks, webhook, body):
    assert platform.post_raw(webhook, body, signature=line_platform.sign(body)) == 400
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="consultation.").exists()


def test_a_sticker_is_noted_and_a_long_message_is_kept_whole_in_pieces(platform, desks, webhook):
    platform.deliver(webhook, [line_platform.sticker_event(USER)])
    platform.deliver(webhook, [line_platform.text_event(USER, "あ" * 4500)])
    bodies = [m.body for m in Message.objects.order_by("seq")]
    assert bodies[0] == "[sticker]"
    assert "".join(bodies[1:]) == "あ" * 4500 and len(bodies) == 4


def test_outside_every_organisations_hours_the_user_is_given_the_24_hour_lines(platform, world, webhook):
    participate(world.organisations["A"], hours="第5日曜 3:00～3:01")
    platform.deliver(webhook, [line_platform.text_event(USER, "だれかいますか")])
    assert not Consultation.objects.exists()
    assert len(platform.replied) == 1
    text = platform.replied[0]["messages"][0]["text"]
    assert "110" in text and "119" in text


def test_a_blocked_line_user_is_kept_out(platform, desks, webhook):
    platform.deliver(webhook, [line_platform.text_event(USER, "いやがらせ")])
    chat = Consultation.objects.get()
    counsellor = desks.actor("counsellor_a")
    services.consultation_take(actor=counsellor, consultation=chat)
    services.sender_block(actor=counsellor, consultation=chat, days=30, reason="繰り返しの暴言")
    services.consultation_close(actor=counsellor, consultation=chat)
    platform.deliver(webhook, [line_platform.text_event(USER, "また来ました")])
    assert Consultation.objects.count() == 1
    assert AuditEvent.objects.filter(action="consultation.line_refused").count() == 1


def test_without_configuration_the_webhook_does_not_exist(settings, world, live_server):
    settings.LINE_CHANNEL_SECRET = ""
    body = b"{}"
    status = line_platform.Platform.post_raw(
        f"{live_server.url}/integrations/line/webhook/", body, signature=line_platform.sign(body)
    )
    assert status == 404


# -- a reply LINE did not accept: shown, sent again, counted (issue 14, finding 6) -----------------


def _ja(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


def _failed_reply(platform, desks, webhook) -> tuple[Consultation, Message]:
    platform.deliver(webhook, [line_platform.text_event(USER, "こんにちは")])
    chat = Consultation.objects.get()
    counsellor = desks.actor("counsellor_a")
    services.consultation_take(actor=counsellor, consultation=chat)
    platform.refuse_push = True
    reply = services.message_post(consultation=chat, sender=Sender.COUNSELLOR, body="届かない返信", actor=counsellor)
    return chat, reply


def _retry_url(chat: Consultation, seq: int) -> str:
    return reverse("consultations:line_reply_retry", kwargs={"code": chat.code, "seq": seq})


def _retried_rows() -> list[dict[str, object]]:
    rows = AuditEvent.objects.filter(action="consultation.line_reply_retried", outcome="allowed").order_by("seq")
    return [row.detail for row in rows]


def test_a_refused_reply_is_shown_as_failed_and_a_retry_the_platform_accepts_marks_it_sent(platform, desks, webhook):
    chat, reply = _failed_reply(platform, desks, webhook)
    # What the sender's acknowledgement carries (the socket answers with this very instance).
    assert reply.delivery == "failed"
    assert message_json(reply)["delivery"] == "failed"

    client = desks.world.client("counsellor_a")
    page = client.get(reverse("consultations:consultation", kwargs={"code": chat.code})).content.decode()
    item = re.search(rf'<li class="chat-counsellor" data-seq="{reply.seq}">.*?</li>', page, re.S)
    assert item is not None
    assert 'data-delivery="failed"' in item.group(0) and _ja("Could not be sent") in item.group(0)
    assert f'action="{_retry_url(chat, reply.seq)}"' in item.group(0) and _ja("Send again") in item.group(0)
    live = client.get(reverse("consultations:messages", kwargs={"code": chat.code})).json()
    assert {m["seq"]: m["delivery"] for m in live["messages"] if m["delivery"]} == {reply.seq: "failed"}
    assert not platform.pushed

    platform.refuse_push = False
    response = client.post(_retry_url(chat, reply.seq), follow=True)
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.delivery == "sent"
    assert [(p["to"], p["messages"]) for p in platform.pushed] == [(USER, [{"type": "text", "text": "届かない返信"}])]
    assert _retried_rows() == [{"seq": reply.seq, "delivery": "sent"}]
    assert 'data-delivery="failed"' not in response.content.decode()

    # Sent once: a second retry (a double click, a stale page) is refused cleanly and sends nothing.
    again = client.post(_retry_url(chat, reply.seq), follow=True)
    assert again.status_code == 200
    assert _ja("This reply has already been delivered.") in again.content.decode()
    assert len(platform.pushed) == 1 and len(_retried_rows()) == 1


def test_a_retry_the_platform_refuses_again_stays_failed_and_is_audited(platform, desks, webhook):
    chat, reply = _failed_reply(platform, desks, webhook)
    client = desks.world.client("supervisor_a")  # a supervisor of the handling organisation may retry
    response = client.post(_retry_url(chat, reply.seq), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["delivered"] is False and answer["message"]["delivery"] == "failed" and answer["text"]
    reply.refresh_from_db()
    assert reply.delivery == "failed" and not platform.pushed
    assert _retried_rows() == [{"seq": reply.seq, "delivery": "failed"}]


def test_only_the_handler_or_a_supervisor_may_send_a_reply_again(platform, desks, webhook):
    chat, reply = _failed_reply(platform, desks, webhook)
    platform.refuse_push = False
    colleague = UserFactory(username="colleague-a")
    MembershipFactory(user=colleague, organisation=desks.world.organisations["A"], role=Role.COUNSELLOR)
    add_totp(colleague)
    client = Client()
    sign_in(client, colleague, organisation=desks.world.organisations["A"])
    denied = AuditEvent.objects.filter(outcome="denied").count()
    assert client.post(_retry_url(chat, reply.seq)).status_code == 403
    assert AuditEvent.objects.filter(outcome="denied").count() == denied + 1
    # The service asks the rule too (it has other callers than the page).
    actor = Actor(user=colleague, organisation=desks.world.organisations["A"], roles=frozenset({Role.COUNSELLOR}))
    with pytest.raises(services.Refused):
        services.line_reply_retry(actor=actor, consultation=chat, seq=reply.seq)
    assert AuditEvent.objects.filter(action="consultation.line_reply_retried", outcome="denied").count() == 1
    # Another organisation's counsellor may not know the conversation exists.
    other = desks.world.client("counsellor_a")
    sign_in(other, desks.local_counsellor, organisation=desks.local)
    assert other.post(_retry_url(chat, reply.seq)).status_code == 404
    reply.refresh_from_db()
    assert reply.delivery == "failed" and not platform.pushed and not _retried_rows()


@pytest.mark.parametrize("offset", [-1, 1, 2**31, 10**30])
def test_what_is_not_a_failed_reply_is_refused_with_a_message(platform, desks, webhook, offset):
    """The person's message before it, a number after the last, numbers beyond any integer column."""
    chat, reply = _failed_reply(platform, desks, webhook)
    seq = reply.seq + offset
    platform.refuse_push = False
    client = desks.world.client("counsellor_a")
    response = client.post(_retry_url(chat, seq), follow=True)
    assert response.status_code == 200
    assert _ja("There is no LINE reply to send again here.") in response.content.decode()
    json_answer = client.post(_retry_url(chat, seq), HTTP_ACCEPT="application/json")
    assert json_answer.status_code == 400 and json_answer.json()["error"]
    reply.refresh_from_db()
    assert reply.delivery == "failed" and not platform.pushed and not _retried_rows()


def test_a_retry_under_way_or_a_closed_conversation_is_refused(platform, desks, webhook):
    chat, reply = _failed_reply(platform, desks, webhook)
    platform.refuse_push = False
    counsellor = desks.actor("counsellor_a")
    Message.objects.filter(pk=reply.pk).update(delivery="sending")  # another retry holds it
    with pytest.raises(services.ConsultationError) as under_way:
        services.line_reply_retry(actor=counsellor, consultation=chat, seq=reply.seq)
    assert under_way.value.code == "in_progress"
    Message.objects.filter(pk=reply.pk).update(delivery="failed")
    services.consultation_close(actor=counsellor, consultation=chat)
    with pytest.raises(services.ConsultationError) as closed:
        services.line_reply_retry(actor=counsellor, consultation=chat, seq=reply.seq)
    assert closed.value.code == "closed"
    assert not platform.pushed and not _retried_rows()


def test_the_dashboard_counts_replies_not_delivered(platform, desks, webhook):
    chat, reply = _failed_reply(platform, desks, webhook)
    supervisor = desks.world.client("supervisor_a")
    dashboard = reverse("consultations:dashboard")
    for url in (dashboard, f"{dashboard}?fragment=1"):
        page = supervisor.get(url).content.decode()
        assert re.search(r'<dd data-figure="line-failed">1</dd>', page)
        assert reverse("consultations:consultation", kwargs={"code": chat.code}) in page
    # Another organisation's supervisor counts only their own.
    local = Client()
    sign_in(local, desks.local_supervisor, organisation=desks.local)
    assert re.search(r'<dd data-figure="line-failed">0</dd>', local.get(dashboard).content.decode())

    platform.refuse_push = False
    services.line_reply_retry(actor=desks.actor("counsellor_a"), consultation=chat, seq=reply.seq)
    assert re.search(r'<dd data-figure="line-failed">0</dd>', supervisor.get(dashboard).content.decode())


def test_refused_deliveries_are_audited_in_aggregate_and_limited(platform, desks, webhook, settings):
    """Anyone can post unsigned deliveries: each is counted, a source over the limit per minute gets
    429 for them, and the trail gets one row for the hour. LINE's own, signed, are always answered."""
    settings.TSUNAGU_MACHINE_REFUSALS_PER_MINUTE = 5
    body = json.dumps({"destination": "U", "events": [line_platform.text_event(USER, "なりすまし")]}).encode()
    at = dt.datetime(2026, 12, 7, 22, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    with time_machine.travel(at, tick=False):
        answers = [platform.post_raw(webhook, body, signature="AAAA") for _ in range(7)]
        assert answers == [400] * 5 + [429] * 2
        # Over the limit, a signed delivery from the same source is still answered.
        assert platform.deliver(webhook, [line_platform.text_event(USER, "こんにちは")]) == 200
    assert Message.objects.count() == 1  # the signed one only
    assert not AuditEvent.objects.filter(action="consultation.line_webhook_refused").exists()
    with time_machine.travel(at + dt.timedelta(hours=1), tick=False):
        assert refusal_counts_record() == 1
    [row] = AuditEvent.objects.filter(action="consultation.line_webhook_refused")
    assert row.outcome == "denied" and row.ip is None
    assert (row.detail["count"], row.detail["over_limit"], row.detail["reason"]) == (7, 2, "signature")
