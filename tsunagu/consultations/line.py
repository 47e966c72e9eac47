"""LINE Messaging API: the webhook's signature and events, and replies, with the official SDK.

The channel secret and access token come from the environment (LINE_CHANNEL_SECRET,
LINE_CHANNEL_ACCESS_TOKEN). LINE_API_BASE points the SDK elsewhere (the tests' loopback server that
plays the LINE platform); in production it stays https://api.line.me.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent

logger = logging.getLogger(__name__)

#: LINE's limit for one text message.
LINE_TEXT_MAX = 5000


class BadSignature(Exception):
    pass


class BadPayload(Exception):
    pass


@dataclass(frozen=True)
class Incoming:
    """One message a LINE user sent: who, what, and the ids that make a redelivery recognisable."""

    event_id: str
    user_id: str
    text: str  # the text, or a short note for a sticker, image …
    reply_token: str
    is_text: bool


def configured() -> bool:
    return bool(settings.LINE_CHANNEL_SECRET and settings.LINE_CHANNEL_ACCESS_TOKEN)


def parse(body: str, signature: str) -> list[Incoming]:
    """The message events of a webhook delivery; anything else in it (follows, reads …) is ignored."""
    if not signature:
        raise BadSignature("missing")
    parser = WebhookParser(settings.LINE_CHANNEL_SECRET)
    try:
        events = parser.parse(body, signature)
    except InvalidSignatureError as exc:
        raise BadSignature("invalid") from exc
    except Exception as exc:
        raise BadPayload(type(exc).__name__) from exc
    found = []
    for event in events:
        if not isinstance(event, MessageEvent) or event.source is None:
            continue
        user_id = getattr(event.source, "user_id", None)
        if not user_id or not event.webhook_event_id:
            continue
        message = event.message
        is_text = isinstance(message, TextMessageContent)
        text = message.text if is_text else f"[{getattr(message, 'type', 'message')}]"
        found.append(
            Incoming(
                event_id=str(event.webhook_event_id),
                user_id=str(user_id),
                text=str(text),
                reply_token=str(event.reply_token or ""),
                is_text=is_text,
            )
        )
    return found


def _api() -> tuple[ApiClient, MessagingApi]:
    configuration = Configuration(host=settings.LINE_API_BASE, access_token=settings.LINE_CHANNEL_ACCESS_TOKEN)
    client = ApiClient(configuration)
    return client, MessagingApi(client)


def push(user_id: str, text: str) -> bool:
    """Send a counsellor's reply. False when the platform refused it or could not be reached."""
    client, api = _api()
    try:
        with client:
            api.push_message(PushMessageRequest(to=user_id, messages=[TextMessage(text=text[:LINE_TEXT_MAX])]))
    except Exception:  # noqa: BLE001 - the reply is kept and marked as not delivered
        logger.warning("LINE push failed")
        return False
    return True


def reply(reply_token: str, text: str) -> bool:
    """Answer a webhook event (used to give the 24-hour lines when nobody is on duty)."""
    if not reply_token:
        return False
    client, api = _api()
    try:
        with client:
            api.reply_message(
                ReplyMessageRequest(replyToken=reply_token, messages=[TextMessage(text=text[:LINE_TEXT_MAX])])
            )
    except Exception:  # noqa: BLE001
        logger.warning("LINE reply failed")
        return False
    return True
