"""The 子ども食堂一覧 layout → `KodomoShokudoRecord`, with a row-by-row report in Japanese.

Real files are messy, and the Tokyo file (`shared/data/opendata/tokyo_kodomoshokudo.csv`, merged
from 30+ municipal files) shows how. What is repaired here, always with a warning in the report:

- a blank 全国地方公共団体コード is found from 市区町村名, the source's 自治体名 or the address (only
  with a resolver); a row that names only its prefecture gets the prefecture's code;
- a code whose check digit alone is wrong (品川区 131092) is corrected when 市区町村名 confirms the
  first five digits; without that confirmation it is an error;
- 「…_tsuika」 (追加) files list extra venues of an entry as rows with an ID and an address but no
  name: such a row becomes a record of its own, named after the entry with that ID;
- a source that gives one ID to several differently named entries (中野区 uses N29600000024 for 11
  of them) has no usable ID, so those rows are told apart by name.

What stays an error: no name and no entry to belong to, a bad code, coordinates out of range, a
URL cell without a URL, the same entry twice. A row with nothing but provenance cells is skipped
with a warning. Schedules never fail a row: what the parser cannot read is kept as text.
"""

from __future__ import annotations

import enum
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tsunagu.directory.schedules import opendata_hours_text, parse_schedule

from . import cleaning
from .cleaning import CleanRow, ReadReport, RowError, clean, is_none_word, nfkc
from .resolvers import MunicipalityResolver

CODE = "全国地方公共団体コード"
ID = "ID"
PREFECTURE = "都道府県"
MUNICIPALITY = "市区町村名"
NAME = "名称"
NAME_KANA = "名称_カナ"
PURPOSE = "設置目的"
SUPPORT_KINDS = "実施支援の主な区分"
ADDRESS = "住所"
ADDRESS_DETAIL = "方書"
LATITUDE = "緯度"
LONGITUDE = "経度"
URL = "URL"
CORPORATE_NUMBER = "法人番号"
OPERATOR = "運営団体名"
FREQUENCY = "開催頻度"
WEEKDAYS = "開催曜日"
DAYS = "開催日"
START = "開催開始時間"
END = "開催終了時間"
SCHEDULE_NOTES = "開催日時特記事項"
CONDITIONS = "参加条件"
FEE_COLUMNS = ("参加費_幼児", "参加費_小学生", "参加費_中学生", "参加費_高校生", "参加費_大人")
FEE_NOTES = "参加費特記事項"
RESERVATION = "予約方法"
RESERVATION_NOTES = "予約特記事項"
CAPACITY = "定員"
FOOD_PANTRY = "フードパントリー実施"
TAKEOUT = "テイクアウト実施"
SCHOOL_DISTRICTS = "学区"
NETWORK = "ネットワークの加入"
IMAGE = "画像"
IMAGE_LICENSE = "画像_ライセンス"
NOTES = "備考"
# Not in Tokyo's layout, but some municipalities add them.
PHONE = "電話番号"
EMAIL = "連絡先メールアドレス"
CONTACT_NOTES = "連絡先備考"
# Provenance columns of merged files.
SOURCE_MUNICIPALITY = "_自治体名"
SOURCE_DATASET = "_データセット名"
SOURCE_LICENSE = "_ライセンス"
SOURCE_URL = "_取得元URL"

REQUIRED_COLUMNS = (CODE, ID, NAME)
PROVENANCE_COLUMNS = (SOURCE_MUNICIPALITY, SOURCE_DATASET, SOURCE_LICENSE, SOURCE_URL)
COLUMNS = (
    *(CODE, ID, PREFECTURE, MUNICIPALITY, NAME, NAME_KANA, PURPOSE, SUPPORT_KINDS, ADDRESS, ADDRESS_DETAIL),
    *(LATITUDE, LONGITUDE, URL, CORPORATE_NUMBER, OPERATOR, FREQUENCY, WEEKDAYS, DAYS, START, END),
    *(SCHEDULE_NOTES, CONDITIONS, *FEE_COLUMNS, FEE_NOTES, RESERVATION, RESERVATION_NOTES, CAPACITY),
    *(FOOD_PANTRY, TAKEOUT, SCHOOL_DISTRICTS, NETWORK, IMAGE, IMAGE_LICENSE, NOTES, PHONE, EMAIL, CONTACT_NOTES),
    *PROVENANCE_COLUMNS,
)
#: Columns whose words can say the place is closed; not 予約特記事項 (「なくなり次第終了」).
STATUS_COLUMNS = (NAME, FREQUENCY, WEEKDAYS, DAYS, SCHEDULE_NOTES, NOTES)

_PREFECTURE_PREFIX = re.compile(r"^(東京都|北海道|京都府|大阪府|.{2,3}?県)")
_NEW_INTAKE_PAUSED = re.compile(r"新規(?:の)?(?:受け?入れ?|受付|募集)(?:を)?(?:休止|停止|中止)")
_DEFUNCT = re.compile(r"(?:活動|運営|開催|食堂)(?:を|は)?(?:終了|廃止)|閉鎖|閉所|閉店")
_CLOSED = re.compile(r"休止中|休業中|休止して|休業して|活動休止|お休み中")


class RecordStatus(enum.StrEnum):
    """HSDS service status; the words in the file that decided it are in `status_text`."""

    ACTIVE = "active"
    TEMPORARILY_CLOSED = "temporarily_closed"
    DEFUNCT = "defunct"


@dataclass(frozen=True)
class Fee:
    group: str  # the column: 参加費_幼児 …
    text: str
    yen: int | None  # None when the cell is not a plain amount


@dataclass(frozen=True)
class Provenance:
    file_name: str
    row: int
    line: int
    source_municipality: str
    dataset_name: str
    source_url: str
    license: str
    attribution: str


@dataclass(frozen=True)
class KodomoShokudoRecord:
    #: Stable across re-imports: the source (when the file names it), the municipality and the ID.
    source_id: str
    #: For an extra venue from a 追加 file: the entry it belongs to.
    parent_source_id: str | None
    local_id: str
    name: str
    name_kana: str
    prefecture: str
    municipality_name: str
    municipality_code: str | None
    address: str
    address_detail: str
    latitude: float | None
    longitude: float | None
    url: str | None
    urls: tuple[str, ...]
    url_text: str
    phone: str | None
    email: str | None
    contact: str
    operator_name: str
    corporate_number: str
    purpose: str
    support_kinds: tuple[str, ...]
    frequency_text: str
    schedule: Mapping[str, Any]  # Schedule.to_json()
    schedule_text: str  # what the schedule was parsed from, shown when parsing was partial
    schedule_notes: str
    status: RecordStatus
    status_text: str
    accepts_new_participants: bool | None
    free: bool | None  # every fee given is 0 → True; any positive → False; otherwise unknown
    fees: tuple[Fee, ...]
    fee_notes: str
    target_people: str
    reservation_method: str
    reservation_notes: str
    capacity: str
    food_pantry: bool
    takeout: bool
    school_districts: tuple[str, ...]
    network: str
    image_url: str | None
    image_license: str
    notes: str
    provenance: Provenance


class ReadResult(ReadReport[KodomoShokudoRecord]):
    """A 子ども食堂一覧 file as records, with its row-by-row report."""


@dataclass
class _Row(CleanRow):
    """Everything read from one CSV row, before IDs are settled across the file."""

    code: str | None = None
    code_is_prefecture: bool = False


def read_kodomo_shokudo(
    data: bytes,
    *,
    file_name: str,
    resolver: MunicipalityResolver | None = None,
    license: str = "",
    attribution: str = "",
) -> ReadResult:
    """Read a 子ども食堂一覧 CSV. Never raises on bad input: everything wrong is in `errors`.

    `license` and `attribution` apply to rows whose file does not carry its own `_ライセンス` /
    `_自治体名` columns (say, from the dataset's catalogue page or README).
    """
    result = ReadResult()
    table = cleaning.read_or_report(data, columns=COLUMNS, report=result)
    if table is None:
        return result
    missing = [column for column in REQUIRED_COLUMNS if column not in table.present]
    if missing:
        names = "、".join(f"「{column}」" for column in missing)
        result.errors.append(
            RowError(
                1,
                "、".join(missing),
                "",
                f"必須の列{names}がありません。子ども食堂一覧の様式の列名を確認してください。",
                f"Required column(s) missing: {', '.join(missing)}.",
            )
        )
        return result

    rows: list[_Row] = []
    for csv_row in table.rows:
        row = _Row(csv=csv_row, values=_Row.cleaned(csv_row))
        if not any(row.v(column) for column in COLUMNS if column not in PROVENANCE_COLUMNS):
            result.warnings.append(
                RowError(csv_row.row, "", "", "空の行のため読み飛ばしました。", "Skipped: the row has no data.")
            )
            continue
        row.check_extra_cells()
        _read_code(row, resolver)
        rows.append(row)

    keys = _settle_ids(rows)
    seen: dict[str, int] = {}
    for row in rows:
        key = keys.get(id(row))
        if key is not None and not row.errors:
            if key in seen:
                row.error(
                    ID,
                    f"{seen[key]}行目と同じ施設（ID・名称が同じ）が重複しています。",
                    f"Duplicate of row {seen[key]} (same ID and name).",
                )
            else:
                seen[key] = row.csv.row
        record = None
        if key is not None:
            record = _record(row, key, file_name=file_name, license=license, attribution=attribution)
        result.errors.extend(row.errors)
        result.warnings.extend(row.warnings)
        if record is not None and not row.errors:
            result.records.append(record)
    result.errors.sort(key=lambda e: e.row)
    result.warnings.sort(key=lambda e: e.row)
    return result


def _read_code(row: _Row, resolver: MunicipalityResolver | None) -> None:
    raw = nfkc(row.v(CODE))
    pref = row.v(PREFECTURE)
    named = _municipality_from_names(row, resolver)
    if not raw:
        if named is not None:
            row.code, how = named
            row.warn(
                CODE,
                f"全国地方公共団体コードが空のため、{how}から {row.code} としました。",
                f"The code is blank; {row.code} was found from {how}.",
            )
            return
        if resolver is not None and pref and (code := resolver(pref, "")) is not None:
            row.code, row.code_is_prefecture = code, True
            row.warn(
                CODE,
                f"市区町村が分からないため、都道府県「{pref}」のコード {code} としました。",
                f"No municipality is given; the prefecture's code {code} is used.",
            )
            return
        row.warn(CODE, "全国地方公共団体コードが空で、市区町村を特定できません。", "No code and no municipality.")
        return
    row.code = cleaning.checked_code(row, CODE, raw, named=named)


def _municipality_from_names(row: _Row, resolver: MunicipalityResolver | None) -> tuple[str, str] | None:
    """(code, how it was found) from 市区町村名, the source's 自治体名 or the start of the address."""
    if resolver is None:
        return None
    pref = row.v(PREFECTURE)
    for column in (MUNICIPALITY, SOURCE_MUNICIPALITY):
        name = row.v(column)
        if name and (code := resolver(pref, name)) is not None:
            return code, f"{column}「{name}」"
    address = nfkc(row.v(ADDRESS))[:20]
    match = _PREFECTURE_PREFIX.match(address)
    address_pref = match[1] if match else pref
    rest = address[match.end() :] if match else address
    found: tuple[str, str] | None = None
    for end in range(2, min(len(rest), 12) + 1):
        if rest[end - 1] in "市区町村" and (code := resolver(address_pref, rest[:end])) is not None:
            found = code, f"住所「{rest[:end]}」"  # keep going: 札幌市中央区 beats 札幌市
    return found


def _local_id(row: _Row) -> str:
    return nfkc(row.v(ID))


def _dataset(row: _Row) -> str:
    return row.v(SOURCE_URL) or row.v(SOURCE_DATASET)


def _id_number(value: str) -> str:
    return value.lstrip("0") or value


def _settle_ids(rows: list[_Row]) -> dict[int, str]:
    """Source ids for every row that has a name or belongs to an entry; keyed by id(row)."""
    keys: dict[int, str] = {}
    prefix = {id(row): (f"{_dataset(row)}#" if _dataset(row) else "") for row in rows}
    named = [row for row in rows if row.v(NAME)]
    names_per_id: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in named:
        if _local_id(row):
            names_per_id[(_dataset(row), row.code or "", _local_id(row))].add(nfkc(row.v(NAME)))
    entries: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in named:
        code, local = row.code or "-", _local_id(row)
        name = nfkc(row.v(NAME))
        if not local:
            keys[id(row)] = f"{prefix[id(row)]}{code}:名称={name}"
            continue
        if len(names_per_id[(_dataset(row), row.code or "", local)]) > 1:
            keys[id(row)] = f"{prefix[id(row)]}{code}:{local}:名称={name}"
            row.warn(
                ID,
                "同じIDが別の名称の施設にも使われているため、IDと名称で識別します。",
                "The source gives this ID to differently named places; ID and name identify the row.",
            )
        else:
            keys[id(row)] = f"{prefix[id(row)]}{code}:{local}"
            entries[(row.code or "", _id_number(local))].append(row)

    extra_venues: Counter[str] = Counter()
    for row in rows:
        if row.v(NAME) or row.errors:
            continue
        local = _local_id(row)
        parents = entries.get((row.code or "", _id_number(local)), []) if local and row.code else []
        same_source = [p for p in parents if p.v(SOURCE_MUNICIPALITY) == row.v(SOURCE_MUNICIPALITY)]
        parents = same_source or parents
        if len(parents) != 1:
            row.error(NAME, "名称が空です。", "The name is blank.")
            continue
        parent = parents[0]
        row.values[NAME] = parent.v(NAME)
        row.values.setdefault(NAME_KANA, "")
        if not row.v(NAME_KANA):
            row.values[NAME_KANA] = parent.v(NAME_KANA)
        parent_key = keys[id(parent)]
        place = "".join(nfkc(row.v(ADDRESS) + row.v(ADDRESS_DETAIL)).split())
        if not place:
            extra_venues[parent_key] += 1
            place = f"#{extra_venues[parent_key]}"
        keys[id(row)] = f"{parent_key}+所在地={place}"
        row.values["_parent"] = parent_key
        row.warn(
            NAME,
            f"名称が空のため、同じID（{local}）の{parent.csv.row}行目「{parent.v(NAME)}」の追加の会場として読みました。",
            f"Blank name: read as an extra venue of row {parent.csv.row} with the same ID.",
        )
    return keys


def _record(
    row: _Row,
    key: str,
    *,
    file_name: str,
    license: str,
    attribution: str,
) -> KodomoShokudoRecord:
    latitude, longitude = cleaning.coordinates(row, latitude=LATITUDE, longitude=LONGITUDE)
    urls = _urls(row, URL)
    images = _urls(row, IMAGE)
    phone = cleaning.phone(row, PHONE)
    email = cleaning.email(row, EMAIL)
    status, status_text, accepts_new = _status(row)
    fees = tuple(Fee(group=c, text=row.v(c), yen=_yen(row.v(c))) for c in FEE_COLUMNS if row.v(c))
    days = row.v(DAYS) or row.v(WEEKDAYS)
    schedule_text = opendata_hours_text(days=days, start=row.v(START), end=row.v(END))
    schedule = parse_schedule(schedule_text)
    source_municipality = row.v(SOURCE_MUNICIPALITY)
    dataset_name = row.v(SOURCE_DATASET)
    row_attribution = attribution
    if source_municipality or dataset_name:
        row_attribution = f"出典: {source_municipality}「{dataset_name}」".replace("「」", "")
    return KodomoShokudoRecord(
        source_id=key,
        parent_source_id=row.values.get("_parent"),
        local_id=_local_id(row),
        name=row.v(NAME),
        name_kana=row.v(NAME_KANA),
        prefecture=row.v(PREFECTURE),
        municipality_name=row.v(MUNICIPALITY),
        municipality_code=row.code,
        address="" if is_none_word(row.v(ADDRESS)) else row.v(ADDRESS),
        address_detail="" if is_none_word(row.v(ADDRESS_DETAIL)) else row.v(ADDRESS_DETAIL),
        latitude=latitude,
        longitude=longitude,
        url=urls[0] if urls else None,
        urls=urls,
        url_text=row.v(URL),
        phone=phone,
        email=email,
        contact=row.v(CONTACT_NOTES),
        operator_name=row.v(OPERATOR),
        corporate_number=nfkc(row.v(CORPORATE_NUMBER)),
        purpose=row.v(PURPOSE),
        support_kinds=_split_list(row.v(SUPPORT_KINDS)),
        frequency_text=row.v(FREQUENCY),
        schedule=schedule.to_json(),
        schedule_text=schedule_text,
        schedule_notes=row.v(SCHEDULE_NOTES),
        status=status,
        status_text=status_text,
        accepts_new_participants=accepts_new,
        free=_free(fees),
        fees=fees,
        fee_notes=row.v(FEE_NOTES),
        target_people=row.v(CONDITIONS),
        reservation_method=row.v(RESERVATION),
        reservation_notes=row.v(RESERVATION_NOTES),
        capacity=row.v(CAPACITY),
        food_pantry=_flag(row.v(FOOD_PANTRY)),
        takeout=_flag(row.v(TAKEOUT)),
        school_districts=_split_list(row.v(SCHOOL_DISTRICTS)),
        network=row.v(NETWORK),
        image_url=images[0] if images else None,
        image_license=row.v(IMAGE_LICENSE),
        notes=row.v(NOTES),
        provenance=Provenance(
            file_name=file_name,
            row=row.csv.row,
            line=row.csv.line,
            source_municipality=source_municipality,
            dataset_name=dataset_name,
            source_url=row.v(SOURCE_URL),
            license=row.v(SOURCE_LICENSE) or license,
            attribution=row_attribution,
        ),
    )


def _urls(row: _Row, column: str) -> tuple[str, ...]:
    """Every http(s) URL in the cell, up to 2,000 characters each (the image column too)."""
    text = row.v(column)
    if not text or is_none_word(text):
        return ()
    found = cleaning.http_urls(text, max_length=2000)
    if not found:
        row.error(
            column,
            "URLの形式が正しくありません（http:// または https:// で始まるアドレスを入力してください）。",
            "No valid http(s) URL in the cell.",
        )
    return tuple(found)


def _status(row: _Row) -> tuple[RecordStatus, str, bool | None]:
    accepts_new: bool | None = None
    for column in STATUS_COLUMNS:
        text = nfkc(row.v(column))
        if _NEW_INTAKE_PAUSED.search(text):
            accepts_new = False
    for status, pattern in ((RecordStatus.DEFUNCT, _DEFUNCT), (RecordStatus.TEMPORARILY_CLOSED, _CLOSED)):
        for column in STATUS_COLUMNS:
            text = _NEW_INTAKE_PAUSED.sub("", nfkc(row.v(column)))
            if pattern.search(text):
                return status, row.v(column), accepts_new
    return RecordStatus.ACTIVE, "", accepts_new


def _free(fees: tuple[Fee, ...]) -> bool | None:
    """True when every fee given is 0, False when any is more; None when no amount says."""
    amounts = [fee.yen for fee in fees]
    if amounts and all(a == 0 for a in amounts):
        return True
    if any(a is not None and a > 0 for a in amounts):
        return False
    return None


def _yen(text: str) -> int | None:
    value = nfkc(text).removesuffix("円").replace(",", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else None


def _flag(text: str) -> bool:
    return nfkc(text) in {"1", "○", "〇", "有", "あり", "実施"}


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part for part in (clean(p) for p in re.split(r"[;；]", text)) if part)


__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "Fee",
    "KodomoShokudoRecord",
    "Provenance",
    "ReadResult",
    "RecordStatus",
    "RowError",
    "read_kodomo_shokudo",
]
