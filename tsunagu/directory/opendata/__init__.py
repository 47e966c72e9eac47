"""Reading Japanese open-data files into typed records with a row-by-row report.

Pure code: no models, no database. Callers that can reach the database pass
`resolvers.database_resolver()` so that municipality names find their codes.
"""

from .cleaning import RowError
from .csvfile import CsvFileError, CsvRow, CsvTable, read_table
from .kodomo_shokudo import (
    Fee,
    KodomoShokudoRecord,
    Provenance,
    ReadResult,
    RecordStatus,
    read_kodomo_shokudo,
)
from .resolvers import MunicipalityResolver, resolver_from_areas

__all__ = [
    "CsvFileError",
    "CsvRow",
    "CsvTable",
    "Fee",
    "KodomoShokudoRecord",
    "MunicipalityResolver",
    "Provenance",
    "ReadResult",
    "RecordStatus",
    "RowError",
    "read_kodomo_shokudo",
    "read_table",
    "resolver_from_areas",
]
