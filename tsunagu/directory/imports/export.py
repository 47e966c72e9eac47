"""Exports of the whole directory: HSDS JSON (through `directory.hsds`) and a CSV for spreadsheets.

Neither reads `Location.confidential_address`: a confidential location appears as
`directory.hsds` shows it (an id and a fixed text), and in the CSV with the same fixed name and
no address. The HSDS document leaves out the change history (`metadata`): it is this database's
record of edits, and an import writes its own. Each organisation, location and service carries a
`tsunagu` object with the fields HSDS has no place for, so that `import_resources --format
hsds-json` restores them (see `EXTENSION`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from django.db.models import Q

from tsunagu.accounts.models import Organisation
from tsunagu.directory import hsds
from tsunagu.directory.models import Location, Schedule, Service
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.schedules import Schedule as Hours

#: Key of the tsunagu-specific part of each exported object.
EXTENSION = "tsunagu"
DOCUMENT_PROFILE = "https://github.com/tsunagu/tsunagu/blob/main/docs/import-export.md"


def _own_hours(schedules: Any) -> dict[str, Any] | None:
    rows: list[Schedule] = [s for s in schedules.all() if s.valid_from is None and s.valid_to is None]
    return rows[0].hours if rows else None


def _organisation_extension(organisation: Organisation) -> dict[str, Any]:
    return {
        "name_kana": organisation.name_kana,
        "type": organisation.type,
        "municipality_code": organisation.municipality_code,
        "contact_phone": organisation.contact_phone,
        "source": organisation.source,
        "source_id": organisation.source_id,
    }


def _location_extension(location: Location) -> dict[str, Any]:
    if location.is_confidential:
        return {"is_confidential": True}
    return {
        "is_confidential": False,
        "name_kana": location.name_kana,
        "source_attribution": location.source_attribution,
        "source_url": location.source_url,
        "hours": _own_hours(location.schedules),
    }


def _service_extension(service: Service) -> dict[str, Any]:
    return {
        "name_kana": service.name_kana,
        "is_crisis_line": service.is_crisis_line,
        "is_24_hours": service.is_24_hours,
        "fees": service.fees,
        "interpreter_available": service.interpreter_available,
        "accepts_referrals": service.accepts_referrals,
        "source": service.source,
        "source_id": service.source_id,
        "hours": _own_hours(service.schedules),
    }


def _with_extensions(item: dict[str, Any], locations: dict[str, Location], services: dict[str, Service]) -> None:
    for location_json in item.get("locations", []):
        location_json[EXTENSION] = _location_extension(locations[location_json["id"]])
    for service_json in item.get("services", []):
        service_json[EXTENSION] = _service_extension(services[service_json["id"]])
        for sal in service_json.get("service_at_locations", []):
            sal["location"][EXTENSION] = _location_extension(locations[sal["location"]["id"]])


def export_hsds_document() -> dict[str, Any]:
    """Every organisation that has services or locations, with them nested, in code order."""
    services = list(hsds.with_hsds_related(Service.objects.order_by("code")))
    locations = list(hsds.locations_related(Location.objects.order_by("code")))
    organisations = (
        Organisation.objects.filter(Q(services__isnull=False) | Q(locations__isnull=False)).distinct().order_by("code")
    )
    services_by_org: dict[int, list[Service]] = defaultdict(list)
    locations_by_org: dict[int, list[Location]] = defaultdict(list)
    for service in services:
        services_by_org[service.organisation_id].append(service)
    for location in locations:
        locations_by_org[location.organisation_id].append(location)
    by_code_location = {str(loc.code): loc for loc in locations}
    by_code_service = {str(s.code): s for s in services}
    items = []
    for organisation in organisations:
        item = hsds.organization_to_hsds(
            organisation,
            full=True,
            services=services_by_org[organisation.pk],
            locations=locations_by_org[organisation.pk],
            full_service=True,
        )
        item[EXTENSION] = _organisation_extension(organisation)
        _with_extensions(item, by_code_location, by_code_service)
        items.append(item)
    return {"hsds_version": hsds.HSDS_VERSION, "profile": DOCUMENT_PROFILE, "organizations": items}


def export_hsds_json() -> bytes:
    document = export_hsds_document()
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


CSV_HEADER = (
    "ID",
    "名称",
    "名称_カナ",
    "運営団体",
    "運営団体ID",
    "種類",
    "相談内容",
    "対象者",
    "利用方法",
    "状態",
    "説明",
    "URL",
    "メールアドレス",
    "電話番号",
    "料金",
    "料金の説明",
    "利用時間",
    "対象地域",
    "所在地",
    "緯度",
    "経度",
    "出典",
    "出典URL",
    "最終確認日",
    "更新日時",
)


def _address(location: Location) -> str:
    if location.is_confidential:
        return hsds.CONFIDENTIAL_LOCATION_NAME
    parts = []
    if location.postal_code:
        parts.append(f"〒{hsds.postal_code_display(location.postal_code)}")
    area = location.area
    names: list[str] = []
    while area is not None:
        names.insert(0, area.name)
        area = area.parent
    if len(names) > 1 and names[-1].startswith(names[-2]):
        names.pop(-2)  # 大阪市 + 大阪市北区: the ward's name already holds the city's
    parts.append("".join(names) + location.address_1)
    if location.address_2:
        parts.append(location.address_2)
    return " ".join(p for p in parts if p)


def export_csv() -> bytes:
    """One row per service with its main public fields; UTF-8 with BOM so that Excel reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for service in hsds.with_hsds_related(Service.objects.order_by("code")):
        terms: dict[str, list[str]] = defaultdict(list)
        for attribute in service.attributes.all():
            terms[attribute.taxonomy_term.taxonomy.key].append(attribute.taxonomy_term.name)
        locations = [sal.location for sal in service.service_at_locations.all()]
        public = [loc for loc in locations if not loc.is_confidential]
        hours = _own_hours(service.schedules)
        writer.writerow(
            (
                str(service.code),
                service.name,
                service.name_kana,
                service.organisation.name,
                str(service.organisation.code),
                "、".join(terms["resource_kind"]),
                "、".join(terms["concern"]),
                "、".join(terms["people_served"]),
                "、".join(terms["channel"]),
                service.get_status_display(),
                service.description,
                service.url,
                service.email,
                "、".join(p.number + (f" 内線{p.extension}" if p.extension else "") for p in service.phones.all()),
                service.get_fees_display(),
                service.fees_description,
                Hours.from_json(hours).original_text if hours else "",
                "、".join(a.area.name if a.area else hsds.NATIONAL_AREA_NAME for a in service.service_areas.all()),
                " / ".join(_address(loc) for loc in locations),
                str(public[0].latitude) if public and public[0].latitude is not None else "",
                str(public[0].longitude) if public and public[0].longitude is not None else "",
                service.source_attribution,
                service.source_url,
                service.assured_date.isoformat() if service.assured_date else "",
                service.updated_at.astimezone(TOKYO).isoformat(timespec="seconds"),
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
