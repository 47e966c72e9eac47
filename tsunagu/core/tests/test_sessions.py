"""A session cookie that cannot be a session key is no session (tsunagu/core/sessions.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tsunagu.core.sessions import SessionStore

#: Values Django would otherwise look up: NUL characters (after unquoting "\000"), other control
#: characters, non-ASCII letters, punctuation, and over-long keys.
HOSTILE_KEYS = ["\x00" * 8, "\x00" * 32, "a\x01" * 16, "あ" * 32, "abcdefgh;ijkl", "x" * 41, "../../etc/passwd"]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_key_django_never_makes_is_no_session(key: str) -> None:
    assert SessionStore(session_key=key).session_key is None


@pytest.mark.django_db
def test_a_key_django_makes_is_kept() -> None:
    store = SessionStore()
    store.create()
    assert store.session_key is not None and len(store.session_key) == 32
    assert SessionStore(session_key=store.session_key).exists(store.session_key)
    assert SessionStore(session_key=store.session_key).session_key == store.session_key


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/chat/", "/staff/login/", "/staff/directory/"])
def test_a_cookie_of_nul_characters_is_answered_as_anonymous(path: str) -> None:
    """On PostgreSQL the lookup of a key with NUL characters raised: a 500 on every page."""
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "\x00" * 8
    response = client.get(path)
    assert response.status_code in (200, 302), response.status_code  # a staff page: to the sign-in
