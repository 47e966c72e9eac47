"""Forms of the intake. They validate and build the frozen data the services take; they save nothing."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.models import Membership, Organisation, User
from tsunagu.accounts.policy import Perm, roles_with
from tsunagu.consultations import services
from tsunagu.consultations.models import (
    OUTCOME_CHOICES,
    ConsentMethod,
    ConsultationDesk,
    ConsultingAs,
    EmergencyStep,
    RiskLevel,
)
from tsunagu.consultations.rules import MESSAGE_MAX_CHARS
from tsunagu.core.bounds import BoundedModelChoiceField, BoundedModelMultipleChoiceField, DayField, MomentField
from tsunagu.core.sms import normalise_number
from tsunagu.directory.models import Service, TaxonomyTerm
from tsunagu.directory.schedules import parse_schedule

NOTES_MAX = 10_000


def concern_terms() -> Any:
    return TaxonomyTerm.objects.filter(taxonomy__key="concern", is_active=True).order_by("position", "key")


class ConcernChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PreChatForm(forms.Form):
    """The one optional question before a chat: it only puts the chat first in the queue."""

    at_risk = forms.ChoiceField(
        label=_("Are you feeling so bad right now that you want to die?"),
        choices=[("", _("I'd rather not say")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
        widget=forms.RadioSelect,
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )
    key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class ServicesTextWidget(forms.Textarea):
    """Service codes one per line (the counsellor pastes them from the directory)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        raw = data.get(name, "")
        return [line.strip() for line in str(raw).splitlines() if line.strip()]

    def format_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value


class RecordForm(forms.Form):
    consulting_as = forms.ChoiceField(label=_("Who is consulting"), choices=ConsultingAs.choices, required=False)
    language = forms.CharField(label=_("Language"), max_length=16, initial="ja")
    interpreter = forms.BooleanField(label=_("With an interpreter"), required=False)
    concerns = ConcernChoiceField(
        label=_("Concerns"), queryset=TaxonomyTerm.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    concern_words = forms.CharField(
        label=_("Concerns in other words"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(
        label=_("Summary notes"), max_length=NOTES_MAX, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    outcomes = forms.MultipleChoiceField(
        label=pgettext_lazy("consultation", "Outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services_given = BoundedModelMultipleChoiceField(
        label=_("Services given (their codes, one per line)"), queryset=Service.objects.all(), required=False,
        to_field_name="code", widget=ServicesTextWidget(attrs={"rows": 2}),
    )  # fmt: skip
    follow_up_on = DayField(label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].queryset = concern_terms()  # type: ignore[attr-defined]

    def to_data(self) -> services.RecordData:
        d = self.cleaned_data
        return services.RecordData(
            consulting_as=d["consulting_as"] or ConsultingAs.UNKNOWN,
            language=d["language"],
            interpreter=d["interpreter"],
            concerns=list(d["concerns"]),
            concern_words=d["concern_words"],
            summary=d["summary"],
            outcomes=list(d["outcomes"]),
            services_given=list(d["services_given"]),
            follow_up_on=d["follow_up_on"],
        )


class RiskForm(forms.Form):
    suicidal_thoughts = forms.BooleanField(label=_("Thoughts of suicide"), required=False)
    plan = forms.BooleanField(label=_("A plan"), required=False)
    means = forms.BooleanField(label=_("Access to means"), required=False)
    imminence = forms.BooleanField(label=_("Intends to act soon"), required=False)
    violence_at_home = forms.BooleanField(label=_("Violence at home"), required=False)
    child_at_risk = forms.BooleanField(label=_("A child at risk"), required=False)
    medical_emergency = forms.BooleanField(label=_("Medical emergency"), required=False)
    raise_to = forms.TypedChoiceField(
        label=_("Raise the level on your judgement"),
        choices=[("", _("No"))] + [(str(v), label) for v, label in RiskLevel.choices if v > RiskLevel.NONE],
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=NOTES_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def answers(self) -> services.RiskAnswers:
        return services.RiskAnswers(
            **{name: bool(self.cleaned_data[name]) for name in services.RiskAnswers.__dataclass_fields__}
        )


class RiskStepForm(forms.Form):
    step = forms.ChoiceField(label=_("Step taken"), choices=EmergencyStep.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class TransferForm(forms.Form):
    to_organisation = BoundedModelChoiceField(
        label=_("Transfer to organisation"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    to_user = BoundedModelChoiceField(
        label=_("Counsellor (optional)"), queryset=User.objects.none(), to_field_name="code", required=False
    )
    note = forms.CharField(
        label=_("Note for the next counsellor"), max_length=MESSAGE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        participating = ConsultationDesk.objects.filter(is_active=True).values("organisation_id")
        self.fields["to_organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=participating, is_active=True
        ).order_by("name")
        members = Membership.objects.filter(
            organisation_id__in=participating, role__in=roles_with(Perm.CONSULTATION_HANDLE)
        )
        self.fields["to_user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("username")
        )
        self.fields["to_user"].label_from_instance = lambda user: user.display_name or user.username  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    consent_method = forms.ChoiceField(
        label=_("How the person agreed to their details being recorded"), choices=ConsentMethod.choices
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=200, required=False)
    name_kana = forms.CharField(label=pgettext_lazy("person", "Name (kana)"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=pgettext_lazy("person", "Address"), max_length=500, required=False)
    birth_year = forms.CharField(label=_("Birth year or age band"), max_length=32, required=False)
    gender = forms.CharField(label=_("Gender, in the person's own words"), max_length=100, required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)

    def to_data(self) -> services.PersonData:
        return services.PersonData(
            **{name: self.cleaned_data[name] for name in ("consent_method", *services.PERSON_FIELDS)}
        )


class PersonLookupForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=32)


class BlockForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=90, initial=7)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class CallForm(forms.Form):
    """Logging a call: keyboard-first, everything but the start time optional."""

    # A call that happened: not before the service existed, not in the future (tsunagu/core/bounds.py).
    started_at = MomentField(
        label=_("Call started"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"future": _("The call cannot start in the future.")},
    )
    ended_at = MomentField(
        label=_("Call ended (empty while it goes on)"),
        required=False,
        error_messages={"future": _("The call cannot end in the future.")},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consulting_as = forms.ChoiceField(label=_("Who is consulting"), choices=ConsultingAs.choices, required=False)
    concerns = ConcernChoiceField(
        label=_("Concerns"), queryset=TaxonomyTerm.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    risk_level = forms.TypedChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, coerce=int, initial=RiskLevel.NONE
    )
    summary = forms.CharField(
        label=_("Summary notes"), max_length=NOTES_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcomes = forms.MultipleChoiceField(
        label=pgettext_lazy("consultation", "Outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_on = DayField(label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].queryset = concern_terms()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, ended = data.get("started_at"), data.get("ended_at")
        if started and ended and ended < started:
            self.add_error("ended_at", _("The call cannot end before it started."))
        if "follow_up" in data.get("outcomes", []) and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _("Give the follow-up date."))
        return data

    def to_data(self) -> services.CallData:
        d = self.cleaned_data
        return services.CallData(
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            consulting_as=d["consulting_as"] or ConsultingAs.UNKNOWN,
            concerns=list(d["concerns"]),
            summary=d["summary"],
            risk_level=d["risk_level"],
            outcomes=list(d["outcomes"]),
            follow_up_on=d["follow_up_on"],
        )


class DeskSettingsForm(forms.Form):
    active = forms.BooleanField(label=_("Our organisation answers the shared queue"), required=False)
    hours_text = forms.CharField(
        label=_("On-duty hours (as a notice writes them, e.g. 毎日 17:00～翌5:00; empty: around the clock)"),
        max_length=500,
        required=False,
    )

    def clean_hours_text(self) -> str:
        text = str(self.cleaned_data["hours_text"]).strip()
        if text and not parse_schedule(text).parsed_completely:
            raise forms.ValidationError(_("These hours could not be read. Write them like 月～金 9:00～17:00."))
        return text


#: How a phone number may be written: digits, spaces, hyphens, brackets, a leading plus.
PHONE_WRITING = re.compile(r"\+?[0-9 ()\-]+")


class EscalationListForm(forms.Form):
    """The desk's escalation list: for each of the organisation's supervisors, whether they are on
    it and, optionally, a mobile number for SMS. Fields are named by the user's code, never the key."""

    def __init__(self, *args: Any, supervisors: list[User], current: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisors = supervisors
        for user in supervisors:
            key = user.code.hex
            self.fields[f"on_{key}"] = forms.BooleanField(
                label=_("On the escalation list"), required=False, initial=user.pk in current
            )
            self.fields[f"sms_{key}"] = forms.CharField(
                label=_("Mobile number for SMS (optional)"),
                help_text=_("For example 090-1234-5678. Empty: e-mail only."),
                max_length=32,
                required=False,
                initial=current.get(user.pk, ""),
            )

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": user.display_name or user.username,
                "chosen": self[f"on_{user.code.hex}"],
                "number": self[f"sms_{user.code.hex}"],
                "has_email": bool(user.email),
            }
            for user in self.supervisors
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for user in self.supervisors:
            key = user.code.hex
            raw = str(cleaned.get(f"sms_{key}") or "").strip()
            if not raw:
                continue
            number = normalise_number(raw)
            if (
                not PHONE_WRITING.fullmatch(unicodedata.normalize("NFKC", raw))
                or not 10 <= len(number.lstrip("+")) <= 15
            ):
                self.add_error(f"sms_{key}", _("Enter a mobile number of 10 to 15 digits."))
            elif not cleaned.get(f"on_{key}"):
                self.add_error(
                    f"on_{key}", _("Put this supervisor on the list to send them SMS, or leave the number empty.")
                )
        return cleaned

    def contacts(self) -> list[services.ContactData]:
        return [
            services.ContactData(user=user, sms_number=str(self.cleaned_data.get(f"sms_{user.code.hex}") or ""))
            for user in self.supervisors
            if self.cleaned_data.get(f"on_{user.code.hex}")
        ]
