"""Session timestamps: when the user signed in, was last seen, last re-authenticated."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

AUTH_AT = "tsunagu_auth_at"
SEEN_AT = "tsunagu_seen_at"
REAUTH_AT = "tsunagu_reauth_at"
ACTING_ORG = "tsunagu_acting_org"
PENDING = "tsunagu_pending_login"

# Writing the session on every request would be a database write per page; a minute is precise enough.
_SEEN_RESOLUTION_SECONDS = 60


def now() -> int:
    return int(time.time())


def mark_signed_in(session: SessionBase) -> None:
    t = now()
    session[AUTH_AT] = t
    session[SEEN_AT] = t
    session[REAUTH_AT] = t


def mark_reauthenticated(session: SessionBase) -> None:
    session[REAUTH_AT] = now()


def expired_reason(session: SessionBase) -> str | None:
    t = now()
    auth_at = session.get(AUTH_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return "missing"
    if t - auth_at > settings.TSUNAGU_SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if t - seen_at > settings.TSUNAGU_SESSION_IDLE_SECONDS:
        return "idle"
    return None


def touch(session: SessionBase) -> None:
    t = now()
    seen_at = session.get(SEEN_AT, 0)
    if t - seen_at >= _SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = t


def recently_authenticated(session: SessionBase) -> bool:
    reauth_at = session.get(REAUTH_AT)
    return isinstance(reauth_at, int) and now() - reauth_at <= settings.TSUNAGU_REAUTH_SECONDS
