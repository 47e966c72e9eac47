"""Keyed hashes (blind indexes) by which the intake finds a chat, a sender, a LINE user, a phone
number or a telephony token again without storing it in clear (tsunagu/core/crypto.py)."""

from __future__ import annotations

from tsunagu.core.crypto import blind_index


def chat_secret_index(secret: str) -> str:
    return blind_index(secret, purpose="consultations.chat_secret")


def sender_index_of(address: str) -> str:
    return blind_index(address, purpose="consultations.sender")


def line_user_index(user_id: str) -> str:
    return blind_index(user_id, purpose="consultations.line_user")


def person_phone_index(digits: str) -> str:
    """Of a phone number already normalised to digits (core.crypto.normalise_phone)."""
    return blind_index(digits, purpose="consultations.person_phone")


def cti_token_index(token: str) -> str:
    return blind_index(token, purpose="consultations.cti_token")
