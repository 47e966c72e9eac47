"""Who may see a referral; one implementation per rule (docs/referrals.md, "Access").

A referral the actor may not read is a 404, whether or not it exists, with its one "denied" row.
Every display of a referral writes ``referral.read``; every display of what it carries about the
person writes ``personal_data.read`` naming the items (never their values).
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, not_found
from tsunagu.audit.services import record, record_personal_data_read
from tsunagu.referrals import selectors
from tsunagu.referrals.models import Referral


def access_referral(request: HttpRequest, code: UUID) -> tuple[Referral, str]:
    """The referral and the side (sender or recipient) the actor reads it from."""
    referral = selectors.detail(code=code)
    side = selectors.side_of(actor_of(request), referral) if referral is not None else None
    if referral is None or side is None:
        raise not_found(request, target_type="referral", target_code=str(code))
    return referral, side


def record_read(request: HttpRequest, referral: Referral, *, side: str, items: list[str]) -> None:
    actor = actor_of(request)
    record(
        actor=actor, action="referral.read", target_type="referral", target_code=referral.code, detail={"side": side}
    )
    if items:
        record_personal_data_read(actor=actor, target_type="referral", target_code=referral.code, fields=items)
