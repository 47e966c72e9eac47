"""A fixed-window request counter per client, kept in Django's cache.

Deliberately small: one counter per client and minute, incremented atomically by the cache
backend. With the default per-process memory cache each worker process counts on its own, so a
deployment with several workers allows up to that many times the limit; point ``CACHES`` at a
shared backend (Redis, Memcached) to make the limit exact (docs/api.md, "Rate limits").
"""

from __future__ import annotations

import ipaddress
import math
import time

from django.core.cache import cache

WINDOW_SECONDS = 60


def client_key(ip: str | None) -> str:
    """The client an address belongs to: the address itself, or its /64 network for IPv6."""
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(address)


def hit(client: str, *, limit: int, now: float | None = None) -> int | None:
    """Count one request by ``client``; returns the seconds to wait when it is over ``limit``, else None."""
    moment = time.time() if now is None else now
    window_start = int(moment // WINDOW_SECONDS) * WINDOW_SECONDS
    key = f"tsunagu:hsds-rate:{client}:{window_start}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil(window_start + WINDOW_SECONDS - moment))
