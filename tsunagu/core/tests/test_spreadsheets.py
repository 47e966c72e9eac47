"""A CSV cell a spreadsheet would run as a formula is neutralised (ledger and audit log exports)."""

from __future__ import annotations

import pytest

from tsunagu.core.spreadsheets import safe_cell


@pytest.mark.parametrize(
    "value", ["=SUM(A1)", "=HYPERLINK(1)", "+1", "-1", "@cmd", "＝1", "＝HYPERLINK(1)", "  =1", "  +1", "\tx"]
)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["山田", "090-1234-5678", "", "a=b"])
def test_any_other_cell_is_kept_as_it_is(value: str) -> None:
    assert safe_cell(value) == value
