"""The supervisors' alert pages (docs/consultations.md, "Alerts"): the list of alerts, the
acknowledgement (from the banner on every staff page, the dashboard or the list) and the desk's
escalation list. Every page works without JavaScript; ``static/consultations/alerts.js`` adds the
live banner, the sound and the browser's notifications."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import actor_of, not_found, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.consultations import selectors, services
from tsunagu.consultations.context_processors import AlertBanner
from tsunagu.consultations.forms import EscalationListForm


def _next(request: HttpRequest) -> str:
    """Back to the page the acknowledgement was sent from (a path of this site), else the alerts."""
    target = str(request.POST.get("next") or "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("consultations:alerts")


@require_GET
@staff_required(Perm.CONSULTATION_SUPERVISE)
def alerts_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.GET.get("fragment") == "banner":
        # What the banner script fetches when the live channel says the open alerts changed.
        return HttpResponse(AlertBanner(request, actor, via="live").banner)
    context = {
        "alerts": selectors.alerts_recent(actor=actor, since=timezone.now() - dt.timedelta(hours=24)),
        "next_path": reverse("consultations:alerts"),
        "escalate_after": settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES,
        "nav": "alerts",
    }
    return render(request, "consultations/alerts.html", context)


@require_POST
@staff_required(Perm.CONSULTATION_SUPERVISE)
def alert_acknowledge_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    alert = selectors.alert_for(actor=actor, code=code)
    if alert is None:
        raise not_found(request, target_type="alert", target_code=str(code))
    try:
        done = services.alert_acknowledge(actor=actor, alert=alert)
    except services.Refused as refusal:  # audited by the service
        raise PermissionDenied from refusal
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"acknowledged": done})
    if done:
        flash.success(request, _("Acknowledged: the alert is gone from every supervisor's pages."))
    else:
        flash.info(request, _("Another supervisor had already acknowledged this alert."))
    return redirect(_next(request))


@require_http_methods(["GET", "POST"])
@staff_required(Perm.CONSULTATION_SETTINGS_MANAGE)
def escalation_view(request: HttpRequest) -> HttpResponse:
    """The desk's escalation list: which supervisors unacknowledged alerts go to, and their SMS numbers."""
    actor = actor_of(request)
    assert actor.organisation is not None
    context: dict[str, object] = {
        "escalate_after": settings.TSUNAGU_ALERT_ESCALATE_AFTER_MINUTES,
        "nav": "settings",
        "form": None,
    }
    desk = selectors.desk_of(actor.organisation)
    if desk is None:
        if request.method == "POST":
            flash.error(request, _("Save the intake settings first."))
            return redirect("consultations:settings")
        return render(request, "consultations/escalation.html", context)
    current = {contact.user_id: contact.sms_number for contact in selectors.alert_contacts_of(desk)}
    form = EscalationListForm(
        request.POST if request.method == "POST" else None,
        supervisors=selectors.supervisors_of(actor.organisation),
        current=current,
    )
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_contacts_save(actor=actor, organisation=actor.organisation, contacts=form.contacts())
        except services.Refused as refusal:  # audited by the service
            raise PermissionDenied from refusal
        except services.ConsultationError as error:
            form.add_error(None, error.message)
        else:
            flash.success(request, _("The escalation list was saved."))
            return redirect("consultations:escalation")
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/escalation.html", context, status=status)
