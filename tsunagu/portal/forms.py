"""The portal's read-only forms: the finder's steps, the search and the print list.

They are POST forms without a CSRF token (they change nothing, and a token would need a cookie), so
what a person answers never reaches a URL or a server log. Values carried between steps come back
from the browser and may have been altered: choices outside the vocabularies are dropped quietly
instead of failing the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.core.bounds import bounded_int
from tsunagu.portal.selectors import FINDER_CHANNELS, PRINT_LIMIT, Choice

MAX_PLACE_CHARS = 60
MAX_QUERY_CHARS = 100
MAX_PAGE = 500

FINDER_STEPS = ("concerns", "whom", "where", "channel")
FOR_WHOM = {
    "self": _("Myself"),
    "family": _("Someone in my family"),
    "friend": _("A friend or someone I know"),
}
FINDER_CHANNEL_LABELS = {
    "phone": pgettext_lazy("way to reach", "Phone"),
    "line": _("LINE"),
    "chat": _("Chat"),
    "visit": _("In person"),
}
ACTIONS = ("next", "skip", "back")


class KeysField(forms.MultipleChoiceField):
    """Several keys from a vocabulary; unknown ones are dropped, never an error."""

    def __init__(self, *, limit: int = 30, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.limit = limit

    def clean(self, value: Any) -> list[str]:
        values = self.to_python(value)
        return list(dict.fromkeys(v for v in values if self.valid_value(v)))[: self.limit]


class KeyField(forms.ChoiceField):
    """One key from a vocabulary, or "" (also for an unknown one)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> str:
        value = self.to_python(value)
        return value if value and self.valid_value(value) else ""


def _pairs(choices: Sequence[Choice]) -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in choices]


class FinderForm(forms.Form):
    """Every answer of the finder, the step being answered and what the person pressed."""

    step = KeyField(choices=[(s, s) for s in (*FINDER_STEPS, "results")])
    action = KeyField(choices=[(a, a) for a in ACTIONS])
    concerns = KeysField()
    for_whom = KeyField(choices=list(FOR_WHOM.items()))
    where = forms.CharField(required=False, max_length=MAX_PLACE_CHARS, strip=True)
    area = forms.CharField(required=False, max_length=6)
    channels = KeysField(choices=list(FINDER_CHANNEL_LABELS.items()))

    def __init__(self, *args: Any, concerns: Sequence[Choice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = _pairs(concerns)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        # A text longer than max_length is cut, not refused (the place is checked on its own).
        if self.is_bound and hasattr(self.data, "copy"):
            data = self.data.copy()
            for name, limit in (("where", MAX_PLACE_CHARS), ("area", 6)):
                if name in data:
                    data[name] = str(data[name])[:limit]
            self.data = data
        super().full_clean()


class SearchForm(forms.Form):
    """Free text and the directory's filters (the search page)."""

    q = forms.CharField(label=_("Words to search for"), required=False, max_length=MAX_QUERY_CHARS, strip=True)
    where = forms.CharField(label=_("Postal code or town"), required=False, max_length=MAX_PLACE_CHARS, strip=True)
    # Several values may come from the finder ("see more"); the page's own selects send one.
    concern = KeysField(label=_("What it is about"), widget=forms.SelectMultiple)
    people = KeyField(label=_("Who it is for"))
    kind = KeyField(label=_("Kind of place or service"))
    channel = KeysField(label=_("How to reach them"), widget=forms.SelectMultiple)
    language = KeyField(label=_("Language"))
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    is_24_hours = forms.BooleanField(label=_("Open 24 hours"), required=False)
    free = forms.BooleanField(label=_("Free of charge"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(
        self, *args: Any, terms: dict[str, list[Choice]], languages: Sequence[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        for name, taxonomy in (
            ("concern", "concern"),
            ("people", "people_served"),
            ("kind", "resource_kind"),
            ("channel", "channel"),
        ):
            self.fields[name].choices = any_choice + _pairs(terms.get(taxonomy, []))  # type: ignore[attr-defined]
        self.fields["language"].choices = any_choice + list(languages)  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        if self.is_bound and hasattr(self.data, "copy"):
            data = self.data.copy()
            for name, limit in (("q", MAX_QUERY_CHARS), ("where", MAX_PLACE_CHARS)):
                if name in data:
                    data[name] = str(data[name])[:limit]
            page = bounded_int(str(data.get("page", "")), low=1, high=MAX_PAGE)
            data["page"] = str(page or 1)
            self.data = data
        super().full_clean()


def service_codes(values: Sequence[str]) -> list[uuid.UUID]:
    """The services ticked for the print list (invalid values are ignored), in order, at most PRINT_LIMIT."""
    codes: list[uuid.UUID] = []
    for value in values[: PRINT_LIMIT * 4]:
        try:
            code = uuid.UUID(str(value))
        except ValueError:
            continue
        if code not in codes:
            codes.append(code)
    return codes[:PRINT_LIMIT]


__all__ = ["FINDER_CHANNELS", "FINDER_STEPS", "FOR_WHOM", "FinderForm", "SearchForm", "service_codes"]
