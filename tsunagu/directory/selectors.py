"""Reads for the directory's staff pages: keyword-only, with the joins a page needs up front.

Every staff member with ``directory.view`` may see every record (access.py), so these reads are not
scoped by organisation; confidential addresses are decided per location by ``access.py`` and the
views. Lists run a fixed number of queries whatever their length (tests use
``django_assert_num_queries``). Text search and the list filters live in the one shared search
selector (``search/selectors.py``); this module adds the rows' details and the pages around it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from tsunagu.accounts.models import Organisation
from tsunagu.core.text import contains_any
from tsunagu.core.validators import local_government_check_digit
from tsunagu.directory.models import (
    Area,
    Attribute,
    ChangeRecord,
    Location,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from tsunagu.directory.services import (
    LOCATION_SCALARS,
    SERVICE_SCALARS,
    ContactData,
    LocationData,
    PhoneData,
    ServiceData,
)

#: An entry not confirmed for longer than this is due for verification.
VERIFY_EVERY_MONTHS = 12
#: The change history shown on a page, newest first.
HISTORY_LIMIT = 200
#: Taxonomy key of each ServiceData term field.
TERM_FIELDS: dict[str, str] = {
    "concerns": "concern",
    "people_served": "people_served",
    "resource_kinds": "resource_kind",
    "channels": "channel",
}


class Freshness(StrEnum):
    FRESH = "fresh"
    DUE = "due"
    NEVER = "never"


def verification_cutoff(today: dt.date) -> dt.date:
    """The same day one year earlier (28 February for 29 February): older entries are due."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def freshness(assured_date: dt.date | None, today: dt.date) -> Freshness:
    if assured_date is None:
        return Freshness.NEVER
    return Freshness.DUE if assured_date < verification_cutoff(today) else Freshness.FRESH


# -- single records ----------------------------------------------------------------------------


def service_get(*, code: uuid.UUID) -> Service | None:
    return Service.objects.select_related("organisation").filter(code=code).first()


def _attributes() -> Any:
    return Prefetch(
        "attributes",
        queryset=Attribute.objects.select_related("taxonomy_term__taxonomy").order_by(
            "taxonomy_term__taxonomy__key", "taxonomy_term__position"
        ),
    )


def service_detail(*, service: Service) -> Service:
    """The service with everything its page and its edit form show, in a fixed number of queries."""
    return _with_detail(Service.objects.filter(pk=service.pk)).get()


def services_detail(*, codes: Sequence[uuid.UUID], statuses: Sequence[str]) -> QuerySet[Service]:
    """The services with these codes and statuses, each with what its page shows; a fixed number of
    queries for all of them (the portal's print list)."""
    return _with_detail(Service.objects.filter(code__in=list(codes), status__in=list(statuses)))


def _with_detail(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("organisation").prefetch_related(
        _attributes(),
        Prefetch("service_areas", queryset=ServiceArea.objects.select_related("area__parent")),
        "languages",
        "phones",
        "contacts",
        "required_documents",
        Prefetch("schedules", queryset=Schedule.objects.order_by("valid_from", "id")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related(
                "location__area__parent", "location__organisation"
            ).prefetch_related(Prefetch("location__schedules", queryset=Schedule.objects.order_by("valid_from", "id"))),
        ),
    )


def location_detail(*, location: Location) -> Location:
    return (
        Location.objects.select_related("organisation", "area__parent")
        .prefetch_related(
            "phones",
            Prefetch("schedules", queryset=Schedule.objects.order_by("valid_from", "id")),
            Prefetch("service_at_locations", queryset=ServiceAtLocation.objects.select_related("service")),
        )
        .get(pk=location.pk)
    )


# -- lists -------------------------------------------------------------------------------------


def _kind_attributes() -> Any:
    return Prefetch(
        "attributes",
        queryset=Attribute.objects.filter(taxonomy_term__taxonomy__key="resource_kind").select_related("taxonomy_term"),
        to_attr="kind_attributes",
    )


def needs_verification(*, today: dt.date, organisation: Organisation | None = None) -> QuerySet[Service]:
    """Services never verified or verified over a year ago, the oldest first (never verified before all).

    Defunct services are left out: nobody needs to confirm a service that no longer exists.
    """
    qs = (
        Service.objects.filter(Q(assured_date__isnull=True) | Q(assured_date__lt=verification_cutoff(today)))
        .exclude(status=ServiceStatus.DEFUNCT)
        .select_related("organisation")
        .prefetch_related(_kind_attributes())
        .order_by(F("assured_date").asc(nulls_first=True), "name_kana", "name", "pk")
    )
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs


def organisation_list(*, query: str = "") -> QuerySet[Organisation]:
    """Active organisations with the number of their services that are not defunct."""
    qs = Organisation.objects.filter(is_active=True).annotate(
        services_count=Count("services", filter=~Q(services__status=ServiceStatus.DEFUNCT))
    )
    if query:
        qs = qs.filter(contains_any(query, "name", "name_kana"))
    return qs.order_by("name_kana", "name")


def organisation_services(*, organisation: Organisation) -> QuerySet[Service]:
    return (
        Service.objects.filter(organisation=organisation)
        .select_related("organisation")
        .prefetch_related(_kind_attributes())
        .order_by("name_kana", "name")
    )


def organisation_locations(*, organisation: Organisation) -> QuerySet[Location]:
    return (
        Location.objects.filter(organisation=organisation)
        .select_related("area__parent")
        .annotate(services_count=Count("service_at_locations"))
        .order_by("name_kana", "name")
    )


def taxonomy_terms() -> dict[str, list[TaxonomyTerm]]:
    """Active terms per taxonomy key, in their vocabulary order (one query)."""
    terms: dict[str, list[TaxonomyTerm]] = {key: [] for key in TERM_FIELDS.values()}
    for term in TaxonomyTerm.objects.filter(is_active=True).select_related("taxonomy").order_by("position", "key"):
        terms.setdefault(term.taxonomy.key, []).append(term)
    return terms


# -- history -----------------------------------------------------------------------------------


def history(*, resource_type: str, code: uuid.UUID) -> list[ChangeRecord]:
    """The newest `HISTORY_LIMIT` changes of one record, newest first."""
    return list(
        ChangeRecord.objects.filter(resource_type=resource_type, resource_code=code).order_by("-changed_at", "-id")[
            :HISTORY_LIMIT
        ]
    )


def areas_by_code(*, codes: Iterable[str]) -> dict[str, Area]:
    return {a.code: a for a in Area.objects.filter(code__in=set(codes)).select_related("parent")}


# -- areas typed by staff ----------------------------------------------------------------------

#: Separators between the places typed; control characters (NUL, which PostgreSQL cannot take in a
#: query) separate too, so they never reach the database.
_SPLIT = re.compile(r"[,、，;；()（）\s\x00-\x1f\x7f]+")
_PREFECTURE_PREFIX = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)(.+)$")


@dataclass(frozen=True)
class AreaInput:
    areas: tuple[Area, ...]
    unknown: tuple[str, ...] = ()
    #: (what was typed, the areas it could mean)
    ambiguous: tuple[tuple[str, tuple[Area, ...]], ...] = ()


def _code_of(token: str) -> str | None:
    if not token.isascii() or not token.isdigit():
        return None
    if len(token) == 5:
        return token + str(local_government_check_digit(token))
    return token if len(token) == 6 else None


def areas_from_input(text: str) -> AreaInput:
    """Areas from JIS codes (5 or 6 digits) and names (新宿区, 大阪市北区, 東京都府中市), in input order.

    A name several areas share (府中市) is ambiguous unless a code in the same input settles it.
    """
    tokens = [t for t in _SPLIT.split(unicodedata.normalize("NFKC", text).strip()) if t]
    codes = {t: c for t in tokens if (c := _code_of(t)) is not None}
    names = [t for t in tokens if t not in codes]
    by_code = {a.code: a for a in Area.objects.filter(code__in=set(codes.values())).select_related("parent")}
    candidates: dict[str, list[Area]] = {name: [] for name in names}
    if names:
        prefixed = {name: m for name in names if (m := _PREFECTURE_PREFIX.match(name))}
        wanted = set(names) | {m[2] for m in prefixed.values()}
        for area in Area.objects.filter(name__in=wanted, is_active=True).select_related("parent__parent"):
            for name in names:
                match = prefixed.get(name)
                if area.name == name or (match and area.name == match[2] and match[1] in _ancestor_names(area)):
                    candidates[name].append(area)
    chosen: dict[str, Area] = {}
    unknown: list[str] = []
    ambiguous: list[tuple[str, tuple[Area, ...]]] = []
    for token in tokens:
        if token in codes:
            coded = by_code.get(codes[token])
            if coded is None:
                unknown.append(token)
            else:
                chosen.setdefault(coded.code, coded)
            continue
        found = sorted({a.code: a for a in candidates[token]}.values(), key=lambda a: a.code)
        if not found:
            unknown.append(token)
        elif len(found) == 1:
            chosen.setdefault(found[0].code, found[0])
        elif not any(a.code in by_code for a in found):
            ambiguous.append((token, tuple(found)))
    return AreaInput(tuple(chosen.values()), tuple(dict.fromkeys(unknown)), tuple(ambiguous))


def _ancestor_names(area: Area) -> set[str]:
    names: set[str] = set()
    parent: Area | None = area.parent
    while parent is not None:
        names.add(parent.name)
        parent = parent.parent
    return names


def area_label(area: Area) -> str:
    """新宿区 (131041); a ward's name already carries its city's (大阪市北区)."""
    return f"{area.name} ({area.code})"


# -- the values an edit form starts from -------------------------------------------------------


def _standing_hours(schedules: Iterable[Schedule]) -> dict[str, object] | None:
    standing = [s.hours for s in schedules if s.valid_from is None and s.valid_to is None]
    return standing[0] if standing else None


def service_data_of(service: Service) -> ServiceData:
    """What `service_save` would need to save the service unchanged (the service from `service_detail`)."""
    terms: dict[str, list[str]] = {name: [] for name in TERM_FIELDS}
    by_taxonomy = {taxonomy: name for name, taxonomy in TERM_FIELDS.items()}
    for attribute in service.attributes.all():
        name = by_taxonomy.get(attribute.taxonomy_term.taxonomy.key)
        if name is not None:
            terms[name].append(attribute.taxonomy_term.key)
    areas = list(service.service_areas.all())
    hours = _standing_hours(service.schedules.all())
    return ServiceData(
        **{name: getattr(service, name) for name in SERVICE_SCALARS},
        concerns=tuple(terms["concerns"]),
        people_served=tuple(terms["people_served"]),
        resource_kinds=tuple(terms["resource_kinds"]),
        channels=tuple(terms["channels"]),
        area_codes=tuple(a.area.code for a in areas if a.area is not None),
        is_national=any(a.area is None for a in areas),
        languages=tuple(language.tag for language in service.languages.all()),
        phones=tuple(PhoneData(p.number, p.extension, p.type, p.description) for p in service.phones.all()),
        contacts=tuple(ContactData(c.name, c.title, c.department, c.email) for c in service.contacts.all()),
        required_documents=tuple(d.document for d in service.required_documents.all()),
        hours=dict(hours) if hours is not None else None,
        location_codes=tuple(sal.location.code for sal in service.service_at_locations.all()),
    )


def location_data_of(location: Location) -> LocationData:
    """What `location_save` would need to save the location unchanged (the location from `location_detail`)."""
    hours = _standing_hours(location.schedules.all())
    return LocationData(
        **{name: getattr(location, name) for name in LOCATION_SCALARS},
        area_code=location.area.code if location.area is not None else "",
        phones=tuple(PhoneData(p.number, p.extension, p.type, p.description) for p in location.phones.all()),
        hours=dict(hours) if hours is not None else None,
    )


def names_by_code(*, model: Any, codes: list[uuid.UUID]) -> dict[str, str]:
    """The names of the records (organisations, services, locations) with these codes, by code."""
    return {str(code): name for code, name in model.objects.filter(code__in=codes).values_list("code", "name")}
