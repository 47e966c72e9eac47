"""The staff upload page: check (dry run) → import, with the file kept server-side by a session token."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tsunagu.audit.models import AuditEvent
from tsunagu.directory.imports import uploads
from tsunagu.directory.models import Service
from tsunagu.directory.tests.factories import make_areas

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "imports"


def start() -> str:
    return reverse("directory:import_start")


def confirm() -> str:
    return reverse("directory:import_confirm")


def _upload(name: str = "kodomo_small.csv", content: bytes | None = None, **extra: str) -> dict[str, object]:
    data = content if content is not None else (DATA / name).read_bytes()
    return {"format": "kodomo-shokudo", "file": SimpleUploadedFile(name, data, "text/csv"), **extra}


@pytest.fixture
def curator(world):
    make_areas()
    return world.client("council_secretariat_c")


def test_check_then_import(curator):
    response = curator.post(start(), _upload(source="web-kodomo"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "しんじゅくみんな食堂" not in page  # a report of counts, not the data
    assert Service.objects.count() == 0
    pending = curator.session[uploads.SESSION_KEY]
    assert pending["token"] not in page  # the token stays in the session
    assert (uploads._folder() / f"{pending['token']}.upload").exists()
    response = curator.post(confirm())
    assert response.status_code == 200
    assert Service.objects.filter(source="web-kodomo").count() == 3
    assert uploads.SESSION_KEY not in curator.session
    assert not (uploads._folder() / f"{pending['token']}.upload").exists()
    event = AuditEvent.objects.filter(action="directory.imported").get()
    assert event.detail["services"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert event.actor_label == "council-secretariat-c"
    # A second confirm has nothing to import.
    response = curator.post(confirm())
    assert response.status_code == 302 and response["Location"] == start()


def test_a_bad_file_shows_its_rows_and_cannot_be_imported(curator):
    content = (DATA / "kodomo_small.csv").read_bytes().replace(b"https://example.org/minna", b"ftp:/minna")
    response = curator.post(start(), _upload(content=content), HTTP_ACCEPT_LANGUAGE="ja")
    page = response.content.decode()
    assert response.status_code == 200
    assert "URLの形式が正しくありません" in page and "ftp:/minna" in page
    assert uploads.SESSION_KEY not in curator.session
    assert curator.post(confirm()).status_code == 302
    assert Service.objects.count() == 0
    # Asking to skip invalid rows: the valid ones can be imported.
    curator.post(start(), _upload(content=content, skip_invalid="on"))
    curator.post(confirm())
    assert Service.objects.count() == 2


def test_the_form_refuses_large_files_and_a_missing_mapping(curator):
    big = b"a" * (uploads.MAX_UPLOAD_BYTES + 1)
    response = curator.post(start(), _upload(content=big))
    assert response.status_code == 400
    response = curator.post(start(), {**_upload(), "format": "csv-mapped"})
    assert response.status_code == 400
    assert Service.objects.count() == 0


def test_a_file_changed_on_disk_after_the_check_is_not_imported(curator):
    curator.post(start(), _upload())
    token = curator.session[uploads.SESSION_KEY]["token"]
    (uploads._folder() / f"{token}.upload").write_bytes(b"tampered")
    assert curator.post(confirm()).status_code == 302
    assert Service.objects.count() == 0


def test_a_check_removes_expired_uploads_and_their_mapping_files(curator, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    folder = uploads._folder()
    expired = time.time() - uploads.PENDING_LIFETIME - 60
    stale = [folder / "stale.upload", folder / "stale.mapping", folder / "orphan.mapping"]
    fresh = folder / "fresh.mapping"
    for file in [*stale, fresh]:
        file.write_bytes(b"id,name\n")
    for file in stale:
        os.utime(file, (expired, expired))
    assert curator.post(start(), _upload()).status_code == 200
    assert [file.name for file in stale if file.exists()] == []
    assert fresh.exists()  # a file still within its hour stays
    assert len(list(folder.glob("*.upload"))) == 1  # the file just checked
