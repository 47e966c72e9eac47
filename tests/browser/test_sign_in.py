"""Signing in through the real pages in Chromium: password, one-time code, dashboard, sign out.

Each page on the way must pass axe-core (WCAG 2.1 AA) and fit a 320 px wide screen without
horizontal scrolling. Every test builds its own people and authenticators, so a one-time code is
never offered twice to the same device within its 30-second window.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tsunagu.accounts.models import User
from tsunagu.accounts.policy import Role
from tsunagu.accounts.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from tsunagu.accounts.tests.personas import World, build_world, current_code

pytestmark = pytest.mark.browser

WIDTHS = [1280, 320]


@pytest.fixture
def world(transactional_db: None) -> World:
    # The live server answers from another thread, so the people must be committed, not in a test transaction.
    return build_world()


def t(message: str, language: str = "ja") -> str:
    """What the UI shows for ``message`` in ``language``: tests find controls as a user would, by their text."""
    with translation.override(language):
        return translation.gettext(message)


def field(message: str, language: str = "ja") -> str:
    """A form field's label as Django renders it, with the label suffix (":")."""
    return t(message, language) + t(":", language)


def check_page(page: Page, name: str) -> None:
    """What every page must do: pass axe, fit the window without sideways scrolling."""
    assert_no_axe_violations(page)
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, name)
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide in a {width}px window"


def sign_in_with_password(page: Page, server_url: str, username: str) -> None:
    page.goto(f"{server_url}/staff/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Staff sign in"))
    page.get_by_label(field("Username"), exact=True).fill(username)
    page.get_by_label(field("Password"), exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name=t("Next"), exact=True).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_signs_in_with_password_and_code_then_out(page: Page, live_server: Any, world: World, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/staff/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    check_page(page, "login")

    sign_in_with_password(page, live_server.url, world.users["counsellor_a"].username)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Enter your one-time code"))
    check_page(page, "code")

    page.get_by_label(field("One-time code"), exact=True).fill(current_code(world.devices["counsellor_a"]))
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.organisations["A"].name)
    check_page(page, "dashboard")

    page.get_by_role("button", name=t("Sign out"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/login/")
    expect(page.get_by_role("status")).to_contain_text(t("You have signed out."))
    expect(page.get_by_role("button", name=t("Sign out"), exact=True)).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_first_sign_in_sets_up_the_authenticator(page: Page, live_server: Any, world: World, width: int) -> None:
    user: User = UserFactory.create(username="new-counsellor")  # a counsellor with no authenticator yet
    MembershipFactory.create(user=user, organisation=world.organisations["A"], role=Role.COUNSELLOR)
    page.set_viewport_size({"width": width, "height": 800})

    sign_in_with_password(page, live_server.url, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Set up your authenticator"))
    qr_code = page.get_by_role("img", name=t("QR code for your authenticator app"))
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("svg => svg.tagName") == "svg"
    # A QR code cut off at the edge cannot be scanned: the drawing must lie inside the box the page shows.
    shown, drawn = qr_code.evaluate(
        "svg => [svg.getBoundingClientRect().toJSON(), svg.querySelector('path').getBoundingClientRect().toJSON()]"
    )
    assert drawn["right"] <= shown["right"] + 1 and drawn["bottom"] <= shown["bottom"] + 1, (
        f"QR code is cropped: drawn to {drawn['right']:.0f}x{drawn['bottom']:.0f}, "
        f"shown to {shown['right']:.0f}x{shown['bottom']:.0f}"
    )
    check_page(page, "setup")

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label(field("Code from your authenticator app"), exact=True).fill(current_code(device))
    page.get_by_role("button", name=t("Confirm and sign in"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your recovery codes"))
    expect(page.locator(".codes li")).not_to_have_count(0)
    check_page(page, "recovery-codes")

    page.get_by_role("link", name=t("I have kept my codes, continue"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.organisations["A"].name)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_language_switch_shows_english(page: Page, live_server: Any, world: World) -> None:
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label(t("Language"), exact=True).select_option(label="English")
    page.get_by_role("button", name=t("Change"), exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/staff/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Staff sign in", "en"))
    expect(page.get_by_label(field("Username", "en"), exact=True)).to_be_visible()
    expect(page.get_by_label(t("Language", "en"), exact=True)).to_have_value("en")
    check_page(page, "login-en")


def test_first_tab_reaches_a_visible_skip_link(page: Page, live_server: Any, world: World) -> None:
    page.goto(f"{live_server.url}/staff/login/")
    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name=t("Skip to main content"), exact=True)
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1280, f"skip link is off screen: {box}"
    outline = skip_link.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none"), "the focused skip link shows no focus outline"
    screenshot(page, "skip-link")

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
