"""The upload page's two steps: check (dry run) a file, then import exactly that file.

The checked file waits on the server under `VAR_DIR/imports/` in a file named by a random token.
The token lives only in the session (never in a URL or a form field), together with the file's
digest and the options, so the import step runs on the bytes that were checked, by the person who
checked them. Files older than `PENDING_LIFETIME` are removed whenever a new file is checked.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from tsunagu.audit.services import AuditActor

from .run import ImportReport, digest
from .services import ImportFormat, resources_import

SESSION_KEY = "directory_import_pending"
PENDING_LIFETIME = 60 * 60
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    format: ImportFormat
    data: bytes
    file_name: str
    source: str = ""
    mapping: bytes | None = None
    skip_invalid: bool = False


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _clean_old(folder: Path) -> None:
    """Remove the files of checks never imported: the uploaded file and its mapping file alike."""
    limit = time.time() - PENDING_LIFETIME
    for suffix in (".upload", ".mapping"):
        for file in folder.glob(f"*{suffix}"):
            try:
                if file.stat().st_mtime < limit:
                    file.unlink(missing_ok=True)
            except FileNotFoundError:  # removed meanwhile by another check
                continue


def _discard(session: SessionBase) -> None:
    pending = session.pop(SESSION_KEY, None)
    if isinstance(pending, dict) and isinstance(pending.get("token"), str):
        for suffix in (".upload", ".mapping"):
            (_folder() / f"{pending['token']}{suffix}").unlink(missing_ok=True)


def import_check(*, actor: AuditActor, session: SessionBase, upload: Upload) -> ImportReport:
    """Dry-run the upload; when the import could go ahead, keep the file for `import_confirm`."""
    _discard(session)
    report = resources_import(
        actor=actor,
        format=upload.format,
        data=upload.data,
        file_name=upload.file_name,
        source=upload.source,
        mapping=upload.mapping,
        skip_invalid=upload.skip_invalid,
        dry_run=True,
    )
    if report.imported and (upload.skip_invalid or report.ok):
        folder = _folder()
        _clean_old(folder)
        token = secrets.token_urlsafe(32)
        (folder / f"{token}.upload").write_bytes(upload.data)
        if upload.mapping is not None:
            (folder / f"{token}.mapping").write_bytes(upload.mapping)
        session[SESSION_KEY] = {
            "token": token,
            "sha256": digest(upload.data),
            "format": str(upload.format),
            "file_name": upload.file_name,
            "source": upload.source,
            "skip_invalid": upload.skip_invalid,
            "mapping": upload.mapping is not None,
        }
    return report


def pending(session: SessionBase) -> dict[str, Any] | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else None


def import_confirm(*, actor: AuditActor, session: SessionBase) -> ImportReport | None:
    """Import the file checked in this session; None when there is none (or it has expired)."""
    info = pending(session)
    if info is None:
        return None
    folder = _folder()
    try:
        data = (folder / f"{info['token']}.upload").read_bytes()
        mapping = (folder / f"{info['token']}.mapping").read_bytes() if info["mapping"] else None
    except OSError:
        _discard(session)
        return None
    if digest(data) != info["sha256"]:
        _discard(session)
        return None
    report = resources_import(
        actor=actor,
        format=ImportFormat(info["format"]),
        data=data,
        file_name=info["file_name"],
        source=info["source"],
        mapping=mapping,
        skip_invalid=info["skip_invalid"],
    )
    _discard(session)
    return report
