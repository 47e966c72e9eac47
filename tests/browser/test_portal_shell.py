"""The portal's frame in Chromium: the quick exit (with and without JavaScript, Esc twice), keyboard
order, and axe-core with no sideways scrolling on every simple page in ja, やさしい日本語 and English at
phone widths (375 and 320 px) and at 200 % text size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.test_sign_in import check_page, t
from tsunagu.directory.crisis import forget_crisis_lines
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_service

pytestmark = pytest.mark.browser

#: Not reachable from CI: every request to it is answered by page.route below.
EXIT_URL = "http://neutral.example/weather/"
PAGES = ["portal:home", "portal:now", "portal:places", "portal:worried", "portal:private"]
LANGUAGES = ["ja", "ja-easy", "en"]
PHONE_WIDTHS = [375, 320]


@pytest.fixture
def directory(transactional_db: None, settings: Any) -> Iterator[None]:
    settings.TSUNAGU_QUICK_EXIT_URL = EXIT_URL
    forget_crisis_lines()
    make_service(
        name="まもるダイヤル",
        is_crisis_line=True,
        is_24_hours=True,
        hours="24時間",
        is_national=True,
        area_codes=(),
        resource_kinds=("crisis-line",),
        channels=("phone", "freephone", "chat"),
        people_served=("anyone",),
        phones=(PhoneData("0120-111-222", description="通話料無料"),),
        url="https://example.org/mamoru",
    )
    make_service(
        name="とっとり居場所カフェ",
        resource_kinds=("ibasho",),
        area_codes=("312011",),
        hours="水 13:00～17:00",
        phones=(PhoneData("0857-00-0000"),),
    )
    yield
    forget_crisis_lines()


def _neutral_site(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>天気</title><p>天気予報</p>")


def url(name: str, language: str = "ja") -> str:
    with translation.override(language):
        return reverse(name)


def test_quick_exit_replaces_the_page_so_back_does_not_return(page: Page, live_server: Any, directory: None) -> None:
    page.context.route(EXIT_URL, _neutral_site)
    portal = f"{live_server.url}{url('portal:worried')}"
    page.goto(portal)
    page.get_by_role("link", name=t("Quick exit")).click()
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    assert page.url != portal, "Back returned to the portal after the quick exit"


def test_escape_twice_leaves_and_once_does_not(page: Page, live_server: Any, directory: None) -> None:
    page.context.route(EXIT_URL, _neutral_site)
    portal = f"{live_server.url}{url('portal:now')}"
    page.goto(portal)
    page.keyboard.press("Escape")
    page.wait_for_timeout(1200)
    page.keyboard.press("Escape")  # more than a second later: two single presses, not a double one
    page.wait_for_timeout(300)
    assert page.url == portal
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    assert page.url != portal


def test_quick_exit_and_places_work_without_javascript(browser: Browser, live_server: Any, directory: None) -> None:
    context = browser.new_context(locale="ja-JP", java_script_enabled=False, viewport={"width": 375, "height": 800})
    try:
        context.route(EXIT_URL, _neutral_site)
        page = context.new_page()
        page.goto(f"{live_server.url}{url('portal:places')}")
        page.get_by_label(t("Place to belong (ibasho)"), exact=True).check()
        page.get_by_label(t("Where? (optional)")).fill("鳥取市")
        page.get_by_role("button", name=t("Show places")).click()
        results = page.locator(".results")
        expect(results.get_by_role("link", name="とっとり居場所カフェ")).to_be_visible()
        assert "鳥取" not in page.url  # the place typed is posted, never in the address
        page.get_by_role("link", name=t("Quick exit")).click()
        expect(page).to_have_url(EXIT_URL)
    finally:
        context.close()


def test_tab_reaches_the_quick_exit_first_or_second(page: Page, live_server: Any, directory: None) -> None:
    page.goto(f"{live_server.url}{url('portal:home')}")
    reached = []
    for _ in range(2):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.className"))
    assert "quick-exit" in reached, reached
    assert reached[0] == "skip-link"


def test_the_crisis_banner_calls_in_one_tap(page: Page, live_server: Any, directory: None) -> None:
    page.goto(f"{live_server.url}{url('portal:places')}")
    banner = page.get_by_role("region", name=t("If you are in danger now, or thinking of dying"))
    expect(banner.locator('a[href="tel:0120111222"]')).to_contain_text("0120-111-222")
    expect(banner.locator('a[href="tel:110"]')).to_be_visible()
    expect(banner.locator('a[href="tel:119"]')).to_be_visible()


def test_language_menu_opens_the_same_page_in_english(page: Page, live_server: Any, directory: None) -> None:
    page.goto(f"{live_server.url}{url('portal:worried')}")
    page.locator(".languages summary").click()
    page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/en/worried/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("When you are worried about someone")
    assert page.context.cookies() == []


@pytest.mark.rendering
@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_pass_axe_at_phone_widths(page: Page, live_server: Any, directory: None, language: str) -> None:
    for name in PAGES:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{live_server.url}{url(name, language)}")
            check_page(page, f"portal-{name.split(':')[1]}-{language}")
    # A page with results and the language menu open.
    page.goto(f"{live_server.url}{url('portal:places', language)}")
    # By name, not label: in やさしい日本語 the label's kanji carry furigana, which joins the accessible name.
    page.locator('main input[name="where"]').fill("鳥取市")
    page.locator('main form button[type="submit"]').first.click()
    page.locator(".languages summary").click()
    check_page(page, f"portal-places-results-{language}")
    assert page.context.cookies() == []


@pytest.mark.rendering
def test_pages_reflow_at_200_percent_text(page: Page, live_server: Any, directory: None) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    for name in PAGES:
        page.goto(f"{live_server.url}{url(name)}")
        # Text zoom as a browser setting does it: the root font size (CSSOM, so the CSP allows it).
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        width = page.evaluate("document.documentElement.scrollWidth")
        check_page(page, f"portal-{name.split(':')[1]}-zoom200")
        assert width <= 375, f"{name}: {width}px wide at 200 % text"
