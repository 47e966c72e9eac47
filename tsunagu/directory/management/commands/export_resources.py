"""Export the directory: `--format hsds-json` (HSDS 3.0, re-importable) or `--format csv` (for Excel).

    manage.py export_resources --format hsds-json --output directory.json
    manage.py export_resources --format csv > directory.csv

Confidential addresses are never exported (docs/import-export.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from tsunagu.audit.services import SystemActor
from tsunagu.audit.services import record as audit
from tsunagu.directory.actions import DirectoryAction
from tsunagu.directory.imports.export import export_csv, export_hsds_json


class Command(BaseCommand):
    help = "Export every service with its organisation and locations as HSDS JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=["hsds-json", "csv"])
        parser.add_argument("--output", help="File to write; standard output when left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("ja"):
            data = export_hsds_json() if options["format"] == "hsds-json" else export_csv()
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(data)
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}", returncode=1) from exc
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        audit(
            actor=SystemActor("export_resources"),
            action=DirectoryAction.EXPORTED,
            detail={"format": options["format"], "bytes": len(data)},
        )
