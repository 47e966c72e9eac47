"""A referral after it was sent: opened, accepted or declined, support started, completed, closed
without contact, or withdrawn by the sender. Each step is one conditional UPDATE on the version the
user saw, so of two people who act at once one wins and the other is told what happened."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.actions import AuditAction
from tsunagu.audit.services import record, refusals_audited
from tsunagu.referrals import rules
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import (
    DeclineReason,
    EventKind,
    ExceptionStatus,
    NotificationKind,
    Provision,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SharingException,
)
from tsunagu.referrals.services.common import (
    Conflict,
    ReferralError,
    conflict_message,
    require_recipient,
    require_sender,
)
from tsunagu.referrals.services.notify import notify, receivers, senders

S = ReferralStatus
A = ReferralAction

#: The audit action of each step a recipient (or, for a referral outside tsunagu, its sender) takes.
STEP_ACTIONS: dict[str, AuditAction] = {
    "accept": A.ACCEPTED,
    "decline": A.DECLINED,
    "start_support": A.SUPPORT_STARTED,
    "complete": A.COMPLETED,
    "close_no_contact": A.CLOSED_NO_CONTACT,
}


def advance(
    actor: Actor,
    referral: Referral,
    *,
    version: int,
    allowed: frozenset[str],
    to: str,
    event: str,
    action: AuditAction,
    fields: dict[str, Any] | None = None,
) -> Referral:
    """One lifecycle step as a conditional UPDATE on the version the user saw: one of two racing wins."""
    now = timezone.now()
    values: dict[str, Any] = {"status": to, "version": F("version") + 1, "updated_at": now, **(fields or {})}
    changed = Referral.objects.filter(pk=referral.pk, version=version, status__in=allowed).update(**values)
    fresh = Referral.objects.select_related("to_organisation", "from_organisation", "from_user").get(pk=referral.pk)
    if changed != 1:
        raise Conflict(conflict_message(fresh), code="stale")
    ReferralEvent.objects.create(
        referral=fresh, kind=event, at=now, by_user=actor.user, by_organisation=actor.organisation
    )
    record(actor=actor, action=action, target_type="referral", target_code=fresh.code, detail={"status": to})
    return fresh


@refusals_audited(A.OPENED)
def referral_open(*, actor: Actor, referral: Referral) -> Referral:
    """The recipient opens a sent referral: it is viewed, and the receipt is confirmed in the ledger
    (APPI Art. 30's 確認記録: who received what, from whom, when)."""
    if referral.status != S.SENT or referral.to_organisation_id is None or not referral.shared:
        return referral
    with transaction.atomic():
        require_recipient(actor, referral)
        now = timezone.now()
        changed = Referral.objects.filter(pk=referral.pk, status=S.SENT).update(
            status=S.VIEWED, viewed_at=now, version=F("version") + 1, updated_at=now
        )
        if changed:
            ReferralEvent.objects.create(
                referral=referral, kind=EventKind.VIEWED, at=now, by_user=actor.user, by_organisation=actor.organisation
            )
            Provision.objects.filter(referral=referral, received_at__isnull=True).update(
                received_at=now, received_by=actor.user
            )
            record(actor=actor, action=A.OPENED, target_type="referral", target_code=referral.code)
            record(actor=actor, action=A.PROVISION_RECEIVED, target_type="referral", target_code=referral.code)
            notify(senders(referral), referral.from_organisation, NotificationKind.UPDATED, referral)
    referral.refresh_from_db()
    return referral


@refusals_audited(A.ACCEPTED)
@transaction.atomic
def referral_respond(
    *, actor: Actor, referral: Referral, version: int, step: str, reason: str = "", note: str = ""
) -> Referral:
    """The recipient's answer and progress: accept, decline (with a reason), start support, complete
    (with the outcome) or close without contact. The sender of an external referral reports the
    outcome for the organisation outside tsunagu."""
    action = STEP_ACTIONS.get(step, A.ACCEPTED)
    if referral.is_external:
        require_sender(actor, referral, action=action)
        steps = rules.EXTERNAL_STEPS
    else:
        require_recipient(actor, referral, action=action)
        steps = rules.RECIPIENT_STEPS
    if step not in steps:
        raise ReferralError(str(_("That step is not possible.")), code="step")
    if referral.consent_withdrawn_at is not None:
        raise ReferralError(
            str(_("The person withdrew their consent; this referral is closed to you.")), code="consent"
        )
    allowed, to = steps[step]
    now = timezone.now()
    fields: dict[str, Any] = {}
    if step == "decline":
        if reason not in DeclineReason.values:
            raise ReferralError(str(_("Give the reason for declining.")), code="reason")
        fields = {"decline_reason": reason, "response_note": note.strip()[:2000], "responded_at": now, "shared": ""}
    elif step == "accept":
        fields = {"responded_at": now, "response_note": note.strip()[:2000]}
    elif step in ("complete", "close_no_contact"):
        if step == "complete" and not note.strip():
            raise ReferralError(str(_("Describe the outcome.")), code="outcome")
        fields = {"outcome_note": note.strip()[:2000], "closed_at": now}
    fresh = advance(actor, referral, version=version, allowed=allowed, to=to, event=to, action=action, fields=fields)
    notify(senders(fresh), fresh.from_organisation, NotificationKind.UPDATED, fresh)
    return fresh


@refusals_audited(A.WITHDRAWN)
@transaction.atomic
def referral_withdraw(*, actor: Actor, referral: Referral, version: int) -> Referral:
    """The sender takes the referral back: the recipient loses what it carried."""
    require_sender(actor, referral)
    fresh = advance(
        actor,
        referral,
        version=version,
        allowed=rules.SENDER_WITHDRAWABLE,
        to=S.WITHDRAWN,
        event=EventKind.WITHDRAWN,
        action=A.WITHDRAWN,
        fields={"shared": "", "closed_at": timezone.now()},
    )
    # Taking back a referral that waits for approval cancels the request: nothing was released.
    SharingException.objects.filter(referral=fresh, status=ExceptionStatus.PENDING).update(
        status=ExceptionStatus.CANCELLED, decided_at=timezone.now()
    )
    if fresh.to_organisation is not None and fresh.sent_at is not None:
        notify(receivers(fresh.to_organisation), fresh.to_organisation, NotificationKind.UPDATED, fresh)
    return fresh
