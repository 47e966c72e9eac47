"""What every write of the intake shares: its errors, the row update, the next message, the handler check."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import User
from tsunagu.accounts.policy import Actor
from tsunagu.consultations import access
from tsunagu.consultations.models import Consultation, Message, Status
from tsunagu.core.errors import Refused as _Refused
from tsunagu.core.errors import ServiceError


class ConsultationError(ServiceError):
    """A write of the intake that cannot be done, with a message for the person or counsellor."""


class Refused(ConsultationError, _Refused):
    """Refused for want of authority: recorded as "denied" by ``refusals_audited``."""


def touch(consultation: Consultation, **fields: object) -> None:
    fields["updated_at"] = timezone.now()
    Consultation.objects.filter(pk=consultation.pk).update(**fields)
    for name, value in fields.items():
        setattr(consultation, name, value)


def append_message(
    *,
    consultation: Consultation,
    sender: str,
    body: str,
    author: User | None = None,
    client_key: str = "",
    external_id: str = "",
    system: str = "",
    staff_only: bool = False,
) -> Message:
    # The consultation row is locked while the next number is chosen, so two senders never share one.
    Consultation.objects.select_for_update().filter(pk=consultation.pk).values_list("pk", flat=True).get()
    last = Message.objects.filter(consultation=consultation).aggregate(last=Max("seq"))["last"] or 0
    return Message.objects.create(
        consultation=consultation,
        seq=last + 1,
        sender=sender,
        author=author,
        body=system or body,
        client_key=client_key[:64],
        external_id=external_id[:64],
        staff_only=staff_only,
    )


def require_handler(actor: Actor, consultation: Consultation, *, open_only: bool = True) -> None:
    if not access.may_write_consultation(actor, consultation):
        raise Refused(
            str(_("Only the counsellor handling this contact, or a supervisor, can do that.")),
            code="forbidden",
            target_type="consultation",
            target_code=str(consultation.code),
        )
    if open_only and consultation.status != Status.ACTIVE:
        raise ConsultationError(str(_("This conversation has ended.")), code="closed")
