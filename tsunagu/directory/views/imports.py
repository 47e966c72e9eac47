"""Staff upload page for directory imports: check a file (dry run), then import it, then a summary."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts.access import actor_of, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.directory.imports import uploads
from tsunagu.directory.imports.forms import ImportUploadForm

#: Rows of the report shown on the page; the rest are counted.
REPORT_ROWS = 500


@require_http_methods(["GET", "POST"])
@staff_required(Perm.DIRECTORY_IMPORT)
def import_start_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            report = uploads.import_check(actor=actor_of(request), session=request.session, upload=form.upload())
            context = {"report": report, "pending": uploads.pending(request.session), "limit": REPORT_ROWS}
            return render(request, "directory/imports/check.html", context)
    else:
        form = ImportUploadForm()
    status = 400 if form.is_bound else 200
    return render(request, "directory/imports/start.html", {"form": form}, status=status)


@require_POST
@staff_required(Perm.DIRECTORY_IMPORT)
def import_confirm_view(request: HttpRequest) -> HttpResponse:
    report = uploads.import_confirm(actor=actor_of(request), session=request.session)
    if report is None:
        messages.error(request, _("There is no checked file waiting to be imported. Please upload it again."))
        return redirect("directory:import_start")
    return render(request, "directory/imports/summary.html", {"report": report, "limit": REPORT_ROWS})
