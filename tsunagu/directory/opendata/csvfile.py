"""CSV bytes → header-matched rows, for the encodings Japanese municipalities publish in.

Decoding tries strict UTF-8 first (with or without BOM) and then CP932, the Windows superset of
Shift_JIS that Excel writes. Real CP932 text almost never happens to be valid UTF-8, while UTF-8
text is usually invalid CP932 too, so the order matters only for pure ASCII, where both agree.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Characters that NFKC leaves alone but that still surround or pad header names in real files.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


class CsvFileError(Exception):
    """The file as a whole cannot be read; `line` is 0 when no line is to blame."""

    def __init__(self, *, reason_ja: str, reason_en: str, line: int = 0) -> None:
        super().__init__(reason_en)
        self.reason_ja = reason_ja
        self.reason_en = reason_en
        self.line = line


@dataclass(frozen=True)
class CsvRow:
    #: The spreadsheet row: the header is row 1, the first record row 2. A cell may span lines.
    row: int
    #: The physical line (1-based) where the record starts in the file.
    line: int
    #: Cell values keyed by the canonical column name the caller asked for; "" when absent.
    values: dict[str, str]
    #: Non-blank cells beyond the header's last column.
    extra: tuple[str, ...] = ()

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class CsvTable:
    encoding: str
    #: The file's own header cells, as written.
    headers: tuple[str, ...]
    #: Canonical column names that the header provides.
    present: frozenset[str]
    rows: tuple[CsvRow, ...]


def normalise_header(name: str) -> str:
    """「 建物名等（方書） 」, 「建物名等(方書)」 and 「名称＿カナ」 all compare equal."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if ch not in _INVISIBLE)
    return "".join(text.split())


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable() from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise _undecodable() from exc


def _undecodable() -> CsvFileError:
    return CsvFileError(
        reason_ja="文字コードを判別できません。UTF-8（BOM付き・なし）またはShift_JIS（CP932）で保存してください。",
        reason_en="The file is neither UTF-8 (with or without BOM) nor Shift_JIS/CP932.",
    )


def read_table(data: bytes, *, columns: Sequence[str]) -> CsvTable:
    """Decode and split `data`; `columns` are the canonical names to look for in the header.

    Raises CsvFileError for problems with the whole file (encoding, NUL bytes, no header, broken
    quoting, duplicate column names). Problems within a row are left to the caller.
    """
    text, encoding = decode(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CsvFileError(
            reason_ja="NUL文字（0x00）が含まれています。CSVではないファイル（Excel形式やUTF-16など）ではありませんか。",
            reason_en="The file contains NUL bytes; it is probably not a CSV file (Excel, UTF-16…).",
            line=line,
        )
    wanted = {normalise_header(column): column for column in columns}
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    rows: list[CsvRow] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvFileError(
                reason_ja="1行目に列名（ヘッダー行）がありません。", reason_en="The first line has no column names."
            )
        index: dict[str, int] = {}
        for position, cell in enumerate(header):
            key = normalise_header(cell)
            if not key:
                continue
            canonical = wanted.get(key, key)
            if canonical in index:
                raise CsvFileError(
                    reason_ja=f"列名「{cell.strip()}」が重複しています。",
                    reason_en=f"The column name {cell.strip()!r} appears twice.",
                    line=1,
                )
            index[canonical] = position
        width = len(header)
        previous_end = reader.line_num
        for record, cells in enumerate(reader, start=2):
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells: nothing to read
            values = {name: cells[pos] if pos < len(cells) else "" for name, pos in index.items()}
            extra = tuple(cell for cell in cells[width:] if cell.strip())
            rows.append(CsvRow(row=record, line=start, values=values, extra=extra))
    except csv.Error as exc:
        raise CsvFileError(
            reason_ja=f"{reader.line_num}行目付近をCSVとして読めません（引用符の対応や長すぎるセルを確認してください）。",
            reason_en=f"Line {reader.line_num} is not valid CSV: {exc}",
            line=reader.line_num,
        ) from exc
    return CsvTable(
        encoding=encoding,
        headers=tuple(header),
        present=frozenset(name for name in index if name in set(columns)),
        rows=tuple(rows),
    )
