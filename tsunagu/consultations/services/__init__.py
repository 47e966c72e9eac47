"""Every write of the consultation intake: keyword-only, in one transaction with its audit row.

The person in a web chat is anonymous: ``ANONYMOUS`` is the audit actor of what they do. A message is
stored before anyone is told of it (``events.notify`` runs after the commit), so a message a sender
saw acknowledged survives a crash or a restart. Nothing here puts personal data into an audit row:
rows name the consultation and the fields, never their values. Who may do what is asked of
``access.py``; a refusal raises ``Refused``, recorded as "denied" after the rollback.

The writes are grouped by topic in this package; callers import them from here.
"""

from tsunagu.consultations.services.alerts import (
    ContactData,
    EscalationRun,
    alert_acknowledge,
    alert_contacts_save,
    alert_raise,
    alerts_escalate,
    alerts_mark_shown,
)
from tsunagu.consultations.services.chat import (
    ChatStarted,
    chat_end_by_person,
    chat_start,
    clean_body,
    deliver_line_reply,
    line_receive,
    line_reply_retry,
    message_post,
)
from tsunagu.consultations.services.common import ConsultationError, Refused
from tsunagu.consultations.services.desk import CallNotice, cti_call_started, cti_token_issue, desk_settings_save
from tsunagu.consultations.services.handling import (
    CallData,
    RecordData,
    RiskAnswers,
    call_log,
    consultation_close,
    consultation_record,
    outcome_fields,
    risk_assess,
    risk_step_record,
    sender_block,
)
from tsunagu.consultations.services.handover import (
    consultation_take,
    consultation_transfer,
    handover_cancel,
    handover_check,
    handover_deadline,
    handovers_check,
    needs_named_receiver,
)
from tsunagu.consultations.services.people import (
    PERSON_FIELDS,
    PersonData,
    person_link,
    person_record,
    person_record_direct,
)
from tsunagu.consultations.services.supervision import note_post, supervisor_join

__all__ = [
    "PERSON_FIELDS",
    "CallData",
    "CallNotice",
    "ChatStarted",
    "ConsultationError",
    "ContactData",
    "EscalationRun",
    "PersonData",
    "RecordData",
    "Refused",
    "RiskAnswers",
    "alert_acknowledge",
    "alert_contacts_save",
    "alert_raise",
    "alerts_escalate",
    "alerts_mark_shown",
    "call_log",
    "chat_end_by_person",
    "chat_start",
    "clean_body",
    "consultation_close",
    "consultation_record",
    "consultation_take",
    "consultation_transfer",
    "cti_call_started",
    "cti_token_issue",
    "deliver_line_reply",
    "desk_settings_save",
    "handover_cancel",
    "handover_check",
    "handover_deadline",
    "handovers_check",
    "line_receive",
    "line_reply_retry",
    "message_post",
    "needs_named_receiver",
    "note_post",
    "outcome_fields",
    "person_link",
    "person_record",
    "person_record_direct",
    "risk_assess",
    "risk_step_record",
    "sender_block",
    "supervisor_join",
]
