"""Any CSV file, through a column-mapping file (TOML or JSON) that names our fields' columns.

The mapping (docs/import-export.md, example in `examples/`) gives the `source` name, optionally the
`source_attribution` and `source_url`, a `[columns]` table (our field → the file's header) and a
`[constants]` table (our field → a value for every row). A column wins over a constant when its
cell is not blank. Each row becomes an organisation (the `organisation` column or constant, or the
place itself), a location (when an address, coordinates or a code are given) and a service.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from tsunagu.accounts.models import OrganisationType
from tsunagu.accounts.services import OrganisationData
from tsunagu.core.validators import local_government_check_digit, validate_local_government_code
from tsunagu.directory.models import Fees, LocationType, ServiceStatus
from tsunagu.directory.opendata.cleaning import RowError, clean, nfkc, read_or_report
from tsunagu.directory.opendata.csvfile import CsvRow
from tsunagu.directory.schedules import opendata_hours_text, parse_schedule
from tsunagu.directory.services import LocationData, PhoneData, ServiceData

from .common import AreaDirectory, one_line, organisation_type, term_keys
from .records import ImportUnit, LocationPart, OrganisationPart, ParsedFile, ServicePart, fit_source_id, row_error

TEXT_FIELDS = (
    "name",
    "name_kana",
    "alternate_name",
    "description",
    "url",
    "email",
    "fees_description",
    "eligibility_description",
    "application_process",
    "alert",
    "location_name",
    "address",
    "building",
    "transportation",
    "accessibility",
    "organisation",
    "organisation_kana",
)
TERM_FIELDS = {"concerns": "concern", "people_served": "people_served", "resource_kinds": "resource_kind"}
TERM_FIELDS["channels"] = "channel"
OTHER_FIELDS = (
    "id",
    "phone",
    "status",
    "fees",
    "hours",
    "days",
    "start",
    "end",
    "languages",
    "organisation_type",
    "municipality_code",
    "postal_code",
    "latitude",
    "longitude",
)
FIELDS = frozenset((*TEXT_FIELDS, *TERM_FIELDS, *OTHER_FIELDS))
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_STATUS_WORDS = {
    "active": ServiceStatus.ACTIVE,
    "開設中": ServiceStatus.ACTIVE,
    "実施中": ServiceStatus.ACTIVE,
    "temporarily closed": ServiceStatus.TEMPORARILY_CLOSED,
    "休止中": ServiceStatus.TEMPORARILY_CLOSED,
    "休止": ServiceStatus.TEMPORARILY_CLOSED,
    "inactive": ServiceStatus.INACTIVE,
    "defunct": ServiceStatus.DEFUNCT,
    "廃止": ServiceStatus.DEFUNCT,
    "終了": ServiceStatus.DEFUNCT,
}
_FEES_WORDS = {
    "free": Fees.FREE,
    "無料": Fees.FREE,
    "paid": Fees.PAID,
    "有料": Fees.PAID,
    "partly_paid": Fees.PARTLY_PAID,
    "一部有料": Fees.PARTLY_PAID,
    "unknown": Fees.UNKNOWN,
}


class MappingError(Exception):
    def __init__(self, reason_ja: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_ja = reason_ja
        self.reason_en = reason_en


@dataclass(frozen=True)
class Mapping:
    source: str
    columns: dict[str, str]
    constants: dict[str, Any]
    source_attribution: str = ""
    source_url: str = ""


def load_mapping(data: bytes) -> Mapping:
    """Parse and check a mapping file; raises MappingError with a message in both languages."""
    try:
        text = data.decode("utf-8-sig")
        raw: Any = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(
            f"対応表ファイルを読めません（UTF-8のTOMLまたはJSONで書いてください）: {exc}",
            f"The mapping file is not UTF-8 TOML or JSON: {exc}",
        ) from exc
    if not isinstance(raw, dict):
        raise MappingError("対応表ファイルの形式が正しくありません。", "The mapping file must be a table/object.")
    source = raw.get("source")
    if not isinstance(source, str) or not _SLUG.fullmatch(source):
        raise MappingError(
            "対応表ファイルに source（半角英小文字・数字・ハイフンの名前、例: example-city-ibasho）がありません。",
            "The mapping needs a source: lower-case letters, digits and hyphens (e.g. example-city-ibasho).",
        )
    columns = raw.get("columns", {})
    constants = raw.get("constants", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
        raise MappingError(
            "columns の値は列名（文字列）にしてください。", "Each entry of columns must be a header name."
        )
    if not isinstance(constants, dict):
        raise MappingError("constants は表（テーブル）にしてください。", "constants must be a table/object.")
    unknown = sorted((set(columns) | set(constants)) - FIELDS)
    if unknown:
        raise MappingError(
            f"知らない項目名があります: {', '.join(unknown)}（使える項目: {', '.join(sorted(FIELDS))}）",
            f"Unknown field names: {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})",
        )
    for needed in ("id", "name"):
        if needed not in columns:
            raise MappingError(
                f"columns に {needed} の列の指定が必要です。", f"columns must name the column for {needed}."
            )
    for field_name, taxonomy in TERM_FIELDS.items():
        if field_name in constants:
            value = constants[field_name]
            text = "、".join(value) if isinstance(value, list) else str(value)
            _keys, bad = term_keys(taxonomy, text)
            if bad:
                raise MappingError(
                    f"constants の {field_name} に知らない語があります: {', '.join(bad)}",
                    f"constants.{field_name} has unknown terms: {', '.join(bad)}",
                )
    for key in ("source_attribution", "source_url"):
        if not isinstance(raw.get(key, ""), str):
            raise MappingError(f"{key} は文字列にしてください。", f"{key} must be a string.")
    return Mapping(
        source=source,
        columns={k: v.strip() for k, v in columns.items()},
        constants=constants,
        source_attribution=raw.get("source_attribution", ""),
        source_url=raw.get("source_url", ""),
    )


def parse_mapped(data: bytes, *, mapping: Mapping, areas: AreaDirectory) -> ParsedFile:
    parsed = ParsedFile()
    table = read_or_report(data, columns=list(mapping.columns.values()), report=parsed)
    if table is None:
        return parsed
    missing = [header for header in mapping.columns.values() if header not in table.present]
    if missing:
        parsed.errors.append(
            row_error(
                1,
                "、".join(missing),
                "",
                f"対応表にある列{'、'.join(f'「{m}」' for m in missing)}がファイルにありません。",
                f"Columns named in the mapping are missing from the file: {', '.join(missing)}.",
            )
        )
        return parsed
    organisations: dict[str, OrganisationPart] = {}
    seen: dict[str, int] = {}
    for csv_row in table.rows:
        row = _MappedRow(csv_row, mapping)
        unit = row.unit(areas)
        if unit is not None and unit.services[0].data.source_id in seen:
            row.error(
                "id",
                f"{seen[unit.services[0].data.source_id]}行目と同じIDです。",
                f"Same ID as row {seen[unit.services[0].data.source_id]}.",
            )
            unit = None
        parsed.errors.extend(row.errors)
        if unit is None:
            continue
        seen[unit.services[0].data.source_id] = csv_row.row
        shared = organisations.setdefault(unit.organisation.key, unit.organisation)
        parsed.units.append(
            ImportUnit(
                row=unit.row,
                organisation=shared,
                locations=unit.locations,
                services=unit.services,
                columns=unit.columns,
            )
        )
    return parsed


class _MappedRow:
    def __init__(self, csv_row: CsvRow, mapping: Mapping) -> None:
        self.csv = csv_row
        self.mapping = mapping
        self.errors: list[RowError] = []

    def column(self, field_name: str) -> str:
        return self.mapping.columns.get(field_name, "")

    def get(self, field_name: str) -> str:
        header = self.mapping.columns.get(field_name)
        cell = clean(self.csv.get(header)) if header else ""
        if cell:
            return cell
        constant = self.mapping.constants.get(field_name, "")
        return "、".join(str(v) for v in constant) if isinstance(constant, list) else str(constant)

    def error(self, field_name: str, reason_ja: str, reason_en: str) -> None:
        self.errors.append(row_error(self.csv.row, self.column(field_name), self.get(field_name), reason_ja, reason_en))

    def terms(self, field_name: str) -> tuple[str, ...]:
        keys, unknown = term_keys(TERM_FIELDS[field_name], self.get(field_name))
        if unknown:
            self.error(
                field_name,
                f"分類にない語です: {'、'.join(unknown)}",
                f"Not a term of the vocabulary: {', '.join(unknown)}",
            )
        return keys

    def choice(self, field_name: str, words: MappingOf[str, str], default: str) -> str:
        text = nfkc(self.get(field_name))
        if not text:
            return default
        if text.casefold() in words:
            return words[text.casefold()]
        self.error(
            field_name,
            f"使える値は {'、'.join(words)} です。",
            f"Allowed values: {', '.join(words)}.",
        )
        return default

    def decimal(self, field_name: str, low: int, high: int) -> Decimal | None:
        text = nfkc(self.get(field_name))
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not low <= value <= high:
            self.error(field_name, f"{low}〜{high}の数値で入力してください。", f"Enter a number from {low} to {high}.")
            return None
        return value.quantize(Decimal("0.000001"))

    def code(self, areas: AreaDirectory) -> str:
        text = nfkc(self.get("municipality_code"))
        if not text:
            return ""
        if len(text) == 5 and text.isdigit():
            text += str(local_government_check_digit(text))
        try:
            validate_local_government_code(text)
        except ValidationError:
            self.error(
                "municipality_code",
                "全国地方公共団体コードは検査数字の正しい6桁（または5桁）の数字で入力してください。",
                "Enter a 6-digit local government code with a correct check digit (or 5 digits).",
            )
            return ""
        if not areas.knows(text):
            self.error(
                "municipality_code",
                f"全国地方公共団体コード {text} が地域の一覧にありません。",
                f"The local government code {text} is not in the areas table.",
            )
            return ""
        return text

    def unit(self, areas: AreaDirectory) -> ImportUnit | None:
        source = self.mapping.source
        local_id = nfkc(self.get("id"))
        if not local_id:
            self.error("id", "IDが空です。", "The ID is blank.")
        name = self.get("name")
        if not name:
            self.error("name", "名称が空です。", "The name is blank.")
        code = self.code(areas)
        hours_text = self.get("hours") or opendata_hours_text(
            days=self.get("days"), start=self.get("start"), end=self.get("end")
        )
        phone = nfkc(self.get("phone"))
        latitude = self.decimal("latitude", -90, 90)
        longitude = self.decimal("longitude", -180, 180)
        postal = nfkc(self.get("postal_code")).removeprefix("〒").replace("-", "")
        if postal and not (len(postal) == 7 and postal.isdigit()):
            self.error("postal_code", "郵便番号は7桁の数字で入力してください。", "The postal code must be 7 digits.")
        concerns, people = self.terms("concerns"), self.terms("people_served")
        kinds, channels = self.terms("resource_kinds"), self.terms("channels")
        status = self.choice("status", _STATUS_WORDS, ServiceStatus.ACTIVE)
        fees = self.choice("fees", _FEES_WORDS, Fees.UNKNOWN)
        kind_text = nfkc(self.get("organisation_type"))
        if kind_text and kind_text not in OrganisationType.values:
            self.error(
                "organisation_type",
                f"団体の種類は {', '.join(OrganisationType.values)} のいずれかです。",
                f"The organisation type must be one of {', '.join(OrganisationType.values)}.",
            )
        if self.errors:
            return None
        source_id = fit_source_id(local_id)
        attribution = self.mapping.source_attribution[:300]
        operator = one_line(self.get("organisation"))
        org_key = fit_source_id(f"団体名={''.join(operator.split())}" if operator else f"施設={local_id}")
        organisation = OrganisationPart(
            key=org_key,
            data=OrganisationData(
                name=(operator or name)[:200],
                name_kana=self.get("organisation_kana") if operator else self.get("name_kana"),
                type=kind_text or organisation_type(operator or name, default=OrganisationType.OTHER),
                municipality_code=code,
                contact_phone="",
                contact_email="",
                source=source,
                source_id=org_key,
            ),
            keep=frozenset({"contact_phone", "contact_email", "description", "website"})
            | (frozenset() if kind_text else frozenset({"type"})),
        )
        locations: tuple[LocationPart, ...] = ()
        address = self.get("address")
        if address or code or latitude is not None or postal:
            location = LocationData(
                name=self.get("location_name") or name,
                location_type=LocationType.PHYSICAL,
                area_code=code,
                postal_code=postal,
                address_1=areas.street_address(code, address) if code else address,
                address_2=self.get("building"),
                transportation=self.get("transportation"),
                latitude=latitude if longitude is not None else None,
                longitude=longitude if latitude is not None else None,
                accessibility=self.get("accessibility"),
                source=source,
                source_id=source_id,
                source_attribution=attribution,
                source_url=self.mapping.source_url,
            )
            locations = (LocationPart(key="place", data=location),)
        languages = tuple(part for part in re.split(r"[;；、,，\s]+", self.get("languages")) if part)
        service = ServiceData(
            name=name,
            name_kana=self.get("name_kana"),
            alternate_name=self.get("alternate_name"),
            description=self.get("description"),
            url=self.get("url"),
            email=self.get("email"),
            status=status,
            fees=fees,
            fees_description=self.get("fees_description"),
            eligibility_description=self.get("eligibility_description"),
            application_process=self.get("application_process"),
            alert=self.get("alert"),
            source=source,
            source_id=source_id,
            source_attribution=attribution,
            source_url=self.mapping.source_url,
            concerns=concerns,
            people_served=people,
            resource_kinds=kinds,
            channels=channels,
            area_codes=(code,) if code else (),
            languages=languages,
            phones=(PhoneData(number=phone),) if phone else (),
            hours=parse_schedule(hours_text).to_json() if hours_text else None,
        )
        columns = {
            name_: (self.column(name_), self.get(name_))
            for name_ in ("name", "name_kana", "url", "email", "description", "alternate_name")
        }
        columns |= {
            "phones": (self.column("phone"), phone),
            "languages": (self.column("languages"), self.get("languages")),
            "address_1": (self.column("address"), address),
            "address_2": (self.column("building"), self.get("building")),
            "organisation.name": (self.column("organisation"), operator),
            "location.name": (self.column("location_name") or self.column("name"), self.get("location_name") or name),
        }
        return ImportUnit(
            row=self.csv.row,
            organisation=organisation,
            locations=locations,
            services=(ServicePart(data=service, location_keys=tuple(p.key for p in locations)),),
            columns=columns,
        )
