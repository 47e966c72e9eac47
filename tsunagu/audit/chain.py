"""Canonical form and HMAC of audit rows, and verification of the whole chain."""

from __future__ import annotations

import hashlib
import hmac as hmac_lib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


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


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    last_seq: int
    last_hmac: str
