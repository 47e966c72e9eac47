"""Cell cleaning shared by the open-data readers (子ども食堂一覧, 公共施設一覧).

Both layouts belong to the same family of municipal open-data sets, so the columns they share
(全国地方公共団体コード, 緯度・経度, 電話番号, 連絡先メールアドレス, URL) are read by one piece of code
here: a file fixed for one reader then passes the other, and the report says the same words for the
same mistake. What differs between the layouts (IDs, the 追加 venues, accessibility flags) stays in
each reader.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from tsunagu.core.validators import local_government_check_digit, validate_local_government_code

from .csvfile import CsvFileError, CsvRow, CsvTable, read_table

#: Cells that say "nothing here" in words; they count as blank.
NONE_WORDS = frozenset({"なし", "無し", "-", "ー", "―", "非公開", "未定"})
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'、。，]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー()]")
#: A landline or mobile number (10 or 11 digits from 0), a #-short code (#7119) or 110/119/189….
_PHONE_DIGITS = re.compile(r"0\d{9,10}|#\d{4}|1\d{2,3}")


@dataclass(frozen=True)
class RowError:
    """One finding: `row` is the spreadsheet row (header = 1), 0 for the file as a whole."""

    row: int
    column: str
    value: str
    reason_ja: str
    reason_en: str


_Record = TypeVar("_Record")


@dataclass
class ReadReport(Generic[_Record]):
    """What a reader made of a file: the records, and row by row what is wrong or was repaired."""

    records: list[_Record] = field(default_factory=list)
    #: Rows (or the file, row 0) that must be fixed; such rows are not in `records`.
    errors: list[RowError] = field(default_factory=list)
    #: Repairs and notes; the rows are in `records`.
    warnings: list[RowError] = field(default_factory=list)
    encoding: str = ""
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def clean(value: str) -> str:
    """Surrounding whitespace (full-width and tabs too) goes; inside, only NFC (ふ+゜ → ぷ) applies."""
    return unicodedata.normalize("NFC", value).strip(" \t\r\n\u3000")


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def is_none_word(value: str) -> bool:
    return nfkc(value) in NONE_WORDS


class FileReport(Protocol):
    """What `read_or_report` fills in: a `ReadReport`, or an importer's parsed file."""

    errors: list[RowError]
    encoding: str
    rows_read: int


def read_or_report(data: bytes, *, columns: Sequence[str], report: FileReport) -> CsvTable | None:
    """The table, with its encoding and row count in `report`; or None, with the reason the file as
    a whole cannot be read in `report.errors`."""
    try:
        table = read_table(data, columns=columns)
    except CsvFileError as exc:
        report.errors.append(RowError(exc.line, "", "", exc.reason_ja, exc.reason_en))
        return None
    report.encoding, report.rows_read = table.encoding, len(table.rows)
    return table


@dataclass
class CleanRow:
    """One CSV row's cleaned cells and what was found wrong (`errors`) or repaired (`warnings`)."""

    csv: CsvRow
    values: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @staticmethod
    def cleaned(csv: CsvRow) -> dict[str, str]:
        return {column: clean(value) for column, value in csv.values.items()}

    def v(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, column: str, reason_ja: str, reason_en: str) -> None:
        # The report shows the cell as written, not as cleaned, so that it can be found in the file.
        self.errors.append(RowError(self.csv.row, column, self.csv.get(column), reason_ja, reason_en))

    def warn(self, column: str, reason_ja: str, reason_en: str) -> None:
        self.warnings.append(RowError(self.csv.row, column, self.csv.get(column), reason_ja, reason_en))

    def check_extra_cells(self) -> None:
        if self.csv.extra:
            self.errors.append(
                RowError(
                    self.csv.row,
                    "",
                    self.csv.extra[0][:100],
                    "列名のない列に値があります（区切りのカンマが多すぎませんか）。",
                    "A cell lies beyond the last named column (too many commas?).",
                )
            )


def checked_code(row: CleanRow, column: str, raw: str, *, named: tuple[str, str] | None = None) -> str | None:
    """A 6-digit local government code from `raw` (5 digits get their check digit), or None with an error.

    `named` is (code, how it was found) from the row's names: a code whose check digit alone is
    wrong is corrected, with a warning, only when those names confirm the corrected code.
    """
    if len(raw) == 5 and raw.isascii() and raw.isdigit():
        raw += str(local_government_check_digit(raw))  # the 5-digit form without the check digit
    try:
        validate_local_government_code(raw)
    except ValidationError as exc:
        if exc.code == "check_digit":
            fixed = raw[:5] + str(local_government_check_digit(raw[:5]))
            if named is not None and named[0] == fixed:
                row.warn(
                    column,
                    f"検査数字が誤っていたため、{named[1]}に合わせて {fixed} に訂正しました。",
                    f"Wrong check digit; corrected to {fixed}, which {named[1]} confirms.",
                )
                return fixed
            row.error(
                column,
                f"全国地方公共団体コードの検査数字（6桁目）が正しくありません（前5桁なら {fixed}）。",
                f"The check digit is wrong (the first five digits give {fixed}).",
            )
        else:
            row.error(
                column,
                "全国地方公共団体コードは6桁（または検査数字なしの5桁）の数字で入力してください。",
                "The code must be 6 digits (or 5 without the check digit).",
            )
        return None
    return raw


def coordinate(row: CleanRow, column: str, low: float, high: float) -> float | None:
    text = nfkc(row.v(column))
    if not text or text in NONE_WORDS:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also catches nan and inf
        row.error(
            column,
            f"{column}は{low:g}〜{high:g}の数値で入力してください。",
            f"{column} must be a number from {low:g} to {high:g}.",
        )
        return None
    return value


def coordinates(row: CleanRow, *, latitude: str, longitude: str) -> tuple[float | None, float | None]:
    """Both coordinates or neither: a lone latitude or longitude cannot place anything on a map."""
    lat = coordinate(row, latitude, -90.0, 90.0)
    lon = coordinate(row, longitude, -180.0, 180.0)
    if (lat is None) != (lon is None) and not row.errors:
        row.warn(latitude, "緯度・経度の片方しかないため、位置は使いません。", "Only one of lat/lon is given.")
        lat = lon = None
    return lat, lon


def http_urls(text: str, *, max_length: int) -> list[str]:
    """Every http(s) URL in the cell; cells such as 「HP\\nhttps://…」 are common and fine."""
    found = []
    for candidate in _URL_IN_TEXT.findall(unicodedata.normalize("NFKC", text)):
        try:
            parts = urlsplit(candidate)
            valid = parts.scheme in {"http", "https"} and "." in (parts.hostname or "")
        except ValueError:
            valid = False
        if valid and len(candidate) <= max_length:
            found.append(candidate)
    return found


def phone(row: CleanRow, column: str) -> str | None:
    text = nfkc(row.v(column))
    if not text or text in NONE_WORDS:
        return None
    if _PHONE_DIGITS.fullmatch(_PHONE_SEPARATORS.sub("", text)) is None:
        row.error(
            column,
            "電話番号の形式が正しくありません（例: 03-1234-5678）。",
            "The phone number is malformed (e.g. 03-1234-5678).",
        )
        return None
    return text


def email(row: CleanRow, column: str) -> str | None:
    text = nfkc(row.v(column))
    if not text or text in NONE_WORDS:
        return None
    if _EMAIL.fullmatch(text) is None:
        row.error(column, "メールアドレスの形式が正しくありません。", "The e-mail address is malformed.")
        return None
    return text


__all__ = [
    "NONE_WORDS",
    "CleanRow",
    "FileReport",
    "ReadReport",
    "RowError",
    "checked_code",
    "clean",
    "coordinate",
    "coordinates",
    "email",
    "http_urls",
    "is_none_word",
    "nfkc",
    "phone",
    "read_or_report",
]
