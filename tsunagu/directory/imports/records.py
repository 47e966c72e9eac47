"""What every import format is turned into before anything is written.

A reader yields `ImportUnit`s: one organisation with the locations and services that came from one
row of a CSV file (or one HSDS organization). The runner (`run.py`) matches each part to what
exists, saves it through the directory's and accounts' services, and reports row by row.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tsunagu.accounts.services import OrganisationData
from tsunagu.directory.opendata.cleaning import RowError
from tsunagu.directory.services import LocationData, ServiceData

#: Longest `source_id` the models hold.
SOURCE_ID_LENGTH = 128


def fit_source_id(value: str) -> str:
    """A source id that fits the column: a longer one keeps its start and gets a digest of the whole.

    The same input always gives the same result, so re-import still finds the record.
    """
    if len(value) <= SOURCE_ID_LENGTH:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return f"{value[: SOURCE_ID_LENGTH - 17]}~{digest}"


@dataclass(frozen=True)
class OrganisationPart:
    #: The organisation's `source_id` within the import's source; "" when matched by `code` only.
    key: str
    data: OrganisationData
    #: An identifier to keep (HSDS `id`); also how a re-import finds it.
    code: uuid.UUID | None = None
    #: Fields the import only guesses or never fills: an existing organisation's own value wins.
    keep: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LocationPart:
    #: How the unit's services refer to this location.
    key: str
    data: LocationData
    code: uuid.UUID | None = None
    #: Run on the saved location in the unit's savepoint (the HSDS reader restores nested ids).
    after_save: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class ServicePart:
    #: `location_codes` is filled in by the runner from `location_keys`.
    data: ServiceData
    location_keys: tuple[str, ...] = ()
    code: uuid.UUID | None = None
    after_save: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class ImportUnit:
    #: The spreadsheet row (header = 1), or the position of an HSDS organization (first = 1).
    row: int
    organisation: OrganisationPart
    locations: tuple[LocationPart, ...] = ()
    services: tuple[ServicePart, ...] = ()
    #: Model field name → (file column, cell value), to report a validation error where it belongs.
    columns: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ParsedFile:
    units: list[ImportUnit] = field(default_factory=list)
    #: Rows that must be fixed (row 0 or 1: the whole file); their units are not in `units`.
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    encoding: str = ""
    rows_read: int = 0
    #: Run once inside the import's transaction before the units are saved.
    before_write: Callable[[], None] | None = None


def row_error(row: int, column: str, value: str, reason_ja: str, reason_en: str) -> RowError:
    return RowError(row=row, column=column, value=value[:200], reason_ja=reason_ja, reason_en=reason_en)


def unknown_area(row: int, column: str, code: str) -> RowError:
    return row_error(
        row,
        column,
        code,
        f"全国地方公共団体コード {code} が地域の一覧にありません（manage.py load_areas を実行してください）。",
        f"The local government code {code} is not in the areas table (run manage.py load_areas).",
    )
