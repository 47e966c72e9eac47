"""Imports of small files through the command: formats, encodings, bad files, re-import, exit codes."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.audit.models import AuditEvent
from tsunagu.directory.imports.records import fit_source_id
from tsunagu.directory.models import Fees, Location, Service, ServiceStatus
from tsunagu.directory.opendata.public_facility import Layout, read_public_facilities
from tsunagu.directory.schedules import Schedule as Hours
from tsunagu.directory.tests.factories import make_areas

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "imports"
EXAMPLES = Path(__file__).resolve().parents[1] / "imports" / "examples"


def run(*args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_resources", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def fails(*args: str, **options) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_resources", *args, stdout=StringIO(), stderr=err, **options)
    assert raised.value.returncode == 1
    return err.getvalue() + str(raised.value)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.fixture(autouse=True)
def areas() -> None:
    make_areas()


def test_kodomo_shokudo_mapping_of_fields_and_vocabularies():
    out, _err = run(str(DATA / "kodomo_small.csv"), format="kodomo-shokudo", source="test-kodomo")
    assert "services: created 3, updated 0, unchanged 0" in out
    assert "organisations: created 2" in out  # the NPO runs two places; はらっぱ食堂 is its own
    minna = Service.objects.get(name="しんじゅくみんな食堂")
    keys = {(a.taxonomy_term.taxonomy.key, a.taxonomy_term.key) for a in minna.attributes.all()}
    assert keys == {
        ("resource_kind", "kodomo-shokudo"),
        ("people_served", "children-youth"),
        ("people_served", "parents"),
        ("people_served", "anyone"),
        ("concern", "loneliness-talk"),
        ("concern", "parenting-pregnancy"),
        ("concern", "living-money"),
        ("channel", "visit"),
    }
    assert minna.fees == Fees.PARTLY_PAID
    assert minna.fees_description.startswith("幼児 0円、小学生 0円")
    assert "フードパントリーを実施しています。" in minna.description
    assert minna.organisation.name == "NPO法人しんじゅくネット"
    assert minna.organisation.type == "npo"
    hours = Hours.from_json(minna.schedules.get().hours)
    assert hours.original_text == "第2・第4土曜日 11:30～14:00"
    assert hours.parsed_completely
    closed = Service.objects.get(name="こども夕やけ食堂")
    assert closed.status == ServiceStatus.TEMPORARILY_CLOSED
    assert closed.fees == Fees.PAID
    assert closed.organisation == minna.organisation
    bare = Service.objects.get(name="はらっぱ食堂")
    assert bare.schedules.count() == 0 and bare.fees == Fees.UNKNOWN
    assert bare.organisation.name == "はらっぱ食堂"
    location = Location.objects.get(name="しんじゅくみんな食堂")
    assert (location.address_1, location.address_2, location.area.code) == (
        "西新宿二丁目8-1",
        "新宿区民センター",
        "131041",
    )


def test_cp932_and_bom_files_import_the_same(tmp_path):
    text = (DATA / "kodomo_small.csv").read_text(encoding="utf-8")
    run(write(tmp_path, "sjis.csv", text, "cp932"), format="kodomo-shokudo", source="test-kodomo")
    first = sorted(Service.objects.values_list("name", "source_id", "description"))
    assert len(first) == 3
    out, _ = run(write(tmp_path, "bom.csv", text, "utf-8-sig"), format="kodomo-shokudo", source="test-kodomo")
    assert "encoding: utf-8-sig" in out
    assert "services: created 0, updated 0, unchanged 3" in out
    assert sorted(Service.objects.values_list("name", "source_id", "description")) == first


def test_a_wrong_header_writes_nothing_and_says_so_in_japanese(tmp_path):
    path = write(tmp_path, "wrong.csv", "コード,施設名\n131041,どこか\n")
    report = fails(path, format="kodomo-shokudo")
    assert (
        "ERROR 1行目 [全国地方公共団体コード、ID、名称]: "
        "必須の列「全国地方公共団体コード」、「ID」、「名称」がありません" in report
    )
    assert Service.objects.count() == 0
    assert AuditEvent.objects.filter(action="directory.import_rejected").count() == 1


def test_bad_rows_write_nothing_unless_skip_invalid(tmp_path):
    text = (DATA / "kodomo_small.csv").read_text(encoding="utf-8")
    text = text.replace("131041,2,", "1310A1,2,").replace("https://example.org/minna", "ftp:/minna")
    path = write(tmp_path, "bad.csv", text)
    report = fails(path, format="kodomo-shokudo")
    assert "ERROR 2行目 [URL] 「ftp:/minna」: URLの形式が正しくありません" in report
    assert "ERROR 3行目 [全国地方公共団体コード] 「1310A1」: 全国地方公共団体コードは6桁" in report
    assert "No valid http(s) URL in the cell." in report  # English too
    assert Service.objects.count() == Location.objects.count() == 0
    out, _err = run(path, format="kodomo-shokudo", skip_invalid=True)
    assert "Rows imported: 1, skipped: 2" in out
    assert "Result: written" in out
    assert list(Service.objects.values_list("name", flat=True)) == ["はらっぱ食堂"]


def test_a_row_the_services_refuse_is_reported_at_its_column(tmp_path):
    # The reader accepts any http(s) URL; the model refuses one longer than 500 characters.
    long_url = "https://example.org/" + "a" * 600
    text = (DATA / "kodomo_small.csv").read_text(encoding="utf-8").replace("https://example.org/minna", long_url)
    report = fails(write(tmp_path, "long.csv", text), format="kodomo-shokudo")
    assert "ERROR 2行目 [URL]" in report
    assert Service.objects.count() == 0


def test_dry_run_writes_nothing_and_exit_codes(tmp_path):
    out, _ = run(str(DATA / "kodomo_small.csv"), format="kodomo-shokudo", dry_run=True)
    assert "services: created 3" in out and "dry run (nothing written)" in out
    assert Service.objects.count() == 0
    assert AuditEvent.objects.filter(action="directory.import_checked").count() == 1
    assert "Cannot read the file" in fails(str(tmp_path / "missing.csv"), format="kodomo-shokudo")
    assert "NUL文字" in fails(write(tmp_path, "utf16.csv", "名称\n", "utf-16"), format="kodomo-shokudo")
    assert "--mapping" in fails(str(DATA / "kodomo_small.csv"), format="csv-mapped")


def test_public_facility_current_layout(tmp_path):
    data = (DATA / "public_facility_current.csv").read_bytes()
    read = read_public_facilities(data)
    assert read.layout is Layout.CURRENT and read.errors == []
    assert read.records[0].accessibility == ("車椅子可", "車椅子対応トイレ", "ベビーカー利用")
    out, _ = run(str(DATA / "public_facility_current.csv"), format="public-facility", resource_kind=["ibasho"])
    assert "services: created 2" in out and "organisations: created 1" in out
    service = Service.objects.get(name="渋谷区立地域交流センター恵比寿")
    assert service.organisation.name == "渋谷区" and service.organisation.type == "government"
    assert service.alternate_name == "恵比寿センター"
    phone = service.phones.get()
    assert (phone.number, phone.extension) == ("03-1234-5678", "201")
    assert service.email == "ebisu@example.lg.jp"
    assert "問い合わせフォーム: https://example.lg.jp/form/ebisu" in service.application_process
    assert "利用可能時間: 年末年始を除く" in service.description
    assert service.attributes.filter(taxonomy_term__key="ibasho").exists()
    location = Location.objects.get(name="渋谷区立地域交流センター恵比寿")
    assert (location.postal_code, location.address_1, location.address_2) == (
        "1500013",
        "恵比寿一丁目1-1",
        "恵比寿ビル2階",
    )
    assert location.accessibility == "車椅子可、車椅子対応トイレ、ベビーカー利用"
    # The same file in Shift_JIS: found again by (source, ID), nothing changes.
    text = (DATA / "public_facility_current.csv").read_text(encoding="utf-8")
    out, _ = run(write(tmp_path, "sjis.csv", text, "cp932"), format="public-facility", resource_kind=["ibasho"])
    assert "encoding: cp932" in out and "services: created 0, updated 0, unchanged 2" in out


def test_public_facility_older_layout_with_bom(tmp_path):
    text = (DATA / "public_facility_older.csv").read_text(encoding="utf-8")
    read = read_public_facilities(text.encode("utf-8-sig"))
    assert read.layout is Layout.OLDER and read.errors == []
    assert read.records[0].municipality_code == "132012"  # 5 digits in the file, check digit added
    out, _ = run(write(tmp_path, "older.csv", text, "utf-8-sig"), format="public-facility")
    assert "services: created 2" in out
    center = Service.objects.get(name="八王子市子ども家庭支援センター")
    assert center.organisation.name == "社会福祉法人はちおうじ"
    assert center.organisation.type == "social_welfare_corporation"
    learning = Location.objects.get(name="八王子市生涯学習センター")
    assert (learning.address_1, learning.accessibility) == ("東町5-6", "車椅子用トイレあり")


def test_public_facility_bad_rows_are_reported_by_column(tmp_path):
    text = (DATA / "public_facility_current.csv").read_text(encoding="utf-8")
    text = text.replace("150-0013", "150-00").replace("35.652,139.709", "135.652,139.709")
    report = fails(write(tmp_path, "bad.csv", text), format="public-facility")
    assert "ERROR 2行目 [郵便番号] 「150-00」: 郵便番号は7桁の数字で入力してください" in report
    assert "ERROR 3行目 [緯度] 「135.652」" in report
    assert Service.objects.count() == 0
    wrong = write(tmp_path, "wrong.csv", "名前,住所\nどこか,東京都\n")
    assert "公共施設一覧の様式の列名を確認してください" in fails(wrong, format="public-facility")


def test_csv_with_a_mapping_file(tmp_path):
    out, _ = run(str(EXAMPLES / "ibasho.csv"), format="csv-mapped", mapping=str(EXAMPLES / "ibasho-mapping.toml"))
    assert "services: created 2" in out
    salon = Service.objects.get(source="example-city-ibasho", source_id="A-1")
    assert salon.organisation.name == "NPO法人ほっとネット"
    assert salon.fees == Fees.FREE and salon.url == "https://example.org/hot"
    assert salon.source_attribution == "出典: 例示市「居場所一覧」（CC BY 4.0）"
    keys = set(salon.attributes.values_list("taxonomy_term__key", flat=True))
    assert keys == {"ibasho", "visit", "anyone", "loneliness-talk", "mind-life"}
    assert Hours.from_json(salon.schedules.get().hours).original_text == "毎週火曜日 13:00～16:00"
    plaza = Service.objects.get(source_id="A-2")
    assert plaza.status == ServiceStatus.TEMPORARILY_CLOSED
    assert plaza.service_at_locations.get().location.area.code == "131130"
    # The same mapping as JSON gives the same records: nothing changes.
    mapping = tmp_path / "mapping.json"
    import json
    import tomllib

    mapping.write_text(json.dumps(tomllib.loads((EXAMPLES / "ibasho-mapping.toml").read_text())), encoding="utf-8")
    out, _ = run(str(EXAMPLES / "ibasho.csv"), format="csv-mapped", mapping=str(mapping))
    assert "services: created 0, updated 0, unchanged 2" in out


def test_csv_mapping_errors(tmp_path):
    csv_path = str(EXAMPLES / "ibasho.csv")
    bad_field = write(tmp_path, "m1.toml", 'source = "x-y"\n[columns]\nid = "番号"\nname = "施設名"\ncolour = "色"\n')
    assert "知らない項目名があります: colour" in fails(csv_path, format="csv-mapped", mapping=bad_field)
    missing = write(tmp_path, "m2.toml", 'source = "x-y"\n[columns]\nid = "番号"\nname = "名前"\n')
    assert "対応表にある列「名前」がファイルにありません" in fails(csv_path, format="csv-mapped", mapping=missing)
    term = write(tmp_path, "m3.toml", 'source = "x-y"\n[columns]\nid = "番号"\nname = "施設名"\nconcerns = "状態"\n')
    report = fails(csv_path, format="csv-mapped", mapping=term)
    assert "ERROR 2行目 [状態] 「開設中」: 分類にない語です: 開設中" in report
    assert Service.objects.count() == 0


def test_long_source_ids_are_shortened_the_same_way_every_time():
    long = "https://example.org/" + "x" * 200 + "#131041:1"
    assert len(fit_source_id(long)) == 128
    assert fit_source_id(long) == fit_source_id(long)
    assert fit_source_id(long) != fit_source_id(long + "2")
    assert fit_source_id("short") == "short"
