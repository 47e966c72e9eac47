"""The supervisors' alert socket, ``/ws/staff/alerts/`` (docs/consultations.md, "Alerts").

Every staff page of a supervisor on duty opens it (``static/consultations/alerts.js``). On connect,
and whenever an alert is raised or acknowledged anywhere, the server sends the open alerts the
supervisor may see::

    {"type": "alerts", "event": "hello" | "raised" | "acknowledged", "alert": "<code>",
     "open": [{"code": "<alert code>", "kind": "high_risk"}, …]}

Codes and kinds only: the page fetches the banner's HTML (``consultations:alerts?fragment=banner``)
through the same rules as any page. Reading the whole list each time, rather than applying the
event, means a lost event or a reconnect costs nothing but a delay. The socket says nothing back:
whatever a client sends is ignored, so no frame can break it.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tsunagu.accounts.access import actor_of_scope
from tsunagu.accounts.policy import Actor
from tsunagu.consultations import access, events, selectors

CLOSE_FORBIDDEN = 4403


def _on_duty(scope: dict[str, Any]) -> Actor | None:
    """The signed-in supervisor, while their organisation's desk answers the queue (same session
    rules as a page), or None."""
    actor = actor_of_scope(scope)
    if actor is None or not access.may_supervise(actor) or not access.desk_is_open(actor.organisation):
        return None
    return actor


def _open_alerts(scope: dict[str, Any]) -> list[dict[str, str]] | None:
    actor = _on_duty(scope)
    if actor is None:
        return None
    return [{"code": str(alert.code), "kind": alert.kind} for alert in selectors.open_alerts(actor=actor)]


class AlertConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    joined: bool = False

    async def connect(self) -> None:
        if await database_sync_to_async(_on_duty)(self.scope) is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(events.ALERT_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        await self._push("hello", "")

    async def _push(self, event: str, code: str) -> None:
        found = await database_sync_to_async(_open_alerts)(self.scope)
        if found is None:  # signed out, timed out, no longer a supervisor on duty
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json({"type": "alerts", "event": event, "alert": code, "open": found})

    async def consultation_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "alert":
            await self._push("raised", str(event.get("alert", "")))
        elif kind == "alert_acknowledged":
            await self._push("acknowledged", str(event.get("alert", "")))
        # Other events of the group (a high-risk contact's figures changed) are not alerts.

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        return  # the client has nothing to say on this socket

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(events.ALERT_GROUP, self.channel_name)
