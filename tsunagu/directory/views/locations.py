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
from tsunagu.directory.forms.location import LocationForm, location_initial
from tsunagu.directory.models import Location, Service
from tsunagu.directory.views.common import HoursAndPhones, form_page, history_rows, hours_view, standing_hours

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
    parts = HoursAndPhones.of(request, base)
    is_confidential = base.is_confidential if base is not None else False
    if request.method == "POST":
        form = LocationForm(request.POST, confidential_allowed=allowed, is_confidential=is_confidential)
        if parts.all_valid(form):
            data = form.location_data(base=base, phones=parts.phone_data(), hours=parts.schedule())
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
    context = {
        "form": form,
        **parts.context(),
        "organisation": organisation,
        "location": location,
        "service": service,
        "confidential_hidden": is_confidential and not allowed,
    }
    return form_page(request, "directory/location_form.html", context)


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
