"""Parsing of key material given in settings. Pure functions: settings.py imports this module."""

from __future__ import annotations

import base64
import binascii
import re

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32  # AES-256 and HMAC-SHA256 keys
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _decode(name: str, text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: a key is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name}: a key must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def parse_key(name: str, text: str | None) -> bytes:
    """One base64 key of 32 bytes."""
    if not text:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set; run `make keys` locally")
    return _decode(name, text)


def parse_key_list(name: str, text: str | None) -> list[tuple[str, bytes]]:
    """Key ids and keys as ``id:base64`` items, separated by commas or new lines; the first is primary."""
    if not text:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set; run `make keys` locally")
    keys: list[tuple[str, bytes]] = []
    for item in re.split(r"[,\n]", text):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"{name}: each key must be written as id:base64 (id of 1-16 letters/digits)")
        if any(existing == key_id for existing, _ in keys):
            raise ImproperlyConfigured(f"{name}: key id {key_id!r} appears twice")
        keys.append((key_id, _decode(name, encoded)))
    if not keys:
        raise ImproperlyConfigured(f"{name} holds no key")
    return keys
