"""What referrals record in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction


class ReferralAction(AuditAction):
    CONSENT_RECORDED = "consent.recorded", _("Consent to share recorded")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent to share withdrawn")
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
