"""Every staff page passes axe-core (WCAG 2.1 AA) and fits 1280 px and 320 px wide windows.

The administrator and the auditor sign in through the real pages once; each page is then checked
at both widths in the same session, including the states a user meets (search results, a form
with errors, the chain verification result).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_sign_in import WIDTHS, check_page, field, sign_in_with_password, t
from tsunagu.accounts.tests.personas import World, current_code

pytestmark = pytest.mark.browser


def sign_in(page: Page, server_url: str, world: World, persona: str) -> None:
    sign_in_with_password(page, server_url, world.users[persona].username)
    page.get_by_label(field("One-time code"), exact=True).fill(current_code(world.devices[persona]))
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{server_url}/staff/dashboard/")


def check_at_every_width(page: Page, url: str, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        check_page(page, f"{name}-{width}")


def test_administration_pages(page: Page, live_server: Any, world: World) -> None:
    sign_in(page, live_server.url, world, "system_admin_c")
    subject = world.users["counsellor_a"]
    organisation = world.organisations["B"]
    pages = {
        "organisation-list": reverse("accounts:organisation_list"),
        "organisation-create": reverse("accounts:organisation_create"),
        "organisation-edit": reverse("accounts:organisation_edit", kwargs={"code": organisation.code}),
        "user-list": reverse("accounts:user_list"),
        "user-create": reverse("accounts:user_create"),
        "user-detail": reverse("accounts:user_detail", kwargs={"code": subject.code}),
        "user-detail-search": reverse("accounts:user_detail", kwargs={"code": subject.code}) + "?org_q=NPO",
        "security": reverse("accounts:security"),
        "reauth": reverse("accounts:reauth"),
        "org-select": reverse("accounts:org_select"),
    }
    for name, path in pages.items():
        check_at_every_width(page, f"{live_server.url}{path}", name)

    # A form answered with errors is a page too: the wrong check digit, shown in Japanese.
    page.goto(f"{live_server.url}{reverse('accounts:organisation_create')}")
    page.locator("#id_name").fill("検査用の団体")
    page.get_by_label(field("Local government code"), exact=True).fill("312012")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_text(t("The check digit of this local government code is wrong."))).to_be_visible()
    check_page(page, "organisation-create-errors")


def test_audit_pages(page: Page, live_server: Any, world: World) -> None:
    sign_in(page, live_server.url, world, "auditor_c")
    check_at_every_width(page, f"{live_server.url}{reverse('accounts:audit_log')}", "audit-log")
    page.get_by_role("button", name=t("Verify the chain"), exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    check_page(page, "audit-verify")
