"""What the directory's staff pages share: paging, hours in words, the change history as people read it,
and the parts of the service and location forms that are the same (hours, phones)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Organisation
from tsunagu.core.bounds import bounded_int
from tsunagu.directory import selectors
from tsunagu.directory.forms.hours import HoursForm, hours_fit_rows, hours_initial
from tsunagu.directory.forms.service import PhoneForm, PhoneFormSet, phones_initial, phones_of
from tsunagu.directory.models import (
    ChangeAction,
    ChangeRecord,
    Fees,
    Location,
    LocationType,
    Service,
    ServiceStatus,
    TaxonomyTerm,
)
from tsunagu.directory.schedules import Schedule as Hours
from tsunagu.directory.schedules.describe import describe, text_says_it_all
from tsunagu.directory.search.cards import ServiceCard
from tsunagu.directory.selectors import TERM_FIELDS, Freshness, freshness
from tsunagu.directory.services import HISTORY_REDACTED, LOCATING_FIELDS, LocationData, PhoneData, ServiceData

PER_PAGE = 25
MAX_PAGE = 10_000


def page_number(request: HttpRequest) -> int:
    """The page asked for, or the first page for anything but a whole number from 1 to MAX_PAGE."""
    return bounded_int(request.GET.get("page", "1"), low=1, high=MAX_PAGE, default=1)


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@dataclass(frozen=True)
class Pager:
    """The attributes `includes/pagination.html` reads from a Django page, for results paged elsewhere."""

    number: int
    per_page: int
    count: int
    count_is_lower_bound: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def paginator(self) -> Pager:
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


# -- freshness ---------------------------------------------------------------------------------


FRESHNESS_LABELS = {
    Freshness.FRESH: gettext_noop("Verified"),
    Freshness.DUE: gettext_noop("Due for verification"),
    Freshness.NEVER: gettext_noop("Never verified"),
}


def freshness_of(service: Service | ServiceCard, today: dt.date) -> dict[str, Any]:
    state = freshness(service.assured_date, today)
    return {"state": str(state), "label": _(FRESHNESS_LABELS[state]), "date": service.assured_date}


def kind_names(service: Service | ServiceCard) -> list[str]:
    """The service's kind of resource in the UI language, from its card or the attributes its list prefetched."""
    english = (get_language() or "ja").startswith("en")
    if isinstance(service, ServiceCard):
        return [term.name_en if english else term.name for term in service.terms_of("resource_kind")]
    attributes = getattr(service, "kind_attributes", None)
    if attributes is None:
        attributes = [a for a in service.attributes.all() if a.taxonomy_term.taxonomy.key == "resource_kind"]
    return [a.taxonomy_term.name_en if english else a.taxonomy_term.name for a in attributes]


# -- hours -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursView:
    lines: list[str]
    partial: bool
    original: str
    unparsed: Sequence[str]
    #: The published text differs from the words above (an import, or a text typed with the rows).
    show_original: bool


def hours_view(hours: dict[str, Any] | None) -> HoursView | None:
    if hours is None:
        return None
    schedule = Hours.from_json(hours)
    original = schedule.original_text.strip()
    return HoursView(
        lines=describe(schedule, get_language() or "ja"),
        partial=not schedule.parsed_completely,
        original=original,
        unparsed=schedule.unparsed,
        show_original=bool(original) and not text_says_it_all(schedule),
    )


def standing_hours(schedules: Iterable[Any]) -> dict[str, Any] | None:
    for schedule in schedules:
        if schedule.valid_from is None and schedule.valid_to is None:
            hours: dict[str, Any] = schedule.hours
            return hours
    return None


# -- form pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursAndPhones:
    """The hours form and the phones formset of a service's or a location's form page."""

    existing: Hours | None
    hours_form: HoursForm
    phones: forms.BaseFormSet[PhoneForm]

    @classmethod
    def of(cls, request: HttpRequest, base: ServiceData | LocationData | None) -> HoursAndPhones:
        """Bound to the POST, or filled in from `base` (None for a new entry)."""
        existing = Hours.from_json(base.hours) if base is not None and base.hours is not None else None
        if request.method == "POST":
            hours_form = HoursForm(request.POST, prefix="hours", existing=existing)
            return cls(existing, hours_form, PhoneFormSet(request.POST, prefix="phones"))
        hours_form = HoursForm(initial=hours_initial(existing), prefix="hours", existing=existing)
        phones = PhoneFormSet(initial=phones_initial(base.phones) if base is not None else [], prefix="phones")
        return cls(existing, hours_form, phones)

    def all_valid(self, form: forms.Form) -> bool:
        """Whether `form`, the hours and the phones are valid; all are checked, so each shows its errors."""
        return all([form.is_valid(), self.hours_form.is_valid(), self.phones.is_valid()])

    def phone_data(self) -> tuple[PhoneData, ...]:
        return phones_of(self.phones)

    def schedule(self) -> Hours | None:
        schedule: Hours | None = self.hours_form.cleaned_data["schedule"]
        return schedule

    def context(self) -> dict[str, Any]:
        return {"hours_form": self.hours_form, "hours_fit_rows": hours_fit_rows(self.existing), "phones": self.phones}


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A form page; after a POST it is shown again only because something was wrong, so with 400."""
    posted = request.method == "POST"
    return render(request, template, {**context, "has_errors": posted}, status=400 if posted else 200)


# -- history -----------------------------------------------------------------------------------

_COLLECTION_LABELS = {
    "concerns": gettext_noop("Concerns it helps with"),
    "people_served": gettext_noop("Who it is for"),
    "resource_kinds": gettext_noop("Kind of resource"),
    "channels": gettext_noop("How people reach it"),
    "area_codes": gettext_noop("Areas served"),
    "is_national": gettext_noop("Serves the whole country (全国)"),
    "languages": gettext_noop("Languages"),
    "phones": gettext_noop("Phones"),
    "contacts": gettext_noop("Contacts"),
    "required_documents": gettext_noop("Documents to bring"),
    "hours": gettext_noop("Opening hours"),
    "location_codes": gettext_noop("Locations"),
    "organization_id": gettext_noop("Organisation"),
    "area_code": gettext_noop("Municipality or ward"),
    "is_confidential": gettext_noop("The address is confidential"),
    HISTORY_REDACTED: gettext_noop("Earlier values that could locate it, removed from this history"),
}
_CONFIDENTIAL_HISTORY = {"postal_code", "address_1", "address_2", "transportation", "latitude", "longitude"}
_CHOICES = {"status": ServiceStatus, "fees": Fees, "location_type": LocationType}


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str
    action: str
    field: str
    before: str
    after: str
    withheld: bool
    #: For a created entry: the labels of the fields it was created with.
    created_fields: list[str] = dataclasses.field(default_factory=list)


def _field_label(model: type[Service] | type[Location], name: str) -> str:
    if name in _COLLECTION_LABELS:
        return _(_COLLECTION_LABELS[name])
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a field name from an older version of the model
        return name
    return str(getattr(model_field, "verbose_name", name)).capitalize()


class _Names:
    """Term keys, area and record codes in a history, as names (a fixed number of queries)."""

    def __init__(self, records: Sequence[ChangeRecord], terms: dict[str, list[TaxonomyTerm]]) -> None:
        english = (get_language() or "ja").startswith("en")
        self.terms = {
            (taxonomy, t.key): (t.name_en if english else t.name) for taxonomy, items in terms.items() for t in items
        }
        codes: dict[str, set[str]] = {"area": set(), "location": set(), "organisation": set()}
        kinds = {
            "area_codes": "area",
            "area_code": "area",
            "location_codes": "location",
            "organization_id": "organisation",
        }
        for record in records:
            kind = kinds.get(record.field_name)
            if kind:
                for value in (record.previous_value, record.replacement_value):
                    codes[kind].update(part for part in value.split(", ") if part)
        self.areas = {code: area.name for code, area in selectors.areas_by_code(codes=codes["area"]).items()}
        self.locations = _names_by_code(Location, codes["location"])
        self.organisations = _names_by_code(Organisation, codes["organisation"])

    def show(self, name: str, value: str) -> str:
        if value == "":
            return "—"
        if value in ("true", "false") and (name.startswith("is_") or name in _BOOLEAN_FIELDS):
            return _("Yes") if value == "true" else _("No")
        if name in _CHOICES:
            try:
                return str(_CHOICES[name](value).label)
            except ValueError:
                return value
        if name in TERM_FIELDS:
            return "、".join(self.terms.get((TERM_FIELDS[name], key), key) for key in value.split(", "))
        table = {"area_codes": self.areas, "area_code": self.areas, "location_codes": self.locations}.get(name)
        if table is not None:
            return "、".join(table.get(code, code) for code in value.split(", "))
        if name == "organization_id":
            return self.organisations.get(value, value)
        return value


_BOOLEAN_FIELDS = {"accepts_referrals", "interpreter_available"}


def _names_by_code(model: Any, codes: set[str]) -> dict[str, str]:
    valid = []
    for code in codes:
        try:
            valid.append(uuid.UUID(code))
        except ValueError:
            continue
    if not valid:
        return {}
    return selectors.names_by_code(model=model, codes=valid)


def history_rows(
    *, resource_type: str, code: Any, terms: dict[str, list[TaxonomyTerm]], confidential: bool = False
) -> list[HistoryRow]:
    """The change history of a service or location, newest first, with names instead of codes."""
    records = selectors.history(resource_type=resource_type, code=code)
    names = _Names(records, terms)
    model: type[Service] | type[Location] = Service if resource_type == "service" else Location
    rows: list[HistoryRow] = []
    created: dict[tuple[dt.datetime, str], list[str]] = {}
    for record in records:
        label = _field_label(model, record.field_name)
        if record.action == ChangeAction.CREATE:
            # A new entry lists every field it was created with: one row, naming the fields.
            key = (record.changed_at, record.updated_by_label)
            if key not in created:
                created[key] = []
                rows.append(
                    HistoryRow(
                        when=record.changed_at,
                        who=record.updated_by_label,
                        action=str(ChangeAction.CREATE.label),
                        field=_("Entry created"),
                        before="—",
                        after="",
                        withheld=False,
                        created_fields=created[key],
                    )
                )
            if label not in created[key]:
                created[key].append(label)
            continue
        # A confidential location's address is recorded as changed, never with its values; and for a
        # confidential location no value that could locate it is shown, even one recorded before.
        withheld = (confidential and record.field_name in LOCATING_FIELDS) or (
            record.field_name in (*_CONFIDENTIAL_HISTORY, "confidential_address")
            and not record.previous_value
            and not record.replacement_value
            and (confidential or record.field_name == "confidential_address")
        )
        rows.append(
            HistoryRow(
                when=record.changed_at,
                who=record.updated_by_label,
                action=str(ChangeAction(record.action).label) if record.action in ChangeAction.values else "",
                field=label,
                before="" if withheld else names.show(record.field_name, record.previous_value),
                after="" if withheld else names.show(record.field_name, record.replacement_value),
                withheld=withheld,
            )
        )
    return rows
