"""The location form. A confidential location (a DV shelter) keeps its address only in the encrypted
`confidential_address`; those fields exist in the form only for people who may see that address."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.accounts.forms import CleanCharField
from tsunagu.directory.areas.selectors import area_for_postal_code, normalise_postal_code
from tsunagu.directory.forms.service import AreasField
from tsunagu.directory.models import Area, LocationType
from tsunagu.directory.schedules import Schedule
from tsunagu.directory.selectors import area_label
from tsunagu.directory.services import LocationData, PhoneData

PUBLIC_ADDRESS_FIELDS = ("postal_code", "address_1", "address_2", "transportation", "latitude", "longitude")


def _text(label: Any, *, max_length: int, rows: int | None = None, **kwargs: Any) -> CleanCharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return CleanCharField(label=label, max_length=max_length, required=False, widget=widget, **kwargs)


class LocationForm(forms.Form):
    name = CleanCharField(label=pgettext_lazy("location", "Name"), max_length=200)
    name_kana = _text(pgettext_lazy("location", "Name (kana)"), max_length=200)
    alternate_name = _text(_("Other name"), max_length=200)
    description = _text(_("Description"), max_length=5000, rows=3)
    location_type = forms.ChoiceField(
        label=pgettext_lazy("location", "Type"),
        choices=LocationType.choices,
        widget=forms.RadioSelect,
        initial=LocationType.PHYSICAL,
    )
    area = AreasField(
        label=_("Municipality or ward"),
        widget=forms.TextInput(),
        max_length=100,
        help_text=_("Local government code or name, e.g. 312011 or 鳥取市. Blank: taken from the postal code."),
    )
    postal_code = _text(_("Postal code"), max_length=10, help_text=_("e.g. 680-0000"))
    address_1 = _text(_("Street address"), max_length=200, help_text=_("After the municipality, e.g. 栄町1-1"))
    address_2 = _text(_("Building"), max_length=200)
    transportation = _text(_("How to get there"), max_length=2000, rows=2)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=10, decimal_places=6, min_value=-180, max_value=180
    )
    accessibility = _text(
        _("Accessibility"), max_length=2000, rows=2, help_text=_("e.g. step-free entrance, hearing loop")
    )
    is_confidential = forms.BooleanField(
        label=_("The address is confidential"),
        required=False,
        help_text=_(
            "For a shelter or any place whose address must not be published. Only the area is shown; the address "
            "below is encrypted and shown only to those allowed, and every view is recorded."
        ),
    )
    confidential_address = _text(_("Confidential address"), max_length=500, rows=2)

    def __init__(self, *args: Any, confidential_allowed: bool, is_confidential: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.confidential_allowed = confidential_allowed
        self.locked_confidential = is_confidential
        if not confidential_allowed:
            # Not allowed to see or change the address: neither the flag nor the address is offered,
            # and a confidential location offers no public address either (it must stay empty).
            del self.fields["is_confidential"]
            del self.fields["confidential_address"]
            if is_confidential:
                for name in PUBLIC_ADDRESS_FIELDS:
                    del self.fields[name]

    def clean_area(self) -> Area | None:
        areas: list[Area] = self.cleaned_data["area"]
        if len(areas) > 1:
            raise ValidationError(_("Enter one municipality or ward."))
        return areas[0] if areas else None

    def clean_postal_code(self) -> str:
        text: str = self.cleaned_data.get("postal_code", "")
        if not text.strip():
            return ""
        code = normalise_postal_code(text)
        if code is None:
            raise ValidationError(_("Enter a postal code of 7 digits, e.g. 680-0000."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        confidential = data.get("is_confidential", self.locked_confidential)
        if confidential and any(data.get(name) not in (None, "") for name in PUBLIC_ADDRESS_FIELDS):
            self.add_error(
                None,
                _(
                    "A confidential location shows no public address, directions or coordinates. Put the address in "
                    "the confidential address field and leave the public ones empty."
                ),
            )
        if self.confidential_allowed and not confidential and data.get("confidential_address"):
            self.add_error(
                "confidential_address",
                _("Only a confidential location keeps a confidential address. Clear it, or keep the box ticked."),
            )
        if data.get("area") is None and data.get("postal_code") and "area" not in self.errors:
            data["area"] = area_for_postal_code(text=data["postal_code"])
        return data

    def location_data(
        self, *, base: LocationData | None, phones: tuple[PhoneData, ...], hours: Schedule | None
    ) -> LocationData:
        data = self.cleaned_data
        area: Area | None = data.get("area")
        values: dict[str, Any] = {
            name: data[name]
            for name in ("name", "name_kana", "alternate_name", "description", "location_type", "accessibility")
        }
        values["area_code"] = area.code if area is not None else ""
        for name in PUBLIC_ADDRESS_FIELDS:
            if name in self.fields:
                values[name] = data[name] if name in ("latitude", "longitude") else data[name] or ""
        if self.confidential_allowed:
            values["is_confidential"] = data["is_confidential"]
            values["confidential_address"] = data["confidential_address"] if data["is_confidential"] else ""
        values["phones"] = phones
        values["hours"] = hours.to_json() if hours is not None else None
        if base is None:
            return LocationData(**values)
        return dataclasses.replace(base, **values)


def location_initial(data: LocationData, *, area: Area | None, confidential_allowed: bool) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(data, name)
        for name in (
            "name",
            "name_kana",
            "alternate_name",
            "description",
            "location_type",
            "accessibility",
            *PUBLIC_ADDRESS_FIELDS,
        )
    }
    if data.postal_code:
        initial["postal_code"] = f"{data.postal_code[:3]}-{data.postal_code[3:]}"
    initial["area"] = area_label(area) if area is not None else ""
    if confidential_allowed:
        initial["is_confidential"] = data.is_confidential
        initial["confidential_address"] = data.confidential_address
    return initial
