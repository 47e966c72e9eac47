"""Staff pages for locations: add one to a service, see it, edit it. Confidential addresses are shown
only to those allowed (access.may_see_confidential), and every display is audited."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Perm
from tsunagu.audit.services import record_personal_data_read
from tsunagu.directory import selectors, services
from tsunagu.directory.access import access_location, access_service, may_edit, may_see_confidential
from tsunagu.directory.forms.hours import HoursForm, hours_fit_rows, hours_initial
from tsunagu.directory.forms.location import LocationForm, location_initial
from tsunagu.directory.forms.service import PhoneFormSet, phones_initial, phones_of
from tsunagu.directory.models import Location, Service
from tsunagu.directory.schedules import Schedule as Hours
from tsunagu.directory.views.common import history_rows, hours_view, standing_hours

CONFIDENTIAL_FIELDS = ["confidential_address"]


def _audit_confidential_read(request: HttpRequest, location: Location) -> None:
    record_personal_data_read(
        actor=actor_of(request), target_type="location", target_code=location.code, fields=CONFIDENTIAL_FIELDS
    )


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def location_detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    location = selectors.location_detail(location=access_location(request, code))
    show_confidential = location.is_confidential and may_see_confidential(actor, location.organisation)
    if show_confidential:
        _audit_confidential_read(request, location)
    context = {
        "location": location,
        "show_confidential": show_confidential,
        "hours": hours_view(standing_hours(location.schedules.all())),
        "services": [link.service for link in location.service_at_locations.all()],
        "may_edit": may_edit(actor, location.organisation),
        "history": history_rows(
            resource_type="location",
            code=location.code,
            terms=selectors.taxonomy_terms(),
            confidential=location.is_confidential,
        ),
    }
    return render(request, "directory/location_detail.html", context)


def _location_form(
    request: HttpRequest,
    *,
    organisation: Organisation,
    location: Location | None,
    service: Service | None,
) -> HttpResponse:
    actor = actor_of(request)
    allowed = may_see_confidential(actor, organisation)
    detail = selectors.location_detail(location=location) if location is not None else None
    base = selectors.location_data_of(detail) if detail is not None else None
    hours_json = base.hours if base is not None else None
    existing_hours = Hours.from_json(hours_json) if hours_json is not None else None
    is_confidential = base.is_confidential if base is not None else False
    if request.method == "POST":
        form = LocationForm(request.POST, confidential_allowed=allowed, is_confidential=is_confidential)
        hours_form = HoursForm(request.POST, prefix="hours", existing=existing_hours)
        phones = PhoneFormSet(request.POST, prefix="phones")
        if all([form.is_valid(), hours_form.is_valid(), phones.is_valid()]):
            data = form.location_data(base=base, phones=phones_of(phones), hours=hours_form.cleaned_data["schedule"])
            try:
                if service is not None:
                    saved = services.service_location_add(actor=actor, service=service, data=data)
                    changed = True
                else:
                    saved, result = services.location_save(
                        actor=actor, organisation=organisation, data=data, location=location
                    )
                    changed = bool(result.changed)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The location has been saved.") if changed else _("Nothing was changed."))
                return redirect("directory:location_detail", code=saved.code)
    else:
        initial: dict[str, Any] = {}
        if base is not None and detail is not None:
            initial = location_initial(base, area=detail.area, confidential_allowed=allowed)
            if allowed and base.is_confidential and base.confidential_address:
                _audit_confidential_read(request, detail)
        form = LocationForm(initial=initial, confidential_allowed=allowed, is_confidential=is_confidential)
        hours_form = HoursForm(initial=hours_initial(existing_hours), prefix="hours", existing=existing_hours)
        phones = PhoneFormSet(initial=phones_initial(base.phones) if base is not None else [], prefix="phones")
    context = {
        "form": form,
        "hours_form": hours_form,
        "hours_fit_rows": hours_fit_rows(existing_hours),
        "phones": phones,
        "organisation": organisation,
        "location": location,
        "service": service,
        "confidential_hidden": is_confidential and not allowed,
        "has_errors": request.method == "POST",
    }
    return render(request, "directory/location_form.html", context, status=400 if request.method == "POST" else 200)


@sensitive_post_parameters(*CONFIDENTIAL_FIELDS)
@require_http_methods(["GET", "POST"])
@staff_required(Perm.DIRECTORY_VIEW)
def location_create_view(request: HttpRequest, code: UUID) -> HttpResponse:
    service = access_service(request, code, write=True)
    return _location_form(request, organisation=service.organisation, location=None, service=service)


@sensitive_post_parameters(*CONFIDENTIAL_FIELDS)
@require_http_methods(["GET", "POST"])
@staff_required(Perm.DIRECTORY_VIEW)
def location_edit_view(request: HttpRequest, code: UUID) -> HttpResponse:
    location = access_location(request, code, write=True)
    return _location_form(request, organisation=location.organisation, location=location, service=None)
