"""What the consultation intake records in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise, lazy
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction, field_labels
from tsunagu.consultations.models import (
    OUTCOME_CHOICES,
    AlertKind,
    Channel,
    ConsentMethod,
    EmergencyStep,
    Person,
    RiskLevel,
    Sender,
)
from tsunagu.directory.vocabularies import CONCERNS, Term


class ConsultationAction(AuditAction):
    STARTED = "consultation.started", _("Consultation started")
    CHAT_REFUSED = "consultation.chat_refused", _("Chat refused")
    LINE_REFUSED = "consultation.line_refused", _("LINE message refused")
    LINE_WEBHOOK_REFUSED = "consultation.line_webhook_refused", _("LINE delivery refused (signature)")
    ABANDONED = "consultation.abandoned", _("Chat left before it was answered")
    ENDED_BY_PERSON = "consultation.ended_by_person", _("Chat ended by the person")
    MESSAGE_SENT = "consultation.message_sent", _("Message sent")
    LINE_REPLY_RETRIED = "consultation.line_reply_retried", _("LINE reply sent again")
    READ = "consultation.read", _("Consultation viewed")
    TAKEN = "consultation.taken", _("Consultation taken")
    RECORDED = "consultation.recorded", _("Consultation record saved")
    RISK_ASSESSED = "consultation.risk_assessed", _("Risk assessed")
    RISK_STEP_TAKEN = "consultation.risk_step_taken", _("Emergency step recorded")
    TRANSFERRED = "consultation.transferred", _("Consultation transferred")
    HANDOVER_JOINED = "consultation.handover_joined", _("Handover joined by the receiving counsellor")
    HANDOVER_CANCELLED = "consultation.handover_cancelled", _("Handover cancelled")
    HANDOVER_ESCALATED = "consultation.handover_escalated", _("Handover not joined in time: supervisors alerted")
    SUPERVISOR_JOINED = "consultation.supervisor_joined", _("Supervisor joined the conversation")
    NOTE_WRITTEN = "consultation.note_written", _("Staff note written")
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
    ESCALATION_LIST_SAVED = "consultation_desk.escalation_list_saved", _("Alert escalation list saved")
    ALERT_RAISED = "alert.raised", _("Alert raised")
    ALERT_SHOWN = "alert.shown", _("Alert first shown to a supervisor")
    ALERT_ACKNOWLEDGED = "alert.acknowledged", _("Alert acknowledged")
    ALERT_ESCALATED_BY_EMAIL = "alert.escalated_by_email", _("Unacknowledged alert sent by e-mail")
    ALERT_ESCALATED_BY_SMS = "alert.escalated_by_sms", _("Unacknowledged alert sent by SMS")


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


def _vocabulary(terms: Iterable[Term]) -> dict[str, Promise | str]:
    """A vocabulary's codes → its words: the seeds' Japanese in Japanese, translated English otherwise."""

    def word(term: Term) -> str:
        return term.ja if (get_language() or "ja").startswith("ja") else gettext(term.en)

    return {term.code: lazy(word, str)(term) for term in terms}


# What the codes in these rows' details mean (audit/actions.py, ``detail_value``).
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {"consultation": _("Consultation"), "person": pgettext_lazy("audit target", "Person")},
    "channel": dict(Channel.choices),
    "sender": dict(Sender.choices),
    "delivery": {"sent": _("accepted by LINE"), "failed": _("not accepted by LINE")},
    "consent": dict(ConsentMethod.choices),
    "step": dict(EmergencyStep.choices),
    "level": {str(value): text for value, text in RiskLevel.choices},
    "risk_level": {str(value): text for value, text in RiskLevel.choices},
    "outcomes": dict(OUTCOME_CHOICES),
    "concerns": _vocabulary(CONCERNS),
    "person.fields": field_labels(Person),
    "what": {
        "detail": _("the consultation's page"),
        "stream": _("the live conversation"),
        "referral": _("the referral page"),
    },
    "alert_kind": dict(AlertKind.choices),
    "via": {"page": _("on a staff page"), "live": _("over the live channel")},
    "reason": {
        "not_handler": _("not the counsellor handling it, nor a supervisor"),
        "forbidden": _("not the counsellor handling it, nor a supervisor"),
        "not_participating": _("the organisation does not answer the shared queue"),
        "person": _("a person of another organisation"),
        "blocked": _("sender blocked"),
        "rate": _("too many chats from one address"),
        "token": _("wrong or missing token"),
        "signature": _("wrong or missing signature"),
        "not_supervisor": _("not a supervisor"),
        "not_desk_manager": _("may not manage the organisation's intake settings"),
    },
}
