"""Authorisation matrix rows: the public portal (shell part). The portal is public: every persona gets
the same page, and nothing is audited as denied."""

from __future__ import annotations

from tests.matrix import Row, everyone

ROWS: list[Row] = [
    Row("portal:home", everyone(200)),
    Row("portal:now", everyone(200)),
    Row("portal:places", everyone(200)),
    # The places form posts (the place typed stays out of the URL) and needs no CSRF token.
    Row("portal:places", everyone(200), method="post", data=lambda w: {"where": "312011"}, label="post"),
    Row("portal:worried", everyone(200)),
    Row("portal:private", everyone(200)),
    # Read-only pages: a write method is refused.
    Row("portal:worried", everyone(405), method="post", label="post"),
]
