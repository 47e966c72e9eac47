"""What the writes of referrals share: their errors, the person a write is about, optimistic locks."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.actions import AuditAction
from tsunagu.consultations.models import Consultation, Person
from tsunagu.core.errors import Conflict as _Conflict
from tsunagu.core.errors import Refused as _Refused
from tsunagu.core.errors import ServiceError
from tsunagu.referrals import access
from tsunagu.referrals.models import Referral, ReferralStatus

S = ReferralStatus


class ReferralError(ServiceError):
    """A write of referrals that cannot be done, with a message for the user (translated)."""


class Refused(ReferralError, _Refused):
    """Refused for want of consent or authority: recorded as "denied" by ``refusals_audited``."""


class Conflict(ReferralError, _Conflict):
    """Someone else changed the referral first (optimistic locking); the loser is told what happened."""


CONSENT_MESSAGES = {
    "consent_missing": _("No consent is recorded for this referral. Record the person's consent first."),
    "consent_withdrawn": _("The person has withdrawn this consent."),
    "consent_expired": _("This consent has expired. Ask the person again."),
    "consent_purpose": _("This consent does not cover a referral for support."),
    "consent_recipient": _("This consent does not cover this recipient."),
    "consent_items": _("This consent does not cover every item chosen. Share fewer items or ask the person again."),
    "consent_other": _("This consent belongs to another person or organisation."),
}


def _person_of(consultation: Consultation) -> Person:
    person = consultation.person
    if person is None or person.erased_at is not None:
        raise ReferralError(
            str(_("Record the person's details (with their consent to record) before a referral.")),
            code="no_person",
        )
    return person


def subject_of(actor: Actor, consultation: Consultation | None, person: Person | None) -> Person:
    """The person a consent or a referral is about, once the actor is known to act for them: from a
    consultation, its handler or a supervisor of the handling organisation; for a person a support
    organisation recorded directly (no consultation), a member of that organisation who may refer."""
    if consultation is not None:
        if not access.may_refer_from(actor, consultation):
            raise Refused(
                str(_("Only the counsellor handling this consultation, or a supervisor, may do this.")),
                code="not_handler",
                target_type="consultation",
                target_code=str(consultation.code),
            )
        return _person_of(consultation)
    if person is None:
        raise ReferralError(str(_("Choose the person first.")), code="no_person")
    if not access.may_act_for_directly(actor, person):
        raise Refused(
            str(_("Only the organisation that recorded this person may do this.")),
            code="not_holder",
            target_type="person",
            target_code=str(person.code),
        )
    if person.erased_at is not None:
        raise ReferralError(str(_("This person's details have been erased.")), code="no_person")
    return person


def require_sender(actor: Actor, referral: Referral, *, action: AuditAction | None = None) -> None:
    if not access.is_sender(actor, referral):
        raise Refused(
            str(_("Only the organisation that made the referral may do this.")),
            code="not_sender",
            target_type="referral",
            target_code=str(referral.code),
            action=action,
        )


def require_recipient(actor: Actor, referral: Referral, *, action: AuditAction | None = None) -> None:
    if not access.is_recipient(actor, referral):
        raise Refused(
            str(_("Only the receiving organisation may do this.")),
            code="not_recipient",
            target_type="referral",
            target_code=str(referral.code),
            action=action,
        )


def conflict_message(referral: Referral) -> str:
    return str(
        _("Someone else updated this referral first. It is now: %(status)s. Check it and try again.")
        % {"status": referral.get_status_display()}
    )


def lock(referral: Referral, version: int) -> Referral:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("to_organisation", "from_organisation", "from_user", "person", "consultation")
        .get(pk=referral.pk)
    )
    if locked.version != version:
        raise Conflict(conflict_message(locked), code="stale")
    return locked
