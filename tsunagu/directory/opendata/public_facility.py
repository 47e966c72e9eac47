"""The 公共施設一覧 layout (自治体標準オープンデータセット) → `PublicFacilityRecord`, row by row.

Two layouts are in use and both are read, by header name rather than position:

- the current 自治体標準オープンデータセット (全国地方公共団体コード, ID, 地方公共団体名, …, 所在地_連結表記,
  建物名等（方書）, 郵便番号, 連絡先メールアドレス, …, then accessibility flag columns, URL, 画像, 備考);
- the older 推奨データセット (都道府県コード又は市区町村コード, NO, 都道府県名, 市区町村名, …, 住所, 方書,
  利用可能日時特記事項, バリアフリー情報, URL, 備考).

The accessibility flag columns have changed names between versions, so every column between 説明
and URL that is not otherwise known is read as one: 「1」「○」「有」「可」 give its name, any other
text gives 「name: text」. Nothing here touches the database; a resolver finds missing codes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from tsunagu.directory.schedules import opendata_hours_text, parse_schedule

from . import cleaning
from .cleaning import CleanRow, ReadReport, RowError, is_none_word, nfkc
from .csvfile import normalise_header
from .resolvers import MunicipalityResolver

# Current layout.
CODE = "全国地方公共団体コード"
ID = "ID"
GOVERNMENT_NAME = "地方公共団体名"
NAME = "名称"
NAME_KANA = "名称_カナ"
NAME_EN = "名称_英字"
NAME_ALIAS = "名称_通称"
POI_CODE = "POIコード"
PLACE_CODE = "所在地_全国地方公共団体コード"
ADDRESS_JOINED = "所在地_連結表記"
ADDRESS_PREFECTURE = "所在地_都道府県"
ADDRESS_MUNICIPALITY = "所在地_市区町村"
ADDRESS_TOWN = "所在地_町字"
ADDRESS_NUMBER = "所在地_番地以下"
BUILDING = "建物名等（方書）"
LATITUDE = "緯度"
LONGITUDE = "経度"
PHONE = "電話番号"
EXTENSION = "内線番号"
EMAIL = "連絡先メールアドレス"
FORM_URL = "連絡先FormURL"
CONTACT_NOTES = "連絡先備考（その他、SNSなど）"
POSTAL_CODE = "郵便番号"
CORPORATE_NUMBER = "法人番号"
OPERATOR = "団体名"
WEEKDAYS = "利用可能曜日"
START = "開始時間"
END = "終了時間"
HOURS_NOTES = "利用可能時間特記事項"
DESCRIPTION = "説明"
URL = "URL"
IMAGE = "画像"
IMAGE_LICENSE = "画像ライセンス"
NOTES = "備考"
# Older layout (推奨データセット), where it differs.
OLD_CODE = "都道府県コード又は市区町村コード"
OLD_ID = "NO"
OLD_PREFECTURE = "都道府県名"
OLD_MUNICIPALITY = "市区町村名"
OLD_ADDRESS = "住所"
OLD_BUILDING = "方書"
OLD_HOURS_NOTES = "利用可能日時特記事項"
OLD_ACCESSIBILITY = "バリアフリー情報"

CURRENT_COLUMNS = (
    *(CODE, ID, GOVERNMENT_NAME, NAME, NAME_KANA, NAME_EN, NAME_ALIAS, POI_CODE, "外部識別子", "外部識別子の値"),
    *(PLACE_CODE, "町字ID", ADDRESS_JOINED, ADDRESS_PREFECTURE, ADDRESS_MUNICIPALITY, ADDRESS_TOWN, ADDRESS_NUMBER),
    *(BUILDING, LATITUDE, LONGITUDE, "高度の種別", "高度の値", PHONE, EXTENSION, EMAIL, FORM_URL, CONTACT_NOTES),
    *(POSTAL_CODE, CORPORATE_NUMBER, OPERATOR, WEEKDAYS, START, END, HOURS_NOTES, DESCRIPTION, URL, IMAGE),
    *(IMAGE_LICENSE, NOTES),
)
OLDER_COLUMNS = (
    *(OLD_CODE, OLD_ID, OLD_PREFECTURE, OLD_MUNICIPALITY, NAME, NAME_KANA, NAME_ALIAS, POI_CODE, OLD_ADDRESS),
    *(OLD_BUILDING, LATITUDE, LONGITUDE, PHONE, EXTENSION, CORPORATE_NUMBER, OPERATOR, WEEKDAYS, START, END),
    *(OLD_HOURS_NOTES, DESCRIPTION, OLD_ACCESSIBILITY, URL, NOTES),
)
COLUMNS = tuple(dict.fromkeys((*CURRENT_COLUMNS, *OLDER_COLUMNS)))

_YES = frozenset({"1", "○", "〇", "◯", "有", "あり", "可", "はい", "TRUE", "true", "True", "Y", "y"})
_NO = frozenset({"0", "×", "✕", "無", "なし", "無し", "不可", "いいえ", "FALSE", "false", "False", "N", "n", "-"})


class Layout(enum.StrEnum):
    CURRENT = "current"  # 自治体標準オープンデータセット
    OLDER = "older"  # 推奨データセット


@dataclass(frozen=True)
class PublicFacilityRecord:
    #: Stable across re-imports: the local government code and the ID (or the name, without one).
    source_id: str
    local_id: str
    layout: Layout
    municipality_code: str  # the publishing government's code (6 digits)
    government_name: str  # 地方公共団体名, or 都道府県名 + 市区町村名 in the older layout
    place_code: str  # where the facility is: 所在地_全国地方公共団体コード, else the publisher's code
    name: str
    name_kana: str
    name_en: str
    alias: str
    address: str
    building: str
    postal_code: str  # 7 digits or ""
    latitude: float | None
    longitude: float | None
    phone: str | None
    extension: str
    email: str | None
    form_url: str | None
    contact_notes: str
    corporate_number: str
    operator_name: str
    schedule: dict[str, Any]  # Schedule.to_json()
    schedule_text: str
    hours_notes: str
    description: str
    accessibility: tuple[str, ...]
    url: str | None
    notes: str
    row: int


@dataclass
class PublicFacilityResult(ReadReport[PublicFacilityRecord]):
    layout: Layout | None = None


def read_public_facilities(
    data: bytes, *, file_name: str = "", resolver: MunicipalityResolver | None = None
) -> PublicFacilityResult:
    """Read a 公共施設一覧 CSV in either layout. Never raises on bad input: see `errors`."""
    result = PublicFacilityResult()
    table = cleaning.read_or_report(data, columns=COLUMNS, report=result)
    if table is None:
        return result
    if CODE in table.present and ID in table.present:
        layout, code_column, id_column = Layout.CURRENT, CODE, ID
    elif OLD_CODE in table.present:
        layout, code_column, id_column = Layout.OLDER, OLD_CODE, OLD_ID
    else:
        result.errors.append(
            RowError(
                1,
                CODE,
                "",
                f"必須の列「{CODE}」「{ID}」（旧様式では「{OLD_CODE}」）がありません。"
                "公共施設一覧の様式の列名を確認してください。",
                f"Required column missing: {CODE} and {ID} (older layout: {OLD_CODE}).",
            )
        )
        return result
    result.layout = layout
    if NAME not in table.present:
        result.errors.append(
            RowError(1, NAME, "", f"必須の列「{NAME}」がありません。", f"Required column missing: {NAME}.")
        )
        return result
    flags = _flag_columns(table.headers)
    seen: dict[str, int] = {}
    for csv_row in table.rows:
        row = CleanRow(csv=csv_row, values=CleanRow.cleaned(csv_row))
        row.check_extra_cells()
        record = _record(row, layout, code_column, id_column, flags, resolver)
        if record is not None and not row.errors:
            if record.source_id in seen:
                row.error(
                    id_column,
                    f"{seen[record.source_id]}行目と同じID（または名称）の施設が重複しています。",
                    f"Duplicate of row {seen[record.source_id]} (same ID or name).",
                )
            else:
                seen[record.source_id] = csv_row.row
        result.errors.extend(row.errors)
        result.warnings.extend(row.warnings)
        if record is not None and not row.errors:
            result.records.append(record)
    return result


def _flag_columns(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Unknown columns between 説明 and URL: the accessibility flags of the current layout."""
    names = [normalise_header(h) for h in headers]
    known = {normalise_header(c) for c in COLUMNS}
    try:
        start, end = names.index(normalise_header(DESCRIPTION)), names.index(URL)
    except ValueError:
        return ()
    return tuple(name for name in names[start + 1 : end] if name and name not in known)


def _record(
    row: CleanRow,
    layout: Layout,
    code_column: str,
    id_column: str,
    flags: tuple[str, ...],
    resolver: MunicipalityResolver | None,
) -> PublicFacilityRecord | None:
    current = layout is Layout.CURRENT
    name = row.v(NAME)
    if not name:
        row.error(NAME, "名称が空です。", "The name is blank.")
    government = row.v(GOVERNMENT_NAME) if current else row.v(OLD_PREFECTURE) + row.v(OLD_MUNICIPALITY)
    code = _code(row, code_column, resolver, row.v(OLD_PREFECTURE), row.v(OLD_MUNICIPALITY) or government)
    place_code = code
    if current and row.v(PLACE_CODE):
        place_code = _code(row, PLACE_CODE, resolver, row.v(ADDRESS_PREFECTURE), row.v(ADDRESS_MUNICIPALITY))
    latitude, longitude = cleaning.coordinates(row, latitude=LATITUDE, longitude=LONGITUDE)
    url = _url(row, URL)
    form_url = _url(row, FORM_URL) if current else None
    phone = cleaning.phone(row, PHONE)
    email = cleaning.email(row, EMAIL) if current else None
    postal = _postal_code(row) if current else ""
    if current:
        address = row.v(ADDRESS_JOINED) or "".join(
            row.v(c) for c in (ADDRESS_PREFECTURE, ADDRESS_MUNICIPALITY, ADDRESS_TOWN, ADDRESS_NUMBER)
        )
        building, hours_notes = row.v(BUILDING), row.v(HOURS_NOTES)
        accessibility = tuple(item for column in flags if (item := _flag(column, row.v(column))))
    else:
        address, building, hours_notes = row.v(OLD_ADDRESS), row.v(OLD_BUILDING), row.v(OLD_HOURS_NOTES)
        accessibility = (row.v(OLD_ACCESSIBILITY),) if row.v(OLD_ACCESSIBILITY) else ()
    schedule_text = opendata_hours_text(days=row.v(WEEKDAYS), start=row.v(START), end=row.v(END))
    if row.errors or code is None or place_code is None:
        return None
    local_id = nfkc(row.v(id_column))
    source_id = f"{code}:{local_id}" if local_id else f"{code}:名称={nfkc(name)}"
    return PublicFacilityRecord(
        source_id=source_id,
        local_id=local_id,
        layout=layout,
        municipality_code=code,
        government_name=government,
        place_code=place_code,
        name=name,
        name_kana=row.v(NAME_KANA),
        name_en=row.v(NAME_EN),
        alias=row.v(NAME_ALIAS),
        address="" if is_none_word(address) else address,
        building="" if is_none_word(building) else building,
        postal_code=postal,
        latitude=latitude,
        longitude=longitude,
        phone=phone,
        extension=nfkc(row.v(EXTENSION)),
        email=email,
        form_url=form_url,
        contact_notes=row.v(CONTACT_NOTES),
        corporate_number=nfkc(row.v(CORPORATE_NUMBER)),
        operator_name=row.v(OPERATOR),
        schedule=parse_schedule(schedule_text).to_json(),
        schedule_text=schedule_text,
        hours_notes=hours_notes,
        description=row.v(DESCRIPTION),
        accessibility=accessibility,
        url=url,
        notes=row.v(NOTES),
        row=row.csv.row,
    )


def _code(
    row: CleanRow, column: str, resolver: MunicipalityResolver | None, prefecture: str, municipality: str
) -> str | None:
    raw = nfkc(row.v(column))
    if not raw:
        found = resolver(prefecture, municipality) if resolver is not None and municipality else None
        if found is not None:
            row.warn(
                column,
                f"全国地方公共団体コードが空のため、「{municipality}」から {found} としました。",
                f"The code is blank; {found} was found from {municipality}.",
            )
            return found
        row.error(
            column,
            "全国地方公共団体コードが空で、市区町村を特定できません。",
            "The local government code is blank and no municipality name identifies it.",
        )
        return None
    # Unlike 子ども食堂一覧, this layout has no municipality name beside every code to confirm a
    # corrected check digit, so a wrong one is always an error.
    return cleaning.checked_code(row, column, raw)


def _url(row: CleanRow, column: str) -> str | None:
    """The first http(s) URL in the cell, of at most 500 characters (what the URL fields hold)."""
    text = row.v(column)
    if not text or is_none_word(text):
        return None
    found = cleaning.http_urls(text, max_length=500)
    if found:
        return found[0]
    row.error(
        column,
        "URLの形式が正しくありません（http:// または https:// で始まる500文字以内のアドレスを入力してください）。",
        "No valid http(s) URL (of at most 500 characters) in the cell.",
    )
    return None


def _postal_code(row: CleanRow) -> str:
    text = nfkc(row.v(POSTAL_CODE)).removeprefix("〒").replace("-", "").strip()
    if not text:
        return ""
    if len(text) != 7 or not text.isascii() or not text.isdigit():
        row.error(
            POSTAL_CODE,
            "郵便番号は7桁の数字で入力してください（例: 160-0022）。",
            "The postal code must be 7 digits (e.g. 160-0022).",
        )
        return ""
    return text


def _flag(column: str, value: str) -> str:
    text = nfkc(value)
    if not text or text in _NO:
        return ""
    if text in _YES:
        return column
    return f"{column}: {value}"


__all__ = [
    "COLUMNS",
    "Layout",
    "PublicFacilityRecord",
    "PublicFacilityResult",
    "read_public_facilities",
]
