"""The person's web chat, started from the portal's 「いま、話を聞いてほしい」 door (docs/consultations.md).

No login, no cookie: the chat's secret is made when the chat starts and travels only in the page
(a hidden field, and the tab's sessionStorage when JavaScript runs) and in the body of each POST or
the first WebSocket frame, never in a URL. Whoever does not hold it cannot read or write the chat,
so these views need no CSRF token (which would mean a cookie): a forged request has no secret to
send. Quick exit clears the tab's copy and ends the chat; an ended chat cannot be resumed.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.consultations import selectors, services
from tsunagu.consultations.forms import MessageForm, PreChatForm
from tsunagu.consultations.models import Consultation, Sender, Status
from tsunagu.consultations.rules import MESSAGE_MAX_CHARS, on_duty_organisations
from tsunagu.consultations.serialisers import conversation_state, messages_json
from tsunagu.consultations.views.common import wait_for_news
from tsunagu.core.bounds import MAX_DB_INT, bounded_int

SECRET_MAX = 100


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _secret(request: HttpRequest) -> str:
    return str(request.POST.get("secret", ""))[:SECRET_MAX]


def _room(
    request: HttpRequest, consultation: Consultation, secret: str, *, form: MessageForm | None = None, status: int = 200
) -> HttpResponse:
    messages = messages_json(consultation=consultation, after=0, limit=500)
    context: dict[str, Any] = {
        "consultation": consultation,
        "secret": secret,
        "chat_messages": messages,
        "last_seq": messages[-1]["seq"] if messages else 0,
        "state": conversation_state(consultation),
        "form": form or MessageForm(),
        "max_chars": MESSAGE_MAX_CHARS,
    }
    return render(request, "consultations/chat_room.html", context, status=status)


def _gone(request: HttpRequest) -> HttpResponse:
    """The chat has ended or the secret is wrong: the same answer for both, with the lines to call."""
    if _wants_json(request):
        return JsonResponse({"status": "closed", "messages": []}, status=410)
    return render(request, "consultations/chat_ended.html", status=410)


@csrf_exempt  # no cookie, no session: see the module's docstring
@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    open_now = bool(on_duty_organisations(now))
    if request.method == "POST" and open_now:
        form = PreChatForm(request.POST)
        if form.is_valid():
            try:
                started = services.chat_start(
                    address=request.META.get("REMOTE_ADDR", ""),
                    at_risk=form.cleaned_data["at_risk"] == "yes",
                    language=get_language() or "ja",
                    at=now,
                )
            except services.ConsultationError as error:
                return render(
                    request,
                    "consultations/chat_start.html",
                    {"form": form, "open_now": False, "error": error.message},
                    status=429 if error.code == "rate" else 200,
                )
            return _room(request, started.consultation, started.secret)
    else:
        form = PreChatForm()
    return render(request, "consultations/chat_start.html", {"form": form, "open_now": open_now})


@csrf_exempt
@require_POST
def room_view(request: HttpRequest) -> HttpResponse:
    secret = _secret(request)
    consultation = selectors.chat_of_secret(secret)
    if consultation is None:
        return _gone(request)
    return _room(request, consultation, secret)


@csrf_exempt
@require_POST
def send_view(request: HttpRequest) -> HttpResponse:
    secret = _secret(request)
    consultation = selectors.chat_of_secret(secret)
    if consultation is None:
        return _gone(request)
    form = MessageForm(request.POST)
    error = ""
    message = None
    if form.is_valid():
        try:
            message = services.message_post(
                consultation=consultation,
                sender=Sender.PERSON,
                body=form.cleaned_data["body"],
                client_key=form.cleaned_data["key"],
            )
        except services.ConsultationError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if _wants_json(request):
        if message is None:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"seq": message.seq, "key": form.cleaned_data["key"]})
    if message is None:
        return _room(request, consultation, secret, form=form, status=400)
    return _room(request, consultation, secret)


@csrf_exempt
@require_POST
async def messages_view(request: HttpRequest) -> HttpResponse:
    """Long-polling fallback: new messages after ``after``, waiting up to 20 seconds for them."""
    secret = str(request.POST.get("secret", ""))[:SECRET_MAX]
    after = bounded_int(request.POST.get("after", "0"), low=0, high=MAX_DB_INT)
    wait = request.POST.get("wait", "1") == "1"
    if after is None:
        return JsonResponse({"error": _("Bad request.")}, status=400)
    consultation = await sync_to_async(selectors.chat_of_secret)(secret)
    if consultation is None:
        return JsonResponse({"status": "closed", "messages": []}, status=410)
    current, found = await wait_for_news(
        consultation=consultation, after=after, status=consultation.status, seconds=20 if wait else 0
    )
    if current is None:
        return JsonResponse({"status": "closed", "messages": found}, status=410)
    state = await sync_to_async(conversation_state)(current)
    return JsonResponse({**state, "messages": found})


@csrf_exempt
@require_POST
def end_view(request: HttpRequest) -> HttpResponse:
    """The person ends the chat (its button, or quick exit through a beacon)."""
    consultation = selectors.chat_of_secret(_secret(request))
    if consultation is not None and consultation.status != Status.CLOSED:
        services.chat_end_by_person(consultation=consultation)
    if _wants_json(request) or request.POST.get("beacon") == "1":
        return HttpResponse(status=204)
    return render(request, "consultations/chat_ended.html")
