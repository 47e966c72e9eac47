"""The real Tokyo 子ども食堂 file, imported in full through the command, then again.

Every area is loaded once for the module (like test_areas.py) inside a transaction that is
rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tsunagu.accounts.models import Organisation
from tsunagu.audit.models import AuditEvent
from tsunagu.directory.models import Location, Service, ServiceStatus

pytestmark = pytest.mark.django_db

CSV_PATH = Path(__file__).resolve().parent / "data" / "tokyo_kodomoshokudo.csv"
SOURCE = "tokyo-kodomo-shokudo"


@pytest.fixture(scope="module")
def tokyo(django_db_setup: None, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        call_command("load_areas", stdout=StringIO())
        out = StringIO()
        call_command("import_resources", str(CSV_PATH), format="kodomo-shokudo", source=SOURCE, stdout=out)
        connection.check_constraints()
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def imported(tokyo: str, db: None) -> str:
    return tokyo


def _raw_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_record_of_the_real_file_is_imported(imported):
    # 798 data rows; row 616 holds only the four provenance cells (an empty line of 品川区's file).
    assert len(_raw_rows()) == 798
    assert "rows read: 798" in imported
    assert "Rows imported: 797, skipped: 0, errors: 0" in imported
    assert "services: created 797, updated 0, unchanged 0" in imported
    services = Service.objects.filter(source=SOURCE)
    assert services.count() == 797
    assert Location.objects.filter(source=SOURCE).count() == 797
    assert services.filter(attributes__taxonomy_term__key="kodomo-shokudo").count() == 797
    # Operators running several places (SOMPOケア: 8) are one organisation each.
    assert Organisation.objects.filter(source=SOURCE).count() == 782
    sompo = Organisation.objects.get(source=SOURCE, name__startswith="ＳＯＭＰＯケア株式会社")
    assert sompo.services.count() == 8
    assert sompo.type == "company"


def test_closed_places_and_provenance(imported):
    closed = Service.objects.filter(source=SOURCE, status=ServiceStatus.TEMPORARILY_CLOSED)
    assert closed.count() == 4
    assert all("休" in s.alert for s in closed)
    assert Service.objects.filter(source=SOURCE, status=ServiceStatus.DEFUNCT).count() == 2
    service = Service.objects.get(source=SOURCE, name="みんな食堂「仙川スープ」")
    assert service.source_id.endswith("132080_chofushi_kodomosyokudo.csv#132080:2")
    assert service.source_attribution == "出典: 調布市「子ども食堂一覧」（クリエイティブ・コモンズ 表示（CC BY））"
    assert service.source_url == "https://www.opendata.metro.tokyo.lg.jp/chofu/132080_chofushi_kodomosyokudo.csv"
    location = service.service_at_locations.get().location
    assert (location.area.code, location.address_1, location.address_2) == ("132080", "仙川町1-19-10", "POSTO")
    assert str(location.latitude) == "35.662037"


def test_unchanged_file_changes_nothing_and_an_edited_row_is_updated(imported, tmp_path):
    out = StringIO()
    call_command("import_resources", str(CSV_PATH), format="kodomo-shokudo", source=SOURCE, stdout=out)
    assert "services: created 0, updated 0, unchanged 797" in out.getvalue()
    assert "organisations: created 0, updated 0, unchanged 782" in out.getvalue()
    edited = tmp_path / "edited.csv"
    edited.write_bytes(CSV_PATH.read_bytes().replace("「仙川スープ」".encode(), "「仙川スープ」改".encode()))
    out = StringIO()
    call_command("import_resources", str(edited), format="kodomo-shokudo", source=SOURCE, stdout=out)
    assert "services: created 0, updated 1, unchanged 796" in out.getvalue()
    assert Service.objects.filter(source=SOURCE).count() == 797
    assert Service.objects.filter(name="みんな食堂「仙川スープ」改").exists()
    assert AuditEvent.objects.filter(action="directory.imported").count() >= 2


def test_the_real_file_in_cp932_gives_the_same_services(imported, tmp_path):
    # CP932 cannot hold é (Kids Café…) or a combining ゜, and reads U+2212 back as －: compare with
    # the same text as Shift_JIS holds it, imported from UTF-8 first.
    text = CSV_PATH.read_bytes().decode("utf-8-sig")
    sjis_text = unicodedata.normalize("NFC", text).replace("é", "e").encode("cp932").decode("cp932")
    utf8, sjis = tmp_path / "utf8.csv", tmp_path / "sjis.csv"
    utf8.write_bytes(sjis_text.encode("utf-8"))
    sjis.write_bytes(sjis_text.encode("cp932"))
    call_command("import_resources", str(utf8), format="kodomo-shokudo", source=SOURCE, stdout=StringIO())
    out = StringIO()
    call_command("import_resources", str(sjis), format="kodomo-shokudo", source=SOURCE, dry_run=True, stdout=out)
    assert "encoding: cp932, rows read: 798" in out.getvalue()
    assert "Rows imported: 797, skipped: 0, errors: 0" in out.getvalue()
    assert "services: created 0, updated 0, unchanged 797" in out.getvalue()
