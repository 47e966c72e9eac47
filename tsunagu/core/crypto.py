"""AES-256-GCM encryption of personal fields and HMAC blind indexes for exact-match lookups.

A stored value looks like ``enc1:<key id>:<base64url(nonce || ciphertext || tag)>``. The key id
lets several keys coexist during rotation; the associated data binds a value to its model and
field, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "enc1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value cannot be decrypted: unknown key id, wrong context or tampered ciphertext."""


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, AESGCM]
    index_key: bytes


@functools.cache
def keyring() -> Keyring:
    pairs: list[tuple[str, bytes]] = settings.TSUNAGU_ENCRYPTION_KEYS
    return Keyring(
        primary_id=pairs[0][0],
        keys={key_id: AESGCM(key) for key_id, key in pairs},
        index_key=settings.TSUNAGU_BLIND_INDEX_KEY,
    )


@receiver(setting_changed)
def _reset_keyring(*, setting: str, **_: object) -> None:
    if setting in {"TSUNAGU_ENCRYPTION_KEYS", "TSUNAGU_BLIND_INDEX_KEY"}:
        keyring.cache_clear()


def encrypt(plaintext: str, *, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.keys[ring.primary_id].encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    token = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{PREFIX}:{ring.primary_id}:{token}"


def key_id_of(stored: str) -> str:
    return _split(stored)[1]


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    return parts[0], parts[1], parts[2]


def decrypt(stored: str, *, context: str) -> str:
    _, key_id, token = _split(stored)
    aead = keyring().keys.get(key_id)
    if aead is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        plaintext = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext does not authenticate") from exc
    return plaintext.decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match lookups (e.g. duplicate phone numbers) without storing plaintext."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()


def normalise_phone(value: str) -> str:
    """Digits only (full-width folded), so 090-1234-5678 and ０９０１２３４５６７８ index alike."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if ch.isdigit())
