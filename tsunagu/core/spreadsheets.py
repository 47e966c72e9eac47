"""CSV files that people open in a spreadsheet (ledger exports, the audit log export)."""

from __future__ import annotations

import unicodedata

# Spreadsheets run cells that begin with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell that a spreadsheet would read as a formula, also after folding full-width signs (＝＋－＠)
    and leading spaces, is prefixed with an apostrophe."""
    folded = unicodedata.normalize("NFKC", value).lstrip(" ")
    return "'" + value if folded.startswith(_FORMULA_START) else value
