"""The withdrawal code, sent to the person in the chat or LINE conversation where consent was taken.

The code is never stored: the counsellor's page has it once, on the slip, and sends it back with
the button. It is checked against the consent's keyed hash before it goes into the conversation
(stored encrypted like every message; on LINE, delivered by the Messaging API).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record, refusals_audited
from tsunagu.consultations import access as consultation_access
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.models import Channel, Sender
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.models import Consent, ConsentStatus
from tsunagu.referrals.services.common import ReferralError, Refused
from tsunagu.referrals.services.consent import withdrawal_code_index


@refusals_audited(ReferralAction.WITHDRAWAL_CODE_SENT)
@transaction.atomic
def withdrawal_code_send(*, actor: Actor, consent: Consent, code: str) -> None:
    consultation = consent.consultation
    if consultation is None or consultation.channel not in (Channel.WEB_CHAT, Channel.LINE):
        raise ReferralError(str(_("This consent was not taken in a chat or LINE conversation.")), code="channel")
    if not consultation_access.may_reply(actor, consultation):
        raise Refused(
            str(_("Only the counsellor handling the conversation can send the code in it.")),
            code="not_handler",
            target_type="consent",
            target_code=str(consent.code),
        )
    if consent.status != ConsentStatus.ACTIVE:
        raise ReferralError(str(_("This consent was withdrawn.")), code="withdrawn")
    if not code or len(code) > 40 or withdrawal_code_index(code) != consent.withdrawal_code_index:
        raise ReferralError(str(_("That is not this consent's withdrawal code.")), code="code")
    with translation.override(consultation.language or settings.LANGUAGE_CODE):
        url = settings.TSUNAGU_BASE_URL + reverse("consent_withdraw")
        text = gettext(
            "Your code to withdraw your consent to share: %(code)s. You can enter it at %(url)s at any time, "
            "or tell us."
        ) % {"code": code.strip().upper(), "url": url}
    try:
        consultation_services.message_post(consultation=consultation, sender=Sender.COUNSELLOR, body=text, actor=actor)
    except consultation_services.ConsultationError as error:
        raise ReferralError(error.message, code=error.code) from error
    record(actor=actor, action=ReferralAction.WITHDRAWAL_CODE_SENT, target_type="consent", target_code=consent.code)
