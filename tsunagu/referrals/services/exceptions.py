"""Sharing without consent (APPI Art. 27(1) / Art. 69): asked for with a legal basis and reasons,
after re-authentication, and released only when a second supervisor of the sending organisation
approves. The organisation's administrators are told of every such release."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.referrals import access
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import (
    EventKind,
    ExceptionStatus,
    LegalBasis,
    NotificationKind,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SharingException,
)
from tsunagu.referrals.services.common import Conflict, ReferralError, Refused, require_sender, subject_of
from tsunagu.referrals.services.lifecycle import advance
from tsunagu.referrals.services.notify import approvers, notify, told_of_release_without_consent
from tsunagu.referrals.services.referral import release

S = ReferralStatus
A = ReferralAction

_DECISION_REFUSALS = {
    "same_person": _("A second person must approve: you asked for this sharing yourself."),
    "not_approver": _("Only a supervisor of the sending organisation may decide."),
}

JUSTIFICATION_MIN_CHARS = 20


@refusals_audited(A.EXCEPTION_REQUESTED)
@transaction.atomic
def exception_request(
    *,
    actor: Actor,
    referral: Referral,
    version: int,
    legal_basis: str,
    justification: str,
    reauthenticated_at: dt.datetime,
) -> SharingException:
    """Ask a second supervisor to approve sharing without consent (APPI Art. 27(1) / Art. 69), with
    the legal basis and the reasons; nothing is released until they approve."""
    require_sender(actor, referral)
    subject_of(actor, referral.consultation, referral.person)
    if legal_basis not in LegalBasis.values:
        raise ReferralError(str(_("Choose the legal basis.")), code="basis")
    text = justification.strip()
    if len(text) < JUSTIFICATION_MIN_CHARS:
        raise ReferralError(
            str(_("Write why consent cannot be obtained and why sharing is necessary (at least %(n)d characters)."))
            % {"n": JUSTIFICATION_MIN_CHARS},
            code="justification",
        )
    if not referral.items:
        raise ReferralError(str(_("Choose the items to share first.")), code="items")
    if timezone.now() - reauthenticated_at > dt.timedelta(seconds=settings.TSUNAGU_REAUTH_SECONDS):
        raise Refused(
            str(_("Confirm your password and code again first.")),
            code="reauth",
            target_type="referral",
            target_code=str(referral.code),
        )
    assert actor.user is not None and actor.organisation is not None
    requester = actor.user.pk
    others = [u for u in approvers(actor.organisation) if u.pk != requester]
    if not others:
        raise ReferralError(
            str(_("Nobody else in your organisation can approve (a second supervisor is needed).")),
            code="no_approver",
        )
    fresh = advance(
        actor,
        referral,
        version=version,
        allowed=frozenset({S.DRAFT}),
        to=S.AWAITING_APPROVAL,
        event=EventKind.EXCEPTION_REQUESTED,
        action=A.APPROVAL_REQUESTED,
    )
    exception = SharingException.objects.create(
        referral=fresh,
        legal_basis=legal_basis,
        justification=text[:4000],
        requested_by=actor.user,
        requester_reauthenticated_at=reauthenticated_at,
    )
    record(
        actor=actor,
        action=A.EXCEPTION_REQUESTED,
        target_type="sharing_exception",
        target_code=exception.code,
        detail={"referral": str(fresh.code), "basis": legal_basis, "items": fresh.items},
    )
    notify(others, actor.organisation, NotificationKind.APPROVAL_NEEDED, fresh)
    return exception


@refusals_audited(A.EXCEPTION_DECIDED)
@transaction.atomic
def exception_decide(*, actor: Actor, exception: SharingException, approve: bool, note: str = "") -> Referral:
    """The second supervisor approves (the referral is released at once) or rejects (it is a draft again)."""
    locked = SharingException.objects.select_for_update(of=("self",)).select_related("referral").get(pk=exception.pk)
    referral = locked.referral
    target = str(referral.code)
    if not access.may_decide_exception(actor, locked, referral):
        asked_themselves = actor.user is not None and locked.requested_by_id == actor.user.pk
        code = "same_person" if asked_themselves and access.may_approve_exceptions(actor) else "not_approver"
        raise Refused(
            str(_DECISION_REFUSALS[code]),
            code=code,
            target_type="referral",
            target_code=target,
            action=A.EXCEPTION_APPROVED if approve else A.EXCEPTION_REJECTED,
        )
    if locked.status != ExceptionStatus.PENDING:
        raise Conflict(str(_("This request has already been decided.")), code="decided")
    now = timezone.now()
    SharingException.objects.filter(pk=locked.pk).update(
        status=ExceptionStatus.APPROVED if approve else ExceptionStatus.REJECTED,
        decided_by=actor.user,
        decided_at=now,
        decision_note=note.strip()[:2000],
    )
    locked.refresh_from_db()
    record(
        actor=actor,
        action=A.EXCEPTION_APPROVED if approve else A.EXCEPTION_REJECTED,
        target_type="sharing_exception",
        target_code=locked.code,
        detail={"referral": target, "basis": locked.legal_basis},
    )
    fresh = Referral.objects.select_related("to_organisation", "from_organisation", "person", "consultation").get(
        pk=referral.pk
    )
    if not approve:
        return advance(
            actor,
            fresh,
            version=fresh.version,
            allowed=frozenset({S.AWAITING_APPROVAL}),
            to=S.DRAFT,
            event=EventKind.EXCEPTION_REJECTED,
            action=A.RETURNED_TO_DRAFT,
        )
    ReferralEvent.objects.create(
        referral=fresh,
        kind=EventKind.EXCEPTION_APPROVED,
        at=now,
        by_user=actor.user,
        by_organisation=actor.organisation,
    )
    release(actor, fresh, consent=None, exception=locked)
    notify(
        told_of_release_without_consent(fresh.from_organisation),
        fresh.from_organisation,
        NotificationKind.EXCEPTION_RELEASED,
        fresh,
    )
    fresh.refresh_from_db()
    return fresh
