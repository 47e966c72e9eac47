"""How a conversation is shown, as JSON, to the pages and the WebSocket consumers alike (neither
imports the other: both import this)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations import selectors
from tsunagu.consultations.models import Consultation, Message, Sender, Status

#: System messages are stored as keys and shown in the reader's language.
SYSTEM_MESSAGES = {
    "taken": _("A counsellor has joined the chat."),
    "transferred": _(
        "We are handing the conversation over to another counsellor. They will be told what you said, "
        "so you do not need to repeat it. The counsellor you are talking with stays until they join."
    ),
    "handover_joined": _("The new counsellor has joined the chat."),
    "handover_cancelled": _("The counsellor you are talking with will continue."),
    "handover_unanswered": _(
        "Nobody has joined the handover yet. Stay with the person; the supervisors have been alerted."
    ),
    "supervisor_joined": _("A supervisor has joined the chat."),
    "person_left": _("The person has left the chat."),
    "closed": _("The chat has ended. Thank you for talking with us."),
}


def message_text(message: Message) -> str:
    if message.sender == Sender.SYSTEM:
        text = SYSTEM_MESSAGES.get(message.body)
        return str(text) if text is not None else ""  # a lazy translation, in the active language
    return str(message.body)


def author_name(message: Message) -> str:
    """Who wrote a staff message, for staff only (the person sees the role)."""
    author = message.author
    return (author.display_name or author.username) if author is not None else ""


def message_json(message: Message, *, staff: bool = False) -> dict[str, Any]:
    """One message as a reader sees it. The person sees roles (相談員, スーパーバイザー); staff see
    who wrote it and the notes only staff read."""
    found: dict[str, Any] = {
        "seq": message.seq,
        "sender": message.sender,
        "text": message_text(message),
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
        # A staff reply on LINE: "sent", "failed" (shown with a retry), "sending" (a retry on its way).
        "delivery": message.delivery,
    }
    if staff:
        found["author"] = author_name(message)
        found["note"] = message.staff_only
    return found


def messages_json(
    *, consultation: Consultation, after: int, limit: int = 200, staff: bool = False
) -> list[dict[str, Any]]:
    found = selectors.messages_after(consultation=consultation, after=after, limit=limit, staff=staff)
    return [message_json(m, staff=staff) for m in found]


def conversation_state(consultation: Consultation) -> dict[str, Any]:
    """Waiting (with the place in the queue), in conversation, being handed over, or closed. A
    handover is never a queue position: the first counsellor is still there."""
    handover = consultation.status == Status.ACTIVE and consultation.transfer_to_id is not None
    return {
        "status": consultation.status,
        "position": selectors.queue_position(consultation),
        "handover": handover,
    }
