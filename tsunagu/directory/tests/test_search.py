"""The one directory search: spelling variants, short queries, no false negatives, filters, open now,
ranking, paging and a fixed number of queries. The suite runs on SQLite and PostgreSQL and expects
the same answers from both."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.directory.models import Service, ServiceStatus, TaxonomyTerm
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.search import selectors
from tsunagu.directory.search.selectors import SearchFilters, services_search
from tsunagu.directory.search.text import normalise
from tsunagu.directory.services import PhoneData, service_set_status
from tsunagu.directory.tests.factories import ACTOR, make_location, make_service

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 10:00 in Tokyo: a working day (23 November was 勤労感謝の日).
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)
WEEKDAYS = "月～金 9:00～17:00（祝日・年末年始を除く）"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def found(text: str = "", *, page: int = 1, per_page: int = 100, **filters: object) -> list[str]:
    result = services_search(text=text, filters=SearchFilters(**filters), page=page, per_page=per_page)  # type: ignore[arg-type]
    return [service.name for service in result.services]


def plain(name: str, **overrides: object):  # type: ignore[no-untyped-def]
    """A service whose only words are its name (no description, neutral terms)."""
    defaults: dict[str, object] = {"description": "", "name_kana": "", "concerns": ("other",)}
    defaults.update(overrides)
    return make_service(name=name, **defaults)


# --- Spelling variants and short queries ----------------------------------------------------------

HIKIKOMORI = ["ひきこもり", "引きこもり", "引き籠もり", "ヒキコモリ"]
KODOMO = ["子ども", "子供", "こども"]


@pytest.mark.parametrize("written", HIKIKOMORI)
def test_every_spelling_of_hikikomori_finds_every_other(written):
    plain(f"{written}家族会")
    plain("介護者のつどい")
    for typed in HIKIKOMORI:
        assert found(typed) == [f"{written}家族会"], typed


@pytest.mark.parametrize("written", KODOMO)
def test_every_spelling_of_kodomo_finds_every_other(written):
    plain(f"{written}食堂みかん")
    plain("高齢者サロン")
    for typed in KODOMO:
        assert found(typed) == [f"{written}食堂みかん"], typed


@pytest.mark.parametrize("written", ["DV相談", "ＤＶ相談", "dv相談"])
def test_full_width_and_half_width_dv_find_each_other(written):
    plain(written)
    plain("法律相談")
    for typed in ("DV", "ＤＶ", "dv", "Ｄｖ"):
        assert found(typed) == [written], typed


def test_one_and_two_character_queries_work():
    plain("介護者のつどい")
    plain("子ども食堂みかん")
    plain("DV被害のご相談")
    plain("就労支援")
    assert found("介護") == ["介護者のつどい"]
    assert found("食堂") == ["子ども食堂みかん"]
    assert found("DV") == ["DV被害のご相談"]
    assert found("介") == ["介護者のつどい"]
    assert found("食") == ["子ども食堂みかん"]
    assert found("労") == ["就労支援"]
    assert found("鴉") == []


SERVICES = [
    ("ひきこもり家族会こもれび", "月に一度、ご家族が集まって話す会です。"),
    ("子ども食堂ひまわり", "どなたでも300円で食事ができます。"),
    ("DV・性暴力被害相談ダイヤル", "24時間、女性相談員がお話を伺います。"),
    ("多文化共生センター", "外国人の方の生活相談（英語・ベトナム語）"),
    ("フードバンクみなと", "食品の寄付を受け付け、生活に困っている方へ届けます。"),
    ("ヤングケアラー相談LINE", "家族の世話をしている18歳未満の方の相談窓口。"),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_false_negative_for_any_substring_of_a_name_or_description(data):
    # The services persist across Hypothesis examples (made once, inside the test's transaction).
    if not found(statuses=tuple(ServiceStatus.values)):
        for name, description in SERVICES:
            plain(name, description=description)
    name, description = data.draw(st.sampled_from(SERVICES))
    text = data.draw(st.sampled_from([name, description]))
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    query = text[start:end]
    assume(normalise(query) and normalise(query) in normalise(text))
    results = found(query)
    for other_name, other_description in SERVICES:
        if normalise(query) in normalise(other_name) or normalise(query) in normalise(other_description):
            assert other_name in results, (query, other_name)


def test_a_hostile_or_huge_query_is_just_a_query():
    plain("こころの相談")
    assert found("' OR 1=1 -- \" NOT AND * ( ) NEAR") == []
    assert found("相談 " * 200) == ["こころの相談"]
    assert found("ア" * 1000) == []


# --- Filters ----------------------------------------------------------------------------------------


@pytest.fixture
def directory():  # type: ignore[no-untyped-def]
    """Services across Tokyo and Osaka, each with something the others lack."""
    shared = OrganisationFactory(name="あおぞら会")
    made = {
        "shinjuku": make_service(
            organisation=shared,
            name="新宿こころの相談",
            name_kana="しんじゅくこころのそうだん",
            area_codes=("131041",),
            concerns=("mind-life",),
            fees="free",
            hours=WEEKDAYS,
        ),
        "tokyo": make_service(
            organisation=shared,
            name="東京都ひきこもり支援",
            name_kana="とうきょうとひきこもりしえん",
            area_codes=("130001",),
            concerns=("hikikomori",),
            people_served=("hikikomori",),
            channels=("visit",),
            languages=("ja", "en"),
            hours="土 10:00～16:00",
        ),
        "national": make_service(
            name="全国いのちの電話",
            name_kana="ぜんこくいのちのでんわ",
            area_codes=(),
            is_national=True,
            concerns=("mind-life",),
            resource_kinds=("crisis-line",),
            channels=("phone", "freephone"),
            is_24_hours=True,
            is_crisis_line=True,
            fees="free",
        ),
        "shibuya": make_service(
            name="渋谷区子ども食堂",
            name_kana="しぶやくこどもしょくどう",
            area_codes=("131130",),
            concerns=("parenting-pregnancy",),
            people_served=("children-youth",),
            resource_kinds=("kodomo-shokudo",),
            channels=("visit",),
        ),
        "ward": make_service(
            name="北区外国人相談",
            name_kana="きたくがいこくじんそうだん",
            area_codes=("271276",),
            concerns=("foreign-residents",),
            languages=("vi", "zh-Hans"),
        ),
        "city": make_service(name="大阪市の居場所", name_kana="おおさかしのいばしょ", area_codes=("271004",)),
        "osaka": make_service(name="大阪府女性相談", name_kana="おおさかふじょせいそうだん", area_codes=("270008",)),
        "closed": make_service(name="閉鎖した窓口", name_kana="へいさしたまどぐち", area_codes=("131041",)),
    }
    service_set_status(actor=ACTOR, service=made["closed"], status=ServiceStatus.INACTIVE)
    made["shared"] = shared
    return made


def test_area_includes_the_prefecture_and_national_services(directory):
    # Ranked: open now first (新宿 on a weekday morning, the 24-hour line), then local before wider.
    assert found(area_code="131041") == ["新宿こころの相談", "全国いのちの電話", "東京都ひきこもり支援"]
    assert found(area_code="130001") == ["全国いのちの電話", "東京都ひきこもり支援"]
    assert found(area_code="131130") == ["全国いのちの電話", "渋谷区子ども食堂", "東京都ひきこもり支援"]


def test_a_ward_reaches_its_designated_city_and_prefecture(directory):
    assert found(area_code="271276") == ["全国いのちの電話", "北区外国人相談", "大阪市の居場所", "大阪府女性相談"]
    assert found(area_code="271004") == ["全国いのちの電話", "大阪市の居場所", "大阪府女性相談"]
    assert found(area_code="131016") == []  # 千代田区: a real code this database does not hold


def test_each_filter_alone(directory):
    assert found(concerns=("hikikomori",)) == ["東京都ひきこもり支援"]
    assert found(concerns=("hikikomori", "parenting-pregnancy")) == ["渋谷区子ども食堂", "東京都ひきこもり支援"]
    assert found(concerns=("no-such-term",)) == []
    assert found(people_served=("children-youth",)) == ["渋谷区子ども食堂"]
    assert found(resource_kinds=("crisis-line",)) == ["全国いのちの電話"]
    assert found(channels=("freephone",)) == ["全国いのちの電話"]
    assert found(languages=("vi",)) == ["北区外国人相談"]
    assert found(languages=("EN",)) == ["東京都ひきこもり支援"]
    hikikomori = TaxonomyTerm.objects.get(taxonomy__key="concern", key="hikikomori").code
    assert found(taxonomy_term_codes=(hikikomori,)) == ["東京都ひきこもり支援"]
    assert found(organisation_code=directory["shared"].code) == ["新宿こころの相談", "東京都ひきこもり支援"]
    assert found(organisation_code=directory["closed"].code) == []  # no such organisation
    assert found(open_now=True) == ["新宿こころの相談", "全国いのちの電話"]
    assert found(is_24_hours=True) == ["全国いのちの電話"]
    assert found(free=True) == ["新宿こころの相談", "全国いのちの電話"]
    assert found(crisis_line=True) == ["全国いのちの電話"]
    assert found(statuses=("inactive",)) == ["閉鎖した窓口"]


def test_modified_after(directory, clock):
    # Hours apart across midnight UTC: compared as moments, not as text in two time zones.
    assert found(modified_after=NOW - dt.timedelta(hours=2), statuses=("inactive",)) == ["閉鎖した窓口"]
    assert found(modified_after=NOW + dt.timedelta(minutes=1), statuses=("inactive",)) == []
    clock.move_to(NOW + dt.timedelta(days=2))
    make_service(name="新しい窓口", area_codes=("131041",))
    assert found(modified_after=NOW + dt.timedelta(days=1)) == ["新しい窓口"]
    assert found("新しい", modified_after=NOW - dt.timedelta(days=1)) == ["新しい窓口"]
    assert "新宿こころの相談" in found(modified_after=NOW - dt.timedelta(days=1))


def test_filters_combined_with_text(directory):
    assert found("相談", area_code="131041", concerns=("mind-life",), open_now=True) == [
        "新宿こころの相談",
        "全国いのちの電話",
    ]
    assert found("相談", area_code="271276", languages=("zh-hans",)) == ["北区外国人相談"]
    assert found("相談", area_code="131041", free=True, crisis_line=True) == ["全国いのちの電話"]
    assert found("食堂", area_code="131041") == []
    assert found("閉鎖", area_code="131041", statuses=tuple(ServiceStatus.values)) == ["閉鎖した窓口"]


# --- Open now -----------------------------------------------------------------------------------------


def test_open_now_follows_the_clock_in_tokyo(directory, clock):
    organisation = OrganisationFactory()
    hall = make_location(organisation=organisation, name="区民会館", hours="月～金 9:00～17:00")
    make_service(organisation=organisation, name="会館で相談", area_codes=("131041",), location_codes=(hall.code,))
    make_service(name="夜の電話", area_codes=("131041",), hours="月～金 22:00～翌2:00")
    assert found(open_now=True) == ["会館で相談", "新宿こころの相談", "全国いのちの電話"]
    clock.move_to(NOW.replace(hour=3))  # Wednesday 03:00
    assert found(open_now=True) == ["全国いのちの電話"]
    clock.move_to(NOW.replace(hour=1))  # Wednesday 01:00: Tuesday night's line is still open
    assert found(open_now=True) == ["夜の電話", "全国いのちの電話"]
    clock.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=TOKYO))  # 勤労感謝の日 (Monday)
    assert found(open_now=True) == ["会館で相談", "全国いのちの電話"]  # the hall's hours do not skip holidays
    clock.move_to(dt.datetime(2026, 11, 28, 11, 0, tzinfo=TOKYO))  # Saturday
    assert found(open_now=True) == ["全国いのちの電話", "東京都ひきこもり支援"]


def test_an_explicit_moment_is_used_instead_of_the_clock(directory):
    saturday = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)  # 11:00 in Tokyo
    result = services_search(filters=SearchFilters(open_now=True), now=saturday)
    assert [s.name for s in result.services] == ["全国いのちの電話", "東京都ひきこもり支援"]


# --- Ranking ----------------------------------------------------------------------------------------


def test_exact_name_then_name_contains_then_the_rest():
    plain("家族の集い", name_kana="あ", description="ひきこもりの方のご家族の会")
    plain("ひきこもり支援センター", name_kana="い")
    plain("ひきこもり", name_kana="ん")
    plain("ひきこもり相談", name_kana="う")
    assert found("ひきこもり") == ["ひきこもり", "ひきこもり支援センター", "ひきこもり相談", "家族の集い"]
    assert found("ＨＩＫＩ") == []
    plain("Hiki Café", name_kana="え")
    assert found("hiki café") == ["Hiki Café"]  # compared normalised (width, case)


def test_open_now_then_local_then_wider_then_national():
    plain("相談A", name_kana="あ", area_codes=(), is_national=True)
    plain("相談B", name_kana="い", area_codes=("270008",))
    plain("相談C", name_kana="う", area_codes=("271004",))
    plain("相談D", name_kana="え", area_codes=("271276",))
    plain("相談E", name_kana="お", area_codes=(), is_national=True, is_24_hours=True)
    plain("相談F", name_kana="か", area_codes=("271276",), hours=WEEKDAYS)
    assert found("相談", area_code="271276") == ["相談F", "相談E", "相談D", "相談B", "相談C", "相談A"]
    # Without an area, kana order after open now.
    assert found("相談") == ["相談E", "相談F", "相談A", "相談B", "相談C", "相談D"]


def test_a_service_serving_several_areas_ranks_by_the_closest():
    plain("広域相談", name_kana="う", area_codes=("270008", "271276"), is_national=True)
    plain("府の相談", name_kana="あ", area_codes=("270008",))
    assert found("相談", area_code="271276") == ["広域相談", "府の相談"]


# --- Paging and the cap -----------------------------------------------------------------------------


def test_pages_cover_every_match_once():
    for i in range(25):
        plain(f"サロン{i:02d}", name_kana=f"さろん{i:02d}")
    pages = [services_search(text="サロン", page=page, per_page=10) for page in (1, 2, 3, 4)]
    assert [len(p.services) for p in pages] == [10, 10, 5, 0]
    assert [s.name for p in pages for s in p.services] == [f"サロン{i:02d}" for i in range(25)]
    assert all(p.total == 25 and not p.total_is_lower_bound for p in pages)


def test_beyond_the_cap_results_follow_in_index_order(monkeypatch):
    monkeypatch.setattr(selectors, "RANK_CAP", 5)
    # Made in reverse kana order, so id order and ranked order differ.
    for i in reversed(range(8)):
        plain(f"サロン{i}", name_kana=f"さろん{i}")
    # The first five ids are サロン7…サロン3: ranked, they come in kana order.
    first = services_search(text="サロン", per_page=3)
    assert [s.name for s in first.services] == ["サロン3", "サロン4", "サロン5"]
    assert (first.total, first.total_is_lower_bound) == (5, True)
    second = services_search(text="サロン", page=2, per_page=3)
    assert [s.name for s in second.services] == ["サロン6", "サロン7", "サロン2"]
    assert second.total_is_lower_bound
    third = services_search(text="サロン", page=3, per_page=3)
    assert [s.name for s in third.services] == ["サロン1", "サロン0"]
    assert (third.total, third.total_is_lower_bound) == (8, False)
    beyond = services_search(text="サロン", page=9, per_page=3)
    assert beyond.services == [] and beyond.total_is_lower_bound


def test_no_text_and_no_filter_lists_the_directory_in_kana_order():
    for name, kana in (("わかば", "わかば"), ("あおば", "あおば"), ("みどり", "みどり")):
        plain(name, name_kana=kana)
    closed = plain("かれは", name_kana="かれは")
    service_set_status(actor=ACTOR, service=closed, status=ServiceStatus.DEFUNCT)
    result = services_search(per_page=2)
    assert [s.name for s in result.services] == ["あおば", "みどり"]
    assert (result.total, result.total_is_lower_bound) == (3, False)
    assert found(page=2, per_page=2) == ["わかば"]
    assert found(statuses=tuple(ServiceStatus.values)) == ["あおば", "かれは", "みどり", "わかば"]
    assert found("・・・") == ["あおば", "みどり", "わかば"]  # no letters: no text
    past = services_search(page=5, per_page=2)
    assert (past.services, past.total, past.total_is_lower_bound) == ([], 3, False)


def test_the_whole_directory_pages_past_the_counted_part(monkeypatch):
    monkeypatch.setattr(selectors, "RANK_CAP", 2)
    for name in ("あ", "い", "う", "え", "お"):
        plain(name, name_kana=name)
    pages = [services_search(page=page, per_page=2) for page in (1, 2, 3, 9)]
    assert [[s.name for s in p.services] for p in pages] == [["あ", "い"], ["う", "え"], ["お"], []]
    assert [(p.total, p.total_is_lower_bound) for p in pages] == [(2, True), (5, True), (5, False), (2, True)]


def test_bad_paging_is_refused():
    with pytest.raises(ValueError):
        services_search(page=0)
    with pytest.raises(ValueError):
        services_search(per_page=selectors.MAX_PER_PAGE + 1)


# --- A fixed number of queries ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 12])
def test_a_search_runs_a_fixed_number_of_queries(count, django_assert_num_queries):
    organisation = OrganisationFactory()
    for i in range(count):
        make_service(
            organisation=organisation,
            name=f"相談窓口{i}",
            area_codes=("131041",),
            languages=("ja", "en"),
            concerns=("mind-life", "work"),
            hours=WEEKDAYS,
        )
    # The index query, the hours-window probe, then the page's cards: their parts (phones,
    # languages, areas served, terms), the schedules (own and their locations'), the services.
    with django_assert_num_queries(5):
        assert len(found("相談")) == count
    # + the area with its parents, + the taxonomy terms, + the organisation.
    with django_assert_num_queries(8):
        result = found("相談", area_code="131041", concerns=("mind-life",), organisation_code=organisation.code)
        assert len(result) == count
    # The whole directory: a count and a page from the index, then the page's cards.
    with django_assert_num_queries(5):
        assert len(found()) == count
    # Nothing found: no page to load.
    with django_assert_num_queries(2):
        assert found("該当なし") == []


def test_the_page_comes_with_what_a_card_shows(directory, django_assert_num_queries):
    result = services_search(text="相談", filters=SearchFilters(area_code="131041"))
    assert result.services
    wednesday = dt.datetime(2026, 12, 9, 14, 0, tzinfo=TOKYO)
    with django_assert_num_queries(0):
        for card in result.services:
            assert card.organisation_name and card.code
            assert card.terms_of("concern")
            assert card.areas or card.is_national
            card.open_at(wednesday)
            card.open_minutes_on(wednesday.date())
            card.hours_texts(wednesday.date())


def test_a_card_holds_the_values_of_its_service():
    made = make_service(
        name="よりそい相談",
        area_codes=("131041", "312011"),
        concerns=("mind-life", "work"),
        people_served=("anyone", "carers"),
        languages=("ja", "en", "vi"),
        phones=(PhoneData(number="0120-000-111", description="通話無料"), PhoneData(number="03-0000-2222")),
        hours=WEEKDAYS,
    )
    (card,) = services_search(text="よりそい").services
    service = Service.objects.get(pk=card.pk)
    assert card.pk == made.pk and len(card.phones) == 2 and len(card.languages) == 3
    assert (card.name, card.code, card.organisation_name) == (service.name, service.code, service.organisation.name)
    assert [p.number for p in card.phones] == [p.number for p in service.phones.order_by("position", "pk")]
    assert sorted(card.languages) == sorted(service.languages.values_list("tag", flat=True))
    assert {(t.taxonomy, t.key) for t in card.terms} == set(
        service.attributes.values_list("taxonomy_term__taxonomy__key", "taxonomy_term__key")
    )
    assert card.is_national == service.service_areas.filter(area__isnull=True).exists()
    assert {a.code for a in card.areas} == set(
        service.service_areas.filter(area__isnull=False).values_list("area__code", flat=True)
    )
