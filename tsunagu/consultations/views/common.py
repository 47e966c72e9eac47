"""What the person's and the counsellor's pages share: waiting for new messages (long polling)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from tsunagu.consultations import events, selectors
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.serialisers import messages_json

#: How long a long-polling request waits for something new before it answers "nothing yet".
POLL_SECONDS = 20
#: While it waits, it also looks at the database this often, in case an event was lost.
RECHECK_SECONDS = 5


def _read(pk: int, after: int) -> tuple[Consultation | None, list[dict[str, Any]]]:
    consultation = selectors.consultation_by_pk(pk)
    if consultation is None:
        return None, []
    return consultation, messages_json(consultation=consultation, after=after)


async def wait_for_news(
    *, consultation: Consultation, after: int, status: str, seconds: float = POLL_SECONDS
) -> tuple[Consultation | None, list[dict[str, Any]]]:
    """Messages after ``after``, waiting up to ``seconds`` for the first one (or a change of status).

    It listens on the conversation's group of the channel layer, so it answers as soon as the
    message is committed, and looks at the database again every few seconds whatever it hears."""
    read = sync_to_async(_read)
    current, found = await read(consultation.pk, after)
    if found or current is None or current.status != status or seconds <= 0:
        return current, found
    layer = get_channel_layer()
    channel = await layer.new_channel() if layer is not None else None
    group = events.conversation_group(consultation.code)
    if layer is not None and channel is not None:
        await layer.group_add(group, channel)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return current, found
            if layer is not None and channel is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(layer.receive(channel), timeout=min(RECHECK_SECONDS, remaining))
            else:
                await asyncio.sleep(min(1.0, remaining))
            current, found = await read(consultation.pk, after)
            if found or current is None or current.status != status:
                return current, found
    finally:
        if layer is not None and channel is not None:
            await layer.group_discard(group, channel)
