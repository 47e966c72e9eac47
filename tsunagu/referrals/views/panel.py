"""The つなぎ panel beside a conversation (consultations.panels): the person, their consent and the
referral in one place, so the counsellor never leaves the chat to refer.

Consent is asked once: the referral form starts from the newest usable consent (its recipient when
it names one organisation, its items, its code). Suggested services fill the recipient. The
referrals of this consultation are listed with their state. After consent is recorded, the
one-time slip appears in the panel, and in a chat or LINE conversation a button sends the
withdrawal code to the person in the conversation.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.consultations import access as consultation_access
from tsunagu.consultations.models import Consultation
from tsunagu.directory.models import Service
from tsunagu.referrals import selectors, services
from tsunagu.referrals.access import access_consent
from tsunagu.referrals.forms import ConsentForm, ReferralForm
from tsunagu.referrals.models import ConsentStatus, Item
from tsunagu.referrals.views.staff import SEND_DETAIL, SEND_QUESTION

BACK_TO_CONSULTATION = "consultation"


def _service_of(request: HttpRequest) -> Service | None:
    """A suggestion chosen (``?to_service=<code>``): a directory service, never personal data."""
    raw = request.GET.get("to_service", "")
    try:
        return selectors.service_by_code(UUID(raw)) if raw else None
    except ValueError:
        return None


def refer_panel(request: HttpRequest, consultation: Consultation) -> dict[str, Any] | None:
    actor = actor_of(request)
    if not consultation_access.may_write_consultation(actor, consultation) or actor.organisation is None:
        return None
    person = consultation.person if consultation.person and consultation.person.erased_at is None else None
    consents = selectors.consents_of(person=person, organisation=actor.organisation) if person else []
    today = timezone.localdate()
    usable = [c for c in consents if c.status == ConsentStatus.ACTIVE and c.expires_on >= today]
    initial: dict[str, Any] = {"key": uuid.uuid4().hex}
    latest = usable[0] if usable else None
    if latest is not None:
        initial["items"] = list(latest.items)
        initial["consent"] = latest.code
        recipients = list(latest.recipients.all())
        if len(recipients) == 1:
            initial["to_organisation"] = recipients[0].code
    chosen = _service_of(request)
    if chosen is not None:
        initial["to_service"] = chosen.code
        initial["to_organisation"] = chosen.organisation.code
    return {
        "link_label": gettext_lazy("Refer (with consent)"),
        "consultation": consultation,
        "person": person,
        "consents": consents,
        "usable_consents": usable,
        "latest_consent": latest,
        "consent_form": ConsentForm(prefix="consent", exclude=actor.organisation),
        "referral_form": ReferralForm(prefix="referral", exclude=actor.organisation, initial=initial),
        "suggestions": selectors.suggestions(consultation=consultation, exclude=actor.organisation),
        "referrals": selectors.referrals_of_consultation(consultation=consultation),
        "item_labels": dict(Item.choices),
        "is_conversation": consultation.channel in ("web_chat", "line"),
        "back": BACK_TO_CONSULTATION,
        "send_question": SEND_QUESTION,
        "send_detail": SEND_DETAIL,
        "today": today,
    }


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def send_code_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Send the withdrawal code, just shown on the slip, to the person in the conversation."""
    consent = access_consent(request, code)
    consultation = consent.consultation
    if consultation is None:
        raise Http404
    try:
        services.withdrawal_code_send(actor=actor_of(request), consent=consent, code=request.POST.get("code", ""))
    except services.Refused:  # audited by the service: only the handler writes in the conversation
        raise PermissionDenied from None
    except services.ReferralError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("The withdrawal code was sent to the person in the conversation."))
    url = reverse("consultations:consultation", kwargs={"code": consultation.code})
    return redirect(f"{url}#refer")
