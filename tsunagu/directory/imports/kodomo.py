"""子ども食堂一覧 records → organisation, location and service (the mapping is in docs/import-export.md).

- Organisation: the 運営団体名, found again by its 法人番号 or its name within the source; a place
  without an operator is its own organisation (most 子ども食堂 are citizens' groups).
- Location: the address (what follows the municipality's name), 方書, coordinates, the area.
- Service: kind 子ども食堂; for children and parents (and anyone, when adults may come); concerns
  孤独・話し相手 and 子育て, plus 生活・お金 where food support is part of it; hours parsed from the
  schedule columns (the text is kept when only partly read); fees from the 参加費 columns.
"""

from __future__ import annotations

import re
import unicodedata

from tsunagu.accounts.models import OrganisationType
from tsunagu.accounts.services import OrganisationData
from tsunagu.directory.models import Fees, LocationType, ServiceStatus
from tsunagu.directory.opendata.kodomo_shokudo import (
    ADDRESS,
    CODE,
    EMAIL,
    FEE_NOTES,
    LATITUDE,
    NAME,
    OPERATOR,
    PHONE,
    URL,
    KodomoShokudoRecord,
    RecordStatus,
    read_kodomo_shokudo,
)
from tsunagu.directory.services import LocationData, PhoneData, ServiceData

from .common import AreaDirectory, SourceFields, contact_channels, coordinate, join_lines, one_line, organisation_type
from .records import ImportUnit, LocationPart, OrganisationPart, ParsedFile, ServicePart, fit_source_id, unknown_area

DEFAULT_SOURCE = "kodomo-shokudo"
#: The organisation's type is guessed from its name and the file has no contact details for it:
#: what staff set there survives a re-import.
GUESSED_ORGANISATION_FIELDS = frozenset({"type", "name_kana", "contact_phone", "contact_email", "description"})
DEFAULT_LICENSE = "CC BY 4.0"

_STATUS = {
    RecordStatus.ACTIVE: ServiceStatus.ACTIVE,
    RecordStatus.TEMPORARILY_CLOSED: ServiceStatus.TEMPORARILY_CLOSED,
    RecordStatus.DEFUNCT: ServiceStatus.DEFUNCT,
}
#: Words in 参加条件 that open the place to everyone, not only children and their parents.
_ANYONE = re.compile(
    r"どなたでも|どなた|誰でも|だれでも|地域の(?:方|人|大人)|大人|高齢者|年齢(?:その他)?(?:無関係|問わ)"
)
#: Words in 設置目的 / 実施支援の主な区分 that make food support part of the service (生活・お金).
_FOOD_SUPPORT = re.compile(r"フードパントリー|食材|食品|食料|貧困|困窮|経済的|生活相談|無料物品")
_FEE_LABELS = {
    "参加費_幼児": "幼児",
    "参加費_小学生": "小学生",
    "参加費_中学生": "中学生",
    "参加費_高校生": "高校生",
    "参加費_大人": "大人",
}
_NONE_WORDS = frozenset({"なし", "無し", "-", "ー", "―", "非公開", "未定", "該当なし"})


def parse_kodomo_shokudo(
    data: bytes, *, file_name: str, source: str, areas: AreaDirectory, license: str = DEFAULT_LICENSE
) -> ParsedFile:
    read = read_kodomo_shokudo(data, file_name=file_name, resolver=areas.resolver, license=license)
    parsed = ParsedFile(
        errors=list(read.errors), warnings=list(read.warnings), encoding=read.encoding, rows_read=read.rows_read
    )
    organisations: dict[str, OrganisationPart] = {}
    for record in read.records:
        row = record.provenance.row
        code = record.municipality_code or ""
        if not areas.knows(code):
            parsed.errors.append(unknown_area(row, CODE, code))
            continue
        organisation = _organisation(record, source)
        # The first row that names an organisation decides its details, so a re-import is stable.
        organisation = organisations.setdefault(organisation.key, organisation)
        parsed.units.append(_unit(record, source, areas, organisation))
    return parsed


def _attribution(record: KodomoShokudoRecord) -> str:
    provenance = record.provenance
    credit = provenance.attribution or "出典: 子ども食堂一覧"
    return f"{credit}（{provenance.license}）" if provenance.license else credit


def _organisation(record: KodomoShokudoRecord, source: str) -> OrganisationPart:
    operator = one_line(record.operator_name)
    if operator and unicodedata.normalize("NFKC", operator) not in _NONE_WORDS:
        number = record.corporate_number
        key = f"法人番号={number}" if len(number) == 13 and number.isdigit() else f"運営団体={_key(operator)}"
        name, kana, website, kind = operator, "", "", organisation_type(operator)
    else:
        # No operator given: the 子ども食堂 is its own (citizens') organisation.
        key = f"食堂={record.source_id}"
        name, kana, website = record.name, record.name_kana, record.url or ""
        kind = organisation_type(record.name, default=OrganisationType.NPO)
    data = OrganisationData(
        name=name[:200],
        name_kana=kana[:200],
        type=kind,
        municipality_code=record.municipality_code or "",
        contact_phone="",
        contact_email="",
        website=website,
        source=source,
        source_id=fit_source_id(key),
    )
    return OrganisationPart(key=fit_source_id(key), data=data, keep=GUESSED_ORGANISATION_FIELDS)


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _unit(record: KodomoShokudoRecord, source: str, areas: AreaDirectory, organisation: OrganisationPart) -> ImportUnit:
    code = record.municipality_code or ""
    origin = SourceFields(
        source=source,
        source_id=fit_source_id(record.source_id),
        source_attribution=_attribution(record)[:300],
        source_url=record.provenance.source_url,
    )
    phones = (PhoneData(number=record.phone),) if record.phone else ()
    location = LocationData(
        name=record.name,
        name_kana=record.name_kana,
        location_type=LocationType.PHYSICAL,
        area_code=code,
        address_1=areas.street_address(code, record.address),
        address_2=one_line(record.address_detail),
        latitude=coordinate(record.latitude),
        longitude=coordinate(record.longitude),
        **origin,
    )
    service = ServiceData(
        name=record.name,
        name_kana=record.name_kana,
        description=_description(record),
        url=record.url or "",
        email=record.email or "",
        status=_STATUS[record.status],
        fees=_fees(record),
        fees_description=_fees_description(record),
        eligibility_description=join_lines(record.target_people, f"定員: {record.capacity}" if record.capacity else ""),
        application_process=join_lines(
            f"予約: {record.reservation_method}" if record.reservation_method else "", record.reservation_notes
        ),
        alert=_alert(record),
        **origin,
        concerns=_concerns(record),
        people_served=_people_served(record),
        resource_kinds=("kodomo-shokudo",),
        channels=contact_channels(phone=record.phone, email=record.email),
        area_codes=(code,),
        phones=phones,
        hours=dict(record.schedule) if record.schedule_text else None,
    )
    columns = {
        "name": (NAME, record.name),
        "url": (URL, record.url_text),
        "email": (EMAIL, record.email or ""),
        "phones": (PHONE, record.phone or ""),
        "area_code": (CODE, code),
        "area_codes": (CODE, code),
        "address_1": (ADDRESS, record.address),
        "latitude": (LATITUDE, str(record.latitude or "")),
        "fees_description": (FEE_NOTES, record.fee_notes),
        "organisation.name": (OPERATOR, record.operator_name),
    }
    return ImportUnit(
        row=record.provenance.row,
        organisation=organisation,
        locations=(LocationPart(key="venue", data=location),),
        services=(ServicePart(data=service, location_keys=("venue",)),),
        columns=columns,
    )


def _description(record: KodomoShokudoRecord) -> str:
    supports = [s for s in record.support_kinds if unicodedata.normalize("NFKC", s) not in _NONE_WORDS]
    frequency = unicodedata.normalize("NFKC", record.frequency_text).strip()
    if frequency.isdigit():
        frequency = f"月{frequency}回"
    elif frequency in _NONE_WORDS:
        frequency = ""
    return join_lines(
        record.purpose,
        f"主な支援: {'、'.join(supports)}" if supports else "",
        f"開催頻度: {frequency}" if frequency else "",
        f"開催日時: {record.schedule_notes}" if record.schedule_notes else "",
        "フードパントリーを実施しています。" if record.food_pantry else "",
        "テイクアウト（持ち帰り）を実施しています。" if record.takeout else "",
        f"学区: {'、'.join(record.school_districts)}" if record.school_districts else "",
        f"ネットワーク: {record.network}" if record.network else "",
        record.notes,
    )


def _fees(record: KodomoShokudoRecord) -> str:
    amounts = [fee.yen for fee in record.fees if fee.yen is not None]
    free, paid = any(a == 0 for a in amounts), any(a > 0 for a in amounts)
    if free and paid:
        return Fees.PARTLY_PAID
    if free:
        return Fees.FREE
    if paid:
        return Fees.PAID
    return Fees.UNKNOWN


def _fees_description(record: KodomoShokudoRecord) -> str:
    parts = [
        f"{_FEE_LABELS.get(fee.group, fee.group)} {fee.yen}円" if fee.yen is not None else f"{fee.group}: {fee.text}"
        for fee in record.fees
    ]
    return join_lines("、".join(parts), record.fee_notes)


def _alert(record: KodomoShokudoRecord) -> str:
    return join_lines(
        record.status_text if record.status is not RecordStatus.ACTIVE else "",
        "新規の受け入れを休止しています。" if record.accepts_new_participants is False else "",
    )


def _people_served(record: KodomoShokudoRecord) -> tuple[str, ...]:
    people = ["children-youth", "parents"]
    adults = any(fee.group == "参加費_大人" for fee in record.fees)
    if adults or _ANYONE.search(unicodedata.normalize("NFKC", record.target_people)):
        people.append("anyone")
    return tuple(people)


def _concerns(record: KodomoShokudoRecord) -> tuple[str, ...]:
    concerns = ["loneliness-talk", "parenting-pregnancy"]
    text = unicodedata.normalize("NFKC", " ".join((record.purpose, *record.support_kinds)))
    if record.food_pantry or _FOOD_SUPPORT.search(text):
        concerns.append("living-money")
    return tuple(concerns)
