"""The finder's journeys in Chromium at phone width (375 px), with JavaScript on and off: a worried
resident in 鳥取市 types a postal code and two concerns and reaches a service open now; a person at
3 a.m. on a public holiday reaches a 24-hour line. axe-core (WCAG 2.1 AA) on every step, on the
results, the service page and the print list; nothing the person answers appears in the URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import check_page, t
from tsunagu.portal.tests.finder_data import HOLIDAY_3AM, THURSDAY_10, Directory, make_directory

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def directory(transactional_db: None) -> Directory:
    # The live server answers from another thread: the directory must be committed.
    return make_directory()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ja-JP", viewport=PHONE, java_script_enabled=request.param)
    context.javascript = request.param  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _check(page: Page, name: str) -> None:
    """axe, no sideways scrolling, a screenshot. axe-core is a script: with JavaScript disabled it cannot
    run (Playwright's evaluate never returns), so there the page must only fit; the js run of the
    same journey checks the same HTML with axe."""
    if page.context.pages and _javascript(page):
        check_page(page, f"portal-{name}")
        return
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.locator("html").bounding_box()["width"] <= width  # type: ignore[index]
    screenshot(page, f"portal-{name}-nojs")


def _javascript(page: Page) -> bool:
    return bool(getattr(page.context, "javascript", True))


def _next(page: Page, label: str = "Next") -> None:
    page.get_by_role("button", name=t(label), exact=True).click()


def test_a_worried_resident_in_tottori_reaches_a_service_open_now(
    phone: Page, live_server: Any, directory: Directory
) -> None:
    page = phone
    finder = f"{live_server.url}/find/"
    with time_machine.travel(THURSDAY_10, tick=True):
        page.goto(finder)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("What is worrying you?"))
        _check(page, "finder-1-concerns")
        page.get_by_label("こころ・いのち", exact=True).check()
        page.get_by_label("生活・お金", exact=True).check()
        _next(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("Who is it for?"))
        _check(page, "finder-2-whom")
        page.get_by_label(t("Myself"), exact=True).check()
        _next(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("Where do you live?"))
        page.get_by_role("textbox", name=t("Where do you live?")).fill("999-9999")
        _next(page)
        expect(page.get_by_role("alert")).to_contain_text("〒999-9999")
        _check(page, "finder-3-where-error")
        page.get_by_role("textbox", name=t("Where do you live?")).fill("680-0000")
        _next(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(t("How would you like to reach someone?"))
        _check(page, "finder-4-channel")
        _next(page, "Show results")

        expect(page.get_by_role("heading", level=1)).to_have_text(t("Places that can help"))
        assert page.url == finder  # the answers travelled in POST bodies only
        open_now = page.locator("section[aria-labelledby=open-heading]")
        expect(open_now.locator(".card-name").first).to_have_text(directory.local_open.name)
        expect(open_now.locator(".card").first.locator(".badge-open")).to_have_text(t("Open now"))
        expect(open_now.locator("a.tel").first).to_have_attribute("href", "tel:0857001111")
        _check(page, "finder-results")

        # Open the service in a second tab, as a person might, then print a list from the results.
        link = page.get_by_role("link", name=directory.local_open.name).first
        detail = page.context.new_page()
        detail.goto(f"{live_server.url}{link.get_attribute('href')}")
        expect(detail.get_by_role("heading", level=1)).to_have_text(directory.local_open.name)
        expect(detail.locator(".badge-open")).to_have_text(t("Open now"))
        expect(detail.locator("a.tel").first).to_have_attribute("href", "tel:0857001111")
        _check(detail, "service")
        detail.close()

        for service in (directory.local_open, directory.line_24h):
            card = page.locator(f"article[aria-labelledby='card-{service.code}']").first
            card.get_by_role("checkbox").check()
        page.get_by_role("button", name=t("Print the services I ticked")).first.click()
        expect(page.locator(".print-entry h2")).to_have_text([directory.local_open.name, directory.line_24h.name])
        assert page.url == f"{live_server.url}/print/"
        _check(page, "print")


def test_at_3_am_on_a_public_holiday_a_person_reaches_a_24_hour_line(
    phone: Page, live_server: Any, directory: Directory
) -> None:
    page = phone
    with time_machine.travel(HOLIDAY_3AM, tick=True):
        page.goto(f"{live_server.url}/find/")
        page.get_by_label("こころ・いのち", exact=True).check()
        _next(page)
        for _step in range(3):
            _next(page, "Skip this question")
        lines = page.locator("section[aria-labelledby=lines-heading]")
        expect(lines.locator(".card-name")).to_have_text([directory.line_24h.name])
        expect(lines.locator(".badge-open")).to_have_text(t("Open now"))
        expect(lines.locator("a.tel").first).to_have_attribute("href", "tel:0120000001")
        # The town's weekday service is closed tonight, so it is not under "open now".
        expect(page.locator("section[aria-labelledby=open-heading]")).not_to_contain_text(directory.local_open.name)
        _check(page, "finder-results-3am")

        # Nothing fits: the page still ends at a person to call.
        nothing = page.locator("section[aria-labelledby=nothing-heading]")
        expect(nothing.locator("a.tel").first).to_be_visible()
        page.goto(f"{live_server.url}/find/")
        page.get_by_label("災害", exact=True).check()
        _next(page)
        for _step in range(3):
            _next(page, "Skip this question")
        expect(page.locator("section[aria-labelledby=lines-heading] a.tel").first).to_be_visible()
        _check(page, "finder-nothing-fits-3am")
