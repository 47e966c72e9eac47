"""Staff pages for services: the list with search and filters, the entry, its form, status and verification."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import actor_of, safe_next, staff_required
from tsunagu.accounts.models import Organisation
from tsunagu.accounts.policy import Perm
from tsunagu.audit.services import record_personal_data_read
from tsunagu.directory import selectors, services
from tsunagu.directory.access import access_organisation, access_service, may_edit, may_see_confidential
from tsunagu.directory.forms.filters import ServiceFilterForm
from tsunagu.directory.forms.service import ServiceForm, language_name, service_initial
from tsunagu.directory.models import Service, ServiceStatus
from tsunagu.directory.search.selectors import SearchFilters, services_search
from tsunagu.directory.views.common import (
    PER_PAGE,
    HoursAndPhones,
    Pager,
    form_page,
    freshness_of,
    history_rows,
    hours_view,
    kind_names,
    page_number,
    query_without_page,
    standing_hours,
)

CONFIDENTIAL_FIELDS = ["confidential_address"]


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def service_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    terms = selectors.taxonomy_terms()
    form = ServiceFilterForm(request.GET or None, terms=terms)
    valid = form.is_valid() if form.is_bound else True
    rows: list[dict[str, Any]] = []
    pager = Pager(number=1, per_page=PER_PAGE, count=0)
    if valid:
        data = form.cleaned_data if form.is_bound else {}
        area = data.get("area")
        filters = SearchFilters(
            area_code=area.code if area is not None else "",
            concerns=(data["concern"],) if data.get("concern") else (),
            resource_kinds=(data["kind"],) if data.get("kind") else (),
            # Staff see every status unless they choose one; the public search hides inactive and defunct.
            statuses=(data["status"],) if data.get("status") else tuple(ServiceStatus.values),
        )
        result = services_search(
            text=data.get("q", ""), filters=filters, page=page_number(request), per_page=PER_PAGE, now=timezone.now()
        )
        today = timezone.localdate()
        rows = [{"service": s, "kinds": kind_names(s), "freshness": freshness_of(s, today)} for s in result.services]
        pager = Pager(result.page, result.per_page, result.total, result.total_is_lower_bound)
    context = {
        "form": form,
        "rows": rows,
        "page": pager,
        "query": query_without_page(request),
        "filtered": form.is_bound,
        "own_organisation": actor.organisation if may_edit(actor, actor.organisation) else None,
    }
    return render(request, "directory/service_list.html", context, status=200 if valid else 400)


def _detail_context(request: HttpRequest, service: Service, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    service = selectors.service_detail(service=service)
    terms = selectors.taxonomy_terms()
    locations = []
    for link in service.service_at_locations.all():
        location = link.location
        shown = location.is_confidential and may_see_confidential(actor, location.organisation)
        if shown:
            record_personal_data_read(
                actor=actor, target_type="location", target_code=location.code, fields=CONFIDENTIAL_FIELDS
            )
        locations.append({"location": location, "show_confidential": shown})
    by_taxonomy: dict[str, list[str]] = {}
    english = (get_language() or "ja").startswith("en")
    for attribute in service.attributes.all():
        term = attribute.taxonomy_term
        by_taxonomy.setdefault(term.taxonomy.key, []).append(term.name_en if english else term.name)
    context: dict[str, Any] = {
        "service": service,
        "terms": by_taxonomy,
        "areas": [a for a in service.service_areas.all() if a.area is not None],
        "is_national": any(a.area is None for a in service.service_areas.all()),
        "languages": [language_name(language.tag) for language in service.languages.all()],
        "hours": hours_view(standing_hours(service.schedules.all())),
        "locations": locations,
        "freshness": freshness_of(service, timezone.localdate()),
        "may_edit": may_edit(actor, service.organisation),
        "statuses": ServiceStatus.choices,
        "history": history_rows(resource_type="service", code=service.code, terms=terms),
        "status_error": "",
    }
    context.update(extra)
    return context


@require_GET
@staff_required(Perm.DIRECTORY_VIEW)
def service_detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    service = access_service(request, code)
    return render(request, "directory/service_detail.html", _detail_context(request, service))


def _service_form(request: HttpRequest, *, organisation: Organisation, service: Service | None) -> HttpResponse:
    terms = selectors.taxonomy_terms()
    locations = list(selectors.organisation_locations(organisation=organisation))
    detail = selectors.service_detail(service=service) if service is not None else None
    base = selectors.service_data_of(detail) if detail is not None else None
    parts = HoursAndPhones.of(request, base)
    if request.method == "POST":
        form = ServiceForm(request.POST, terms=terms, locations=locations)
        if parts.all_valid(form):
            data = form.service_data(base=base, phones=parts.phone_data(), hours=parts.schedule())
            try:
                saved, result = services.service_save(
                    actor=actor_of(request), organisation=organisation, data=data, service=service
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if result.created:
                    messages.success(request, _("The service has been added."))
                elif result.changed:
                    messages.success(request, _("The service has been saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("directory:service_detail", code=saved.code)
    else:
        areas = selectors.areas_by_code(codes=base.area_codes) if base is not None else {}
        form = ServiceForm(
            initial=service_initial(base, areas=areas) if base is not None else {},
            terms=terms,
            locations=locations,
        )
    context = {"form": form, **parts.context(), "organisation": organisation, "service": service}
    return form_page(request, "directory/service_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.DIRECTORY_VIEW)
def service_create_view(request: HttpRequest, code: UUID) -> HttpResponse:
    organisation = access_organisation(request, code, write=True)
    return _service_form(request, organisation=organisation, service=None)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.DIRECTORY_VIEW)
def service_edit_view(request: HttpRequest, code: UUID) -> HttpResponse:
    service = access_service(request, code, write=True)
    return _service_form(request, organisation=service.organisation, service=service)


@require_POST
@staff_required(Perm.DIRECTORY_VIEW)
def service_status_view(request: HttpRequest, code: UUID) -> HttpResponse:
    service = access_service(request, code, write=True)
    status = request.POST.get("status", "")
    if status not in ServiceStatus.values:
        context = _detail_context(request, service, status_error=_("Choose one of the statuses."))
        return render(request, "directory/service_detail.html", context, status=400)
    if services.service_set_status(actor=actor_of(request), service=service, status=status):
        messages.success(request, _("The status is now “%(status)s”.") % {"status": ServiceStatus(status).label})
    else:
        messages.info(request, _("Nothing was changed."))
    return redirect("directory:service_detail", code=service.code)


@require_POST
@staff_required(Perm.DIRECTORY_VIEW)
def service_verify_view(request: HttpRequest, code: UUID) -> HttpResponse:
    service = access_service(request, code, write=True)
    services.service_verify(actor=actor_of(request), service=service)
    messages.success(request, _("“%(name)s” has been marked as verified today.") % {"name": service.name})
    default = reverse("directory:service_detail", kwargs={"code": service.code})
    return redirect(safe_next(request, request.POST.get("next"), default))
