"""Directory records as Open Referral HSDS 3.0 JSON, Japan profile (docs/api.md).

Pure serialisation: every ``*_to_hsds`` function turns model instances that are already loaded
into plain JSON-ready dicts and runs no query of its own, provided the instances come from
``with_hsds_related`` and the change history from ``history_for`` (both below, one fixed set of
queries for any number of services). The public API (``directory.api``) and the export use it.

Rules of the profile, kept here so that every consumer of this module applies them:

- Our UUID ``code`` is the HSDS ``id``. Rows we do not store (an address, an accessibility note, a
  schedule split into several HSDS schedules) get ids derived with UUID 5 from their owner's code,
  so they are stable between calls.
- A field without a value is left out, except the fields HSDS requires, which are then "".
  Arrays are always present.
- A confidential location (a shelter) is shown as an id with a fixed name and description only: no
  address, postal code, coordinates, directions, phones, hours, accessibility note, real name or
  change history. The public address columns are empty by constraint anyway; this module does not
  even read them for such a location, and never reads ``confidential_address``.
- ``metadata.updated_by`` is ``ChangeRecord.updated_by_label`` (an organisation or an import),
  never a person.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf.locale import LANG_INFO
from django.db.models import Prefetch, QuerySet
from django.utils.encoding import iri_to_uri

from tsunagu.accounts.models import Organisation
from tsunagu.directory.models import (
    Area,
    Attribute,
    ChangeRecord,
    Contact,
    Fees,
    Language,
    Location,
    LocationType,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.schedules import Schedule as Hours

Json = dict[str, Any]
History = Mapping[uuid.UUID, Sequence[ChangeRecord]]

HSDS_VERSION = "3.0"
#: Schedules carry Japan's UTC offset (HSDS `timezone` is a number of hours).
UTC_OFFSET_HOURS = 9
COUNTRY = "JP"
NATIONAL_AREA_NAME = "全国"
#: Service areas and addresses name their area by URN and by the bare code (`local_government_code`).
AREA_URN_PREFIX = "urn:jisx0402:"

CONFIDENTIAL_LOCATION_NAME = "所在地非公開"
CONFIDENTIAL_LOCATION_DESCRIPTION = (
    "安全のため、所在地を公開していません。サービスの連絡先にお問い合わせください。"
    " (The address is not published for safety. Please contact the service.)"
)

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Python's weekday(): Monday is 0
_FEES_OPTION = {
    Fees.FREE: "無料",
    Fees.PAID: "有料",
    Fees.PARTLY_PAID: "無料と有料のものがあります",
}


# -- loading what the serialisers read -----------------------------------------------------------


def with_hsds_related(services: QuerySet[Service], *, full: bool = True) -> QuerySet[Service]:
    """``services`` with everything ``service_to_hsds(…, full=full)`` reads, in a fixed number of queries."""
    services = services.select_related("organisation")
    if not full:
        return services
    return services.prefetch_related(
        "phones",
        "schedules",
        "languages",
        "contacts",
        "required_documents",
        Prefetch("service_areas", queryset=ServiceArea.objects.select_related("area__parent__parent")),
        Prefetch(
            "attributes",
            queryset=Attribute.objects.select_related("taxonomy_term__taxonomy", "taxonomy_term__parent"),
        ),
        Prefetch("service_at_locations", queryset=service_at_locations_related(ServiceAtLocation.objects.all())),
    )


def service_at_locations_related(queryset: QuerySet[ServiceAtLocation]) -> QuerySet[ServiceAtLocation]:
    """``queryset`` with the location parts ``service_at_location_to_hsds`` reads."""
    return queryset.select_related("location__organisation", "location__area__parent__parent").prefetch_related(
        "location__phones", "location__schedules"
    )


def locations_related(queryset: QuerySet[Location]) -> QuerySet[Location]:
    return queryset.select_related("organisation", "area__parent__parent").prefetch_related("phones", "schedules")


def history_for(codes: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ChangeRecord]]:
    """The change history of the records with these codes, oldest first, in one query per 500 codes."""
    wanted = sorted(set(codes))
    found: dict[uuid.UUID, list[ChangeRecord]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        rows = ChangeRecord.objects.filter(resource_code__in=wanted[start : start + 500]).order_by("changed_at", "id")
        for row in rows:
            found[row.resource_code].append(row)
    return dict(found)


def history_codes(service: Service) -> list[uuid.UUID]:
    """The codes whose history a full service shows: the service and its public locations."""
    return [
        service.code,
        *(sal.location.code for sal in service.service_at_locations.all() if not sal.location.is_confidential),
    ]


# -- small parts ---------------------------------------------------------------------------------


def _compact(data: Json, *, required: Iterable[str] = ()) -> Json:
    """Leave out fields without a value; required ones stay, as "" when empty."""
    keep = set(required)
    result: Json = {}
    for key, value in data.items():
        if value is None or value == "":
            if key in keep:
                result[key] = ""
            continue
        result[key] = value
    return result


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value: dt.datetime) -> str:
    return value.astimezone(TOKYO).isoformat()


def derived_id(owner: uuid.UUID, part: str) -> str:
    return str(uuid.uuid5(owner, part))


def uri(value: str) -> str:
    """A URL as an RFC 3986 URI: HSDS's ``uri`` format has no room for 例え.jp or /相談 (IRIs)."""
    if not value or value.isascii():
        return value
    parts = urlsplit(value)
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return iri_to_uri(value)
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if parts.username is not None:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    return iri_to_uri(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))


def postal_code_display(code: str) -> str:
    """``1600022`` → ``160-0022``; anything else unchanged."""
    return f"{code[:3]}-{code[3:]}" if len(code) == 7 and code.isdigit() else code


def area_urn(area: Area) -> str:
    return f"{AREA_URN_PREFIX}{area.code}"


def _prefecture(area: Area) -> Area:
    while area.parent is not None:
        area = area.parent
    return area


def language_name(tag: str) -> str:
    """The language's own name (日本語, English, Tiếng Việt …), or the tag when Django does not know it."""
    info = LANG_INFO.get(tag.lower()) or LANG_INFO.get(tag.split("-")[0].lower())
    if info is None:
        return tag
    fallback = info.get("fallback")
    if fallback and "name_local" not in info:
        info = LANG_INFO.get(fallback[0], {})
    return unicodedata.normalize("NFC", str(info.get("name_local", tag)))


# -- metadata ------------------------------------------------------------------------------------


def metadata_to_hsds(records: Sequence[ChangeRecord]) -> list[Json]:
    return [
        {
            "id": str(record.code),
            "resource_id": str(record.resource_code),
            "resource_type": record.resource_type,
            "last_action_date": record.changed_at.astimezone(TOKYO).date().isoformat(),
            "last_action_type": record.action,
            "field_name": record.field_name,
            "previous_value": record.previous_value,
            "replacement_value": record.replacement_value,
            "updated_by": record.updated_by_label,
        }
        for record in records
    ]


def _metadata(code: uuid.UUID, history: History | None) -> list[Json]:
    if history is None:
        return []
    return metadata_to_hsds(history.get(code, ()))


# -- taxonomies ----------------------------------------------------------------------------------


def taxonomy_to_hsds(taxonomy: Taxonomy) -> Json:
    return _compact(
        {
            "id": str(taxonomy.code),
            "name": taxonomy.name,
            # HSDS requires a description; without one written, the English name says what it is.
            "description": taxonomy.description or taxonomy.name_en,
            "version": taxonomy.version,
        },
        required=("description",),
    )


def taxonomy_term_to_hsds(term: TaxonomyTerm) -> Json:
    """A term with its taxonomy (``taxonomy_detail``); needs ``taxonomy`` and ``parent`` loaded."""
    return _compact(
        {
            "id": str(term.code),
            "code": term.key,
            "name": term.name,
            "description": term.description or term.name_en,
            "parent_id": str(term.parent.code) if term.parent is not None else None,
            "taxonomy": term.taxonomy.key,
            "taxonomy_detail": taxonomy_to_hsds(term.taxonomy),
            "language": "ja",
            "taxonomy_id": str(term.taxonomy.code),
        },
        required=("description",),
    )


def attribute_to_hsds(attribute: Attribute, *, service_code: uuid.UUID) -> Json:
    term = attribute.taxonomy_term
    return _compact(
        {
            "id": str(attribute.code),
            "link_id": str(service_code),
            "taxonomy_term_id": str(term.code),
            # What the term describes: concern, people_served, resource_kind or channel.
            "link_type": term.taxonomy.key,
            "link_entity": "service",
            "value": attribute.value,
            "taxonomy_term": taxonomy_term_to_hsds(term),
        }
    )


# -- phones, schedules and other parts -----------------------------------------------------------


def phone_to_hsds(
    phone: Phone, *, service_code: uuid.UUID | None = None, location_code: uuid.UUID | None = None
) -> Json:
    # HSDS makes `extension` a number; an extension that is not all digits goes into the description.
    extension = phone.extension.strip()
    numeric = extension.isascii() and extension.isdigit()
    description = phone.description
    if extension and not numeric:
        description = f"{description} 内線 {extension}".strip()
    return _compact(
        {
            "id": str(phone.code),
            "service_id": str(service_code) if service_code else None,
            "location_id": str(location_code) if location_code else None,
            "number": phone.number,
            "extension": int(extension) if numeric else None,
            "type": phone.type,
            "description": description,
            "languages": [],
        }
    )


def _rule_items(hours: Hours) -> list[Json] | None:
    """The weekly/monthly recurrences of ``hours``, or None when HSDS cannot say them truthfully.

    Restrictions to some months have no RRULE part in HSDS, so a schedule with one is given as text
    only: a structured item would claim openings the place does not have. Public holidays and
    closures (祝日, 年末年始, listed dates) have no HSDS form either; they stay in ``description``.
    """
    if not hours.parsed_completely or any(rule.months for rule in hours.rules):
        return None
    items: list[Json] = []
    if hours.always_open:
        items.append({"freq": "WEEKLY", "byday": ",".join(_WEEKDAYS), "opens_at": "00:00", "closes_at": "23:59"})
    for rule in hours.rules:
        if not rule.weekdays:
            continue  # a rule for public holidays only (祝日): text only
        days = [_WEEKDAYS[day] for day in rule.weekdays]
        recurrence: Json
        if rule.nth_weeks:
            recurrence = {"freq": "MONTHLY", "byday": ",".join(f"{n}{day}" for n in rule.nth_weeks for day in days)}
        elif rule.month_days:
            recurrence = {"freq": "MONTHLY", "bymonthday": ",".join(str(d) for d in rule.month_days)}
            if len(days) < len(_WEEKDAYS):
                recurrence["byday"] = ",".join(days)
        else:
            recurrence = {"freq": "WEEKLY", "byday": ",".join(days)}
        if not rule.periods:
            items.append(recurrence)
        for period in rule.periods:
            times = {"opens_at": period.start.strftime("%H:%M")}
            if period.end is not None:
                times["closes_at"] = period.end.strftime("%H:%M")
            items.append({**recurrence, **times})
    return items or None


def schedule_to_hsds(
    schedule: Schedule, *, service_code: uuid.UUID | None = None, location_code: uuid.UUID | None = None
) -> list[Json]:
    """One HSDS schedule per rule and opening period; text only when the hours were not fully read.

    Every item carries the original Japanese text as ``description``. The first item's id is the
    schedule's code, the others are derived from it.
    """
    try:
        hours: Hours | None = Hours.from_json(schedule.hours)
    except ValueError:
        hours = None
    common = {
        "service_id": str(service_code) if service_code else None,
        "location_id": str(location_code) if location_code else None,
        "valid_from": _date(schedule.valid_from),
        "valid_to": _date(schedule.valid_to),
        "timezone": UTC_OFFSET_HOURS,
        "description": hours.original_text if hours is not None else "",
        "notes": schedule.notes,
    }
    items = (_rule_items(hours) if hours is not None else None) or [{}]
    return [
        _compact(
            {
                "id": str(schedule.code) if index == 0 else derived_id(schedule.code, f"schedule-{index}"),
                **common,
                **item,
                "attributes": [],
            }
        )
        for index, item in enumerate(items)
    ]


def _schedules(rows: Iterable[Schedule], **owner: uuid.UUID) -> list[Json]:
    return [item for row in rows for item in schedule_to_hsds(row, **owner)]


def language_to_hsds(language: Language, *, service_code: uuid.UUID) -> Json:
    return _compact(
        {
            "id": str(language.code),
            "service_id": str(service_code),
            "name": language_name(language.tag),
            "code": language.tag,
            "note": language.note,
        }
    )


def contact_to_hsds(contact: Contact, *, service_code: uuid.UUID) -> Json:
    return _compact(
        {
            "id": str(contact.code),
            "service_id": str(service_code),
            "name": contact.name,
            "title": contact.title,
            "department": contact.department,
            "email": contact.email,
            "phones": [],
        }
    )


def required_document_to_hsds(document: RequiredDocument, *, service_code: uuid.UUID) -> Json:
    return _compact(
        {
            "id": str(document.code),
            "service_id": str(service_code),
            "document": document.document,
            "uri": uri(document.uri),
        }
    )


def service_area_to_hsds(service_area: ServiceArea, *, service_code: uuid.UUID) -> Json:
    """An area served: a prefecture, municipality or ward by its JIS code, or 全国 (no area)."""
    area = service_area.area
    if area is None:
        return _compact(
            {
                "id": str(service_area.code),
                "service_id": str(service_code),
                "name": NATIONAL_AREA_NAME,
                "description": service_area.description or NATIONAL_AREA_NAME,
                "extent_type": "text",
                "extent": "日本全国",
                "uri": f"urn:iso:std:iso:3166:-1:{COUNTRY}",
            }
        )
    prefecture = _prefecture(area)
    name = area.name if area == prefecture else f"{prefecture.name}{area.name}"
    return _compact(
        {
            "id": str(service_area.code),
            "service_id": str(service_code),
            "name": area.name,
            "description": service_area.description,
            "extent_type": "text",
            "extent": name,
            "uri": area_urn(area),
            "local_government_code": area.code,
        }
    )


def cost_options_to_hsds(service: Service) -> list[Json]:
    option = _FEES_OPTION.get(Fees(service.fees)) if service.fees in Fees.values else None
    if option is None:
        return []
    return [
        _compact(
            {
                "id": derived_id(service.code, "cost-option"),
                "service_id": str(service.code),
                "option": option,
                "currency": "JPY",
                "amount": 0 if service.fees == Fees.FREE else None,
                "amount_description": service.fees_description,
                "attributes": [],
            }
        )
    ]


# -- locations -----------------------------------------------------------------------------------


def address_to_hsds(location: Location) -> Json | None:
    """The Japan-profile address of a public physical or postal location, or None."""
    if location.is_confidential or location.location_type == LocationType.VIRTUAL:
        return None
    area = location.area
    if area is None and not location.address_1:
        return None
    prefecture = _prefecture(area) if area is not None else None
    return _compact(
        {
            "id": derived_id(location.code, "address"),
            "location_id": str(location.code),
            "address_1": location.address_1,
            "address_2": location.address_2,
            "city": area.name if area is not None and area != prefecture else "",
            "state_province": prefecture.name if prefecture is not None else "",
            "postal_code": postal_code_display(location.postal_code),
            "country": COUNTRY,
            "address_type": "postal" if location.location_type == LocationType.POSTAL else "physical",
            "local_government_code": area.code if area is not None else None,
        },
        required=("address_1", "city", "state_province", "postal_code", "country", "address_type"),
    )


def location_to_hsds(location: Location, *, full: bool = True, history: History | None = None) -> Json:
    """A location; a confidential one only as its id, type, the fixed name and description."""
    if location.is_confidential:
        confidential: Json = {
            "id": str(location.code),
            "location_type": location.location_type,
            "organization_id": str(location.organisation.code),
            "name": CONFIDENTIAL_LOCATION_NAME,
            "description": CONFIDENTIAL_LOCATION_DESCRIPTION,
        }
        if full:
            confidential |= {
                "languages": [],
                "addresses": [],
                "contacts": [],
                "accessibility": [],
                "phones": [],
                "schedules": [],
                "attributes": [],
                "metadata": [],
            }
        return confidential
    data = _compact(
        {
            "id": str(location.code),
            "location_type": location.location_type,
            "organization_id": str(location.organisation.code),
            "name": location.name,
            "alternate_name": location.alternate_name,
            "description": location.description,
            "transportation": location.transportation,
            "latitude": float(location.latitude) if location.latitude is not None else None,
            "longitude": float(location.longitude) if location.longitude is not None else None,
            "external_identifier": location.source_id,
            "external_identifier_type": location.source,
        }
    )
    if not full:
        return data
    address = address_to_hsds(location)
    return data | {
        "languages": [],
        "addresses": [address] if address is not None else [],
        "contacts": [],
        "accessibility": (
            [
                {
                    "id": derived_id(location.code, "accessibility"),
                    "location_id": str(location.code),
                    "description": location.accessibility,
                }
            ]
            if location.accessibility
            else []
        ),
        "phones": [phone_to_hsds(p, location_code=location.code) for p in location.phones.all()],
        "schedules": _schedules(location.schedules.all(), location_code=location.code),
        "attributes": [],
        "metadata": _metadata(location.code, history),
    }


def service_at_location_to_hsds(
    service_at_location: ServiceAtLocation,
    *,
    full: bool = True,
    history: History | None = None,
    with_service: bool = False,
) -> Json:
    """A service at a location; ``with_service`` nests the service too (the /service_at_locations form).

    Nested in a full service, the location is full and the service is left out. With
    ``with_service``, ``full`` decides between the detail form (the full service without its
    locations) and the list form (the service's one-to-one fields and organisation).
    """
    data: Json = _compact(
        {
            "id": str(service_at_location.code),
            "service_id": str(service_at_location.service.code),
            "location_id": str(service_at_location.location.code),
            "description": service_at_location.description,
        }
    )
    if full:
        data |= {"contacts": [], "phones": [], "schedules": []}
    data["location"] = location_to_hsds(service_at_location.location, full=full, history=history)
    if full:
        data |= {"attributes": [], "metadata": []}
    if with_service:
        data["service"] = _service(service_at_location.service, full=full, history=history, with_locations=False)
    return data


# -- organisations and services ------------------------------------------------------------------


def organization_to_hsds(
    organisation: Organisation,
    *,
    full: bool = False,
    services: Sequence[Service] = (),
    locations: Sequence[Location] = (),
    full_service: bool = False,
    history: History | None = None,
) -> Json:
    """An organisation; ``full`` adds its phones, locations and services (``full_service``: whole services).

    ``history`` gives the nested services and locations their ``metadata``; without it they have
    none (the export leaves the change history out on purpose).
    """
    data = _compact(
        {
            "id": str(organisation.code),
            "name": organisation.name,
            "description": organisation.description,
            "email": organisation.contact_email,
            "website": uri(organisation.website),
        },
        required=("description",),
    )
    if not full:
        return data
    phones = (
        [
            {
                "id": derived_id(organisation.code, "contact-phone"),
                "organization_id": str(organisation.code),
                "number": organisation.contact_phone,
                "languages": [],
            }
        ]
        if organisation.contact_phone
        else []
    )
    return data | {
        "funding": [],
        "contacts": [],
        "phones": phones,
        "locations": [location_to_hsds(loc, history=history) for loc in locations],
        "programs": [],
        "organization_identifiers": [],
        "attributes": [],
        "metadata": [],
        "services": [
            _service(s, full=True, history=history) if full_service else _service(s, full=False) for s in services
        ],
    }


def _service(service: Service, *, full: bool, history: History | None = None, with_locations: bool = True) -> Json:
    data = _compact(
        {
            "id": str(service.code),
            "organization_id": str(service.organisation.code),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": uri(service.url),
            "email": service.email,
            "status": service.status,
            "interpretation_services": service.interpretation_services,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": _date(service.assured_date),
            "alert": service.alert,
            "last_modified": _datetime(service.updated_at),
            # Japan profile: the credit a CC BY source requires travels with the record.
            "source_attribution": service.source_attribution,
            "source_url": uri(service.source_url),
        }
    )
    organization = organization_to_hsds(service.organisation)
    if not full:
        return data | {"organization": organization}
    code = service.code
    data |= {
        "phones": [phone_to_hsds(p, service_code=code) for p in service.phones.all()],
        "schedules": _schedules(service.schedules.all(), service_code=code),
        "service_areas": [service_area_to_hsds(a, service_code=code) for a in service.service_areas.all()],
    }
    if with_locations:
        data["service_at_locations"] = [
            service_at_location_to_hsds(sal, history=history) for sal in service.service_at_locations.all()
        ]
    return data | {
        "languages": [language_to_hsds(lang, service_code=code) for lang in service.languages.all()],
        "organization": organization,
        "funding": [],
        "cost_options": cost_options_to_hsds(service),
        "required_documents": [
            required_document_to_hsds(d, service_code=code) for d in service.required_documents.all()
        ],
        "contacts": [contact_to_hsds(c, service_code=code) for c in service.contacts.all()],
        "attributes": [attribute_to_hsds(a, service_code=code) for a in service.attributes.all()],
        "metadata": _metadata(code, history),
    }


def service_minimal_to_hsds(service: Service) -> Json:
    """Just enough to tell what changed: id, name, status and ``last_modified``."""
    return {
        "id": str(service.code),
        "name": service.name,
        "status": service.status,
        "last_modified": _datetime(service.updated_at),
    }


def service_to_hsds(service: Service, *, full: bool = True, history: History | None = None) -> Json:
    """A service; ``full`` nests everything about it (HSDS ``/services/{id}``), else its one-to-one fields.

    Load services with ``with_hsds_related``. For many services, pass ``history`` from
    ``history_for`` over all their ``history_codes``; without it a full service loads its own
    history (one query).
    """
    if full and history is None:
        history = history_for(history_codes(service))
    return _service(service, full=full, history=history)
