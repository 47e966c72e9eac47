"""The loneliness self-check and やさしい日本語 in Chromium at phone width: without JavaScript, axe clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_sign_in import check_page, field, t
from tests.browser.test_sign_in import world as world  # the people, committed for the live server
from tests.browser.test_staff_pages import check_at_every_width, sign_in
from tsunagu.accounts.tests.personas import World
from tsunagu.portal.models import ReadingOverride

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def phone_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def answer(language: str, text: str) -> str:
    with translation.override(language):
        return translation.pgettext("self-check answer", text)


def fits(page: Page, name: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"


def _answer_strongly(page: Page) -> None:
    """A person who often feels lonely answers three of the four questions (any may be left out)."""
    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(4)
    questions.nth(0).get_by_label(answer("ja", "Often or always"), exact=True).check()
    questions.nth(1).get_by_label(answer("ja", "Sometimes"), exact=True).check()
    questions.nth(2).get_by_label(answer("ja", "Always"), exact=True).check()
    page.get_by_role("button", name=t("See the result")).click()
    expect(page.get_by_role("heading", name=t("Thank you for answering honestly"))).to_be_visible()


def test_self_check_without_javascript(phone_without_js: Page, live_server: Any, transactional_db: None) -> None:
    page = phone_without_js
    page.goto(f"{live_server.url}/self-check/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Loneliness self-check"))
    _answer_strongly(page)
    # The talk-now door comes first.
    doors = page.locator(".selfcheck-result .doors a")
    expect(doors).to_have_count(4)
    expect(doors.first).to_contain_text(t("I want someone to listen, now"))
    assert doors.first.get_attribute("href") == "/now/"
    # The answers stay chosen, nothing of them is in the address, and no cookie was set.
    first = page.locator("fieldset.question").nth(0)
    expect(first.get_by_label(answer("ja", "Often or always"), exact=True)).to_be_checked()
    assert page.url == f"{live_server.url}/self-check/"
    assert page.context.cookies() == []


def test_self_check_is_accessible_at_phone_width(page: Page, live_server: Any, transactional_db: None) -> None:
    # axe and the width check run scripts in the page, so this walk has JavaScript on.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/self-check/")
    assert_no_axe_violations(page)
    fits(page, "selfcheck")
    screenshot(page, "portal-selfcheck")
    _answer_strongly(page)
    assert_no_axe_violations(page)
    fits(page, "selfcheck-result")
    screenshot(page, "portal-selfcheck-result")


def test_easy_japanese_shows_furigana(page: Page, live_server: Any, transactional_db: None) -> None:
    page.set_viewport_size(PHONE)
    for name, path in (("portal-easy-home", "/ja-easy/"), ("portal-easy-selfcheck", "/ja-easy/self-check/")):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("main ruby").count() > 0, f"{path}: no furigana"
        assert page.locator("main ruby rt").first.inner_text().strip() != ""
        # The language menu is not annotated: each language keeps its own name.
        assert page.locator("[hreflang] ruby").count() == 0
        assert page.context.cookies() == []
        assert_no_axe_violations(page)
        fits(page, name)
        screenshot(page, name)


def test_reading_pages_for_staff(page: Page, live_server: Any, world: World) -> None:
    override = ReadingOverride.objects.create(surface="明日", reading="あした", note="やさしい言い方")
    sign_in(page, live_server.url, world, "system_admin_c")
    pages = {
        "portal-readings": reverse("portal_staff:readings"),
        "portal-reading-create": reverse("portal_staff:reading_create"),
        "portal-reading-edit": reverse("portal_staff:reading_edit", kwargs={"code": override.code}),
    }
    for name, path in pages.items():
        check_at_every_width(page, f"{live_server.url}{path}", name)
    # A reading with kanji is refused with a clear message next to the field.
    page.goto(f"{live_server.url}{pages['portal-reading-create']}")
    page.get_by_label(field("Word"), exact=True).fill("今日")
    page.get_by_label(field("Reading"), exact=True).fill("今日")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(
        t("Write the reading in hiragana only (no kanji, letters, digits or spaces).")
    )
    assert ReadingOverride.objects.count() == 1
    check_page(page, "portal-reading-error")
