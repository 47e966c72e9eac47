"""The portal's frame and simple pages: every page in every language, no cookies, the crisis banner,
the quick exit and the language menu (docs/portal.md)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.directory.crisis import forget_crisis_lines
from tsunagu.directory.models import Area, PostalCode
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_areas, make_service

pytestmark = pytest.mark.django_db

PAGES = ["portal:home", "portal:now", "portal:places", "portal:worried", "portal:private"]
#: Django language code → the page's <html lang>.
LANGUAGES = {"ja": "ja", "ja-easy": "ja", "en": "en", "zh-hans": "zh-Hans", "ko": "ko", "vi": "vi", "pt-br": "pt-BR"}
# Wednesday 25 November 2026, 12:00 in Tokyo: a working day.
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def fresh_banner():
    forget_crisis_lines()
    yield
    forget_crisis_lines()


def t(message: str, language: str = "ja") -> str:
    """What the page shows for ``message`` (the Japanese catalog is merged by the lead)."""
    with translation.override(language):
        return translation.gettext(message)


def url(name: str, language: str = "ja") -> str:
    with translation.override(language):
        return reverse(name)


def crisis_line(name: str = "まもるダイヤル", number: str = "0120-111-222", **overrides):
    data = {
        "name": name,
        "is_crisis_line": True,
        "is_24_hours": True,
        "hours": "24時間",
        "is_national": True,
        "area_codes": (),
        "resource_kinds": ("crisis-line",),
        "channels": ("phone", "freephone"),
        "phones": (PhoneData(number=number),),
    }
    data.update(overrides)
    return make_service(**data)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_in_every_language_without_cookies(name, language):
    client = Client()
    response = client.get(url(name, language))
    assert response.status_code == 200
    assert re.search(rf'<html lang="{LANGUAGES[language]}">', response.content.decode())
    assert not response.cookies, f"{name} in {language} sets {list(response.cookies)}"
    assert "Set-Cookie" not in response.headers


def test_japanese_has_no_prefix_and_other_languages_do():
    assert url("portal:worried") == "/worried/"
    assert url("portal:worried", "ja-easy") == "/ja-easy/worried/"
    assert url("portal:worried", "pt-br") == "/pt-br/worried/"


def test_pages_are_in_the_language_of_their_address():
    for language in LANGUAGES:
        html = Client().get(url("portal:worried", language)).content.decode()
        # やさしい日本語 adds furigana: <ruby>人<rt>ひと</rt></ruby> reads as 人.
        text = re.sub(r"<rt>.*?</rt>|</?ruby>", "", html)
        assert f"<h1>{t('When you are worried about someone', language)}</h1>" in text, language
    assert "<h1>When you are worried about someone</h1>" in Client().get(url("portal:worried", "en")).content.decode()


def test_language_menu_links_to_the_same_page_in_every_language_each_named_in_itself():
    html = Client().get(url("portal:private", "en")).content.decode()
    for code, label, lang in [
        ("ja", "日本語", "ja"),
        ("ja-easy", "やさしい日本語", "ja"),
        ("en", "English", "en"),
        ("zh-hans", "简体中文", "zh-Hans"),
        ("ko", "한국어", "ko"),
        ("vi", "Tiếng Việt", "vi"),
        ("pt-br", "Português", "pt-BR"),
    ]:
        href = url("portal:private", code)
        assert re.search(rf'<a href="{href}" lang="{lang}" hreflang="{lang}"[^>]*>{label}</a>', html), code
    assert re.search(r'<a href="/en/browse-privately/"[^>]*aria-current="page"', html)


def test_the_crisis_banner_lists_a_24_hour_crisis_line_with_a_tel_link_on_every_page():
    crisis_line()
    make_service(
        name="ひるまの相談室", is_crisis_line=True, hours="月～金 9:00～17:00", phones=(PhoneData("03-0000-1111"),)
    )
    for name in PAGES:
        html = Client().get(url(name)).content.decode()
        banner = html.split('<section class="crisis"', 1)[1].split("</section>", 1)[0]
        assert "まもるダイヤル" in banner
        assert 'href="tel:0120111222"' in banner and "0120-111-222" in banner
        assert "ひるまの相談室" not in banner  # a crisis line, but not open 24 hours
        assert 'href="tel:110"' in banner and 'href="tel:119"' in banner


def test_the_banner_shows_110_and_119_even_with_an_empty_directory():
    html = Client().get(url("portal:home", "en")).content.decode()
    assert 'href="tel:110"' in html and ">Police<" in html
    assert 'href="tel:119"' in html and ">Ambulance or fire<" in html


def test_the_banner_prefers_national_lines_for_anyone(django_assert_max_num_queries):
    crisis_line("こどもSOS", "0120-000-001", people_served=("children-youth",))
    crisis_line("だれでもライン", "0120-000-002", people_served=("anyone",))
    crisis_line("県の夜間ダイヤル", "0857-00-0003", is_national=False, area_codes=("310000",))
    html = Client().get(url("portal:home")).content.decode()
    banner = html.split('<section class="crisis"', 1)[1]
    assert banner.index("だれでもライン") < banner.index("こどもSOS") < banner.index("県の夜間ダイヤル")


def test_the_banner_is_cached_so_a_page_view_runs_no_search(django_assert_num_queries):
    crisis_line()
    client = Client()
    client.get(url("portal:worried"))
    with django_assert_num_queries(0):
        html = client.get(url("portal:worried")).content.decode()
    assert "まもるダイヤル" in html


def test_quick_exit_is_a_plain_link_to_the_setting_on_every_page(settings):
    settings.TSUNAGU_QUICK_EXIT_URL = "http://127.0.0.1:9/weather"
    for name in PAGES:
        html = Client().get(url(name)).content.decode()
        assert re.search(
            r'<a class="quick-exit" href="http://127.0.0.1:9/weather" rel="noreferrer" data-quick-exit>', html
        )
        assert t("Quick exit") in html


def test_quick_exit_defaults_to_a_neutral_site():
    assert settings.TSUNAGU_QUICK_EXIT_URL.startswith("https://")


def test_home_shows_the_four_doors():
    html = Client().get(url("portal:home")).content.decode()
    for door, target in [
        ("I want someone to listen, now", "portal:now"),
        ("I want to talk about a problem", "portal:finder"),
        ("I am looking for a place to belong and connect", "portal:places"),
        ("When you are worried about someone", "portal:worried"),
    ]:
        assert re.search(rf'href="{url(target)}"><span class="door-title">{t(door)}</span>', html), door
    assert f'href="{url("portal:selfcheck")}"' in html and f'href="{url("portal:search")}"' in html


def test_footer_links_to_browsing_privately_and_staff_sign_in():
    html = Client().get(url("portal:home")).content.decode()
    assert f'href="{url("portal:private")}"' in html
    assert f'href="{reverse("accounts:login")}"' in html


def test_pages_refuse_other_methods():
    for name in ["portal:home", "portal:now", "portal:worried", "portal:private"]:
        assert Client().post(url(name)).status_code == 405


# --- now ------------------------------------------------------------------------------------------


def _now_page(at: dt.datetime) -> str:
    with time_machine.travel(at, tick=False):
        return Client().get(url("portal:now")).content.decode()


def test_now_lists_24_hour_lines_first_then_lines_open_now_with_tel_links():
    crisis_line()
    crisis_line("よるのでんわ", "0120-333-444", is_24_hours=False, hours="毎日 10:00～22:00")
    crisis_line("あさのでんわ", "0120-555-666", is_24_hours=False, hours="毎日 6:00～9:00")
    make_service(name="市の相談窓口", hours="毎日 9:00～17:00", phones=(PhoneData("0857-00-0000"),))
    html = _now_page(NOON)
    main = html.split('<main id="main"', 1)[1]
    assert main.index("まもるダイヤル") < main.index("よるのでんわ")
    assert 'href="tel:0120333444"' in main and "10:00–22:00" in main
    assert "あさのでんわ" not in main  # closed at noon
    assert "市の相談窓口" not in main  # not a crisis line


def test_now_at_3_am_still_shows_the_24_hour_lines():
    crisis_line()
    crisis_line("よるのでんわ", "0120-333-444", is_24_hours=False, hours="毎日 10:00～22:00")
    html = _now_page(dt.datetime(2026, 11, 23, 3, 0, tzinfo=TOKYO))  # 勤労感謝の日, 3 a.m.
    main = html.split('<main id="main"', 1)[1]
    assert "まもるダイヤル" in main and 'href="tel:0120111222"' in main
    assert "よるのでんわ" not in main


def test_now_is_never_empty():
    html = Client().get(url("portal:now", "en")).content.decode()
    assert "We could not find a line that is open right now" in html
    assert 'href="tel:110"' in html


# --- places ---------------------------------------------------------------------------------------


def test_places_finds_a_place_in_the_town_typed_and_keeps_it_out_of_the_url():
    make_service(
        name="とっとり居場所カフェ", resource_kinds=("ibasho",), area_codes=("312011",), hours="水 13:00～17:00"
    )
    make_service(name="しんじゅく居場所", resource_kinds=("ibasho",), area_codes=("131041",))
    make_service(name="とっとり子ども食堂", resource_kinds=("kodomo-shokudo",), area_codes=("312011",))
    client = Client()
    response = client.post(url("portal:places"), {"kind": ["ibasho"], "where": "鳥取市"})
    html = response.content.decode()
    assert response.status_code == 200 and not response.cookies
    results = html.split('<section class="results"', 1)[1]
    assert "とっとり居場所カフェ" in results
    assert "しんじゅく居場所" not in results and "とっとり子ども食堂" not in results
    assert 'action="/places/"' in html and 'method="post"' in html


def test_places_without_a_kind_shows_all_four_kinds():
    make_service(name="とっとり子ども食堂", resource_kinds=("kodomo-shokudo",), area_codes=("312011",))
    make_service(name="わかばサロン", resource_kinds=("salon",), area_codes=("312011",))
    make_service(name="市の相談窓口", resource_kinds=("consultation",), area_codes=("312011",))
    html = Client().post(url("portal:places"), {"where": "312011"}).content.decode()
    results = html.split('<section class="results"', 1)[1]
    assert "とっとり子ども食堂" in results and "わかばサロン" in results and "市の相談窓口" not in results


def test_places_says_when_the_place_typed_is_unknown():
    response = Client().post(url("portal:places", "en"), {"where": "Atlantis"})
    html = response.content.decode()
    assert "We could not find this place" in html
    assert 'aria-invalid="true"' in html and 'value="Atlantis"' in html


def test_places_with_nothing_found_says_so_and_points_to_a_person():
    make_areas()
    html = Client().post(url("portal:places", "en"), {"where": "鳥取市"}).content.decode()
    assert "No places of these kinds are listed here yet." in html
    assert "social welfare council" in html


def test_the_places_form_needs_no_csrf_token_and_sets_no_cookie():
    make_areas()
    response = Client(enforce_csrf_checks=True).post(url("portal:places"), {"where": "鳥取市"})
    assert response.status_code == 200
    assert not response.cookies


def test_places_takes_a_postal_code():
    make_service(name="とっとり居場所カフェ", resource_kinds=("ibasho",), area_codes=("312011",))
    make_service(name="しんじゅく居場所", resource_kinds=("ibasho",), area_codes=("131041",))
    PostalCode.objects.create(code="6800000", area=Area.objects.get(code="312011"))
    html = Client().post(url("portal:places"), {"where": "〒680-0000"}).content.decode()
    results = html.split('<section class="results"', 1)[1]
    assert "とっとり居場所カフェ" in results and "しんじゅく居場所" not in results
    assert (
        t("We could not find this postal code.")
        in Client().post(url("portal:places"), {"where": "999-9999"}).content.decode()
    )
