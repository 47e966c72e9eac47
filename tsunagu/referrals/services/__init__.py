"""Every write of referrals: keyword-only, in one transaction with its audit rows and ledger entry.

The server decides whether personal data may travel; forms only mirror it (referral.py). Who may do
what is asked of ``access.py``; a refusal raises ``Refused``, recorded as "denied" after the
rollback (``audit.services.refusals_audited``), so it stays. The writes are grouped by topic in
this package; callers import them from here.
"""

from tsunagu.referrals.services.code_send import withdrawal_code_send
from tsunagu.referrals.services.common import Conflict, ReferralError, Refused, conflict_message
from tsunagu.referrals.services.consent import (
    CONSULTATION_ITEMS,
    ConsentData,
    ConsentRecorded,
    consent_record,
    consent_withdraw,
    consent_withdraw_by_code,
    person_add,
    withdrawal_code_index,
    withdrawal_code_new,
)
from tsunagu.referrals.services.exceptions import JUSTIFICATION_MIN_CHARS, exception_decide, exception_request
from tsunagu.referrals.services.lifecycle import referral_open, referral_respond, referral_withdraw
from tsunagu.referrals.services.notify import notification_path, notifications_read
from tsunagu.referrals.services.referral import (
    CONTACT_HOW,
    PERSON_ITEM_FIELDS,
    ReferralData,
    referral_create,
    referral_send,
)
from tsunagu.referrals.services.reminders import ReminderRun, reminders_send

__all__ = [
    "CONSULTATION_ITEMS",
    "CONTACT_HOW",
    "JUSTIFICATION_MIN_CHARS",
    "PERSON_ITEM_FIELDS",
    "Conflict",
    "ConsentData",
    "ConsentRecorded",
    "ReferralData",
    "ReferralError",
    "Refused",
    "ReminderRun",
    "conflict_message",
    "consent_record",
    "consent_withdraw",
    "consent_withdraw_by_code",
    "exception_decide",
    "exception_request",
    "notification_path",
    "notifications_read",
    "person_add",
    "referral_create",
    "referral_open",
    "referral_respond",
    "referral_send",
    "referral_withdraw",
    "reminders_send",
    "withdrawal_code_index",
    "withdrawal_code_new",
    "withdrawal_code_send",
]
