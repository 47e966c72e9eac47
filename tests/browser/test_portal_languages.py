"""Every public page in every portal language passes axe-core (WCAG 2.1 AA) at phone width.

The page-specific journeys (tests/browser/test_portal_*.py) cover Japanese, やさしい日本語 and English
in depth; this walks every page in all seven languages, including each finder step and the finder's
results (reached by answering the steps, as a person would: the answers are posted, never in the
address), the keyword search results, a service page and the self-check result.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_sign_in import check_page
from tsunagu.directory.crisis import forget_crisis_lines
from tsunagu.portal.tests.finder_data import Directory, make_directory

# Rendering only: the database behind the pages is the same fixture on SQLite and PostgreSQL, so
# .ci/run runs this once (on SQLite) to keep CI under 30 minutes.
pytestmark = [pytest.mark.browser, pytest.mark.rendering]

LANGUAGES = {
    "ja": "",
    "ja-easy": "/ja-easy",
    "en": "/en",
    "zh-hans": "/zh-hans",
    "ko": "/ko",
    "vi": "/vi",
    "pt-br": "/pt-br",
}
PAGES = ["/", "/now/", "/places/", "/worried/", "/browse-privately/", "/find/", "/search/", "/self-check/"]


@pytest.fixture
def directory(transactional_db: None) -> Directory:
    forget_crisis_lines()
    return make_directory()


def _submit(page: Page, action: str = "next") -> None:
    page.locator(f'main button[type="submit"][name="action"][value="{action}"]').first.click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_passes_axe_in_every_language(
    page: Page, live_server: Any, directory: Directory, language: str
) -> None:
    prefix = f"{live_server.url}{LANGUAGES[language]}"
    page.set_viewport_size({"width": 375, "height": 800})
    for path in PAGES:
        page.goto(prefix + path)
        expect(page.locator("html")).to_have_attribute(
            "lang", {"ja-easy": "ja", "zh-hans": "zh-Hans", "pt-br": "pt-BR"}.get(language, language)
        )
        check_page(page, f"portal-{language}{path.strip('/').replace('/', '-') or '-home'}")

    # The finder, step by step: a concern, skip "for whom", a postal code, skip "how".
    page.goto(prefix + "/find/")
    page.locator('main input[type="checkbox"]').first.check()
    _submit(page)
    check_page(page, f"portal-{language}-finder-2")
    _submit(page, "skip")
    check_page(page, f"portal-{language}-finder-3")
    page.locator('main input[type="text"]').first.fill("680-0000")
    _submit(page)
    check_page(page, f"portal-{language}-finder-4")
    _submit(page, "skip")
    expect(page.locator('main a[href^="tel:"]').first).to_be_visible()
    check_page(page, f"portal-{language}-finder-results")
    assert page.url == prefix + "/find/", "the finder's answers must not reach the address"

    # A service page from the results, then keyword search results.
    page.locator("main .card a").first.click()
    expect(page.locator("h1")).to_be_visible()
    check_page(page, f"portal-{language}-service")
    page.goto(prefix + "/search/")
    page.locator('main input[type="search"], main input[name="q"]').first.fill("相談")
    page.locator('main form button[type="submit"]').first.click()
    check_page(page, f"portal-{language}-search-results")

    # The self-check result.
    page.goto(prefix + "/self-check/")
    for group in range(4):
        page.locator("main fieldset").nth(group).locator('input[type="radio"]').nth(2).check()
    page.locator('main form button[type="submit"]').first.click()
    check_page(page, f"portal-{language}-selfcheck-result")
    assert page.context.cookies() == []
