"""Canonical form and HMAC of audit rows, and verification of the whole chain."""

from __future__ import annotations

import hashlib
import hmac as hmac_lib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64

#: The columns the canonical form covers, by name.
FIELDS = (
    "seq",
    "occurred_at",
    "actor_code",
    "actor_label",
    "org_code",
    "action",
    "target_type",
    "target_code",
    "outcome",
    "ip",
    "request_id",
    "detail",
)


def canonical(
    *,
    seq: int,
    occurred_at: datetime,
    actor_code: Any,
    actor_label: str,
    org_code: Any,
    action: str,
    target_type: str,
    target_code: str,
    outcome: str,
    ip: str | None,
    request_id: str,
    detail: dict[str, Any],
) -> bytes:
    content = {
        "seq": seq,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_code": str(actor_code) if actor_code else None,
        "actor_label": actor_label,
        "org_code": str(org_code) if org_code else None,
        "action": action,
        "target_type": target_type,
        "target_code": target_code,
        "outcome": outcome,
        "ip": ip or None,
        "request_id": request_id,
        "detail": detail,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(prev_hmac: str, content: bytes) -> str:
    key: bytes = settings.TSUNAGU_AUDIT_HMAC_KEY
    return hmac_lib.new(key, prev_hmac.encode("ascii") + b"\n" + content, hashlib.sha256).hexdigest()


def sign_redaction(prev_hmac: str, row_hmac: str, content: bytes) -> str:
    """What attests a row after its address was removed: an HMAC, apart from ``sign``'s by its first
    line, of the row's links and its content without the address. Only the key's holder can make
    it, so an address cannot be removed from a row (nor anything else changed in a row whose address
    was removed) without breaking verification; ``row_hmac`` stays as signed, so the chain's links
    hold."""
    key: bytes = settings.TSUNAGU_AUDIT_HMAC_KEY
    message = b"address removed\n" + prev_hmac.encode("ascii") + b"\n" + row_hmac.encode("ascii") + b"\n" + content
    return hmac_lib.new(key, message, hashlib.sha256).hexdigest()


def content_of(row: Mapping[str, Any]) -> bytes:
    return canonical(**{key: row[key] for key in FIELDS})


def content_holds(prev_hmac: str, row: Mapping[str, Any]) -> bool:
    """Whether a stored row (``values()`` of an AuditEvent) is what was signed: by its ``hmac``, or,
    once its address was removed, by its ``redaction_hmac`` (only an anonymous actor's row, and only
    without an address)."""
    content = content_of(row)
    redaction = row.get("redaction_hmac")
    if redaction is None:
        return hmac_lib.compare_digest(sign(prev_hmac, content), str(row["hmac"]))
    if row["ip"] is not None or row["actor_code"] is not None:
        return False
    return hmac_lib.compare_digest(sign_redaction(prev_hmac, str(row["hmac"]), content), str(redaction))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    last_seq: int
    last_hmac: str
