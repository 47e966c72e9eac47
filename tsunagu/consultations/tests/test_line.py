"""LINE: a message signed like the real platform arrives in the shared queue over real HTTP, a
counsellor's reply goes back through the Messaging API, and bad deliveries change nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import selectors, services
from tsunagu.consultations.models import Channel, Consultation, Message, Sender, Status
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
def test_a_missing_or_wrong_signature_is_refused_with_400_and_audited(platform, desks, webhook, signature):
    body = json.dumps({"destination": "U", "events": [line_platform.text_event(USER, "なりすまし")]}).encode()
    assert platform.post_raw(webhook, body, signature=signature) == 400
    assert not Consultation.objects.exists() and not Message.objects.exists()
    assert AuditEvent.objects.filter(action="consultation.line_webhook_refused", outcome="denied").count() == 1


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
