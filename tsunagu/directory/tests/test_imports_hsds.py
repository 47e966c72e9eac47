"""HSDS JSON export → import into an empty directory → export: byte-identical; no confidential address."""

from __future__ import annotations

import json
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tsunagu.accounts.models import Organisation
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.core.tests.canary import canary
from tsunagu.directory.imports.export import export_csv, export_hsds_json
from tsunagu.directory.models import ChangeRecord, Location, Service, Taxonomy, TaxonomyTerm
from tsunagu.directory.services import ContactData, LocationData, PhoneData, location_save, service_save
from tsunagu.directory.tests.factories import ACTOR, make_areas, make_location, service_data

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "imports"


def _directory(secret: str) -> None:
    make_areas()
    org = OrganisationFactory(
        name="NPO法人つなぐ", name_kana="ツナグ", description="地域の相談", website="https://e.org"
    )
    place = make_location(organisation=org, phones=(PhoneData("03-0000-1111", extension="12"),), hours=None)
    shelter, _ = location_save(
        actor=ACTOR,
        organisation=org,
        data=LocationData(name="シェルター", area_code="131041", is_confidential=True, confidential_address=secret),
    )
    service_save(
        actor=ACTOR,
        organisation=org,
        data=service_data(
            name="こころの電話",
            is_crisis_line=True,
            is_national=True,
            area_codes=("131041", "131130"),
            languages=("ja", "en"),
            phones=(PhoneData("0120-000-000", type="voice", description="無料"), PhoneData("03-1111-2222")),
            contacts=(ContactData(department="相談課", email="soudan@example.org"),),
            required_documents=("保険証",),
            concerns=("mind-life", "loneliness-talk"),
            hours="月～金 9:00～17:00",
            fees="free",
            location_codes=(place.code, shelter.code),
        ),
    )
    # Imported records too: their provenance travels in the export.
    call_command(
        "import_resources", str(DATA / "kodomo_small.csv"), format="kodomo-shokudo", source="t", stdout=StringIO()
    )


def _empty_the_directory() -> None:
    Service.objects.all().delete()
    Location.objects.all().delete()
    ChangeRecord.objects.all().delete()
    Organisation.objects.filter(memberships__isnull=True).delete()
    # Another database made its taxonomies with other ids.
    for row in [*Taxonomy.objects.all(), *TaxonomyTerm.objects.all()]:
        type(row).objects.filter(pk=row.pk).update(code=uuid.uuid4())


def test_export_import_export_is_byte_identical(tmp_path):
    _directory(canary("shelter"))
    first = tmp_path / "first.json"
    call_command("export_resources", format="hsds-json", output=str(first))
    document = json.loads(first.read_bytes())
    assert len(document["organizations"]) == 3
    _empty_the_directory()
    assert Service.objects.count() == 0
    out = StringIO()
    call_command("import_resources", str(first), format="hsds-json", stdout=out)
    assert "services: created 4, updated 0, unchanged 0" in out.getvalue()
    assert export_hsds_json() == first.read_bytes()
    service = Service.objects.get(name="こころの電話")
    assert service.is_crisis_line and service.organisation.name_kana == "ツナグ"
    assert Service.objects.get(name="しんじゅくみんな食堂").source == "t"
    # Importing the same document again finds every record by its id and changes nothing.
    out = StringIO()
    call_command("import_resources", str(first), format="hsds-json", stdout=out)
    assert "services: created 0, updated 0, unchanged 4" in out.getvalue()
    assert export_hsds_json() == first.read_bytes()


def test_no_export_contains_a_confidential_address():
    secret = canary("shelter")
    _directory(secret)
    assert Location.objects.get(is_confidential=True).confidential_address == secret
    hsds_json = export_hsds_json().decode()
    csv_text = export_csv().decode("utf-8")
    assert secret not in hsds_json
    assert secret not in csv_text
    assert "所在地非公開" in hsds_json and "所在地非公開" in csv_text
    assert "シェルター" not in hsds_json  # not even its real name


def test_csv_export_is_excel_ready_with_one_row_per_service():
    _directory(canary("shelter"))
    data = export_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("ID,名称,名称_カナ,運営団体")
    assert len([line for line in lines[1:] if line]) >= Service.objects.count() == 4
    assert "東京都新宿区西新宿二丁目8-1 新宿区民センター" in data.decode("utf-8-sig")


def test_a_broken_hsds_document_is_reported_and_nothing_written(tmp_path):
    make_areas()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"organizations": [{"id": "not-a-uuid", "name": "x"}]}), encoding="utf-8")
    err = StringIO()
    with pytest.raises(Exception) as raised:
        call_command("import_resources", str(path), format="hsds-json", stdout=StringIO(), stderr=err)
    assert getattr(raised.value, "returncode", None) == 1
    assert "ERROR 1行目 [organizations[0].id] 「not-a-uuid」: UUIDではありません。" in err.getvalue()
    assert Organisation.objects.filter(name="x").count() == 0
