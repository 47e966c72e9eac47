"""WebSocket consumers of the intake (Django Channels).

The protocol is JSON frames:

- the client opens the socket and says ``{"type": "hello", "after": N}`` (the person's chat adds
  ``"secret"``; it is never in the URL). The server answers with every message after N and the state.
- ``{"type": "send", "body": "…", "key": "k1"}`` stores a message, then answers
  ``{"type": "ack", "key": "k1", "seq": 7}``: a message is acknowledged only once it is committed.
  A resend with the same key (after a dropped connection) is the same message.
- the server pushes ``{"type": "messages", "messages": […], "status": …, "position": …}`` whenever
  the conversation changes; the queue socket pushes ``{"type": "queue"}`` and ``{"type": "alert"}``.

Events on the channel layer carry no text (events.py): each consumer reads what is new from the
database through the same rules as the pages.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.utils import translation

from tsunagu.accounts.access import actor_of_scope
from tsunagu.accounts.policy import Actor
from tsunagu.consultations import access, events, selectors, services
from tsunagu.consultations.models import Consultation, Sender
from tsunagu.consultations.serialisers import conversation_state, message_json, messages_json


def _in_thread(function: Any) -> Any:
    """Database work of a socket. On PostgreSQL in worker threads of their own, so that many
    conversations are served at once (each thread has its own connection). On SQLite in the one
    thread Channels uses by default: SQLite has one writer, and threads contending for its lock
    wait in its busy handler's sleeps (measured in docs/performance.md, "Chat delivery")."""
    return database_sync_to_async(function, thread_sensitive=connection.vendor == "sqlite")


#: Close codes: the chat is over or unknown; the staff member may not see this.
CLOSE_GONE = 4404
CLOSE_FORBIDDEN = 4403


def _news(pk: int, after: int, language: str) -> dict[str, Any] | None:
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return None
    with translation.override(language):
        found = messages_json(consultation=consultation, after=after)
    return {"type": "messages", **conversation_state(consultation), "messages": found}


def _post(pk: int, sender: str, body: str, key: str, actor: Actor | None) -> dict[str, Any]:
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return {"type": "error", "key": key, "error": "closed"}
    try:
        message = services.message_post(
            consultation=consultation, sender=sender, body=body, actor=actor, client_key=key
        )
    except services.Refused:  # audited by the service
        return {"type": "error", "key": key, "error": "forbidden"}
    except services.ConsultationError as error:
        return {"type": "error", "key": key, "error": error.message}
    return {"type": "ack", "key": key, "seq": message.seq, "message": message_json(message)}


class _Conversation(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """What the person's and the counsellor's sockets share."""

    sender: str = Sender.PERSON
    consultation_pk: int | None = None
    consultation_code: str = ""
    last_seq: int = 0
    language: str = "ja"

    async def _actor(self) -> Actor | None:
        return None

    async def _join(self, consultation: Consultation, after: int) -> None:
        self.consultation_pk = consultation.pk
        self.consultation_code = str(consultation.code)
        self.last_seq = after
        await self.channel_layer.group_add(events.conversation_group(consultation.code), self.channel_name)
        await self._push()

    async def _push(self) -> None:
        if self.consultation_pk is None:
            return
        news = await _in_thread(_news)(self.consultation_pk, self.last_seq, self.language)
        if news is None:
            await self.send_json({"type": "messages", "status": "closed", "position": 0, "messages": []})
            await self.close(code=CLOSE_GONE)
            return
        if news["messages"]:
            self.last_seq = news["messages"][-1]["seq"]
        await self.send_json(news)

    async def consultation_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "message" and 0 < int(event.get("seq") or 0) <= self.last_seq:
            return  # this socket's own message, already answered with its ack
        await self._push()

    async def _send_message(self, content: dict[str, Any]) -> None:
        key = str(content.get("key", ""))[:64]
        if self.consultation_pk is None:
            await self.send_json({"type": "error", "key": key, "error": "hello first"})
            return
        body = content.get("body")
        if not isinstance(body, str):
            await self.send_json({"type": "error", "key": key, "error": "body"})
            return
        actor = await self._actor()
        answer = await _in_thread(_post)(self.consultation_pk, self.sender, body, key, actor)
        if answer.get("type") == "ack" and answer["seq"] == self.last_seq + 1:
            self.last_seq = answer["seq"]  # nothing was missed in between: no need to read it back
        await self.send_json(answer)

    async def disconnect(self, code: int) -> None:
        if self.consultation_code:
            await self.channel_layer.group_discard(events.conversation_group(self.consultation_code), self.channel_name)


def _after(content: dict[str, Any]) -> int:
    try:
        return max(0, int(content.get("after", 0)))
    except (TypeError, ValueError):
        return 0


class PersonChatConsumer(_Conversation):
    """The person's side: anonymous, known only by the chat's secret sent in the first frame."""

    async def connect(self) -> None:
        self.language = str(self.scope.get("url_route", {}).get("kwargs", {}).get("language", "ja"))
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "hello" and self.consultation_pk is None:
            secret = str(content.get("secret", ""))[:100]
            language = str(content.get("language", "ja"))[:16]
            self.language = language if translation.check_for_language(language) else "ja"
            consultation = await database_sync_to_async(selectors.chat_of_secret)(secret)
            if consultation is None:
                await self.send_json({"type": "messages", "status": "closed", "position": 0, "messages": []})
                await self.close(code=CLOSE_GONE)
                return
            await self._join(consultation, _after(content))
        elif content.get("type") == "send":
            await self._send_message(content)


def _staff_consultation(scope: dict[str, Any], code: str) -> tuple[Actor | None, Consultation | None]:
    actor = actor_of_scope(scope)
    return actor, access.socket_consultation(actor, code)


class CounsellorChatConsumer(_Conversation):
    """The counsellor's side of one conversation (or a supervisor following it)."""

    sender = Sender.COUNSELLOR
    actor: Actor | None = None

    async def _actor(self) -> Actor | None:
        return self.actor

    async def connect(self) -> None:
        code = str(self.scope["url_route"]["kwargs"]["code"])
        self.actor, consultation = await database_sync_to_async(_staff_consultation)(self.scope, code)
        if consultation is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.pending = consultation
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "hello" and self.consultation_pk is None:
            self.language = str(content.get("language", "ja"))[:16]
            if not translation.check_for_language(self.language):
                self.language = "ja"
            await self._join(self.pending, _after(content))
        elif content.get("type") == "send":
            await self._send_message(content)


def _queue_actor(scope: dict[str, Any]) -> Actor | None:
    actor = actor_of_scope(scope)
    return actor if actor is not None and access.may_handle_consultations(actor) else None


class QueueConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Tells the queue page and the supervisor's dashboard that something changed."""

    groups_joined: tuple[str, ...] = ()

    async def connect(self) -> None:
        actor = await database_sync_to_async(_queue_actor)(self.scope)
        if actor is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        groups = [events.QUEUE_GROUP]
        if access.may_supervise(actor):
            groups.append(events.ALERT_GROUP)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = tuple(groups)
        await self.accept()

    async def consultation_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "alert":
            await self.send_json({"type": "alert", "code": event.get("code", "")})
        else:
            await self.send_json({"type": "queue"})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
