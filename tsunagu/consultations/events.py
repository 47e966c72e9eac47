"""Telling the people concerned that something changed, after the change is committed.

Events carry no personal data: only what changed and which consultation (its code). A consumer that
receives one reads what it needs from the database, through the same access rules as a page. So the
channel layer (in memory, or Redis when ``REDIS_URL`` is set) never holds a message's text, and an
event lost on the way costs only a delay: a socket reads its conversation again when it has not for
a few seconds (consumers.CATCH_UP_SECONDS), every client asks for what it missed when it
reconnects, and the long-polling fallback reads the database directly.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tsunagu.consultations.models import Consultation

logger = logging.getLogger(__name__)

QUEUE_GROUP = "consultations.queue"
ALERT_GROUP = "consultations.alerts"


def conversation_group(code: object) -> str:
    """The group of one conversation's sockets: the same name for its code as a UUID or as text.
    (A socket joined with the one and left with the other, so it never left: every event then
    also went to each closed socket of the conversation, for the layer's 24-hour group expiry.)"""
    return f"consultations.c.{UUID(str(code)).hex}"


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    def send() -> None:
        try:
            async_to_sync(layer.group_send)(group, {"type": "consultation.event", **payload})
        except Exception:  # noqa: BLE001 - a lost event only delays a client, which catches up on its next read
            logger.warning("intake event not delivered", extra={"group": group})

    transaction.on_commit(send)


def queue_changed() -> None:
    _send(QUEUE_GROUP, {"kind": "queue"})


def conversation(consultation: Consultation, *, kind: str, seq: int = 0) -> None:
    _send(conversation_group(consultation.code), {"kind": kind, "code": str(consultation.code), "seq": seq})


def high_risk(consultation: Consultation) -> None:
    """Something changed about a high-risk contact (a step of the emergency checklist): the
    supervisors' dashboards read their figures again, without an alert (``alert`` is one)."""
    _send(ALERT_GROUP, {"kind": "high_risk", "code": str(consultation.code)})


def alert(code: object, *, consultation_code: object, state: str) -> None:
    """An alert was raised or acknowledged (``state``): every supervisor's banner socket reads the
    open alerts again (alert_consumers.py); the dashboards reload their figures."""
    kind = "alert" if state == "raised" else "alert_acknowledged"
    _send(ALERT_GROUP, {"kind": kind, "alert": str(code), "code": str(consultation_code)})
