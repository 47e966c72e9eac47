"""Import directory resources from a file (docs/import-export.md).

    manage.py import_resources --format kodomo-shokudo FILE [--source NAME] [--skip-invalid] [--dry-run]
    manage.py import_resources --format public-facility FILE [--resource-kind KEY] [--concern KEY …]
    manage.py import_resources --format csv-mapped FILE --mapping MAPPING.toml
    manage.py import_resources --format hsds-json FILE

Nothing is written unless every row is valid (or --skip-invalid). Bad input never gives a
traceback: the row-by-row report goes to stderr and the exit code is 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.audit.services import SystemActor
from tsunagu.directory.imports.run import ImportReport, Progress
from tsunagu.directory.imports.services import ImportFormat, resources_import

#: Rows listed in full on the terminal; the rest are counted.
REPORT_LIMIT = 200
MAX_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = "Import services, locations and organisations from a CSV or HSDS JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import (CSV: UTF-8 with or without BOM, or Shift_JIS/CP932).")
        parser.add_argument("--format", required=True, choices=[f.value for f in ImportFormat])
        parser.add_argument("--mapping", help="Column-mapping file (TOML or JSON) for --format csv-mapped.")
        parser.add_argument(
            "--source", default="", help="Name of the data source (re-import matches on it), e.g. tokyo-kodomo-shokudo."
        )
        parser.add_argument("--resource-kind", action="append", default=[], help="public-facility: kind term key.")
        parser.add_argument("--concern", action="append", default=[], help="public-facility: concern term key.")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the valid rows, skip the others.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        parser.add_argument("--progress", action="store_true", help="Show a progress bar even when not on a terminal.")

    verbosity = 1

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        data = _read(options["file"], "file")
        mapping = _read(options["mapping"], "mapping") if options["mapping"] else None
        show_progress = options["progress"] or sys.stderr.isatty()
        bars: list[Any] = []

        def on_start(total: int) -> Progress | None:
            if not show_progress:
                return None
            from tqdm import tqdm

            bar = tqdm(total=total, unit="row", file=sys.stderr, desc="import", leave=True)
            bars.append(bar)
            return bar.update  # type: ignore[no-any-return]

        try:
            report = resources_import(
                actor=SystemActor("import_resources"),
                format=ImportFormat(options["format"]),
                data=data,
                file_name=Path(options["file"]).name,
                source=options["source"],
                mapping=mapping,
                resource_kinds=tuple(options["resource_kind"]),
                concerns=tuple(options["concern"]),
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                on_start=on_start,  # type: ignore[arg-type]
            )
        finally:
            for bar in bars:
                bar.close()
        self._print(report)
        if not report.committed and (report.errors or not report.dry_run):
            raise CommandError(
                "Nothing was written: fix the rows above, or use --skip-invalid to import only the valid rows. "
                "何も書き込んでいません。上の行を直すか、--skip-invalid で正しい行だけを取り込んでください。",
                returncode=1,
            )

    def _print(self, report: ImportReport) -> None:
        for error in report.errors[:REPORT_LIMIT]:
            where = f"{error.row}行目" if error.row else "ファイル"
            column = f" [{error.column}]" if error.column else ""
            value = f" 「{error.value}」" if error.value else ""
            self.stderr.write(f"ERROR {where}{column}{value}: {error.reason_ja} / {error.reason_en}")
        if len(report.errors) > REPORT_LIMIT:
            self.stderr.write(
                f"… {len(report.errors) - REPORT_LIMIT} more errors / ほか {len(report.errors) - REPORT_LIMIT} 件"
            )
        for warning in report.warnings[:REPORT_LIMIT] if self.verbosity > 1 else ():
            column = f" [{warning.column}]" if warning.column else ""
            self.stderr.write(f"WARNING {warning.row}行目{column}: {warning.reason_ja} / {warning.reason_en}")
        state = "dry run (nothing written)" if report.dry_run else ("written" if report.committed else "NOT written")
        self.stdout.write(f"Format: {report.format}, encoding: {report.encoding or '-'}, rows read: {report.rows_read}")
        self.stdout.write(
            f"Rows imported: {report.imported}, skipped: {report.skipped}, errors: {len(report.errors)}, "
            f"warnings: {len(report.warnings)}"
        )
        for name in ("organisations", "locations", "services"):
            counts = getattr(report, name)
            self.stdout.write(
                f"{name}: created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}"
            )
        self.stdout.write(f"Result: {state} in {report.seconds:.1f} s")


def _read(path: str, what: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(f"The {what} {path} is larger than {MAX_BYTES // 1024 // 1024} MB.", returncode=1)
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} {path}: {exc.strerror}", returncode=1) from exc
