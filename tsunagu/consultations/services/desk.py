"""An organisation's desk in the shared queue: whether it answers, its on-duty hours, and the token
its telephony (CTI) system uses to say a call has started."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation
from tsunagu.audit.services import AuditActor, SystemActor, record
from tsunagu.consultations import events, selectors
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.consultations.indexes import cti_token_index, person_phone_index
from tsunagu.consultations.models import Channel, Consultation, ConsultationDesk, Status
from tsunagu.consultations.services.common import ConsultationError
from tsunagu.core.crypto import normalise_phone


@transaction.atomic
def desk_settings_save(
    *, actor: AuditActor, organisation: Organisation, hours: dict[str, Any], hours_text: str, active: bool
) -> ConsultationDesk:
    desk, _created = ConsultationDesk.objects.update_or_create(
        organisation=organisation,
        defaults={"hours": hours, "hours_text": hours_text[:500], "is_active": active, "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action=ConsultationAction.DESK_SAVED,
        target_type="organisation",
        target_code=organisation.code,
        detail={"active": active, "hours": hours_text[:500]},
    )
    events.queue_changed()
    return desk


@transaction.atomic
def cti_token_issue(*, actor: AuditActor, organisation: Organisation) -> str:
    """A new token for the organisation's telephony system (shown once; the old one stops working)."""
    token = "cti_" + secrets.token_urlsafe(32)
    updated = ConsultationDesk.objects.filter(organisation=organisation).update(
        cti_token_index=cti_token_index(token), updated_at=timezone.now()
    )
    if not updated:
        raise ConsultationError(str(_("Save the intake settings first.")), code="not_participating")
    record(
        actor=actor,
        action=ConsultationAction.CTI_TOKEN_ISSUED,
        target_type="organisation",
        target_code=organisation.code,
    )
    return token


@dataclass(frozen=True)
class CallNotice:
    call_id: str
    caller: str = ""  # the caller's number, when the network gives it
    counsellor: str = ""  # the username of the counsellor whose phone rings, when known
    started_at: dt.datetime | None = None


@transaction.atomic
def cti_call_started(*, desk: ConsultationDesk, notice: CallNotice) -> tuple[Consultation, bool]:
    """A call starts: a draft phone consultation opens at once, for the counsellor whose phone rings
    (or waiting for the organisation's counsellors). The same call notified twice opens one record."""
    organisation = desk.organisation
    key = f"{organisation.pk}:{notice.call_id}"[:150]
    existing = Consultation.objects.filter(cti_call_id=key).first()
    if existing is not None:
        return existing, False
    counsellor = None
    if notice.counsellor:
        counsellor = next((u for u in selectors.counsellors_of(organisation) if u.username == notice.counsellor), None)
        if counsellor is None:
            raise ConsultationError("unknown counsellor", code="counsellor")
    started = notice.started_at or timezone.now()
    digits = normalise_phone(notice.caller)
    phone_index = person_phone_index(digits) if digits else ""
    consultation = Consultation.objects.create(
        channel=Channel.PHONE,
        status=Status.ACTIVE if counsellor else Status.WAITING,
        started_at=started,
        waiting_since=started,
        taken_at=started if counsellor else None,
        organisation=organisation if counsellor else None,
        counsellor=counsellor,
        transfer_to=None if counsellor else organisation,
        caller_number=digits,
        caller_index=phone_index,
        sender_index=phone_index,
        cti_call_id=key,
    )
    record(
        actor=SystemActor(label="cti"),
        action=ConsultationAction.CALL_NOTIFIED,
        target_type="consultation",
        target_code=consultation.code,
        detail={"organisation": str(organisation.code), "caller_given": bool(digits)},
    )
    events.queue_changed()
    return consultation, True
