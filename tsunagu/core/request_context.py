"""Per-request facts (request id, client address) available to logging and the audit trail."""

from __future__ import annotations

import contextvars
import datetime as dt
import ipaddress
from dataclasses import dataclass

from tsunagu.core.crypto import blind_index

#: Where ``RequestContextMiddleware`` also leaves the request id: in ``request.META``, for the log
#: lines Django writes after the middleware has returned (``django.request`` logs a 404 last).
REQUEST_ID_META = "tsunagu.request_id"

#: Hex digits kept of the pseudonym of the day: 24 bits. Enough to tell a few thousand sources of one
#: day apart (two share a pseudonym with a chance of about one in 16 million per pair), and too few to
#: name an address even with the key: each value stands for about 256 IPv4 addresses (docs/security.md).
CLIENT_OF_DAY_HEX = 6


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


def client_of_day(ip: str, day: dt.date) -> str:
    """A pseudonym of a client for one day: a keyed hash (the blind-index key) of its address (an
    IPv6 client's /64, the network one subscriber holds) and the date, truncated.

    The same source reads the same all day, so abuse from one source shows in the audit trail; the
    next day it reads differently, so days cannot be linked; and without the key it names nothing.
    """
    address = ipaddress.ip_address(ip)
    source = str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)
    return blind_index(f"{day.isoformat()} {source}", purpose="audit.client_of_day")[:CLIENT_OF_DAY_HEX]
