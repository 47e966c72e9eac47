"""The one entry point for imports: the command and the staff upload page both call `resources_import`."""

from __future__ import annotations

import enum
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from tsunagu.audit.services import AuditActor
from tsunagu.directory.vocabularies import VOCABULARIES

from . import facility, kodomo, mapped
from .common import AreaDirectory
from .records import ParsedFile, row_error
from .run import ImportReport, Progress, digest, write_units


class ImportFormat(enum.StrEnum):
    KODOMO_SHOKUDO = "kodomo-shokudo"
    PUBLIC_FACILITY = "public-facility"
    HSDS_JSON = "hsds-json"
    CSV_MAPPED = "csv-mapped"


FORMAT_LABELS = {
    ImportFormat.KODOMO_SHOKUDO: _("Children's cafeterias (子ども食堂一覧 CSV)"),
    ImportFormat.PUBLIC_FACILITY: _("Public facilities (公共施設一覧 CSV)"),
    ImportFormat.HSDS_JSON: _("HSDS JSON exported by tsunagu"),
    ImportFormat.CSV_MAPPED: _("Other CSV with a column-mapping file"),
}

DEFAULT_SOURCES = {
    ImportFormat.KODOMO_SHOKUDO: kodomo.DEFAULT_SOURCE,
    ImportFormat.PUBLIC_FACILITY: facility.DEFAULT_SOURCE,
}


def _keys(taxonomy: str) -> set[str]:
    return {term.code for term in VOCABULARIES[taxonomy]}


def parse(
    *,
    format: ImportFormat,
    data: bytes,
    file_name: str,
    source: str = "",
    mapping: bytes | None = None,
    resource_kinds: tuple[str, ...] = (),
    concerns: tuple[str, ...] = (),
) -> ParsedFile:
    """Read a file of any format into units; never raises for bad input."""
    if format is ImportFormat.HSDS_JSON:
        from . import hsds_json

        return hsds_json.parse_hsds_json(data)
    unknown = [f"resource_kind:{k}" for k in resource_kinds if k not in _keys("resource_kind")]
    unknown += [f"concern:{k}" for k in concerns if k not in _keys("concern")]
    if unknown:
        return ParsedFile(
            errors=[
                row_error(
                    0,
                    "",
                    ", ".join(unknown),
                    f"分類にない語です: {', '.join(unknown)}",
                    f"Unknown taxonomy terms: {', '.join(unknown)}",
                )
            ]
        )
    areas = AreaDirectory.from_database()
    if format is ImportFormat.KODOMO_SHOKUDO:
        return kodomo.parse_kodomo_shokudo(
            data, file_name=file_name, source=source or kodomo.DEFAULT_SOURCE, areas=areas
        )
    if format is ImportFormat.PUBLIC_FACILITY:
        return facility.parse_public_facility(
            data,
            file_name=file_name,
            source=source or facility.DEFAULT_SOURCE,
            areas=areas,
            resource_kinds=resource_kinds,
            concerns=concerns,
        )
    if mapping is None:
        return ParsedFile(
            errors=[
                row_error(
                    0,
                    "",
                    "",
                    "csv-mapped には列の対応表ファイル（--mapping）が必要です。",
                    "csv-mapped needs a column-mapping file (--mapping).",
                )
            ]
        )
    try:
        loaded = mapped.load_mapping(mapping)
    except mapped.MappingError as exc:
        return ParsedFile(errors=[row_error(0, "", "", exc.reason_ja, exc.reason_en)])
    return mapped.parse_mapped(data, mapping=loaded, areas=areas)


def resources_import(
    *,
    actor: AuditActor,
    format: ImportFormat,
    data: bytes,
    file_name: str,
    source: str = "",
    mapping: bytes | None = None,
    resource_kinds: tuple[str, ...] = (),
    concerns: tuple[str, ...] = (),
    skip_invalid: bool = False,
    dry_run: bool = False,
    on_start: Callable[[int], Progress] | None = None,
) -> ImportReport:
    """Import a file: everything or nothing (unless `skip_invalid`), one audit row with the counts."""
    parsed = parse(
        format=format,
        data=data,
        file_name=file_name,
        source=source,
        mapping=mapping,
        resource_kinds=resource_kinds,
        concerns=concerns,
    )
    report = ImportReport(format=str(format), file_name=file_name, dry_run=dry_run, skip_invalid=skip_invalid)
    progress = on_start(len(parsed.units)) if on_start is not None else None
    return write_units(actor=actor, parsed=parsed, report=report, file_digest=digest(data), progress=progress)
