"""The counsellor's and supervisor's pages of the shared queue (docs/consultations.md).

Every page works without JavaScript (forms and links); with it, the queue, the conversation and
the dashboard update live over a WebSocket, or by long polling where WebSocket is blocked.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.audit.services import record_personal_data_read
from tsunagu.consultations import access, selectors, services
from tsunagu.consultations.access import access_consultation
from tsunagu.consultations.forms import (
    BlockForm,
    CallForm,
    DeskSettingsForm,
    MessageForm,
    PersonForm,
    PersonLookupForm,
    RecordForm,
    RiskForm,
    RiskStepForm,
    TransferForm,
)
from tsunagu.consultations.models import Consultation, EmergencyStep, Person, RiskLevel, Sender, Status
from tsunagu.consultations.panels import panels_for
from tsunagu.consultations.serialisers import conversation_state, messages_json
from tsunagu.consultations.services import PERSON_FIELDS
from tsunagu.consultations.views.common import wait_for_news
from tsunagu.core import confirm
from tsunagu.core.bounds import MAX_DB_INT, bounded_int
from tsunagu.directory.schedules import parse_schedule


def _back(consultation: Consultation, anchor: str = "") -> HttpResponse:
    url = reverse("consultations:consultation", kwargs={"code": consultation.code})
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_GET
@staff_required(Perm.CONSULTATION_HANDLE)
def queue_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "participating": access.desk_is_open(actor.organisation),
        "waiting": list(selectors.queue(actor=actor)[:100]),
        "handovers": list(selectors.handovers_offered(actor=actor)[:50]),
        "mine": list(selectors.my_conversations(actor=actor)),
        "recent": list(selectors.recent(actor=actor, limit=30)),
        "now": timezone.now(),
        "can_supervise": access.may_supervise(actor),
        "nav": "queue",
    }
    template = "consultations/_queue_lists.html" if request.GET.get("fragment") == "1" else "consultations/queue.html"
    return render(request, template, context)


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def take_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    consultation = selectors.takeable(actor=actor, code=code)
    try:
        won = consultation is not None and services.consultation_take(actor=actor, consultation=consultation)
    except services.ConsultationError as error:
        flash.error(request, error.message)
        return redirect("consultations:queue")
    if not won or consultation is None:
        flash.warning(request, _("Another counsellor has taken this contact, or it is no longer waiting."))
        return redirect("consultations:queue")
    return _back(consultation)


def person_field_label(name: str) -> str:
    field = Person._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _detail_context(request: HttpRequest, consultation: Consultation) -> dict[str, Any]:
    actor = actor_of(request)
    writable = access.may_write_consultation(actor, consultation)
    pending = selectors.pending_transfer(consultation)
    if pending is not None and writable:
        services.handover_check(consultation=consultation)  # the first counsellor's page checks too
    messages = messages_json(consultation=consultation, after=0, limit=1000, staff=True)
    person = consultation.person
    shown_person: dict[str, tuple[str, str]] = {}
    if person is not None and person.erased_at is None:
        shown_person = {
            name: (person_field_label(name), getattr(person, name)) for name in PERSON_FIELDS if getattr(person, name)
        }
        if shown_person:
            record_personal_data_read(
                actor=actor, target_type="person", target_code=person.code, fields=list(shown_person)
            )
    access.record_read(actor, consultation, what="detail")
    record_initial = {
        "consulting_as": consultation.consulting_as,
        "language": consultation.language,
        "interpreter": consultation.interpreter,
        "concerns": list(consultation.concerns.all()),
        "concern_words": consultation.concern_words,
        "summary": consultation.summary,
        "outcomes": consultation.outcomes,
        "services_given": [str(s.code) for s in consultation.services_given.all()],
        "follow_up_on": consultation.follow_up_on,
    }
    return {
        "consultation": consultation,
        "chat_messages": messages,
        "last_seq": messages[-1]["seq"] if messages else 0,
        "writable": writable,
        "is_conversation": consultation.channel in ("web_chat", "line"),
        "can_reply": consultation.status == Status.ACTIVE
        and consultation.channel in ("web_chat", "line")
        and access.may_reply(actor, consultation),
        "can_note": consultation.is_open and access.may_note(actor, consultation),
        "can_join": consultation.channel in ("web_chat", "line")
        and access.may_join_openly(actor, consultation)
        and not selectors.has_joined(consultation=consultation, user=actor.user),
        "pending_transfer": pending,
        "handover_for_me": pending is not None and selectors.takeable(actor=actor, code=consultation.code) is not None,
        "handover_needs_name": services.needs_named_receiver(consultation),
        "message_form": MessageForm(),
        "record_form": RecordForm(initial=record_initial, prefix="record"),
        "risk_form": RiskForm(prefix="risk"),
        "step_form": RiskStepForm(prefix="step"),
        "transfer_form": TransferForm(prefix="transfer"),
        "person_form": PersonForm(prefix="person"),
        "lookup_form": PersonLookupForm(prefix="lookup"),
        "block_form": BlockForm(prefix="block"),
        "person_fields": list(shown_person.values()),
        "is_high_risk": consultation.risk_level >= RiskLevel.HIGH,
        "steps": EmergencyStep.choices,
        "assessments": list(consultation.assessments.all()),
        "risk_steps": list(consultation.risk_steps.all()),
        "transfers": list(consultation.transfers.all()),
        "nav": "queue",
    }


def consultation_page(
    request: HttpRequest, consultation: Consultation, *, status: int = 200, **panel_extra: Any
) -> HttpResponse:
    """The consultation page, also rendered by the apps whose panels sit beside the conversation
    (an invalid form or a one-time slip comes back on this page, the chat still open)."""
    context = _detail_context(request, consultation)
    context["panels"] = panels_for(request, consultation, **panel_extra)
    return render(request, "consultations/consultation.html", context, status=status)


@require_GET
@staff_required(Perm.CONSULTATION_HANDLE)
def consultation_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code)
    return consultation_page(request, consultation)


@require_GET
@staff_required(Perm.CONSULTATION_HANDLE)
def messages_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """New messages after ``after`` as JSON, at once (the long-polling client uses ``poll_view``)."""
    consultation = access_consultation(request, code)
    after = bounded_int(request.GET.get("after", "0"), low=0, high=MAX_DB_INT)
    if after is None:
        return JsonResponse({"error": _("Bad request.")}, status=400)
    found = messages_json(consultation=consultation, after=after)
    return JsonResponse({**conversation_state(consultation), "messages": found})


def _poll_access(request: HttpRequest, code: UUID) -> Consultation | HttpResponse:
    """The access checks of a staff page, for the async long-polling view."""
    checked: dict[str, Consultation] = {}

    @staff_required(Perm.CONSULTATION_HANDLE)
    def check(request: HttpRequest) -> HttpResponse:
        checked["c"] = access_consultation(request, code)
        return HttpResponse()

    response = check(request)  # Http404 and PermissionDenied go up to Django's handlers, as on any page
    return checked.get("c") or response


@require_GET
async def poll_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Long-polling fallback for the counsellor: waits up to 20 seconds for news."""
    after = bounded_int(request.GET.get("after", "0"), low=0, high=MAX_DB_INT)
    if after is None:
        return JsonResponse({"error": _("Bad request.")}, status=400)
    checked = await sync_to_async(_poll_access)(request, code)
    if isinstance(checked, HttpResponse):
        return checked
    current, found = await wait_for_news(consultation=checked, after=after, status=checked.status)
    if current is None:
        return JsonResponse({"status": "closed", "messages": found})
    state = await sync_to_async(conversation_state)(current)
    return JsonResponse({**state, "messages": found})


def _fail(request: HttpRequest, consultation: Consultation, message: str, anchor: str = "") -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=400)
    flash.error(request, message)
    return _back(consultation, anchor)


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def send_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _staff_message(request, access_consultation(request, code, write=True), note=False)


def _staff_message(request: HttpRequest, consultation: Consultation, *, note: bool) -> HttpResponse:
    """A staff message from a plain form (the socket takes {"type": "send"} and {"type": "note"}):
    to the person, or a note only staff read. Who may write which is the services' rule."""
    anchor = "note" if note else "reply"
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _fail(request, consultation, " ".join(str(e) for errs in form.errors.values() for e in errs), anchor)
    actor = actor_of(request)
    body, key = form.cleaned_data["body"], form.cleaned_data["key"]
    try:
        if note:
            message = services.note_post(actor=actor, consultation=consultation, body=body, client_key=key)
        else:
            message = services.message_post(
                consultation=consultation, sender=Sender.COUNSELLOR, body=body, actor=actor, client_key=key
            )
    except services.Refused:  # audited by the service (a supervisor joins openly before writing to the person)
        raise PermissionDenied from None
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, anchor)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"seq": message.seq, "key": key})
    return _back(consultation, anchor)


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def record_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = RecordForm(request.POST, prefix="record")
    if not form.is_valid():
        context = _detail_context(request, consultation)
        context["record_form"] = form
        context["panels"] = panels_for(request, consultation)
        return render(request, "consultations/consultation.html", context, status=400)
    try:
        services.consultation_record(actor=actor_of(request), consultation=consultation, data=form.to_data())
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, "record")
    flash.success(request, _("The record was saved."))
    return _back(consultation, "record")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def risk_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = RiskForm(request.POST, prefix="risk")
    if not form.is_valid():
        return _fail(request, consultation, _("Please check the risk assessment."), "risk")
    assessment = services.risk_assess(
        actor=actor_of(request),
        consultation=consultation,
        answers=form.answers(),
        raise_to=form.cleaned_data["raise_to"],
        notes=form.cleaned_data["notes"],
    )
    if assessment.level >= RiskLevel.HIGH:
        flash.error(request, _("High risk: the supervisors on duty have been alerted. Follow the emergency checklist."))
    else:
        flash.success(request, _("The risk assessment was saved."))
    return _back(consultation, "risk")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def risk_step_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = RiskStepForm(request.POST, prefix="step")
    if not form.is_valid():
        return _fail(request, consultation, _("Choose a step from the checklist."), "risk")
    services.risk_step_record(
        actor=actor_of(request),
        consultation=consultation,
        step=form.cleaned_data["step"],
        note=form.cleaned_data["note"],
    )
    return _back(consultation, "risk")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def transfer_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = TransferForm(request.POST, prefix="transfer")
    if not form.is_valid():
        return _fail(request, consultation, " ".join(str(e) for errs in form.errors.values() for e in errs), "transfer")
    to_user = form.cleaned_data["to_user"]
    page = confirm.ask_first(
        request,
        question=_("Transfer this consultation?"),
        detail=_(
            "The receiver reads the whole conversation and your note. "
            "Once they join, the consultation is theirs and you cannot take it back."
        ),
        facts=[(_("Transfer to organisation"), form.cleaned_data["to_organisation"].name)]
        + ([(_("Counsellor"), to_user.display_name or to_user.username)] if to_user else []),
        back_url=reverse("consultations:consultation", kwargs={"code": code}) + "#transfer",
    )
    if page is not None:
        return page
    try:
        services.consultation_transfer(
            actor=actor_of(request),
            consultation=consultation,
            to_organisation=form.cleaned_data["to_organisation"],
            to_user=form.cleaned_data["to_user"],
            note=form.cleaned_data["note"],
        )
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, "transfer")
    flash.success(request, _("The handover was offered with your note. Stay with the person until the receiver joins."))
    return _back(consultation, "conversation")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def handover_cancel_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    try:
        services.handover_cancel(actor=actor_of(request), consultation=consultation)
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, "transfer")
    flash.success(request, _("The handover was cancelled. You continue the conversation."))
    return _back(consultation, "conversation")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def note_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """A note only staff read, from the plain form."""
    return _staff_message(request, access_consultation(request, code), note=True)


@require_POST
@staff_required(Perm.CONSULTATION_SUPERVISE)
def join_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """A supervisor joins the conversation openly (the person is told)."""
    consultation = access_consultation(request, code)
    try:
        services.supervisor_join(actor=actor_of(request), consultation=consultation)
    except services.Refused:
        raise PermissionDenied from None
    flash.success(request, _("You joined the conversation. The person sees your messages as the supervisor's."))
    return _back(consultation, "conversation")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def close_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    page = confirm.ask_first(
        request,
        question=_("End this consultation?"),
        detail=_(
            "The consultation ends and cannot be reopened. In a chat or on LINE, the person is told it has ended."
        ),
        back_url=reverse("consultations:consultation", kwargs={"code": code}),
    )
    if page is not None:
        return page
    try:
        services.consultation_close(actor=actor_of(request), consultation=consultation)
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message)
    flash.success(request, _("The conversation was closed."))
    return _back(consultation)


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def person_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = PersonForm(request.POST, prefix="person")
    if not form.is_valid():
        return _fail(
            request, consultation, _("Record how the person agreed to their details being recorded."), "person"
        )
    try:
        services.person_record(actor=actor_of(request), consultation=consultation, data=form.to_data())
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, "person")
    flash.success(request, _("The person's details were recorded with their consent."))
    return _back(consultation, "person")


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def person_lookup_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Re-contact: find people recorded with this phone number (by its blind index) and link one."""
    consultation = access_consultation(request, code, write=True)
    actor = actor_of(request)
    form = PersonLookupForm(request.POST, prefix="lookup")
    if not form.is_valid() or actor.organisation is None:
        return _fail(request, consultation, _("Enter a phone number."), "person")
    found = selectors.people_with_phone(organisation=actor.organisation, phone=form.cleaned_data["phone"])
    chosen = request.POST.get("person", "")
    if chosen:
        person = next((p for p in found if str(p.code) == chosen), None)
        if person is None:
            return _fail(request, consultation, _("That person is not recorded by your organisation."), "person")
        services.person_link(actor=actor, consultation=consultation, person=person)
        flash.success(request, _("This contact is now linked to the person's earlier consultations."))
        return _back(consultation, "person")
    context = _detail_context(request, consultation)
    for person in found:
        record_personal_data_read(actor=actor, target_type="person", target_code=person.code, fields=["name"])
    context.update({"matches": found, "lookup_phone": form.cleaned_data["phone"], "lookup_done": True})
    return render(request, "consultations/consultation.html", context)


@require_POST
@staff_required(Perm.CONSULTATION_HANDLE)
def block_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consultation = access_consultation(request, code, write=True)
    form = BlockForm(request.POST, prefix="block")
    if not form.is_valid():
        return _fail(request, consultation, _("Give the number of days (1–90) and the reason."), "block")
    page = confirm.ask_first(
        request,
        question=_("Block this sender?"),
        detail=_(
            "For the days you chose, this sender cannot contact any desk again on this channel (chat or LINE). "
            "A block cannot be lifted before it ends."
        ),
        facts=[(_("Days"), str(form.cleaned_data["days"]))],
        back_url=reverse("consultations:consultation", kwargs={"code": code}) + "#block",
    )
    if page is not None:
        return page
    try:
        services.sender_block(
            actor=actor_of(request),
            consultation=consultation,
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
        )
    except services.ConsultationError as error:
        return _fail(request, consultation, error.message, "block")
    flash.success(request, _("The sender is blocked."))
    return _back(consultation, "block")


@require_http_methods(["GET", "POST"])
@staff_required(Perm.CONSULTATION_HANDLE)
def call_view(request: HttpRequest) -> HttpResponse:
    """Log a phone call in under 30 seconds: start time filled in, everything else optional."""
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.call_log(actor=actor_of(request), data=form.to_data())
        except services.ConsultationError as error:
            form.add_error(None, error.message)
        else:
            flash.success(request, _("The call was logged."))
            return _back(consultation)
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/call.html", {"form": form, "nav": "call"}, status=status)


@require_GET
@staff_required(Perm.CONSULTATION_SUPERVISE)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    figures = selectors.dashboard(actor=actor_of(request))
    context = {
        "d": figures,
        "nav": "dashboard",
        "channels": dict(Consultation._meta.get_field("channel").choices or []),
    }
    template = (
        "consultations/_dashboard_figures.html"
        if request.GET.get("fragment") == "1"
        else "consultations/dashboard.html"
    )
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.CONSULTATION_SETTINGS_MANAGE)
def settings_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    assert actor.organisation is not None
    current = selectors.desk_of(actor.organisation)
    initial = {"active": current.is_active if current else False, "hours_text": current.hours_text if current else ""}
    form = DeskSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["hours_text"]
        services.desk_settings_save(
            actor=actor,
            organisation=actor.organisation,
            hours=parse_schedule(text).to_json() if text else {},
            hours_text=text,
            active=form.cleaned_data["active"],
        )
        flash.success(request, _("The settings were saved."))
        return redirect("consultations:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/settings.html", {"form": form, "nav": "settings"}, status=status)


@require_POST
@staff_required(Perm.CONSULTATION_SETTINGS_MANAGE)
def cti_token_view(request: HttpRequest) -> HttpResponse:
    """Issue a new token for the organisation's telephony system; it is shown this once."""
    actor = actor_of(request)
    assert actor.organisation is not None
    try:
        token = services.cti_token_issue(actor=actor, organisation=actor.organisation)
    except services.ConsultationError as error:
        flash.error(request, error.message)
        return redirect("consultations:settings")
    current = selectors.desk_of(actor.organisation)
    assert current is not None  # the token was issued to it
    form = DeskSettingsForm(initial={"active": current.is_active, "hours_text": current.hours_text})
    return render(request, "consultations/settings.html", {"form": form, "nav": "settings", "cti_token": token})
