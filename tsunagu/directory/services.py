"""Every write to directory resources: keyword-only, atomic, audited, kept in the change history.

A service or location is saved whole from a frozen `*Data` value (a form, an importer and the
HSDS JSON reader all build one), so that one function decides what changed. Each changed field
becomes a `ChangeRecord` (HSDS metadata) and the write gets one audit row naming the fields, all
in one transaction with the search index refresh. Collections (concerns, areas, phones …) are
compared and recorded as one canonical text each, so the history reads "concern: work → work,
housing" instead of row ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Organisation, User
from tsunagu.audit.services import AuditActor
from tsunagu.audit.services import record as audit
from tsunagu.directory.actions import DirectoryAction
from tsunagu.directory.models import (
    Area,
    Attribute,
    ChangeAction,
    ChangeRecord,
    Contact,
    Fees,
    Language,
    Location,
    LocationType,
    Phone,
    PhoneType,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from tsunagu.directory.schedules import Schedule as Hours
from tsunagu.directory.schedules.describe import history_text as hours_history_text
from tsunagu.directory.search import index as search_index
from tsunagu.directory.vocabularies import VOCABULARIES

#: Taxonomy key → (Japanese name, English name). Keys match `vocabularies.VOCABULARIES`.
TAXONOMY_NAMES: dict[str, tuple[str, str]] = {
    "concern": ("相談内容", "Concerns"),
    "people_served": ("対象者", "People served"),
    "resource_kind": ("種類", "Kind of resource"),
    "channel": ("相談・利用の方法", "How to reach"),
}

_CONFIDENTIAL_FIELDS = frozenset(
    {"postal_code", "address_1", "address_2", "transportation", "latitude", "longitude", "confidential_address"}
)
#: A location's fields whose values could say where it is: the address ones, and the free text
#: written about it while it was public (its name often names the building, its description and
#: accessibility the landmarks or the way in) and its phones (a landline leads to an address). A
#: confidential location's history keeps no values of these: earlier ones are removed when it
#: becomes confidential, and later ones are recorded as changed only (docs/security.md).
LOCATING_FIELDS = _CONFIDENTIAL_FIELDS | frozenset(
    {"name", "name_kana", "alternate_name", "description", "accessibility", "phones"}
)
#: `ChangeRecord.field_name` of the history row that says the earlier values were removed.
HISTORY_REDACTED = "history_redacted"


# -- taxonomies --------------------------------------------------------------------------------


def taxonomies_load(*, actor: AuditActor | None, using: str = "default") -> int:
    """Create the shipped taxonomies and any of their terms that are missing; returns how many rows.

    Never renames or removes what exists, so staff edits to term labels survive a re-run. The
    post-migrate hook passes no actor: like Django's content types, this is reference data laid
    down with the schema, and an audit row there would start every new database's chain with it.
    """
    created = 0
    with transaction.atomic(using=using):
        for key, terms in VOCABULARIES.items():
            name, name_en = TAXONOMY_NAMES[key]
            taxonomy, made = Taxonomy.objects.using(using).get_or_create(
                key=key, defaults={"name": name, "name_en": name_en}
            )
            created += made
            existing = set(taxonomy.terms.using(using).values_list("key", flat=True))
            new = [
                TaxonomyTerm(taxonomy=taxonomy, key=term.code, name=term.ja, name_en=term.en, position=position)
                for position, term in enumerate(terms)
                if term.code not in existing
            ]
            TaxonomyTerm.objects.using(using).bulk_create(new)
            created += len(new)
        if created and actor is not None:
            audit(actor=actor, action=DirectoryAction.TAXONOMIES_LOADED, detail={"rows": created})
    return created


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneData:
    number: str
    extension: str = ""
    type: str = PhoneType.VOICE
    description: str = ""

    def canonical(self) -> str:
        text = self.number + (f" ext. {self.extension}" if self.extension else "")
        return f"{text} ({self.type}{', ' + self.description if self.description else ''})"


@dataclass(frozen=True)
class ContactData:
    name: str = ""
    title: str = ""
    department: str = ""
    email: str = ""

    def canonical(self) -> str:
        return " / ".join(part for part in (self.department, self.title, self.name, self.email) if part)


#: `ServiceData`'s taxonomy fields and their taxonomies.
_TERM_FIELDS: dict[str, str] = {
    "concerns": "concern",
    "people_served": "people_served",
    "resource_kinds": "resource_kind",
    "channels": "channel",
}


@dataclass(frozen=True)
class _NamedData:
    """The names and description that HSDS gives services and locations alike (their first fields)."""

    name: str
    name_kana: str = ""
    alternate_name: str = ""
    description: str = ""


@dataclass(frozen=True)
class ServiceData(_NamedData):
    """Everything about a service that a person edits. Collections hold keys and codes, not rows."""

    url: str = ""
    email: str = ""
    status: str = ServiceStatus.ACTIVE
    is_crisis_line: bool = False
    is_24_hours: bool = False
    fees: str = Fees.UNKNOWN
    fees_description: str = ""
    eligibility_description: str = ""
    application_process: str = ""
    interpreter_available: bool = False
    interpretation_services: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    alert: str = ""
    accepts_referrals: bool = False
    assured_date: dt.date | None = None
    source: str = ""
    source_id: str = ""
    source_attribution: str = ""
    source_url: str = ""
    # Taxonomy term keys.
    concerns: tuple[str, ...] = ()
    people_served: tuple[str, ...] = ()
    resource_kinds: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    # JIS codes of the areas served; `is_national` for 全国.
    area_codes: tuple[str, ...] = ()
    is_national: bool = False
    # BCP 47 tags.
    languages: tuple[str, ...] = ()
    phones: tuple[PhoneData, ...] = ()
    contacts: tuple[ContactData, ...] = ()
    required_documents: tuple[str, ...] = ()
    # `schedules.Schedule.to_json()` of the service's own hours, or None for none.
    hours: dict[str, Any] | None = None
    # Codes of the locations where it is delivered (of the same organisation).
    location_codes: tuple[uuid.UUID, ...] = ()


#: `ServiceData` fields kept in rows of their own (terms, areas, phones …): each is compared and
#: recorded as one canonical text (`_data_collections`) rather than as a column of the service.
_SERVICE_COLLECTIONS = frozenset(
    {
        *_TERM_FIELDS,
        "area_codes",
        "is_national",
        "languages",
        "phones",
        "contacts",
        "required_documents",
        "hours",
        "location_codes",
    }
)
SERVICE_SCALARS: tuple[str, ...] = tuple(f.name for f in fields(ServiceData) if f.name not in _SERVICE_COLLECTIONS)


@dataclass(frozen=True)
class LocationData(_NamedData):
    location_type: str = LocationType.PHYSICAL
    area_code: str = ""
    postal_code: str = ""
    address_1: str = ""
    address_2: str = ""
    transportation: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accessibility: str = ""
    is_confidential: bool = False
    confidential_address: str = ""
    source: str = ""
    source_id: str = ""
    source_attribution: str = ""
    source_url: str = ""
    phones: tuple[PhoneData, ...] = ()
    hours: dict[str, Any] | None = None


LOCATION_SCALARS: tuple[str, ...] = tuple(
    f.name for f in fields(LocationData) if f.name not in {"area_code", "phones", "hours"}
)


@dataclass
class SaveResult:
    created: bool
    changed: list[str] = field(default_factory=list)


# -- history -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _updated_by(actor: AuditActor) -> tuple[User | None, str]:
    user = getattr(actor, "user", None)
    organisation = getattr(actor, "organisation", None)
    label = organisation.name if isinstance(organisation, Organisation) else actor.audit_actor_label
    return (user if isinstance(user, User) else None), label


def _history(
    *,
    actor: AuditActor,
    resource_type: str,
    resource_code: uuid.UUID,
    action: ChangeAction,
    changes: Sequence[tuple[str, str, str]],
) -> None:
    user, label = _updated_by(actor)
    now = timezone.now()
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            resource_type=resource_type,
            resource_code=resource_code,
            action=action,
            field_name=name,
            previous_value=before,
            replacement_value=after,
            changed_at=now,
            changed_by=user,
            updated_by_label=label[:200],
        )
        for name, before, after in changes
    )


def _record_write(
    actor: AuditActor,
    resource: Service | Location,
    changes: Sequence[tuple[str, str, str]],
    *,
    action: DirectoryAction,
    change: ChangeAction = ChangeAction.UPDATE,
    detail: dict[str, Any] | None = None,
) -> None:
    """The history rows of one write, then its audit row, in the write's transaction.

    `action` is the audit action; `change` the HSDS change type of every history row.
    """
    resource_type = "service" if isinstance(resource, Service) else "location"
    _history(actor=actor, resource_type=resource_type, resource_code=resource.code, action=change, changes=changes)
    audit(actor=actor, action=action, target_type=resource_type, target_code=resource.code, detail=detail)


def _record_save(
    actor: AuditActor,
    resource: Service | Location,
    changes: Sequence[tuple[str, str, str]],
    *,
    created: bool,
    action: DirectoryAction,
) -> SaveResult:
    """History and audit of a `service_save` / `location_save` that changed something.

    The audit row names the changed fields, not their values: the history holds those, and for a
    confidential location not even there.
    """
    names = [name for name, _before, _after in changes]
    change = ChangeAction.CREATE if created else ChangeAction.UPDATE
    _record_write(actor, resource, changes, action=action, change=change, detail={"fields": names})
    return SaveResult(created=created, changed=names)


def _phones_text(owner: Service | Location) -> str:
    """The owner's phones as the canonical text kept in the history."""
    return "; ".join(PhoneData(p.number, p.extension, p.type, p.description).canonical() for p in owner.phones.all())


def _phones_replace(owner: Service | Location, phones: Sequence[PhoneData]) -> None:
    owner.phones.all().delete()
    service, location = (owner, None) if isinstance(owner, Service) else (None, owner)
    Phone.objects.bulk_create(
        Phone(
            service=service,
            location=location,
            number=p.number,
            extension=p.extension,
            type=p.type,
            description=p.description,
            position=i,
        )
        for i, p in enumerate(phones)
    )


# -- services ----------------------------------------------------------------------------------


def _service_collections(service: Service) -> dict[str, str]:
    """The current value of each collection field, as the canonical text kept in the history."""
    if service.pk is None:
        return {}
    keys_by_taxonomy: dict[str, list[str]] = {}
    for taxonomy_key, term_key in service.attributes.values_list("taxonomy_term__taxonomy__key", "taxonomy_term__key"):
        keys_by_taxonomy.setdefault(taxonomy_key, []).append(term_key)
    areas = list(service.service_areas.values_list("area__code", flat=True))
    hours = [s.hours for s in service.schedules.filter(valid_from__isnull=True, valid_to__isnull=True)]
    return {
        **{name: ", ".join(sorted(keys_by_taxonomy.get(tax, []))) for name, tax in _TERM_FIELDS.items()},
        "area_codes": ", ".join(sorted(code for code in areas if code)),
        "is_national": _text(None in areas),
        "languages": ", ".join(sorted(service.languages.values_list("tag", flat=True))),
        "phones": _phones_text(service),
        "contacts": "; ".join(
            ContactData(c.name, c.title, c.department, c.email).canonical() for c in service.contacts.all()
        ),
        "required_documents": "; ".join(service.required_documents.values_list("document", flat=True)),
        "hours": hours_history_text(Hours.from_json(hours[0])) if hours else "",
        "location_codes": ", ".join(
            sorted(str(code) for code in service.service_at_locations.values_list("location__code", flat=True))
        ),
    }


def _data_collections(data: ServiceData) -> dict[str, str]:
    return {
        **{name: ", ".join(sorted(set(getattr(data, name)))) for name in _TERM_FIELDS},
        "area_codes": ", ".join(sorted(set(data.area_codes))),
        "is_national": _text(data.is_national),
        "languages": ", ".join(sorted(set(data.languages))),
        "phones": "; ".join(p.canonical() for p in data.phones),
        "contacts": "; ".join(c.canonical() for c in data.contacts),
        "required_documents": "; ".join(data.required_documents),
        "hours": hours_history_text(Hours.from_json(data.hours)) if data.hours is not None else "",
        "location_codes": ", ".join(sorted({str(code) for code in data.location_codes})),
    }


def _terms(data: ServiceData) -> list[TaxonomyTerm]:
    wanted = {(tax, key) for name, tax in _TERM_FIELDS.items() for key in getattr(data, name)}
    if not wanted:
        return []
    found = {
        (t.taxonomy.key, t.key): t
        for t in TaxonomyTerm.objects.select_related("taxonomy").filter(
            taxonomy__key__in={tax for tax, _key in wanted}, key__in={key for _tax, key in wanted}
        )
    }
    missing = sorted(f"{tax}:{key}" for tax, key in wanted if (tax, key) not in found)
    if missing:
        raise ValidationError(_("Unknown taxonomy terms: %(terms)s") % {"terms": ", ".join(missing)})
    return [found[pair] for pair in sorted(wanted)]


def _areas(codes: Iterable[str]) -> list[Area]:
    codes = set(codes)
    areas = list(Area.objects.filter(code__in=codes))
    missing = sorted(codes - {a.code for a in areas})
    if missing:
        raise ValidationError(_("Unknown local government codes: %(codes)s") % {"codes": ", ".join(missing)})
    return areas


def _validate_hours(hours: dict[str, Any] | None) -> None:
    if hours is None:
        return
    try:
        Hours.from_json(hours)
    except ValueError as exc:
        raise ValidationError(_("The opening hours are not valid.")) from exc


def _replace_collections(service: Service, data: ServiceData, changed: set[str]) -> None:
    if changed & set(_TERM_FIELDS):
        service.attributes.all().delete()
        Attribute.objects.bulk_create(Attribute(service=service, taxonomy_term=term) for term in _terms(data))
    if changed & {"area_codes", "is_national"}:
        service.service_areas.all().delete()
        rows = [ServiceArea(service=service, area=area) for area in _areas(data.area_codes)]
        if data.is_national:
            rows.append(ServiceArea(service=service, area=None, description="全国"))
        ServiceArea.objects.bulk_create(rows)
    if "languages" in changed:
        service.languages.all().delete()
        Language.objects.bulk_create(Language(service=service, tag=tag) for tag in sorted(set(data.languages)))
    if "phones" in changed:
        _phones_replace(service, data.phones)
    if "contacts" in changed:
        service.contacts.all().delete()
        Contact.objects.bulk_create(
            Contact(service=service, name=c.name, title=c.title, department=c.department, email=c.email)
            for c in data.contacts
        )
    if "required_documents" in changed:
        service.required_documents.all().delete()
        RequiredDocument.objects.bulk_create(
            RequiredDocument(service=service, document=d) for d in data.required_documents
        )
    if "hours" in changed:
        service.schedules.filter(valid_from__isnull=True, valid_to__isnull=True).delete()
        if data.hours is not None:
            Schedule.objects.create(service=service, hours=data.hours)
    if "location_codes" in changed:
        service.service_at_locations.all().delete()
        locations = list(
            Location.objects.filter(code__in=set(data.location_codes), organisation_id=service.organisation_id)
        )
        if len(locations) != len(set(data.location_codes)):
            raise ValidationError(_("A location does not exist or belongs to another organisation."))
        ServiceAtLocation.objects.bulk_create(ServiceAtLocation(service=service, location=loc) for loc in locations)


def _check_children(data: ServiceData) -> None:
    """Validate the nested values the way their models would, before anything is written."""
    for phone in data.phones:
        Phone(service=Service(), number=phone.number, extension=phone.extension, type=phone.type).full_clean(
            exclude=["service", "location", "description"]
        )
    for contact in data.contacts:
        Contact(service=Service(), name=contact.name, email=contact.email).full_clean(exclude=["service"])
    _validate_hours(data.hours)


@transaction.atomic
def service_save(
    *,
    actor: AuditActor,
    organisation: Organisation,
    data: ServiceData,
    service: Service | None = None,
    code: uuid.UUID | None = None,
) -> tuple[Service, SaveResult]:
    """Create a service (``service=None``) or update one; returns it and what changed.

    ``code`` keeps the identifier of an imported record (HSDS ``id``) when creating. Raises
    ``ValidationError`` and writes nothing when any part is invalid.
    """
    created = service is None
    if service is None:
        service = Service(organisation=organisation, code=code or uuid.uuid4())
        before_organisation = ""
    else:
        before_organisation = str(service.organisation.code)
        service.organisation = organisation
    before_scalars = {name: getattr(service, name) for name in SERVICE_SCALARS}
    before_collections = _service_collections(service) if not created else dict.fromkeys(_data_collections(data), "")
    for name in SERVICE_SCALARS:
        setattr(service, name, getattr(data, name))
    after_collections = _data_collections(data)
    changes: list[tuple[str, str, str]] = []
    for name in SERVICE_SCALARS:
        before, after = before_scalars[name], getattr(data, name)
        if created and after in ("", None, False):
            continue
        if before != after or created:
            changes.append((name, "" if created else _text(before), _text(after)))
    if before_organisation != str(organisation.code):
        changes.append(("organization_id", before_organisation, str(organisation.code)))
    changed_collections = {name for name, text in after_collections.items() if text != before_collections.get(name)}
    changes.extend(
        (name, before_collections.get(name, ""), after_collections[name])
        for name in after_collections
        if name in changed_collections
    )
    _check_children(data)
    if not changes:
        return service, SaveResult(created=False)
    service.updated_at = timezone.now()
    service.full_clean(exclude=["organisation"] if created else None)
    service.save()
    _replace_collections(service, data, changed_collections)
    if {"resource_kinds"} & changed_collections or created:
        _check_one_kind(service)
    result = _record_save(
        actor,
        service,
        changes,
        created=created,
        action=DirectoryAction.SERVICE_CREATED if created else DirectoryAction.SERVICE_UPDATED,
    )
    search_index.refresh(service_ids=[service.pk])
    return service, result


def _check_one_kind(service: Service) -> None:
    kinds = service.attributes.filter(taxonomy_term__taxonomy__key="resource_kind").count()
    if kinds > 1:
        raise ValidationError(_("A service has one kind of resource."))


@transaction.atomic
def service_set_status(*, actor: AuditActor, service: Service, status: str) -> bool:
    """Open, close temporarily or retire a service; returns False when nothing changed."""
    if status not in ServiceStatus.values:
        raise ValidationError(_("Unknown status."))
    if service.status == status:
        return False
    before = service.status
    service.status = status
    service.updated_at = timezone.now()
    service.save(update_fields=["status", "updated_at"])
    _record_write(
        actor,
        service,
        [("status", before, status)],
        action=DirectoryAction.SERVICE_STATUS_CHANGED,
        detail={"from": before, "to": status},
    )
    search_index.refresh(service_ids=[service.pk])
    return True


@transaction.atomic
def service_verify(*, actor: AuditActor, service: Service, on: dt.date | None = None) -> None:
    """Record that someone checked the entry is right today (HSDS assured_date)."""
    day = on or timezone.localdate()
    before = service.assured_date
    service.assured_date = day
    service.updated_at = timezone.now()
    service.save(update_fields=["assured_date", "updated_at"])
    _record_write(
        actor, service, [("assured_date", _text(before), day.isoformat())], action=DirectoryAction.SERVICE_VERIFIED
    )


# -- locations ---------------------------------------------------------------------------------


def _location_value(location: Location, name: str) -> Any:
    if name == "area_code":
        return location.area.code if location.area_id is not None and location.area else ""
    return getattr(location, name)


@transaction.atomic
def location_save(
    *,
    actor: AuditActor,
    organisation: Organisation,
    data: LocationData,
    location: Location | None = None,
    code: uuid.UUID | None = None,
) -> tuple[Location, SaveResult]:
    """Create or update a location. A confidential location's address is recorded as changed, never its value."""
    created = location is None
    if location is None:
        location = Location(organisation=organisation, code=code or uuid.uuid4())
    before = {name: _location_value(location, name) for name in (*LOCATION_SCALARS, "area_code")}
    confidential = data.is_confidential or bool(before["is_confidential"])
    becomes_confidential = not created and data.is_confidential and not before["is_confidential"]
    before_phones = "" if created else _phones_text(location)
    before_hours = (
        "" if created else "; ".join(hours_history_text(Hours.from_json(s.hours)) for s in location.schedules.all())
    )
    for name in LOCATION_SCALARS:
        setattr(location, name, getattr(data, name))
    location.area = _areas([data.area_code])[0] if data.area_code else None
    _validate_hours(data.hours)
    after_phones = "; ".join(p.canonical() for p in data.phones)
    after_hours = hours_history_text(Hours.from_json(data.hours)) if data.hours is not None else ""
    changes: list[tuple[str, str, str]] = []
    for name in (*LOCATION_SCALARS, "area_code"):
        old, new = before[name], getattr(data, name)
        if created and new in ("", None, False):
            continue
        if old != new or created:
            if name in LOCATING_FIELDS and confidential:
                changes.append((name, "", ""))
            else:
                changes.append((name, "" if created else _text(old), _text(new)))
    if after_phones != before_phones:
        changes.append(("phones", "", "") if confidential else ("phones", before_phones, after_phones))
    if after_hours != before_hours:
        changes.append(("hours", before_hours, after_hours))
    if not changes:
        return location, SaveResult(created=False)
    location.updated_at = timezone.now()
    location.full_clean(exclude=["organisation"] if created else None)
    location.save()
    if after_phones != before_phones:
        _phones_replace(location, data.phones)
    if after_hours != before_hours:
        location.schedules.all().delete()
        if data.hours is not None:
            Schedule.objects.create(location=location, hours=data.hours)
    if becomes_confidential:
        _location_history_redact(actor=actor, location=location)
    result = _record_save(
        actor,
        location,
        changes,
        created=created,
        action=DirectoryAction.LOCATION_CREATED if created else DirectoryAction.LOCATION_UPDATED,
    )
    service_ids = list(location.service_at_locations.values_list("service_id", flat=True))
    if service_ids:
        search_index.refresh(service_ids=service_ids)
    return location, result


def _location_history_redact(*, actor: AuditActor, location: Location) -> None:
    """Remove the values of `LOCATING_FIELDS` from the history of a location that becomes confidential.

    Its address and name were recorded while it was public, and every staff member reads the
    history; once it is a shelter they would tell where it is. Only the values go: the rows still
    say which field changed, when and by whom. The removal is itself a history row and an audit row.
    """
    redacted = (
        ChangeRecord.objects.filter(
            resource_type="location", resource_code=location.code, field_name__in=LOCATING_FIELDS
        )
        .exclude(previous_value="", replacement_value="")
        .update(previous_value="", replacement_value="")
    )
    if not redacted:
        return
    _record_write(
        actor,
        location,
        [(HISTORY_REDACTED, "", str(redacted))],
        action=DirectoryAction.LOCATION_HISTORY_REDACTED,
        detail={"records": redacted, "fields": sorted(LOCATING_FIELDS)},
    )


@transaction.atomic
def service_location_add(*, actor: AuditActor, service: Service, data: LocationData) -> Location:
    """Create a location of the service's organisation and record that the service is offered there."""
    location, _result = location_save(actor=actor, organisation=service.organisation, data=data)
    codes = [str(code) for code in service.service_at_locations.values_list("location__code", flat=True)]
    ServiceAtLocation.objects.create(service=service, location=location)
    service.updated_at = timezone.now()
    service.save(update_fields=["updated_at"])
    change = ("location_codes", ", ".join(sorted(codes)), ", ".join(sorted([*codes, str(location.code)])))
    _record_write(
        actor, service, [change], action=DirectoryAction.SERVICE_UPDATED, detail={"fields": ["location_codes"]}
    )
    search_index.refresh(service_ids=[service.pk])
    return location
