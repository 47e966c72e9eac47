"""Staff pages for the reading override dictionary of やさしい日本語 furigana (/staff/portal/readings/).

Views are thin: the permission check, a form, one service call (services.py audits every write).
"""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import actor_of, not_found, staff_required
from tsunagu.accounts.forms import ListFilterForm
from tsunagu.accounts.policy import Perm
from tsunagu.portal import selectors, services
from tsunagu.portal.furigana import word_html
from tsunagu.portal.models import ReadingOverride

PAGE_SIZE = 50


class ReadingForm(forms.Form):
    surface = forms.CharField(
        label=gettext_lazy("Word"),
        max_length=50,
        error_messages={"required": gettext_lazy("Enter the word as it is written.")},
        help_text=gettext_lazy("As it is written, with at least one kanji (e.g. 子ども食堂, 鳥取市)."),
    )
    reading = forms.CharField(
        label=gettext_lazy("Reading"),
        max_length=100,
        error_messages={"required": gettext_lazy("Enter the reading in hiragana.")},
        help_text=gettext_lazy("In hiragana (e.g. こどもしょくどう). Katakana is turned into hiragana."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Optional: why Sudachi's reading is replaced."),
    )

    def data_value(self) -> services.ReadingData:
        return services.ReadingData(**{name: self.cleaned_data[name] for name in ("surface", "reading", "note")})


def _override_or_404(request: HttpRequest, code: UUID) -> ReadingOverride:
    override = selectors.reading_get(code=code)
    if override is None:
        raise not_found(request, target_type="reading_override", target_code=str(code))
    return override


def _save(request: HttpRequest, form: ReadingForm, override: ReadingOverride | None) -> ReadingOverride | None:
    """Run the service for a valid form; put its validation errors on the form."""
    if not form.is_valid():
        return None
    try:
        if override is None:
            return services.reading_override_create(actor=actor_of(request), data=form.data_value())
        services.reading_override_update(actor=actor_of(request), override=override, data=form.data_value())
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return override


@require_GET
@staff_required(Perm.PORTAL_READINGS_EDIT)
def reading_list_view(request: HttpRequest) -> HttpResponse:
    search = ListFilterForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    page = Paginator(selectors.readings(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"override": o, "ruby": mark_safe(word_html(o.surface, o.reading))} for o in page]  # noqa: S308 - escaped
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": search, "page": page, "rows": rows, "query": query_string.urlencode()}
    return render(request, "portal/staff/readings.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.PORTAL_READINGS_EDIT)
def reading_create_view(request: HttpRequest) -> HttpResponse:
    form = ReadingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _save(request, form, None) is not None:
        messages.success(request, _("The reading has been added."))
        return redirect("portal_staff:readings")
    status = 400 if form.is_bound else 200
    return render(request, "portal/staff/readings_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.PORTAL_READINGS_EDIT)
def reading_edit_view(request: HttpRequest, code: UUID) -> HttpResponse:
    override = _override_or_404(request, code)
    initial = {"surface": override.surface, "reading": override.reading, "note": override.note}
    form = ReadingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and _save(request, form, override) is not None:
        messages.success(request, _("The reading has been saved."))
        return redirect("portal_staff:readings")
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "override": override,
        "ruby": mark_safe(word_html(override.surface, override.reading)),  # noqa: S308 - word_html escapes
    }
    return render(request, "portal/staff/readings_form.html", context, status=status)


@require_POST
@staff_required(Perm.PORTAL_READINGS_EDIT)
def reading_delete_view(request: HttpRequest, code: UUID) -> HttpResponse:
    override = _override_or_404(request, code)
    services.reading_override_delete(actor=actor_of(request), override=override)
    messages.success(request, _("The reading of “%(word)s” has been removed.") % {"word": override.surface})
    return redirect("portal_staff:readings")
