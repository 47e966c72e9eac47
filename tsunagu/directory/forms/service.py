"""The service form: the domain's words (concerns, people served, kind, channels), areas by code or
name, languages, phones as rows and the hours as days and times. It builds a `ServiceData`."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import uuid
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language, get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.forms import CleanCharField
from tsunagu.directory.models import Area, Fees, Location, PhoneType, TaxonomyTerm
from tsunagu.directory.schedules import Schedule
from tsunagu.directory.selectors import AreaInput, area_label, areas_from_input
from tsunagu.directory.services import PhoneData, ServiceData

#: Languages offered as checkboxes (BCP 47): the languages most foreign residents in Japan speak.
COMMON_LANGUAGES = ("ja", "en", "zh-Hans", "zh-Hant", "ko", "vi", "tl", "pt", "es", "ne", "id", "my", "th")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
MAX_AREAS = 100
MAX_PHONES = 10


def language_name(tag: str) -> str:
    """The language's name in the UI language (Django's own translated names), or the tag itself."""
    if tag == "tl":
        return str(_("Tagalog / Filipino"))
    try:
        return str(get_language_info(tag.lower())["name_translated"])
    except KeyError:
        return tag


def _text(label: Any, *, max_length: int, rows: int | None = None, **kwargs: Any) -> CleanCharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return CleanCharField(label=label, max_length=max_length, required=False, widget=widget, **kwargs)


def _term_choices(terms: list[TaxonomyTerm]) -> list[tuple[str, str]]:
    return [(t.key, t.name_en if _english() else t.name) for t in terms]


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


class AreasField(CleanCharField):
    """Areas served as JIS codes or names, separated by commas or spaces; cleans to a list of areas."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Area]:  # type: ignore[override]
        text = super().clean(value)
        if not text.strip():
            return []
        found: AreaInput = areas_from_input(text)
        errors: list[ValidationError] = []
        if found.unknown:
            errors.append(
                ValidationError(
                    _("No area matches: %(items)s. Use the 6-digit local government code or the exact name."),
                    params={"items": "、".join(found.unknown[:10])},
                    code="unknown_area",
                )
            )
        for typed, areas in found.ambiguous[:10]:
            errors.append(
                ValidationError(
                    _("「%(name)s」 is the name of several areas: %(areas)s. Enter the code of the one you mean."),
                    params={"name": typed, "areas": "、".join(area_label(a) for a in areas[:10])},
                    code="ambiguous_area",
                )
            )
        if len(found.areas) > MAX_AREAS:
            errors.append(ValidationError(_("Enter at most %(n)s areas."), params={"n": MAX_AREAS}, code="too_many"))
        if errors:
            raise ValidationError(errors)
        return list(found.areas)


class PhoneForm(forms.Form):
    number = CleanCharField(label=_("Number"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    extension = CleanCharField(label=_("Extension"), max_length=16, required=False)
    type = forms.ChoiceField(label=pgettext_lazy("phone", "Type"), choices=PhoneType.choices, initial=PhoneType.VOICE)
    description = CleanCharField(label=_("Note"), max_length=200, required=False)

    def clean_number(self) -> str:
        value = _nfkc(self.cleaned_data["number"])
        value = re.sub(r"[‐‑‒–—―−ー]", "-", value)
        if (
            not value
            or not all(ch.isdigit() or ch in "+-() #" for ch in value)
            or not any(ch.isdigit() for ch in value)
        ):
            raise ValidationError(_("Enter a phone number using digits, hyphens, spaces, brackets, # or +."))
        if len(value) > 32:
            raise ValidationError(_("A phone number has at most 32 characters."))
        return value

    def clean_extension(self) -> str:
        return _nfkc(self.cleaned_data["extension"])[:16]


PhoneFormSet = forms.formset_factory(
    PhoneForm, extra=2, can_delete=True, max_num=MAX_PHONES, validate_max=True, absolute_max=MAX_PHONES + 5
)


def phones_of(formset: forms.BaseFormSet[PhoneForm]) -> tuple[PhoneData, ...]:
    """The phones a valid formset holds, in order, leaving out blank and removed rows."""
    phones: list[PhoneData] = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or not data.get("number"):
            continue
        phones.append(PhoneData(data["number"], data.get("extension", ""), data["type"], data.get("description", "")))
    return tuple(phones)


def phones_initial(phones: tuple[PhoneData, ...]) -> list[dict[str, str]]:
    return [
        {"number": p.number, "extension": p.extension, "type": p.type, "description": p.description} for p in phones
    ]


def _age_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, validators=[MinValueValidator(0), MaxValueValidator(130)], min_value=0
    )


class ServiceForm(forms.Form):
    name = CleanCharField(label=pgettext_lazy("service", "Name"), max_length=200)
    name_kana = _text(pgettext_lazy("service", "Name (kana)"), max_length=200)
    alternate_name = _text(_("Other name"), max_length=200, help_text=_("A short or former name people use."))
    description = _text(_("Description"), max_length=5000, rows=5)
    kind = forms.ChoiceField(label=_("Kind of resource"), widget=forms.RadioSelect)
    concerns = forms.MultipleChoiceField(
        label=_("Concerns it helps with"), required=False, widget=forms.CheckboxSelectMultiple
    )
    people_served = forms.MultipleChoiceField(
        label=_("Who it is for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_crisis_line = forms.BooleanField(
        label=_("Crisis line"),
        required=False,
        help_text=_("A line for people in crisis (いのちの電話 and the like): offered on every page of the portal."),
    )
    channels = forms.MultipleChoiceField(
        label=_("How people reach it"), required=False, widget=forms.CheckboxSelectMultiple
    )
    url = forms.URLField(label=_("Web site"), max_length=500, required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    languages = forms.MultipleChoiceField(label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple)
    other_languages = _text(
        _("Other languages"), max_length=200, help_text=_("Language codes separated by commas, e.g. fr, ru, uk.")
    )
    is_national = forms.BooleanField(label=_("Serves the whole country (全国)"), required=False)
    areas = AreasField(
        label=_("Areas served"),
        help_text=_(
            "Local government codes or names, separated by commas, e.g. 312011, 新宿区, 大阪市北区. "
            "Blank with the box above ticked for a national service."
        ),
    )
    locations = forms.MultipleChoiceField(
        label=_("Locations where it is offered"), required=False, widget=forms.CheckboxSelectMultiple
    )
    fees = forms.ChoiceField(label=_("Fees"), choices=Fees.choices, widget=forms.RadioSelect, initial=Fees.UNKNOWN)
    fees_description = _text(_("About the fees"), max_length=2000, rows=2)
    eligibility_description = _text(_("Who may use it"), max_length=2000, rows=2)
    minimum_age = _age_field(_("Minimum age"))
    maximum_age = _age_field(_("Maximum age"))
    application_process = _text(_("How to use it"), max_length=2000, rows=3)
    required_documents = _text(_("Documents to bring"), max_length=2000, rows=2, help_text=_("One per line."))
    interpreter_available = forms.BooleanField(label=_("Interpreter available"), required=False)
    interpretation_services = _text(_("About interpretation"), max_length=2000, rows=2)
    accepts_referrals = forms.BooleanField(
        label=_("Accepts referrals now"), required=False, help_text=_("Other organisations may refer people to it.")
    )
    alert = _text(
        _("Notice"), max_length=2000, rows=2, help_text=_("Shown at the top of the entry, e.g. a temporary change.")
    )

    def __init__(
        self, *args: Any, terms: dict[str, list[TaxonomyTerm]], locations: list[Location], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("kind", _term_choices(terms.get("resource_kind", [])))
        self._choices("concerns", _term_choices(terms.get("concern", [])))
        self._choices("people_served", _term_choices(terms.get("people_served", [])))
        self._choices("channels", _term_choices(terms.get("channel", [])))
        self._choices("languages", [(tag, language_name(tag)) for tag in COMMON_LANGUAGES])
        self._choices("locations", [(str(loc.code), loc.name) for loc in locations])

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean_other_languages(self) -> list[str]:
        text = _nfkc(self.cleaned_data["other_languages"])
        tags = [t for t in re.split(r"[,、\s]+", text) if t]
        bad = [t for t in tags if not _LANGUAGE_TAG.match(t)]
        if bad:
            raise ValidationError(
                _("Not a language code: %(tags)s. Use codes like fr, ru or pt-BR."), params={"tags": ", ".join(bad[:5])}
            )
        return tags[:20]

    def clean_required_documents(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["required_documents"].splitlines()]
        if any(len(line) > 300 for line in lines):
            raise ValidationError(_("Each document has at most 300 characters."))
        return [line for line in lines if line][:30]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age is below the minimum age."))
        if not data.get("areas") and not data.get("is_national") and "areas" not in self.errors:
            self.add_error("areas", _("Enter the areas served, or tick “Serves the whole country”."))
        return data

    def service_data(
        self, *, base: ServiceData | None, phones: tuple[PhoneData, ...], hours: Schedule | None
    ) -> ServiceData:
        """The whole service: the form's fields over `base` (status, verification, source and contacts stay)."""
        data = self.cleaned_data
        languages = [*data["languages"], *(t for t in data["other_languages"] if t not in data["languages"])]
        values: dict[str, Any] = {
            # Checkboxes give lists where `ServiceData` holds tuples.
            **{name: tuple(data[name]) if isinstance(data[name], list) else data[name] for name in _SHARED_FIELDS},
            # Without hours the flag stays as it was (an import may know "24 hours" and nothing more).
            "is_24_hours": hours.always_open if hours is not None else base is not None and base.is_24_hours,
            "resource_kinds": (data["kind"],),
            "languages": tuple(languages),
            "area_codes": tuple(a.code for a in data["areas"]),
            "required_documents": tuple(data["required_documents"]),
            "phones": phones,
            "hours": hours.to_json() if hours is not None else None,
            "location_codes": tuple(uuid.UUID(code) for code in data["locations"]),
        }
        if base is None:
            return ServiceData(**values)
        return dataclasses.replace(base, **values)


#: The fields that the form and `ServiceData` share by name and copy both ways as they are (checkbox
#: lists become tuples). The others (kind, languages, areas, documents, locations, phones, hours) are
#: converted by `ServiceForm.service_data` and `service_initial`.
_SHARED_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(ServiceData)
    if f.name in ServiceForm.base_fields and f.name not in {"languages", "required_documents"}
)


def service_initial(data: ServiceData, *, areas: dict[str, Area]) -> dict[str, Any]:
    """The form's starting values for a saved service (`areas` by code, for their names)."""
    common = [tag for tag in data.languages if tag in COMMON_LANGUAGES]
    return {
        **{name: getattr(data, name) for name in _SHARED_FIELDS},
        "kind": data.resource_kinds[0] if data.resource_kinds else "",
        "languages": common,
        "other_languages": ", ".join(tag for tag in data.languages if tag not in COMMON_LANGUAGES),
        "areas": "、".join(area_label(areas[code]) if code in areas else code for code in data.area_codes),
        "required_documents": "\n".join(data.required_documents),
        "locations": [str(code) for code in data.location_codes],
    }
