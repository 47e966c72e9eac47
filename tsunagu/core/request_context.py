"""Per-request facts (request id, client address) available to logging and the audit trail."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str
    ip: str | None


_current: contextvars.ContextVar[RequestMeta | None] = contextvars.ContextVar("tsunagu_request", default=None)


def current() -> RequestMeta | None:
    return _current.get()


def activate(meta: RequestMeta) -> contextvars.Token[RequestMeta | None]:
    return _current.set(meta)


def deactivate(token: contextvars.Token[RequestMeta | None]) -> None:
    _current.reset(token)
