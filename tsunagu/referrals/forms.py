"""Forms of referrals. They validate input and build what the services take; they decide nothing
about consent: the consent is named by its code and checked by the service (and audited when refused)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organisation
from tsunagu.consultations.models import ConsentMethod
from tsunagu.core.bounds import (
    PLAN_AHEAD,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    DayField,
    MomentField,
)
from tsunagu.directory.models import Service
from tsunagu.referrals import selectors
from tsunagu.referrals.models import DeclineReason, Handoff, Item, LegalBasis, Purpose
from tsunagu.referrals.services import CONTACT_HOW, ConsentData, ReferralData

CONTACT_HOW_CHOICES = [
    ("phone", _("Phone")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("letter", _("Letter")),
    ("visit", _("Home visit")),
]
assert {value for value, _label in CONTACT_HOW_CHOICES} == set(CONTACT_HOW)


class OrganisationChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(
        label=_("What the sharing is for"), choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    recipients = OrganisationChoiceField(
        label=_("Organisations the person agreed to"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_recipient = forms.CharField(
        label=_("Or an organisation outside tsunagu (its name)"), max_length=200, required=False
    )
    items = forms.MultipleChoiceField(
        label=_("Items the person agreed to share"), choices=Item.choices, widget=forms.CheckboxSelectMultiple
    )
    method = forms.ChoiceField(
        label=_("How consent was given"), choices=ConsentMethod.choices, widget=forms.RadioSelect
    )
    expires_on = DayField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the usual period."),
    )

    def __init__(self, *args: Any, exclude: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = selectors.receiving_organisations(exclude=exclude)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("recipients") and not (cleaned.get("other_recipient") or "").strip():
            self.add_error("recipients", _("Name at least one organisation the person agreed to."))
        return cleaned

    def data_for_service(self) -> ConsentData:
        c = self.cleaned_data
        return ConsentData(
            purposes=c["purposes"],
            recipients=list(c["recipients"]),
            other_recipient=c["other_recipient"],
            items=c["items"],
            method=c["method"],
            expires_on=c["expires_on"],
        )


class ReferralForm(forms.Form):
    ACTIONS = ("draft", "send", "exception")

    to_organisation = BoundedModelChoiceField(
        label=_("Organisation in tsunagu"), queryset=Organisation.objects.none(), to_field_name="code", required=False
    )
    to_service = BoundedModelChoiceField(
        label=_("Service (optional)"), queryset=Service.objects.none(), to_field_name="code", required=False
    )
    external_name = forms.CharField(label=_("Or an organisation outside tsunagu"), max_length=200, required=False)
    external_contact = forms.CharField(label=_("Its phone or address"), max_length=200, required=False)
    items = forms.MultipleChoiceField(
        label=_("Items to share (only what is needed)"),
        choices=Item.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # The consent is named, not chosen from a trusted list: the service checks it and audits a refusal.
    consent = forms.UUIDField(required=False)
    contact_how = forms.MultipleChoiceField(
        label=_("How the person may be contacted"),
        choices=CONTACT_HOW_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contact_when = forms.CharField(label=_("When the person may be contacted"), max_length=500, required=False)
    do_not_call_home = forms.BooleanField(
        label=_("Do not call at home (for example, violence at home)"), required=False
    )
    contact_note = forms.CharField(
        label=_("Other contact instructions"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    handoff = forms.ChoiceField(
        label=_("Warm handoff"), choices=Handoff.choices, required=False, widget=forms.RadioSelect
    )
    handoff_at = MomentField(
        label=_("Proposed time"),
        required=False,
        ahead=PLAN_AHEAD,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, exclude: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        receivers = selectors.receiving_organisations(exclude=exclude)
        self.fields["to_organisation"].queryset = receivers  # type: ignore[attr-defined]
        self.fields["to_organisation"].label_from_instance = lambda o: o.name  # type: ignore[attr-defined]
        self.fields["to_service"].queryset = Service.objects.filter(  # type: ignore[attr-defined]
            accepts_referrals=True, organisation__in=receivers
        ).order_by("name")
        self.fields["to_service"].label_from_instance = lambda s: f"{s.name}（{s.organisation.name}）"  # type: ignore[attr-defined]

    def clean_handoff_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("handoff_at")
        if value is not None and value < timezone.now() - dt.timedelta(minutes=5):
            raise forms.ValidationError(_("The proposed time is in the past."))
        return value

    def data_for_service(self) -> ReferralData:
        c = self.cleaned_data
        organisation = c["to_organisation"]
        service = c["to_service"]
        if organisation is None and service is not None:
            organisation = service.organisation
        return ReferralData(
            to_organisation=organisation,
            to_service=service,
            external_name=c["external_name"],
            external_contact=c["external_contact"],
            items=c["items"],
            contact_how=c["contact_how"],
            contact_when=c["contact_when"],
            do_not_call_home=c["do_not_call_home"],
            contact_note=c["contact_note"],
            handoff=c["handoff"] or "",
            handoff_at=c["handoff_at"],
        )


class SendForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    consent = forms.UUIDField(required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class RespondForm(forms.Form):
    STEPS = [
        ("accept", _("Accept")),
        ("decline", _("Decline")),
        ("start_support", _("Start support")),
        ("complete", _("Report completion")),
        ("close_no_contact", _("Close without contact")),
    ]
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    step = forms.ChoiceField(choices=STEPS, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *DeclineReason.choices], required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExceptionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices, widget=forms.RadioSelect)
    justification = forms.CharField(
        label=_("Why consent cannot be obtained, and why sharing is necessary"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LedgerSearchForm(forms.Form):
    phone = forms.CharField(label=_("The person's phone number"), max_length=32, required=False)
