"""The referral pages of both sides, under /staff/referrals/ (docs/referrals.md).

Every page works without JavaScript. Views are thin: access, form, one service call. The consent is
never trusted from the form: the services check it (and audit a refusal).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts import session_policy
from tsunagu.accounts.access import actor_of, deny, not_found, recent_authentication_required, staff_required
from tsunagu.accounts.policy import Actor, Perm
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.services import record
from tsunagu.consultations.access import access_consultation
from tsunagu.consultations.access import record_read as record_consultation_read
from tsunagu.consultations.forms import PersonForm
from tsunagu.consultations.models import Consultation, Person, RiskLevel
from tsunagu.core import confirm
from tsunagu.referrals import access, rules, selectors, services
from tsunagu.referrals.access import access_consent, access_person, access_referral, record_read
from tsunagu.referrals.forms import (
    CONTACT_HOW_CHOICES,
    ConsentForm,
    DecideForm,
    ExceptionForm,
    ReferralForm,
    RespondForm,
    SendForm,
    VersionForm,
)
from tsunagu.referrals.models import (
    Consent,
    ConsentStatus,
    EventKind,
    ExceptionStatus,
    Item,
    Purpose,
    Referral,
    ReferralEvent,
    ReferralStatus,
)

ITEM_LABELS = dict(Item.choices)
PURPOSE_LABELS = dict(Purpose.choices)
FIELD_LABELS = {
    "name": pgettext_lazy("person", "Name"),
    "name_kana": pgettext_lazy("person", "Name (kana)"),
    "phone": gettext_lazy("Phone"),
    "address": pgettext_lazy("person", "Address"),
    "birth_year": gettext_lazy("Birth year or age band"),
    "gender": gettext_lazy("Gender"),
    "municipality": gettext_lazy("Municipality"),
    "terms": gettext_lazy("Concerns"),
    "words": gettext_lazy("In other words"),
    "summary": gettext_lazy("Summary"),
    "level": gettext_lazy("Risk level"),
}


# What sending and withdrawing do, said plainly: the confirm step page (tsunagu/core/confirm.py) and
# the dialog (the same words on the forms' data-confirm in new.html and detail.html).
SEND_QUESTION = gettext_lazy("Send this referral?")
SEND_DETAIL = gettext_lazy(
    "The items the person agreed to share go to the recipient at once, and the provision is entered in the "
    "ledger. Sending cannot be undone: you can withdraw the referral later, but the recipient may already have "
    "read it."
)
WITHDRAW_QUESTION = gettext_lazy("Withdraw this referral?")
WITHDRAW_DETAIL = gettext_lazy(
    "The referral ends: the recipient no longer sees the person's details, and it cannot be sent or reopened. "
    "To refer the person again, make a new referral."
)


def _confirm_facts(recipient: str, items: list[str]) -> list[tuple[Any, Any]]:
    labels = [str(ITEM_LABELS[i]) for i in items if i in ITEM_LABELS]
    return [(pgettext_lazy("referral", "To"), recipient), (gettext_lazy("Items shared"), "、".join(labels) or "–")]


def _shown(shared: dict[str, dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """What was shared, as labelled rows, in the order of the items list."""
    rows = []
    risk = dict(RiskLevel.choices)
    for item in Item.values:
        values = shared.get(item)
        if values is None:
            continue
        pairs = []
        for name, value in values.items():
            if name == "level":
                value = risk.get(int(value), value)
            elif isinstance(value, list):
                value = "、".join(str(v) for v in value)
            if value not in ("", None):
                pairs.append((str(FIELD_LABELS.get(name, name)), str(value)))
        rows.append((str(ITEM_LABELS[item]), pairs))
    return rows


# -- consent and the new referral, from a consultation or for a person recorded directly ----------


@dataclass(frozen=True)
class Subject:
    """Whom a consent or referral is about, and where its pages are."""

    consultation: Consultation | None
    person: Person | None
    refer_url: str
    consent_url: str
    back_url: str


def _of_consultation(request: HttpRequest, code: UUID) -> Subject:
    consultation = access_consultation(request, code, write=True)
    person = consultation.person if consultation.person and consultation.person.erased_at is None else None
    return Subject(
        consultation=consultation,
        person=person,
        refer_url=reverse("referrals:new", kwargs={"code": code}),
        consent_url=reverse("referrals:consent", kwargs={"code": code}),
        back_url=reverse("consultations:consultation", kwargs={"code": code}),
    )


def _of_person(request: HttpRequest, code: UUID) -> Subject:
    person = access_person(request, code)
    return Subject(
        consultation=None,
        person=person,
        refer_url=reverse("referrals:person", kwargs={"code": code}),
        consent_url=reverse("referrals:person_consent", kwargs={"code": code}),
        back_url=reverse("referrals:people"),
    )


def _new_context(request: HttpRequest, subject: Subject, **forms: Any) -> dict[str, Any]:
    actor = actor_of(request)
    person = subject.person
    consents = (
        selectors.consents_of(person=person, organisation=actor.organisation) if person and actor.organisation else []
    )
    today = timezone.localdate()
    return {
        "subject": subject,
        "consultation": subject.consultation,
        "person": person,
        "consents": consents,
        "usable_consents": [c for c in consents if c.status == ConsentStatus.ACTIVE and c.expires_on >= today],
        "consent_form": forms.get("consent_form") or ConsentForm(prefix="consent", exclude=actor.organisation),
        "referral_form": forms.get("referral_form")
        or ReferralForm(prefix="referral", exclude=actor.organisation, initial={"key": uuid.uuid4().hex}),
        "suggestions": selectors.suggestions(consultation=subject.consultation, exclude=actor.organisation),
        "referrals": selectors.referrals_of(person=person) if person else [],
        "item_labels": ITEM_LABELS,
        "nav": "referrals",
        "error": forms.get("error"),
        "today": today,
    }


def _refer(request: HttpRequest, subject: Subject) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "GET":
        if subject.consultation is not None:
            record_consultation_read(actor, subject.consultation, what="referral")
        return render(request, "referrals/new.html", _new_context(request, subject))
    form = ReferralForm(request.POST, prefix="referral", exclude=actor.organisation)
    if not form.is_valid():
        if _back_to_consultation(request, subject):
            return _panel_page(request, subject, status=400, referral_form=form)
        return render(request, "referrals/new.html", _new_context(request, subject, referral_form=form), status=400)
    action = form.cleaned_data["action"] or "draft"
    if action == "send":
        if confirm.went_back(request):  # from the confirm step, with what was entered
            if _back_to_consultation(request, subject):
                return _panel_page(request, subject, status=200, referral_form=form)
            return render(request, "referrals/new.html", _new_context(request, subject, referral_form=form))
        data = form.data_for_service()
        recipient = data.to_organisation.name if data.to_organisation is not None else data.external_name
        page = confirm.ask_first(
            request,
            question=SEND_QUESTION,
            detail=SEND_DETAIL,
            facts=_confirm_facts(recipient, list(data.items)),
            back_url=None,
            back_anchor="refer" if _back_to_consultation(request, subject) else "referral",
        )
        if page is not None:
            return page
    try:
        referral = services.referral_create(
            actor=actor,
            consultation=subject.consultation,
            person=subject.person,
            data=form.data_for_service(),
            key=form.cleaned_data["key"],
            consent_code=form.cleaned_data["consent"],
            send=action == "send",
        )
    except services.Refused as refusal:
        context = _new_context(request, subject, referral_form=form, error=refusal.message)
        return render(request, "referrals/new.html", context, status=403)
    except services.ReferralError as error:
        if _back_to_consultation(request, subject):
            return _panel_page(request, subject, status=400, referral_form=form, error=error.message)
        context = _new_context(request, subject, referral_form=form, error=error.message)
        return render(request, "referrals/new.html", context, status=400)
    if action == "exception" and referral.status == ReferralStatus.DRAFT:
        return redirect("referrals:exception", code=referral.code)
    if referral.status == ReferralStatus.SENT:
        flash.success(request, _("The referral was sent."))
    elif _back_to_consultation(request, subject):
        flash.success(request, _("The referral was saved as a draft."))
    if _back_to_consultation(request, subject) and subject.consultation is not None:
        return redirect(f"{subject.back_url}#refer")
    return redirect("referrals:detail", code=referral.code)


def _back_to_consultation(request: HttpRequest, subject: Subject) -> bool:
    """The form came from the panel beside the conversation: its answers go back there."""
    return subject.consultation is not None and request.POST.get("back") == "consultation"


def _panel_page(request: HttpRequest, subject: Subject, *, status: int, **panel: Any) -> HttpResponse:
    from tsunagu.consultations.views.staff import consultation_page  # the page the panel sits on

    assert subject.consultation is not None
    return consultation_page(request, subject.consultation, status=status, **panel)


def _consent(request: HttpRequest, subject: Subject) -> HttpResponse:
    """Record consent; the answer shows the person's withdrawal code once, for their slip."""
    actor = actor_of(request)
    form = ConsentForm(request.POST, prefix="consent", exclude=actor.organisation)
    if not form.is_valid():
        if _back_to_consultation(request, subject):
            return _panel_page(request, subject, status=400, consent_form=form)
        return render(request, "referrals/new.html", _new_context(request, subject, consent_form=form), status=400)
    try:
        recorded = services.consent_record(
            actor=actor, consultation=subject.consultation, person=subject.person, data=form.data_for_service()
        )
    except services.Refused as refusal:
        return render(request, "referrals/new.html", _new_context(request, subject, error=refusal.message), status=403)
    except services.ReferralError as error:
        if _back_to_consultation(request, subject):
            return _panel_page(request, subject, status=400, consent_form=form, error=error.message)
        context = _new_context(request, subject, consent_form=form, error=error.message)
        return render(request, "referrals/new.html", context, status=400)
    consent = recorded.consent
    if _back_to_consultation(request, subject):
        # The slip, once, in the panel beside the conversation (the code is not stored).
        return _panel_page(
            request,
            subject,
            status=200,
            slip={"consent": consent, "code": recorded.withdrawal_code, "withdraw_url": _public_withdraw_url()},
        )
    context = {
        "consent": consent,
        "subject": subject,
        "code": recorded.withdrawal_code,
        "items": [ITEM_LABELS[i] for i in consent.items],
        "purposes": [PURPOSE_LABELS[p] for p in consent.purposes],
        "recipients": [o.name for o in consent.recipients.all()],
        "withdraw_url": _public_withdraw_url(),
        "nav": "referrals",
    }
    return render(request, "referrals/consent_slip.html", context)


def _public_withdraw_url() -> str:
    """The address on the person's slip: the public site's, in the default language (whatever host and
    language the staff member uses), where the person can switch language."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.TSUNAGU_BASE_URL + reverse("consent_withdraw")


@require_http_methods(["GET", "POST"])
@staff_required(Perm.REFERRAL_SEND)
def new_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _refer(request, _of_consultation(request, code))


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def consent_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _consent(request, _of_consultation(request, code))


@require_http_methods(["GET", "POST"])
@staff_required(Perm.REFERRAL_SEND)
def person_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _refer(request, _of_person(request, code))


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def person_consent_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _consent(request, _of_person(request, code))


@require_http_methods(["GET", "POST"])
@staff_required(Perm.REFERRAL_SEND)
def people_view(request: HttpRequest) -> HttpResponse:
    """People a support organisation supports directly, recorded here (with their consent to record)
    so that it can refer them on."""
    actor = actor_of(request)
    form = PersonForm(request.POST or None, prefix="person")
    status = 200
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.person_add(actor=actor, data=form.to_data())
            except services.ReferralError as failure:
                error, status = failure.message, 400
            else:
                flash.success(request, _("The person's details were recorded with their consent."))
                return redirect("referrals:person", code=person.code)
        else:
            status = 400
    people = selectors.people_direct(actor=actor)
    if people:
        record(
            actor=actor,
            action=AuditTrailAction.PERSONAL_DATA_READ,
            target_type="person",
            detail={"fields": ["name"], "entries": [str(p.code) for p in people]},
        )
    context = {"people": people, "form": form, "error": error, "nav": "people"}
    return render(request, "referrals/people.html", context, status=status)


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def consent_withdraw_view(request: HttpRequest, code: UUID) -> HttpResponse:
    consent = access_consent(request, code)
    count = services.consent_withdraw(actor=actor_of(request), consent=consent)
    flash.success(
        request,
        _("The withdrawal is recorded. %(n)d referral(s) no longer carry the person's details.") % {"n": count},
    )
    if consent.consultation is not None:
        return redirect("referrals:new", code=consent.consultation.code)
    return redirect("referrals:person", code=consent.person.code)


# -- one referral, both sides --------------------------------------------------------------------


@require_GET
@staff_required()
def detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    referral, side = access_referral(request, code)
    if side == access.RECIPIENT:
        referral = services.referral_open(actor=actor, referral=referral)
    services.notifications_read(actor=actor, referral=referral)
    shared = selectors.shared_for(actor, referral)
    record_read(request, referral, side=side, items=sorted(shared))
    exception = selectors.exception_of(referral=referral)
    steps = rules.EXTERNAL_STEPS if referral.is_external else rules.RECIPIENT_STEPS
    may_step = (side == access.SENDER) == referral.is_external and referral.consent_withdrawn_at is None
    next_steps = [s for s, (allowed, _to) in steps.items() if referral.status in allowed] if may_step else []
    context = {
        "referral": referral,
        "side": side,
        "shared": _shown(shared),
        "item_labels": [ITEM_LABELS[i] for i in referral.items],
        "contact_how": [label for value, label in CONTACT_HOW_CHOICES if value in referral.contact_how],
        "events": _timeline(referral, side),
        "exception": exception,
        "next_steps": next_steps,
        "respond_form": RespondForm(prefix="respond"),
        "can_withdraw": side == access.SENDER and referral.status in rules.SENDER_WITHDRAWABLE,
        "can_send": side == access.SENDER and referral.status == ReferralStatus.DRAFT,
        "can_decide": (
            side == access.SENDER
            and exception is not None
            and exception.status == ExceptionStatus.PENDING
            and access.may_decide_exception(actor, exception, referral)
        ),
        "usable_consents": _usable_consents(actor, referral) if side == access.SENDER else [],
        "decide_form": DecideForm(prefix="decide"),
        "overdue": referral.status in rules.AWAITING_RESPONSE
        and referral.respond_by is not None
        and referral.respond_by < timezone.localdate(),
        "nav": "referrals",
    }
    return render(request, "referrals/detail.html", context)


# Steps before sending belong to the sender; the recipient's timeline starts when it was sent.
_BEFORE_SENDING = {
    EventKind.CREATED,
    EventKind.EXCEPTION_REQUESTED,
    EventKind.EXCEPTION_REJECTED,
}


def _timeline(referral: Referral, side: str) -> list[ReferralEvent]:
    events = list(referral.events.select_related("by_user", "by_organisation"))
    if side == access.RECIPIENT:
        events = [
            e for e in events if e.kind not in _BEFORE_SENDING and (referral.sent_at and e.at >= referral.sent_at)
        ]
    return events


def _usable_consents(actor: Actor, referral: Referral) -> list[Consent]:
    if referral.status != ReferralStatus.DRAFT or actor.organisation is None:
        return []
    today = timezone.localdate()
    return [
        c
        for c in selectors.consents_of(person=referral.person, organisation=actor.organisation)
        if c.status == ConsentStatus.ACTIVE and c.expires_on >= today
    ]


def _back(referral: Referral) -> HttpResponse:
    return redirect("referrals:detail", code=referral.code)


@require_POST
@staff_required()
def respond_view(request: HttpRequest, code: UUID) -> HttpResponse:
    referral, _side = access_referral(request, code)
    form = RespondForm(request.POST, prefix="respond")
    if not form.is_valid():
        flash.error(request, _("Choose a step and try again."))
        return _back(referral)
    try:
        services.referral_respond(
            actor=actor_of(request),
            referral=referral,
            version=form.cleaned_data["version"],
            step=form.cleaned_data["step"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except services.Conflict as conflict:
        flash.warning(request, conflict.message)
    except services.Refused as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except services.ReferralError as error:
        flash.error(request, error.message)
    return _back(referral)


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def withdraw_view(request: HttpRequest, code: UUID) -> HttpResponse:
    referral, _side = access_referral(request, code, sender_only=True)
    form = VersionForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("The form has expired. Open it again."))
        return _back(referral)
    page = confirm.ask_first(
        request,
        question=WITHDRAW_QUESTION,
        detail=WITHDRAW_DETAIL,
        facts=[(pgettext_lazy("referral", "To"), referral.recipient_name)],
        back_url=reverse("referrals:detail", kwargs={"code": referral.code}),
    )
    if page is not None:
        return page
    try:
        services.referral_withdraw(actor=actor_of(request), referral=referral, version=form.cleaned_data["version"])
        flash.success(request, _("The referral was withdrawn. The recipient no longer sees the person's details."))
    except services.ReferralError as error:
        flash.warning(request, error.message)
    return _back(referral)


@require_POST
@staff_required(Perm.REFERRAL_SEND)
def send_view(request: HttpRequest, code: UUID) -> HttpResponse:
    referral, _side = access_referral(request, code, sender_only=True)
    form = SendForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("The form has expired. Open it again."))
        return _back(referral)
    page = confirm.ask_first(
        request,
        question=SEND_QUESTION,
        detail=SEND_DETAIL,
        facts=_confirm_facts(referral.recipient_name, list(referral.items)),
        back_url=reverse("referrals:detail", kwargs={"code": referral.code}),
    )
    if page is not None:
        return page
    try:
        services.referral_send(
            actor=actor_of(request),
            referral=referral,
            version=form.cleaned_data["version"],
            consent_code=form.cleaned_data["consent"],
        )
        flash.success(request, _("The referral was sent."))
    except services.ReferralError as error:  # a refusal too: audited by the service, shown here
        flash.error(request, error.message)
    return _back(referral)


@require_GET
@staff_required(Perm.REFERRAL_SEND)
def sheet_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """The printable referral sheet: what an organisation outside tsunagu receives on paper."""
    actor = actor_of(request)
    referral, _side = access_referral(request, code, sender_only=True)
    shared = selectors.shared_for(actor, referral)
    record_read(request, referral, side="sheet", items=sorted(shared))
    context = {
        "referral": referral,
        "shared": _shown(shared),
        "contact_how": [label for value, label in CONTACT_HOW_CHOICES if value in referral.contact_how],
        "printed_at": timezone.now(),
    }
    return render(request, "referrals/sheet.html", context)


# -- sharing without consent ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Perm.REFERRAL_SEND)
@recent_authentication_required
def exception_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    referral, _side = access_referral(request, code, sender_only=True)
    form = ExceptionForm(request.POST or None, initial={"version": referral.version})
    status = 200
    error = ""
    if request.method == "POST":
        if form.is_valid():
            at = request.session.get(session_policy.REAUTH_AT)
            reauthenticated_at = dt.datetime.fromtimestamp(int(at or 0), tz=dt.UTC)
            try:
                services.exception_request(
                    actor=actor,
                    referral=referral,
                    version=form.cleaned_data["version"],
                    legal_basis=form.cleaned_data["legal_basis"],
                    justification=form.cleaned_data["justification"],
                    reauthenticated_at=reauthenticated_at,
                )
            except services.Refused as refusal:
                error, status = refusal.message, 403
            except services.ReferralError as error_:
                error, status = error_.message, 400
            else:
                flash.success(request, _("A supervisor has been asked to approve. Nothing is shared until then."))
                return _back(referral)
        else:
            status = 400
    context = {
        "referral": referral,
        "form": form,
        "error": error,
        "item_labels": [ITEM_LABELS[i] for i in referral.items],
        "nav": "referrals",
    }
    return render(request, "referrals/exception.html", context, status=status)


@require_POST
@staff_required(Perm.SHARING_EXCEPTION_APPROVE)
@recent_authentication_required
def decide_view(request: HttpRequest, code: UUID) -> HttpResponse:
    referral, _side = access_referral(request, code, sender_only=True)
    exception = selectors.pending_exception(referral=referral)
    if exception is None:
        raise not_found(request, target_type="sharing_exception", target_code=str(code))
    form = DecideForm(request.POST, prefix="decide")
    if not form.is_valid():
        flash.error(request, _("Choose approve or reject."))
        return _back(referral)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.exception_decide(
            actor=actor_of(request), exception=exception, approve=approve, note=form.cleaned_data["note"]
        )
    except services.Refused as refusal:
        raise PermissionDenied(refusal.message) from refusal
    except services.ReferralError as error:
        flash.warning(request, error.message)
        return _back(referral)
    flash.success(
        request, _("Approved: the referral was sent.") if approve else _("Rejected: the referral is a draft again.")
    )
    return _back(referral)


# -- lists and the inbox -------------------------------------------------------------------------


@require_GET
@staff_required()
def list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.may_use_referrals(actor):
        deny(request, reason="missing_permission:referral")
        raise PermissionDenied
    overdue = request.GET.get("overdue") == "1"
    context = {
        "received": list(selectors.received(actor=actor, overdue=overdue)[:200]),
        "sent": list(selectors.sent(actor=actor, overdue=overdue)[:200]),
        "may_receive": access.may_receive(actor),
        "may_send": access.may_send(actor),
        "counts": selectors.counts(actor=actor),
        "overdue": overdue,
        "today": timezone.localdate(),
        "nav": "list",
    }
    return render(request, "referrals/list.html", context)


@require_GET
@staff_required()
def inbox_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    notifications = [(n, services.notification_path(n.kind, n.referral)) for n in selectors.inbox(actor=actor)]
    return render(request, "referrals/inbox.html", {"notifications": notifications, "nav": "inbox"})
