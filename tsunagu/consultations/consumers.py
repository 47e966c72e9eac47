"""WebSocket consumers of the intake (Django Channels).

The protocol is JSON frames:

- the client opens the socket and says ``{"type": "hello", "after": N}`` (the person's chat adds
  ``"secret"``; it is never in the URL). The server answers with every message after N and the state.
- ``{"type": "send", "body": "…", "key": "k1"}`` stores a message, then answers
  ``{"type": "ack", "key": "k1", "seq": 7}``: a message is acknowledged only once it is committed.
  A resend with the same key (after a dropped connection) is the same message.
- the server pushes ``{"type": "messages", "messages": […], "status": …, "position": …}`` whenever
  the conversation changes; the queue socket pushes ``{"type": "queue"}`` and ``{"type": "alert"}``.
- a staff socket's first ``messages`` is preceded by ``{"type": "resume", "token": "…"}``: the page
  says it again in its next ``hello`` (``"resume"``) after a dropped connection, so a reconnect of
  the same page view writes no second ``consultation.read`` row (docs/consultations.md, "Real time").
- a frame the server cannot take gets ``{"type": "error", "error": code}`` (with the frame's
  ``key`` once that is read) and the socket stays open: ``binary`` (frames are JSON text),
  ``too_large`` (over ``FRAME_MAX_CHARS``), ``not_json`` (also empty, or nested too deep),
  ``not_object``, ``type`` (no ``type``, or one this socket does not take: the queue socket takes
  none), a field's name (``key``, ``secret``, ``resume``, ``language``, ``body``: not a string),
  ``text`` (a string anywhere in the frame, even an object key, that is not valid Unicode, such as a
  lone surrogate ``"\ud800"``, or that holds NUL), ``after`` (not a whole number from 0 to 2³¹−1:
  ``1e400``, ``Infinity``, ``NaN``, a number of 5,000 digits), ``again`` (a second ``hello``),
  ``hello first`` (a ``send`` before the ``hello``). A ``send`` whose body cannot be stored gets a
  sentence for the writer. One decoder reads every frame (``_JsonFrames``).

Events on the channel layer carry no text (events.py): each consumer reads what is new from the
database through the same rules as the pages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

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


logger = logging.getLogger(__name__)

#: Close codes: the chat is over or unknown; the staff member may not see this.
CLOSE_GONE = 4404
CLOSE_FORBIDDEN = 4403

#: The longest frame a client may send, in characters: a message of MESSAGE_MAX_CHARS with every
#: character escaped (``\\uXXXX``, twice for a character outside the BMP) fits, with its key.
FRAME_MAX_CHARS = 32 * 1024
#: The largest message number a client may name (the column is a 32-bit integer on PostgreSQL).
SEQ_MAX = 2**31 - 1


#: A JSON number with more digits than this is no number a frame may carry (a message number has
#: at most 10). Python's int() refuses one of over 4,300 digits with ValueError, and the 4,300 it
#: takes cost time; the decoder reads a longer one as an infinity, which no field accepts.
NUMBER_MAX_DIGITS = 20


def _readable(text: str) -> bool:
    """Text the server can take: valid Unicode (no lone surrogate such as ``"\\ud800"``, which JSON
    may carry but no database, encryption or hash can take) without NUL (which no PostgreSQL text
    column takes, and which Django's forms refuse on the HTTP side)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _unreadable_anywhere(content: Any) -> bool:
    """Whether any string in a decoded frame, as a value or as an object key, at any depth, is not
    ``_readable``. Iterative: a frame may nest as deep as the JSON parser goes."""
    pending = [content]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not _readable(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _number(digits: str) -> int | float:
    if len(digits.lstrip("-")) > NUMBER_MAX_DIGITS:
        return -math.inf if digits.startswith("-") else math.inf
    return int(digits)


def _after(value: Any) -> int | None:
    """The number of the last message the client has: a whole number from 0 to SEQ_MAX (a JSON
    number such as 7.0 or -0 is one; 1e400, Infinity, NaN and a number of 5,000 digits are not), or
    None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, int) and 0 <= value <= SEQ_MAX:
        return value
    return None


def _language(value: str) -> str:
    return value if value and translation.check_for_language(value) else "ja"


@dataclass(frozen=True)
class Field:
    """One field of a frame, as the decoder reads it (``_JsonFrames.FRAMES``):

    - ``text``: a string, cut to ``limit``; "" when absent;
    - ``body``: a message's text, a string that must be there; a body the server cannot store gets a
      sentence for the writer, not a code;
    - ``after``: a message number (``_after``); 0 when absent.
    """

    name: str
    kind: Literal["text", "body", "after"]
    limit: int = 0


KEY = Field("key", "text", 64)
BODY = Field("body", "body")
AFTER = Field("after", "after")
LANGUAGE = Field("language", "text", 16)


class FrameRefused(Exception):
    """A frame the decoder does not pass on; ``answer`` is the error frame the client gets."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(answer.get("error", ""))
        self.answer = answer


class _JsonFrames(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """The one decoder of a client's frames, which never fails on one. A frame must be a JSON object
    of at most FRAME_MAX_CHARS characters whose ``type`` is one of ``FRAMES``, each of its fields of
    the kind declared there, and every string in it, at any depth and as an object key, valid
    Unicode without NUL (``_readable``). Anything else gets ``{"type": "error", "error": code}``
    (with the frame's ``key`` once that is read) and the socket stays open: Channels' own
    ``receive`` raises on most of these and closes the socket with 1011, and a string the database
    cannot take raised later, in a service. A frame that passes goes to ``frame_<type>(fields)``
    with its declared fields only, cleaned."""

    #: The frames a socket takes: type → its fields. A socket that takes none answers every JSON
    #: object with the error ``type``.
    FRAMES: ClassVar[dict[str, tuple[Field, ...]]] = {}
    language: str = "ja"

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        try:
            kind, fields = self.decode_frame(text_data)
        except FrameRefused as refusal:
            await self.send_json(refusal.answer)
            return
        await getattr(self, f"frame_{kind}")(fields)

    def decode_frame(self, text_data: str | None) -> tuple[str, dict[str, Any]]:
        if text_data is None:
            raise FrameRefused({"type": "error", "error": "binary"})
        if len(text_data) > FRAME_MAX_CHARS:
            raise FrameRefused({"type": "error", "error": "too_large"})
        try:
            content = json.loads(text_data, parse_int=_number)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            raise FrameRefused({"type": "error", "error": "not_json"}) from None
        if not isinstance(content, dict):
            raise FrameRefused({"type": "error", "error": "not_object"})
        kind = content.get("type")
        if not isinstance(kind, str) or kind not in self.FRAMES:
            raise FrameRefused({"type": "error", "error": "type"})
        fields: dict[str, Any] = {}
        for field in self.FRAMES[kind]:
            fields[field.name] = self._field(field, content, fields.get("key"))
        if _unreadable_anywhere(content):
            raise FrameRefused(self._error("text", fields.get("key")))
        return kind, fields

    def _field(self, field: Field, content: dict[str, Any], key: str | None) -> Any:
        if field.kind == "after":
            after = _after(content.get(field.name, 0))
            if after is None:
                raise FrameRefused(self._error("after", key))
            return after
        value = content.get(field.name, "" if field.kind == "text" else None)
        if not isinstance(value, str):
            raise FrameRefused(self._error(field.name, key))
        if _readable(value):
            return value[: field.limit] if field.limit else value
        if field.kind == "body":
            with translation.override(self.language):
                unreadable = str(_("The message has a character that cannot be sent. Please write it again."))
            raise FrameRefused({"type": "error", "key": key or "", "error": unreadable, "code": "text"})
        raise FrameRefused(self._error("text", key))

    @staticmethod
    def _error(code: str, key: str | None) -> dict[str, Any]:
        return {"type": "error", "error": code} if key is None else {"type": "error", "key": key, "error": code}

    async def refuse(self, error: str) -> None:
        await self.send_json({"type": "error", "error": error})

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        """ASCII JSON (``json.dumps``' default, said here on purpose): a lone surrogate in what the
        server sends is escaped as ``\\ud800``, so a frame is always valid UTF-8 text."""
        return json.dumps(content, ensure_ascii=True)


def _news(pk: int, after: int, language: str, staff: bool = False) -> dict[str, Any] | None:
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return None
    with translation.override(language):
        found = messages_json(consultation=consultation, after=after, staff=staff)
    return {"type": "messages", **conversation_state(consultation), "messages": found}


def _post(
    pk: int, sender: str, body: str, key: str, actor: Actor | None, note: bool = False, language: str = "ja"
) -> dict[str, Any]:
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return {"type": "error", "key": key, "error": "closed"}
    staff = sender != Sender.PERSON
    try:
        if note and actor is not None:
            message = services.note_post(actor=actor, consultation=consultation, body=body, client_key=key)
        else:
            message = services.message_post(
                consultation=consultation, sender=sender, body=body, actor=actor, client_key=key
            )
    except services.Refused as refusal:  # audited by the service
        return {"type": "error", "key": key, "error": refusal.message if staff else "forbidden"}
    except services.ConsultationError as error:
        return {"type": "error", "key": key, "error": error.message}
    with translation.override(language):
        shown = message_json(message, staff=staff)
    return {"type": "ack", "key": key, "seq": message.seq, "message": shown}


def _handover_check(pk: int) -> float | None:
    """Escalate the conversation's handover if it is past its time; otherwise the seconds left
    (None when no handover is waiting)."""
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return None
    transfer = selectors.pending_transfer(consultation)
    if transfer is None or transfer.escalated_at is not None:
        return None
    left = (services.handover_deadline(transfer) - timezone.now()).total_seconds()
    if left > 0:
        return left
    services.handover_check(consultation=consultation)
    return None


#: The channel layer delivers an event at most once: channels_redis drops one when it is older than
#: the layer's expiry (60 s, a process that far behind) or its process's queue is full, and an event
#: in flight is lost with a process that dies. A socket that has not read its conversation for this
#: long reads it again, so a lost event costs at most this delay, never a message (issue 14, 12).
CATCH_UP_SECONDS = 15.0


class _Conversation(_JsonFrames):
    """What the person's and the counsellor's sockets share."""

    sender: str = Sender.PERSON
    staff: bool = False
    consultation_pk: int | None = None
    consultation_code: str = ""
    last_seq: int = 0
    language: str = "ja"
    read_at: float = 0.0  # when this socket last read its conversation (time.monotonic())
    shown: dict[str, Any] | None = None  # the state the client was last sent
    catching_up: asyncio.Task[None] | None = None
    reading: asyncio.Lock | None = None

    async def _actor(self) -> Actor | None:
        return None

    async def _join(self, consultation: Consultation, after: int) -> None:
        self.consultation_pk = consultation.pk
        self.consultation_code = str(consultation.code)
        self.last_seq = after
        await self.channel_layer.group_add(events.conversation_group(consultation.code), self.channel_name)
        await self._push()
        self.catching_up = asyncio.ensure_future(self._catch_up())

    async def _push(self, *, only_news: bool = False) -> None:
        if self.consultation_pk is None:
            return
        self.reading = self.reading or asyncio.Lock()
        async with self.reading:  # an event and the catch-up never read (and move last_seq) at once
            news = await _in_thread(_news)(self.consultation_pk, self.last_seq, self.language, self.staff)
            self.read_at = time.monotonic()
            if news is None:
                await self.send_json({"type": "messages", "status": "closed", "position": 0, "messages": []})
                await self.close(code=CLOSE_GONE)
                return
            state = {name: value for name, value in news.items() if name != "messages"}
            if only_news and not news["messages"] and state == self.shown:
                return
            if news["messages"]:
                self.last_seq = news["messages"][-1]["seq"]
            self.shown = state
            await self.send_json(news)

    async def _catch_up(self) -> None:
        while True:
            await asyncio.sleep(CATCH_UP_SECONDS)
            if time.monotonic() - self.read_at < CATCH_UP_SECONDS:
                continue  # read since: an event arrived
            try:
                await self._push(only_news=True)
            except Exception:  # the next round tries again; the socket stays open
                logger.warning("intake socket could not read its conversation again", exc_info=True)

    async def consultation_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "note" and not self.staff:
            return  # a note between staff: nothing for the person
        if event.get("kind") in ("message", "note") and 0 < int(event.get("seq") or 0) <= self.last_seq:
            return  # this socket's own message, already answered with its ack
        await self._push()

    async def _send_message(self, fields: dict[str, Any], note: bool = False) -> None:
        key, body = fields["key"], fields["body"]
        if self.consultation_pk is None:
            await self.send_json({"type": "error", "key": key, "error": "hello first"})
            return
        actor = await self._actor()
        answer = await _in_thread(_post)(self.consultation_pk, self.sender, body, key, actor, note, self.language)
        if answer.get("type") == "ack" and answer["seq"] == self.last_seq + 1:
            self.last_seq = answer["seq"]  # nothing was missed in between: no need to read it back
        await self.send_json(answer)

    async def disconnect(self, code: int) -> None:
        if self.catching_up is not None:
            self.catching_up.cancel()
        if self.consultation_code:
            await self.channel_layer.group_discard(events.conversation_group(self.consultation_code), self.channel_name)


class PersonChatConsumer(_Conversation):
    """The person's side: anonymous, known only by the chat's secret sent in the first frame."""

    async def connect(self) -> None:
        self.language = str(self.scope.get("url_route", {}).get("kwargs", {}).get("language", "ja"))
        await self.accept()

    FRAMES: ClassVar[dict[str, tuple[Field, ...]]] = {
        "hello": (Field("secret", "text", 100), AFTER, LANGUAGE),
        "send": (KEY, BODY),
    }

    async def frame_hello(self, fields: dict[str, Any]) -> None:
        if self.consultation_pk is not None:
            await self.refuse("again")
            return
        self.language = _language(fields["language"])
        consultation = await database_sync_to_async(selectors.chat_of_secret)(fields["secret"])
        if consultation is None:
            await self.send_json({"type": "messages", "status": "closed", "position": 0, "messages": []})
            await self.close(code=CLOSE_GONE)
            return
        await self._join(consultation, fields["after"])

    async def frame_send(self, fields: dict[str, Any]) -> None:
        await self._send_message(fields)


def _staff_consultation(scope: dict[str, Any], code: str) -> tuple[Actor | None, Consultation | None]:
    actor = actor_of_scope(scope)
    return actor, access.socket_consultation(actor, code)


#: A staff socket's reconnect shows that it belongs to a page view whose socket already wrote the
#: ``consultation.read`` row: the first hello gets a token, signed and bound to the consultation and
#: the session (an HMAC of the session key: the token holds no personal data and not the key), and
#: the page names it in every later hello. It lives in the page's memory only.
RESUME_SALT = "tsunagu.consultations.stream-resume"


def _resume_mark(code: str, session_key: str) -> str:
    return salted_hmac(RESUME_SALT, f"{code}:{session_key}").hexdigest()


def stream_read(actor: Actor, consultation: Consultation, *, session_key: str, resume: str) -> str:
    """Write the socket's ``consultation.read`` row unless ``resume`` shows that this page view's
    socket already wrote it (in this session, within the session's absolute limit); return the
    token for the page to name next time."""
    signer = signing.TimestampSigner(salt=RESUME_SALT)
    mark = _resume_mark(str(consultation.code), session_key)
    try:
        resumed = bool(session_key) and signer.unsign(resume, max_age=settings.TSUNAGU_SESSION_ABSOLUTE_SECONDS) == mark
    except signing.BadSignature:
        resumed = False
    if not resumed:
        access.record_read(actor, consultation, what="stream")
    return signer.sign(mark)


class CounsellorChatConsumer(_Conversation):
    """The counsellor's side of one conversation (or a supervisor following it)."""

    sender = Sender.COUNSELLOR
    staff = True
    actor: Actor | None = None
    handover_timer: asyncio.Task[None] | None = None

    async def _watch_handover(self) -> None:
        """While a handover waits, check it when its time is up (escalation happens once, wherever
        it is first checked: here, on a page, or by the scheduler)."""
        if self.consultation_pk is None:
            return
        left = await _in_thread(_handover_check)(self.consultation_pk)
        while left is not None:
            await asyncio.sleep(min(left + 0.5, 30))
            left = await _in_thread(_handover_check)(self.consultation_pk)

    def _start_handover_watch(self) -> None:
        if self.handover_timer is None or self.handover_timer.done():
            self.handover_timer = asyncio.ensure_future(self._watch_handover())

    async def consultation_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "transferred":
            self._start_handover_watch()
        await super().consultation_event(event)

    async def disconnect(self, code: int) -> None:
        if self.handover_timer is not None:
            self.handover_timer.cancel()
        await super().disconnect(code)

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

    FRAMES: ClassVar[dict[str, tuple[Field, ...]]] = {
        "hello": (Field("resume", "text", 200), AFTER, LANGUAGE),
        "send": (KEY, BODY),
        "note": (KEY, BODY),
    }

    async def frame_hello(self, fields: dict[str, Any]) -> None:
        if self.consultation_pk is not None:
            await self.refuse("again")
            return
        self.language = _language(fields["language"])
        if self.actor is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        session_key = getattr(self.scope.get("session"), "session_key", None) or ""
        token = await _in_thread(stream_read)(
            self.actor, self.pending, session_key=session_key, resume=fields["resume"]
        )
        await self.send_json({"type": "resume", "token": token})
        await self._join(self.pending, fields["after"])
        self._start_handover_watch()

    async def frame_send(self, fields: dict[str, Any]) -> None:
        await self._send_message(fields)

    async def frame_note(self, fields: dict[str, Any]) -> None:
        await self._send_message(fields, note=True)


def _queue_actor(scope: dict[str, Any]) -> Actor | None:
    actor = actor_of_scope(scope)
    return actor if actor is not None and access.may_handle_consultations(actor) else None


class QueueConsumer(_JsonFrames):
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
