"""公共施設一覧 records → organisation, location and service (the mapping is in docs/import-export.md).

The organisation is the 団体名 when given (found again by 法人番号 or name), otherwise the publishing
local government itself. A public facility is open to anyone and reached in person; its kind and
concerns are not in the file, so the importer's options (`--resource-kind`, `--concern`) give them.
"""

from __future__ import annotations

from tsunagu.accounts.models import OrganisationType
from tsunagu.accounts.services import OrganisationData
from tsunagu.directory.models import LocationType
from tsunagu.directory.opendata import public_facility as pf
from tsunagu.directory.services import LocationData, PhoneData, ServiceData

from .common import AreaDirectory, SourceFields, contact_channels, coordinate, join_lines, one_line, organisation_type
from .records import ImportUnit, LocationPart, OrganisationPart, ParsedFile, ServicePart, fit_source_id, unknown_area

DEFAULT_SOURCE = "public-facility"
GUESSED_ORGANISATION_FIELDS = frozenset({"type", "name_kana", "contact_phone", "contact_email", "description"})


def parse_public_facility(
    data: bytes,
    *,
    file_name: str,
    source: str,
    areas: AreaDirectory,
    attribution: str = "",
    source_url: str = "",
    resource_kinds: tuple[str, ...] = (),
    concerns: tuple[str, ...] = (),
) -> ParsedFile:
    read = pf.read_public_facilities(data, file_name=file_name, resolver=areas.resolver)
    parsed = ParsedFile(
        errors=list(read.errors), warnings=list(read.warnings), encoding=read.encoding, rows_read=read.rows_read
    )
    organisations: dict[str, OrganisationPart] = {}
    code_column = pf.CODE if read.layout is pf.Layout.CURRENT else pf.OLD_CODE
    for record in read.records:
        unknown = [c for c in (record.municipality_code, record.place_code) if not areas.knows(c)]
        if unknown:
            parsed.errors.append(unknown_area(record.row, code_column, unknown[0]))
            continue
        organisation = _organisation(record, source, areas)
        organisation = organisations.setdefault(organisation.key, organisation)
        credit = (
            attribution or f"出典: {record.government_name or areas.names[record.municipality_code][1]}「公共施設一覧」"
        )
        parsed.units.append(
            _unit(record, source, areas, organisation, credit[:300], source_url, resource_kinds, concerns)
        )
    return parsed


def _organisation(record: pf.PublicFacilityRecord, source: str, areas: AreaDirectory) -> OrganisationPart:
    operator = one_line(record.operator_name)
    number = record.corporate_number
    if operator:
        key = f"法人番号={number}" if len(number) == 13 and number.isdigit() else f"団体名={''.join(operator.split())}"
        name, kind, code = operator, organisation_type(operator, default=OrganisationType.OTHER), record.place_code
    else:
        prefecture, municipality = areas.names[record.municipality_code]
        key = f"地方公共団体={record.municipality_code}"
        name = record.government_name or municipality or prefecture
        kind, code = OrganisationType.GOVERNMENT, record.municipality_code
    data = OrganisationData(
        name=name[:200],
        name_kana="",
        type=kind,
        municipality_code=code,
        contact_phone="",
        contact_email="",
        source=source,
        source_id=fit_source_id(key),
    )
    return OrganisationPart(key=fit_source_id(key), data=data, keep=GUESSED_ORGANISATION_FIELDS)


def _unit(
    record: pf.PublicFacilityRecord,
    source: str,
    areas: AreaDirectory,
    organisation: OrganisationPart,
    attribution: str,
    source_url: str,
    resource_kinds: tuple[str, ...],
    concerns: tuple[str, ...],
) -> ImportUnit:
    origin = SourceFields(
        source=source, source_id=fit_source_id(record.source_id), source_attribution=attribution, source_url=source_url
    )
    phones = (PhoneData(number=record.phone, extension=record.extension[:16]),) if record.phone else ()
    location = LocationData(
        name=record.name,
        name_kana=record.name_kana,
        alternate_name=record.alias,
        location_type=LocationType.PHYSICAL,
        area_code=record.place_code,
        postal_code=record.postal_code,
        address_1=areas.street_address(record.place_code, record.address),
        address_2=one_line(record.building),
        latitude=coordinate(record.latitude),
        longitude=coordinate(record.longitude),
        accessibility="、".join(record.accessibility),
        **origin,
    )
    service = ServiceData(
        name=record.name,
        name_kana=record.name_kana,
        alternate_name=record.alias,
        description=join_lines(
            record.description,
            f"利用可能時間: {record.hours_notes}" if record.hours_notes else "",
            record.notes,
        ),
        url=record.url or "",
        email=record.email or "",
        application_process=join_lines(
            f"問い合わせフォーム: {record.form_url}" if record.form_url else "", record.contact_notes
        ),
        **origin,
        concerns=concerns,
        people_served=("anyone",),
        resource_kinds=resource_kinds,
        channels=contact_channels(phone=record.phone, email=record.email),
        area_codes=(record.place_code,),
        phones=phones,
        hours=record.schedule if record.schedule_text else None,
    )
    columns = {
        "name": (pf.NAME, record.name),
        "url": (pf.URL, record.url or ""),
        "email": (pf.EMAIL, record.email or ""),
        "phones": (pf.PHONE, record.phone or ""),
        "address_1": (pf.ADDRESS_JOINED if record.layout is pf.Layout.CURRENT else pf.OLD_ADDRESS, record.address),
        "postal_code": (pf.POSTAL_CODE, record.postal_code),
        "organisation.name": (pf.OPERATOR, record.operator_name),
    }
    return ImportUnit(
        row=record.row,
        organisation=organisation,
        locations=(LocationPart(key="place", data=location),),
        services=(ServicePart(data=service, location_keys=("place",)),),
        columns=columns,
    )
