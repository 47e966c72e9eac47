"""The session store: Django's database one, which takes only a cookie that can be a session key.

Django accepts any cookie value of 8 characters or more as a session key and looks it up. A cookie
that the browser never got from us (``sessionid="\\000\\000…"``, which Django unquotes into NUL
characters) then reaches the database, and PostgreSQL refuses a NUL in text: a 500 on every page
and every staff socket handshake (issue 15). A key Django makes is 32 lower-case letters and
digits; anything else is no session, and the request goes on as anonymous.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

#: The lengths of a key: Django makes 32 characters; older or custom keys stay within these.
_SHORTEST, _LONGEST = 8, 40


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return key is not None and _SHORTEST <= len(key) <= _LONGEST and key.isascii() and key.isalnum()
