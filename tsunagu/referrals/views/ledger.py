"""The provision ledger (提供記録) pages: search, one person's entries and their export for a
disclosure request, and the report of provisions without consent (docs/referrals.md, "Ledger").

The phone number searched for travels in the POST body, never in a URL.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.accounts.access import actor_of, not_found, staff_required
from tsunagu.accounts.policy import Perm
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.services import record
from tsunagu.consultations.models import Person
from tsunagu.referrals import access, ledger_export, selectors
from tsunagu.referrals.actions import ReferralAction
from tsunagu.referrals.forms import LedgerSearchForm
from tsunagu.referrals.models import Provision


def _audit_rows(request: HttpRequest, provisions: list[Provision], *, what: str) -> None:
    """A list that shows people's names is a personal-data read of every entry it shows: one row
    naming them all (one row per entry would cost a chained audit append each)."""
    if provisions:
        record(
            actor=actor_of(request),
            action=AuditTrailAction.PERSONAL_DATA_READ,
            target_type="provision",
            detail={"fields": [what], "entries": [str(p.code) for p in provisions]},
        )


def _rows(request: HttpRequest, provisions: list[Provision]) -> list[dict[str, object]]:
    """What each entry shows: the organisation's own people by name (linking to their record), a
    person it received data about only by what was shared (linking to the referral if it may open it)."""
    actor = actor_of(request)
    may_open = access.may_receive(actor)
    rows: list[dict[str, object]] = []
    for entry in selectors.entries_of(actor=actor, provisions=provisions):
        provision = entry.provision
        if entry.ours:
            link = reverse("referrals:ledger_person", kwargs={"code": provision.person.code})
        elif may_open and provision.referral is not None:
            link = reverse("referrals:detail", kwargs={"code": provision.referral.code})
        else:
            link = ""
        rows.append(
            {
                "provision": provision,
                "label": entry.label,
                "link": link,
                "basis": ledger_export.basis_label(provision),
                "items": ledger_export.items_label(provision.items),
                "withdrawal": ledger_export.withdrawal_label(provision),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@staff_required(Perm.PROVISION_LEDGER_VIEW)
def ledger_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = LedgerSearchForm(request.POST or None)
    phone = ""
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
    entries = list(selectors.ledger(actor=actor, phone=phone)[:200])
    _audit_rows(request, entries, what="person_label")
    context = {
        "form": form,
        "rows": _rows(request, entries),
        "searched": bool(phone),
        "nav": "ledger",
    }
    return render(request, "referrals/ledger.html", context)


def _person(request: HttpRequest, code: UUID) -> Person:
    person = selectors.person_in_ledger(actor=actor_of(request), code=code)
    if person is None:
        raise not_found(request, target_type="person", target_code=str(code))
    return person


@require_GET
@staff_required(Perm.PROVISION_LEDGER_VIEW)
def person_view(request: HttpRequest, code: UUID) -> HttpResponse:
    person = _person(request, code)
    entries = selectors.ledger_of_person(actor=actor_of(request), person=person)
    _audit_rows(request, entries, what="person_label")
    context = {
        "person": person,
        "rows": ledger_export.rows_of(entries),
        "label": entries[0].person_label if entries else str(person.code)[:8],
        "nav": "ledger",
    }
    return render(request, "referrals/ledger_person.html", context)


def _export(request: HttpRequest, code: UUID, fmt: str) -> HttpResponse:
    actor = actor_of(request)
    person = _person(request, code)
    entries = selectors.ledger_of_person(actor=actor, person=person)
    rows = ledger_export.rows_of(entries)
    record(
        actor=actor,
        action=ReferralAction.PROVISION_EXPORTED,
        target_type="person",
        target_code=person.code,
        detail={"format": fmt, "entries": len(entries)},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(ledger_export.as_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        title = _("Record of provision of personal data to third parties")
        subject = _("Disclosure to the person (APPI Art. 33(5)). Organisation: %(organisation)s") % {
            "organisation": actor.organisation.name if actor.organisation else ""
        }
        response = HttpResponse(
            ledger_export.as_pdf(rows, title=title, subject=subject), content_type="application/pdf"
        )
    # The file name carries no personal data: the date only.
    response["Content-Disposition"] = f'attachment; filename="provision-record-{stamp}.{fmt}"'
    return response


@require_GET
@staff_required(Perm.PROVISION_LEDGER_VIEW)
def person_csv_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _export(request, code, "csv")


@require_GET
@staff_required(Perm.PROVISION_LEDGER_VIEW)
def person_pdf_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _export(request, code, "pdf")


@require_GET
@staff_required(Perm.PROVISION_LEDGER_VIEW)
def exceptions_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    entries = list(selectors.exceptions_report(actor=actor)[:500])
    _audit_rows(request, entries, what="person_label")
    context = {"rows": _rows(request, entries), "nav": "exceptions"}
    return render(request, "referrals/exceptions.html", context)
