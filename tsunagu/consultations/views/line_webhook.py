"""The LINE Messaging API webhook (docs/consultations.md, "LINE").

LINE signs every delivery with the channel secret (X-Line-Signature, HMAC-SHA256 of the body). A
missing or wrong signature is refused with 400, counted per source and hour and in the audit trail as
one "denied" row per source and hour with the count (``audit.aggregate``: anyone can send such
deliveries); a source refused more than ``TSUNAGU_MACHINE_REFUSALS_PER_MINUTE`` times this minute gets
429 for its next unsigned ones (a signed delivery is always answered). A signed body that does not
parse is refused with 400 and changes nothing. A redelivered event (same webhook event id) is stored once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tsunagu.audit import aggregate
from tsunagu.consultations import line, services
from tsunagu.consultations.actions import ConsultationAction
from tsunagu.directory import crisis


def closed_text() -> str:
    """What a LINE user is told when nobody is on duty: the 24-hour lines to call (the crisis banner's,
    in its order and from its cache), and 110 / 119."""
    lines = [f"・{entry.name} {entry.number}" for entry in crisis.banner_lines()]
    with translation.override("ja"):
        head = _("Nobody can answer here right now. These lines answer day and night:")
        tail = _("In danger now: 110 (police) or 119 (ambulance).")
    return "\n".join([head, *lines, tail])


@csrf_exempt  # LINE's platform posts here; the signature is what authenticates it
@require_POST
def webhook_view(request: HttpRequest) -> HttpResponse:
    if not line.configured():
        return HttpResponse(status=404)
    try:
        incoming = line.parse(
            request.body.decode("utf-8", errors="replace"), request.headers.get("X-Line-Signature", "")
        )
    except line.BadSignature:
        # Only a refused delivery is limited: LINE's own, signed, is always answered.
        refused = ConsultationAction.LINE_WEBHOOK_REFUSED
        wait = aggregate.refusals_over_limit(action=refused)
        aggregate.refusal_count(action=refused, reason="signature", over_limit=wait is not None)
        if wait is not None:
            return HttpResponse(status=429, headers={"Retry-After": str(wait)})
        return HttpResponse(status=400)
    except line.BadPayload:
        return HttpResponse(status=400)
    for item in incoming:
        if services.line_receive(incoming=item) == "closed":
            line.reply(item.reply_token, closed_text())
    return HttpResponse(status=200)
