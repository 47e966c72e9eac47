"""HSDS JSON written by `export_resources --format hsds-json` → units, identifiers kept.

Every `id` is kept: the organisation's, location's and service's through the services' `code=`, and
the nested rows' (phones, schedules, areas, languages, contacts, documents, attributes, service at
location) by setting them after the save (`after_save`, in the unit's savepoint). The `tsunagu`
object of each record gives what HSDS has no field for. An import into a directory without any
service also adopts the file's taxonomy and term ids, so that export → import → export is
byte-identical; otherwise the target's own ids stay. A row in the report is an organisation's
position in the file (the first is 1) and the column a JSON path.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from tsunagu.accounts.services import OrganisationData
from tsunagu.directory.models import (
    Fees,
    Location,
    LocationType,
    Service,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from tsunagu.directory.schedules import parse_schedule
from tsunagu.directory.services import ContactData, LocationData, PhoneData, ServiceData

from .export import EXTENSION
from .records import ImportUnit, LocationPart, OrganisationPart, ParsedFile, ServicePart, row_error

_FEES = {"無料": Fees.FREE, "有料": Fees.PAID, "無料と有料のものがあります": Fees.PARTLY_PAID}
_TERM_FIELDS = {"concern": "concerns", "people_served": "people_served", "resource_kind": "resource_kinds"}
_TERM_FIELDS["channel"] = "channels"


class _Bad(Exception):
    def __init__(self, path: str, value: Any, reason_ja: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.path, self.value, self.reason_ja, self.reason_en = path, value, reason_ja, reason_en


class _Obj:
    """A JSON object with its path, for reading typed values with errors that say where."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise _Bad(path, "", "オブジェクトではありません。", "Not a JSON object.")
        self.data, self.path = data, path

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise _Bad(f"{self.path}.{key}", value, "文字列が必要です。", "A (non-empty) string is required.")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise _Bad(f"{self.path}.{key}", value, "true か false が必要です。", "Must be true or false.")
        return value

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _Bad(f"{self.path}.{key}", value, "0以上の整数が必要です。", "Must be a whole number ≥ 0.")
        return value

    def ident(self, key: str = "id") -> uuid.UUID:
        try:
            return uuid.UUID(self.text(key, required=True))
        except ValueError as exc:
            raise _Bad(f"{self.path}.{key}", self.data.get(key), "UUIDではありません。", "Not a UUID.") from exc

    def objects(self, key: str) -> list[_Obj]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise _Bad(f"{self.path}.{key}", "", "配列が必要です。", "Must be an array.")
        return [_Obj(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def ext(self) -> _Obj:
        return _Obj(self.data.get(EXTENSION, {}), f"{self.path}.{EXTENSION}")

    def hours(self) -> dict[str, Any] | None:
        value = self.data.get("hours")
        if value is not None and not isinstance(value, dict):
            raise _Bad(f"{self.path}.hours", "", "オブジェクトが必要です。", "Must be an object.")
        return value

    def decimal(self, key: str) -> Any:
        from decimal import Decimal

        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _Bad(f"{self.path}.{key}", value, "数値が必要です。", "Must be a number.")
        return Decimal(repr(value)).quantize(Decimal("0.000001"))


def parse_hsds_json(data: bytes) -> ParsedFile:
    parsed = ParsedFile(encoding="utf-8")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        parsed.errors.append(row_error(0, "", "", f"UTF-8のJSONとして読めません: {exc}", f"Not UTF-8 JSON: {exc}"))
        return parsed
    organizations = document.get("organizations") if isinstance(document, dict) else None
    if not isinstance(organizations, list):
        parsed.errors.append(
            row_error(
                0,
                "organizations",
                "",
                "organizations の配列がありません（tsunagu の export_resources --format hsds-json の出力ですか）。",
                "No organizations array: is this the output of export_resources --format hsds-json?",
            )
        )
        return parsed
    parsed.rows_read = len(organizations)
    for index, item in enumerate(organizations, start=1):
        try:
            parsed.units.append(_unit(index, _Obj(item, f"organizations[{index - 1}]")))
        except _Bad as bad:
            parsed.errors.append(row_error(index, bad.path, str(bad.value), bad.reason_ja, bad.reason_en))
    if not parsed.errors:
        parsed.before_write = lambda: _adopt_taxonomy_ids(organizations)
    return parsed


def _unit(row: int, org: _Obj) -> ImportUnit:
    ext = org.ext()
    phones = org.objects("phones")
    organisation = OrganisationPart(
        key=ext.text("source_id"),
        code=org.ident(),
        data=OrganisationData(
            name=org.text("name", required=True),
            name_kana=ext.text("name_kana"),
            type=ext.text("type") or "other",
            municipality_code=ext.text("municipality_code"),
            contact_phone=ext.text("contact_phone") or (phones[0].text("number") if phones else ""),
            contact_email=org.text("email"),
            description=org.text("description"),
            website=org.text("website"),
            source=ext.text("source"),
            source_id=ext.text("source_id"),
        ),
    )
    locations = tuple(_location(item) for item in org.objects("locations"))
    known = {part.key for part in locations}
    services = tuple(_service(item, known) for item in org.objects("services"))
    columns = {"organisation.name": (f"{org.path}.name", org.text("name"))}
    return ImportUnit(row=row, organisation=organisation, locations=locations, services=services, columns=columns)


def _phones(items: Iterable[_Obj]) -> tuple[PhoneData, ...]:
    found = []
    for item in items:
        extension = item.number("extension")
        found.append(
            PhoneData(
                number=item.text("number", required=True),
                extension="" if extension is None else str(extension),
                type=item.text("type") or "voice",
                description=item.text("description"),
            )
        )
    return tuple(found)


def _location(item: _Obj) -> LocationPart:
    ext = item.ext()
    code = item.ident()
    if ext.flag("is_confidential"):
        data = LocationData(
            name=item.text("name", required=True),
            description=item.text("description"),
            location_type=item.text("location_type") or LocationType.PHYSICAL,
            is_confidential=True,
        )
        return LocationPart(key=str(code), data=data, code=code)
    addresses = item.objects("addresses")
    address = addresses[0] if addresses else _Obj({}, f"{item.path}.addresses[0]")
    accessibility = item.objects("accessibility")
    data = LocationData(
        name=item.text("name", required=True),
        name_kana=ext.text("name_kana"),
        alternate_name=item.text("alternate_name"),
        description=item.text("description"),
        location_type=item.text("location_type") or LocationType.PHYSICAL,
        area_code=address.text("local_government_code"),
        postal_code=address.text("postal_code").replace("-", ""),
        address_1=address.text("address_1"),
        address_2=address.text("address_2"),
        transportation=item.text("transportation"),
        latitude=item.decimal("latitude"),
        longitude=item.decimal("longitude"),
        accessibility=accessibility[0].text("description") if accessibility else "",
        source=item.text("external_identifier_type"),
        source_id=item.text("external_identifier"),
        source_attribution=ext.text("source_attribution"),
        source_url=ext.text("source_url"),
        phones=_phones(item.objects("phones")),
        hours=ext.hours(),
    )
    ids = _Ids(phones=[p.ident() for p in item.objects("phones")], schedule=_first_id(item.objects("schedules")))
    return LocationPart(key=str(code), data=data, code=code, after_save=ids.restore_location)


def _first_id(items: list[_Obj]) -> uuid.UUID | None:
    return items[0].ident() if items else None


def _service(item: _Obj, locations: set[str]) -> ServicePart:
    ext = item.ext()
    terms: dict[str, list[str]] = {name: [] for name in _TERM_FIELDS.values()}
    attribute_ids: dict[tuple[str, str], tuple[uuid.UUID, str]] = {}
    for attribute in item.objects("attributes"):
        term = _Obj(attribute.data.get("taxonomy_term"), f"{attribute.path}.taxonomy_term")
        taxonomy, key = term.text("taxonomy", required=True), term.text("code", required=True)
        if taxonomy not in _TERM_FIELDS:
            raise _Bad(term.path, taxonomy, "知らない分類です。", "Unknown taxonomy.")
        terms[_TERM_FIELDS[taxonomy]].append(key)
        attribute_ids[(taxonomy, key)] = (attribute.ident(), attribute.text("value"))
    areas, national = [], False
    area_ids: dict[str | None, uuid.UUID] = {}
    for area in item.objects("service_areas"):
        code = area.text("local_government_code")
        if code:
            areas.append(code)
        else:
            national = True
        area_ids[code or None] = area.ident()
    location_keys, sal_ids = [], {}
    for sal in item.objects("service_at_locations"):
        key = sal.text("location_id", required=True)
        if key not in locations:
            raise _Bad(
                f"{sal.path}.location_id", key, "この団体の所在地にありません。", "Not a location of this organization."
            )
        location_keys.append(key)
        sal_ids[key] = (sal.ident(), sal.text("description"))
    languages = item.objects("languages")
    documents = item.objects("required_documents")
    contacts = item.objects("contacts")
    schedules = item.objects("schedules")
    hours = ext.hours()
    if hours is None and schedules and schedules[0].text("description"):
        hours = parse_schedule(schedules[0].text("description")).to_json()
    cost = item.objects("cost_options")
    fees = ext.text("fees") or (_FEES.get(cost[0].text("option"), Fees.UNKNOWN) if cost else Fees.UNKNOWN)
    assured = item.text("assured_date")
    try:
        assured_date = dt.date.fromisoformat(assured) if assured else None
        last_modified = dt.datetime.fromisoformat(item.text("last_modified")) if item.text("last_modified") else None
    except ValueError as exc:
        raise _Bad(item.path, assured, "日付の形式が正しくありません。", "Malformed date.") from exc
    data = ServiceData(
        name=item.text("name", required=True),
        name_kana=ext.text("name_kana"),
        alternate_name=item.text("alternate_name"),
        description=item.text("description"),
        url=item.text("url"),
        email=item.text("email"),
        status=item.text("status") or ServiceStatus.ACTIVE,
        is_crisis_line=ext.flag("is_crisis_line"),
        is_24_hours=ext.flag("is_24_hours"),
        fees=fees,
        fees_description=item.text("fees_description"),
        eligibility_description=item.text("eligibility_description"),
        application_process=item.text("application_process"),
        interpreter_available=ext.flag("interpreter_available"),
        interpretation_services=item.text("interpretation_services"),
        minimum_age=item.number("minimum_age"),
        maximum_age=item.number("maximum_age"),
        alert=item.text("alert"),
        accepts_referrals=ext.flag("accepts_referrals"),
        assured_date=assured_date,
        source=ext.text("source"),
        source_id=ext.text("source_id"),
        source_attribution=item.text("source_attribution"),
        source_url=item.text("source_url"),
        concerns=tuple(terms["concerns"]),
        people_served=tuple(terms["people_served"]),
        resource_kinds=tuple(terms["resource_kinds"]),
        channels=tuple(terms["channels"]),
        area_codes=tuple(areas),
        is_national=national,
        languages=tuple(lang.text("code", required=True) for lang in languages),
        phones=_phones(item.objects("phones")),
        contacts=tuple(
            ContactData(
                name=c.text("name"), title=c.text("title"), department=c.text("department"), email=c.text("email")
            )
            for c in contacts
        ),
        required_documents=tuple(d.text("document", required=True) for d in documents),
        hours=hours,
    )
    ids = _Ids(
        phones=[p.ident() for p in item.objects("phones")],
        schedule=_first_id(schedules),
        areas=area_ids,
        languages={lang.text("code"): (lang.ident(), lang.text("note")) for lang in languages},
        contacts=[c.ident() for c in contacts],
        documents=[(d.ident(), d.text("uri")) for d in documents],
        attributes=attribute_ids,
        service_at_locations=sal_ids,
        last_modified=last_modified,
    )
    return ServicePart(data=data, location_keys=tuple(location_keys), code=item.ident(), after_save=ids.restore_service)


def _set(row: models.Model, **values: Any) -> None:
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if changed:
        type(row)._default_manager.filter(pk=row.pk).update(**changed)
        for name, value in changed.items():
            setattr(row, name, value)


class _Ids:
    """The file's ids of a record's nested rows, put back after the record is saved."""

    def __init__(
        self,
        *,
        phones: list[uuid.UUID],
        schedule: uuid.UUID | None,
        areas: dict[str | None, uuid.UUID] | None = None,
        languages: dict[str, tuple[uuid.UUID, str]] | None = None,
        contacts: list[uuid.UUID] | None = None,
        documents: list[tuple[uuid.UUID, str]] | None = None,
        attributes: dict[tuple[str, str], tuple[uuid.UUID, str]] | None = None,
        service_at_locations: dict[str, tuple[uuid.UUID, str]] | None = None,
        last_modified: dt.datetime | None = None,
    ) -> None:
        self.phones, self.schedule = phones, schedule
        self.areas, self.languages = areas or {}, languages or {}
        self.contacts, self.documents = contacts or [], documents or []
        self.attributes, self.service_at_locations = attributes or {}, service_at_locations or {}
        self.last_modified = last_modified

    def _common(self, owner: Service | Location) -> None:
        for phone, code in zip(owner.phones.order_by("position", "id"), self.phones, strict=False):
            _set(phone, code=code)
        schedule = owner.schedules.filter(valid_from__isnull=True, valid_to__isnull=True).first()
        if schedule is not None and self.schedule is not None:
            _set(schedule, code=self.schedule)

    def restore_location(self, location: Location) -> None:
        self._common(location)

    def restore_service(self, service: Service) -> None:
        self._common(service)
        for area in service.service_areas.select_related("area"):
            key = area.area.code if area.area is not None else None
            if key in self.areas:
                _set(area, code=self.areas[key])
        for language in service.languages.all():
            if language.tag in self.languages:
                code, note = self.languages[language.tag]
                _set(language, code=code, note=note)
        for contact, code in zip(service.contacts.order_by("id"), self.contacts, strict=False):
            _set(contact, code=code)
        for document, (code, uri) in zip(service.required_documents.order_by("id"), self.documents, strict=False):
            _set(document, code=code, uri=uri)
        for attribute in service.attributes.select_related("taxonomy_term__taxonomy"):
            term = attribute.taxonomy_term
            if (term.taxonomy.key, term.key) in self.attributes:
                code, value = self.attributes[(term.taxonomy.key, term.key)]
                _set(attribute, code=code, value=value)
        for sal in service.service_at_locations.select_related("location"):
            if str(sal.location.code) in self.service_at_locations:
                code, description = self.service_at_locations[str(sal.location.code)]
                _set(sal, code=code, description=description)
        if self.last_modified is not None:
            _set(service, updated_at=self.last_modified)


def _adopt_taxonomy_ids(organizations: list[Any]) -> None:
    """In a directory without services, take the file's taxonomy and term ids (see the module docstring)."""
    if Service.objects.exists():
        return
    taxonomies: dict[str, str] = {}
    terms: dict[tuple[str, str], str] = {}
    for org in organizations:
        for service in org.get("services", []):
            for attribute in service.get("attributes", []):
                term = attribute.get("taxonomy_term") or {}
                taxonomies[term.get("taxonomy", "")] = term.get("taxonomy_id", "")
                terms[(term.get("taxonomy", ""), term.get("code", ""))] = term.get("id", "")
    _adopt(Taxonomy.objects.all(), taxonomies, lambda t: t.key)
    _adopt(TaxonomyTerm.objects.select_related("taxonomy"), terms, lambda t: (t.taxonomy.key, t.key))


def _adopt(queryset: Any, wanted: dict[Any, str], key: Callable[[Any], Any]) -> None:
    taken = {str(code) for code in queryset.values_list("code", flat=True)}
    for row in queryset:
        code = wanted.get(key(row))
        if not code or str(row.code) == code or code in taken:
            continue
        try:
            new = uuid.UUID(code)
        except ValueError:
            continue
        _set(row, code=new)
        taken.add(code)
