"""What the consultation intake records in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction


class ConsultationAction(AuditAction):
    STARTED = "consultation.started", _("Consultation started")
    CHAT_REFUSED = "consultation.chat_refused", _("Chat refused")
    LINE_REFUSED = "consultation.line_refused", _("LINE message refused")
    LINE_WEBHOOK_REFUSED = "consultation.line_webhook_refused", _("LINE delivery refused (signature)")
    ABANDONED = "consultation.abandoned", _("Chat left before it was answered")
    ENDED_BY_PERSON = "consultation.ended_by_person", _("Chat ended by the person")
    MESSAGE_SENT = "consultation.message_sent", _("Message sent")
    READ = "consultation.read", _("Consultation viewed")
    TAKEN = "consultation.taken", _("Consultation taken")
    RECORDED = "consultation.recorded", _("Consultation record saved")
    RISK_ASSESSED = "consultation.risk_assessed", _("Risk assessed")
    RISK_STEP_TAKEN = "consultation.risk_step_taken", _("Emergency step recorded")
    TRANSFERRED = "consultation.transferred", _("Consultation transferred")
    CLOSED = "consultation.closed", _("Consultation closed")
    CALL_LOGGED = "consultation.call_logged", _("Call logged")
    CALL_NOTIFIED = "consultation.call_notified", _("Call notified by the phone system")
    CALL_NOTICE_REFUSED = "consultation.call_notice_refused", _("Phone system notice refused (token)")
    SENDER_BLOCKED = "consultation.sender_blocked", _("Sender blocked")
    ERASED = "consultation.erased", _("Consultation data erased after the retention period")
    PERSON_RECORDED = "person.recorded", _("Person's details recorded")
    PERSON_LINKED = "person.linked", _("Consultation linked to a person")
    DESK_SAVED = "consultation_desk.saved", _("Consultation desk settings saved")
    CTI_TOKEN_ISSUED = "consultation_desk.cti_token_issued", _("Phone system token issued")


A = ConsultationAction

# Spellings stored before the vocabulary (the rows keep them: the HMAC chain covers them).
RENAMED: dict[str, AuditAction] = {
    "consultation.start": A.STARTED,
    "consultation.end": A.ENDED_BY_PERSON,
    "consultation.message": A.MESSAGE_SENT,
    "consultation.take": A.TAKEN,
    "consultation.record": A.RECORDED,
    "consultation.risk": A.RISK_ASSESSED,
    "consultation.risk_step": A.RISK_STEP_TAKEN,
    "consultation.transfer": A.TRANSFERRED,
    "consultation.close": A.CLOSED,
    "consultation.call_log": A.CALL_LOGGED,
    "consultation.cti_call": A.CALL_NOTIFIED,
    "cti.webhook": A.CALL_NOTICE_REFUSED,
    "line.webhook": A.LINE_WEBHOOK_REFUSED,
    "consultation.block": A.SENDER_BLOCKED,
    "consultation.retention": A.ERASED,
    "person.create": A.PERSON_RECORDED,
    "person.link": A.PERSON_LINKED,
    "intake.settings": A.DESK_SAVED,
    "intake.cti_token": A.CTI_TOKEN_ISSUED,
}
