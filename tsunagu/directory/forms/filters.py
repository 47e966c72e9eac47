"""The search box and filters of the staff service list."""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.forms import CleanCharField
from tsunagu.directory.areas.selectors import area_for_postal_code, normalise_postal_code
from tsunagu.directory.models import Area, ServiceStatus, TaxonomyTerm
from tsunagu.directory.selectors import areas_from_input


class ServiceFilterForm(forms.Form):
    q = CleanCharField(label=_("Search"), max_length=100, required=False)
    area = CleanCharField(
        label=_("Area"),
        max_length=32,
        required=False,
        help_text=_("Local government code, postal code or name"),
    )
    concern = forms.ChoiceField(label=_("Concern"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ServiceStatus.choices])

    def __init__(self, *args: Any, terms: dict[str, list[TaxonomyTerm]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "ja").startswith("en")
        for name, taxonomy in (("concern", "concern"), ("kind", "resource_kind")):
            choices = [(t.key, t.name_en if english else t.name) for t in terms.get(taxonomy, [])]
            cast(forms.ChoiceField, self.fields[name]).choices = [("", _("All")), *choices]

    def clean_area(self) -> Area | None:
        text = unicodedata.normalize("NFKC", self.cleaned_data["area"]).strip()
        if not text:
            return None
        if normalise_postal_code(text) is not None:
            area = area_for_postal_code(text=text)
            if area is None:
                raise ValidationError(_("No area has this postal code."))
            return area
        found = areas_from_input(text)
        if len(found.areas) == 1 and not found.unknown and not found.ambiguous:
            return found.areas[0]
        if found.ambiguous:
            raise ValidationError(_("Several areas have this name. Enter the local government code."))
        raise ValidationError(_("No area matches. Enter a local government code, a postal code or the exact name."))
