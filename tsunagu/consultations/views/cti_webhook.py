"""The telephony (CTI) webhook: the organisation's phone system says a call has started, and a draft
phone consultation opens (docs/consultations.md, "Phone").

Authenticated by the organisation's token (``Authorization: Bearer cti_…``, issued on the intake
settings page, kept only as a keyed hash). A missing or wrong token: 401, counted per source and
hour, and in the audit trail as one "denied" row per source and hour with the count
(``audit.aggregate``): anyone can send such calls, and must not grow the trail at will. A source
refused more than ``TSUNAGU_MACHINE_REFUSALS_PER_MINUTE`` times this minute: its next refused calls
get 429 (a call with a valid token is always answered). A body that is not the expected JSON: 400,
nothing written.

    POST /integrations/cti/calls/
    {"call_id": "abc-123", "caller": "090-1234-5678", "counsellor": "yamada", "started_at": "2026-11-26T22:05:00+09:00"}
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tsunagu.audit import aggregate
from tsunagu.consultations import selectors, services
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.core.bounds import implausible

MAX_BODY = 4096


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@csrf_exempt  # a machine posts here; the bearer token is what authenticates it
@require_POST
def call_started_view(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    desk = selectors.desk_of_cti_token(token) if token else None
    if desk is None:
        # Only a refused call is limited: a phone system with its token is always answered, even
        # when something else at its address (a shared NAT) sends wrong calls.
        refused = ConsultationAction.CALL_NOTICE_REFUSED
        wait = aggregate.refusals_over_limit(action=refused)
        aggregate.refusal_count(action=refused, reason="token", over_limit=wait is not None)
        if wait is not None:
            return JsonResponse({"error": "too many refused calls"}, status=429, headers={"Retry-After": str(wait)})
        return JsonResponse({"error": "unauthorised"}, status=401)
    if len(request.body) > MAX_BODY:
        return _bad("body too large")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _bad("body is not JSON")
    if not isinstance(data, dict):
        return _bad("body must be a JSON object")
    call_id, caller, counsellor = data.get("call_id"), data.get("caller", ""), data.get("counsellor", "")
    if not isinstance(call_id, str) or not call_id.strip() or len(call_id) > 100:
        return _bad("call_id: a string of 1 to 100 characters is required")
    if not isinstance(caller, str) or len(caller) > 32 or not isinstance(counsellor, str) or len(counsellor) > 150:
        return _bad("caller and counsellor must be short strings")
    started_at = None
    if data.get("started_at") is not None:
        try:  # a well-formed but impossible time (30 February) is a ValueError
            parsed = parse_datetime(data["started_at"]) if isinstance(data["started_at"], str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            return _bad("started_at: an ISO 8601 time with its offset is required")
        if implausible(parsed) is not None:  # checked before any conversion (year 1 would underflow)
            return _bad("started_at: a time from 2020 until now is required")
        started_at = parsed.astimezone(dt.UTC)
    notice = services.CallNotice(call_id=call_id.strip(), caller=caller, counsellor=counsellor, started_at=started_at)
    try:
        consultation, created = services.cti_call_started(desk=desk, notice=notice)
    except services.ConsultationError:
        return _bad("counsellor: not a counsellor of this organisation")
    path = reverse("consultations:consultation", kwargs={"code": consultation.code})
    return JsonResponse({"consultation": str(consultation.code), "path": path}, status=201 if created else 200)
