"""How a conversation is shown, as JSON, to the pages and the WebSocket consumers alike (neither
imports the other: both import this)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations import selectors
from tsunagu.consultations.models import Consultation, Message, Sender

#: System messages are stored as keys and shown in the reader's language.
SYSTEM_MESSAGES = {
    "taken": _("A counsellor has joined the chat."),
    "transferred": _(
        "Another counsellor will continue. They have been told what you said, so you do not need to repeat it."
    ),
    "person_left": _("The person has left the chat."),
    "closed": _("The chat has ended. Thank you for talking with us."),
}


def message_text(message: Message) -> str:
    if message.sender == Sender.SYSTEM:
        text = SYSTEM_MESSAGES.get(message.body)
        return str(text) if text is not None else ""  # a lazy translation, in the active language
    return str(message.body)


def message_json(message: Message) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "sender": message.sender,
        "text": message_text(message),
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


def messages_json(*, consultation: Consultation, after: int, limit: int = 200) -> list[dict[str, Any]]:
    return [message_json(m) for m in selectors.messages_after(consultation=consultation, after=after, limit=limit)]


def conversation_state(consultation: Consultation) -> dict[str, Any]:
    return {
        "status": consultation.status,
        "position": selectors.queue_position(consultation),
    }
