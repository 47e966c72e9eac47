"""A staff reply that LINE did not accept, sent again (docs/consultations.md, "LINE").

The conversation shows such a reply as 「送信できませんでした」 with a button that posts here; without
JavaScript the page comes back with the outcome, with it the answer is JSON and the message's marker
changes in place.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.consultations import services
from tsunagu.consultations.access import access_consultation
from tsunagu.consultations.serialisers import message_json
from tsunagu.consultations.services.chat import DELIVERY_SENT


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def retry_view(request: HttpRequest, code: UUID, seq: int) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    wants_json = "application/json" in request.headers.get("Accept", "")
    back = redirect(reverse("consultations:consultation", kwargs={"code": consultation.code}) + "#conversation")
    try:
        message = services.line_reply_retry(actor=actor_of(request), consultation=consultation, seq=seq)
    except services.ConsultationError as error:
        if wants_json:
            return JsonResponse({"error": error.message}, status=403 if isinstance(error, services.Refused) else 400)
        flash.error(request, error.message)
        return back
    delivered = message.delivery == DELIVERY_SENT
    outcome = (
        _("The reply was sent to LINE.")
        if delivered
        else _(
            "LINE did not accept the reply this time either. Try again in a moment, or reach the person another way."
        )
    )
    if wants_json:
        return JsonResponse({"message": message_json(message, staff=True), "delivered": delivered, "text": outcome})
    (flash.success if delivered else flash.error)(request, outcome)
    return back
