"""The upload form of the staff import page."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .services import FORMAT_LABELS, ImportFormat
from .uploads import MAX_UPLOAD_BYTES, Upload

_SOURCE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _read(file: UploadedFile | None) -> bytes | None:
    if file is None:
        return None
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    return bytes(file.read())


class ImportUploadForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[(f.value, FORMAT_LABELS[f]) for f in ImportFormat])
    file = forms.FileField(
        label=_("File"), help_text=_("CSV in UTF-8 (with or without BOM) or Shift_JIS, or HSDS JSON; up to 10 MB.")
    )
    mapping = forms.FileField(
        label=_("Column-mapping file"),
        required=False,
        help_text=_("Only for “Other CSV”: TOML or JSON naming the columns (see the import documentation)."),
    )
    source = forms.CharField(
        label=_("Source name"),
        required=False,
        max_length=64,
        help_text=_("Short name of the dataset, e.g. tokyo-kodomo-shokudo. Re-importing with the same name updates."),
    )
    skip_invalid = forms.BooleanField(label=_("Import the valid rows even if some rows are invalid"), required=False)

    def clean_source(self) -> str:
        value: str = self.cleaned_data["source"].strip()
        if value and not _SOURCE.fullmatch(value):
            raise forms.ValidationError(_("Use lower-case letters, digits and hyphens."))
        return value

    def clean_file(self) -> bytes:
        data = _read(self.cleaned_data.get("file"))
        if not data:
            raise forms.ValidationError(_("The file is empty."))
        return data

    def clean_mapping(self) -> bytes | None:
        return _read(self.cleaned_data.get("mapping"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("format") == ImportFormat.CSV_MAPPED and not cleaned.get("mapping"):
            self.add_error("mapping", _("A column-mapping file is needed for this format."))
        return cleaned

    def upload(self) -> Upload:
        data = self.cleaned_data
        uploaded = self.files.get("file")
        return Upload(
            format=ImportFormat(data["format"]),
            data=data["file"],
            file_name=((uploaded.name if uploaded is not None else "") or "upload")[:200],
            source=data["source"],
            mapping=data["mapping"] if data["format"] == ImportFormat.CSV_MAPPED else None,
            skip_invalid=data["skip_invalid"],
        )
