"""What referrals record in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction
from tsunagu.consultations.models import ConsentMethod
from tsunagu.referrals.models import Item, LegalBasis, Purpose, ReferralStatus, WithdrawnVia


class ReferralAction(AuditAction):
    CONSENT_RECORDED = "consent.recorded", _("Consent to share recorded")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent to share withdrawn")
    WITHDRAWAL_CODE_SENT = "consent.withdrawal_code_sent", _("Withdrawal code sent to the person in the conversation")
    CREATED = "referral.created", _("Referral created")
    SENT = "referral.sent", _("Referral sent")
    READ = "referral.read", _("Referral viewed")
    OPENED = "referral.opened", _("Referral opened by the recipient (receipt confirmed)")
    ACCEPTED = "referral.accepted", _("Referral accepted")
    DECLINED = "referral.declined", _("Referral declined")
    SUPPORT_STARTED = "referral.support_started", _("Support started")
    COMPLETED = "referral.completed", _("Referral completed")
    CLOSED_NO_CONTACT = "referral.closed_no_contact", _("Referral closed without contact")
    WITHDRAWN = "referral.withdrawn", _("Referral withdrawn by the sender")
    APPROVAL_REQUESTED = "referral.approval_requested", _("Referral awaiting approval to share without consent")
    RETURNED_TO_DRAFT = "referral.returned_to_draft", _("Referral returned to draft (sharing rejected)")
    REMINDED = "referral.reminded", _("Referral reminder sent")
    ESCALATED = "referral.escalated", _("Overdue referral escalated")
    ERASED = "referral.erased", _("Referral data erased after the retention period")
    EXCEPTION_REQUESTED = "sharing_exception.requested", _("Sharing without consent requested")
    EXCEPTION_APPROVED = "sharing_exception.approved", _("Sharing without consent approved")
    EXCEPTION_REJECTED = "sharing_exception.rejected", _("Sharing without consent rejected")
    EXCEPTION_DECIDED = "sharing_exception.decided", _("Decision on sharing without consent")
    PROVISION_RECORDED = "provision.recorded", _("Provision recorded in the ledger")
    PROVISION_RECEIVED = "provision.received", _("Receipt recorded in the ledger")
    PROVISION_EXPORTED = "provision.exported", _("Provision ledger exported")


A = ReferralAction

# Spellings stored before the vocabulary (the rows keep them: the HMAC chain covers them).
RENAMED: dict[str, AuditAction] = {
    "consent.create": A.CONSENT_RECORDED,
    "consent.withdraw": A.CONSENT_WITHDRAWN,
    "referral.create": A.CREATED,
    "referral.send": A.SENT,
    "referral.viewed": A.OPENED,
    "referral.accept": A.ACCEPTED,
    "referral.decline": A.DECLINED,
    "referral.start_support": A.SUPPORT_STARTED,
    "referral.in_support": A.SUPPORT_STARTED,
    "referral.complete": A.COMPLETED,
    "referral.close_no_contact": A.CLOSED_NO_CONTACT,
    "referral.exception_requested": A.APPROVAL_REQUESTED,
    "referral.exception_rejected": A.RETURNED_TO_DRAFT,
    "referral.retention": A.ERASED,
    "sharing_exception.request": A.EXCEPTION_REQUESTED,
    "sharing_exception.approve": A.EXCEPTION_APPROVED,
    "sharing_exception.reject": A.EXCEPTION_REJECTED,
    "sharing_exception.decide": A.EXCEPTION_DECIDED,
    "provision.create": A.PROVISION_RECORDED,
    "provision.receipt": A.PROVISION_RECEIVED,
    "provision.export": A.PROVISION_EXPORTED,
}


# What the codes in these rows' details mean (audit/actions.py, ``detail_value``).
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {
        "referral": _("Referral"),
        "consent": _("Consent"),
        "sharing_exception": _("Sharing without consent"),
        "provision": _("Provision ledger"),
    },
    "purposes": dict(Purpose.choices),
    "items": dict(Item.choices),
    "method": dict(ConsentMethod.choices),
    "via": dict(WithdrawnVia.choices),
    "basis": {"consent": _("the person's consent"), **dict(LegalBasis.choices)},
    "status": dict(ReferralStatus.choices),
    "side": {"sender": _("sending side"), "recipient": _("receiving side"), "sheet": _("printed referral sheet")},
    "reason": {
        "not_sender": _("not the sending organisation"),
        "not_recipient": _("not the receiving organisation"),
        "not_holder": _("not the organisation that holds the consent or the person"),
        "not_approver": _("not a supervisor of the sending organisation"),
        "same_person": _("the person who asked cannot also approve"),
        "reauth": _("password and code not confirmed again"),
        "wrong_code": _("wrong withdrawal code"),
        "consent_missing": _("no consent"),
        "consent_withdrawn": _("consent withdrawn"),
        "consent_expired": _("consent expired"),
        "consent_purpose": _("consent does not cover this purpose"),
        "consent_recipient": _("consent does not cover this recipient"),
        "consent_items": _("consent does not cover every item"),
        "consent_other": _("consent of another person or organisation"),
    },
}
