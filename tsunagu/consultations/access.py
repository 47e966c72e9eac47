"""Who may see and change a consultation; one implementation per rule (docs/consultations.md, "Access").

A consultation the actor may not read is a 404, whether or not it exists; one they may read but not
change is a 403. Both write their one "denied" audit row through ``accounts.access.deny``. Every
read that shows a consultation writes a ``consultation.read`` row (its code and what was shown,
never the contents).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tsunagu.accounts.access import actor_of, deny, not_found
from tsunagu.audit.services import record
from tsunagu.consultations import selectors
from tsunagu.consultations.models import Consultation


def access_consultation(request: HttpRequest, code: UUID, *, write: bool = False) -> Consultation:
    actor = actor_of(request)
    consultation = selectors.detail(code=code)
    if consultation is None:
        raise not_found(request, target_type="consultation", target_code=str(code))
    if not selectors.may_read(actor, consultation):
        raise not_found(request, target_type="consultation", target_code=str(code))
    if write and not selectors.may_write(actor, consultation):
        deny(request, reason="not_handler", target_type="consultation", target_code=str(code))
        raise PermissionDenied
    return consultation


def record_read(request: HttpRequest, consultation: Consultation, *, what: str) -> None:
    record(
        actor=actor_of(request),
        action="consultation.read",
        target_type="consultation",
        target_code=consultation.code,
        detail={"what": what},
    )
