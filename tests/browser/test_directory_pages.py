"""The directory's staff pages in Chromium: axe-core (WCAG 2.1 AA) and no sideways scrolling at 1280 and
320 px, and the hours edited as days and times through the real form."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_sign_in import check_page, t
from tests.browser.test_staff_pages import check_at_every_width, sign_in
from tsunagu.accounts.tests.personas import World
from tsunagu.directory.models import Service
from tsunagu.directory.tests.factories import make_location, make_service

pytestmark = pytest.mark.browser


def _directory(world: World) -> Service:
    shelter = make_location(
        organisation=world.organisations["A"],
        name="緊急一時避難先",
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address="非公開の住所 1-1",
    )
    make_service(
        organisation=world.organisations["D"], name="ひだまりカフェ", hours="水 13:00～17:00 第2・第4土曜 10:00～16:00"
    )
    make_service(
        organisation=world.organisations["A"], name="読めない時間の窓口", hours="受付時間は曜日によって異なります"
    )
    return make_service(
        organisation=world.organisations["A"],
        name="こころの相談ダイヤル",
        hours="月～金 9:00～17:00 祝日・年末年始休み",
        location_codes=(shelter.code,),
        alert="年末は短縮します。",
    )


def test_directory_pages(page: Page, live_server: Any, world: World) -> None:
    service = _directory(world)
    sign_in(page, live_server.url, world, "supervisor_a")
    pages = {
        "directory-list": reverse("directory:service_list"),
        "directory-list-filtered": reverse("directory:service_list") + "?q=カフェ&kind=consultation",
        "directory-detail": reverse("directory:service_detail", kwargs={"code": service.code}),
        "directory-edit": reverse("directory:service_edit", kwargs={"code": service.code}),
        "directory-verification": reverse("directory:needs_verification"),
        "directory-organisations": reverse("directory:organisation_list"),
    }
    for name, path in pages.items():
        check_at_every_width(page, f"{live_server.url}{path}", name)

    # Change Monday's hours and add 第2・第4土曜 through the form, as a person would.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}{pages['directory-edit']}")
    page.get_by_label(t("%(row)s: closes (period %(n)s)") % {"row": t("Monday"), "n": 1}, exact=True).fill("18:00")
    row = page.locator(".nth-row").first
    row.get_by_label(t("2nd"), exact=True).check()
    row.get_by_label(t("4th"), exact=True).check()
    row.get_by_label(t("Day of the week (row %(n)s)") % {"n": 1}, exact=True).select_option(label=t("Saturday"))
    row.locator("input[type=time]").first.fill("10:00")
    row.locator("input[type=time]").nth(1).fill("12:00")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    # The published text still says 17:00: the form says so instead of keeping two different hours.
    expect(page.get_by_role("alert").first).to_be_visible()
    published = page.get_by_label(t("Hours as the service publishes them") + t(":"), exact=True)
    expect(published).to_have_attribute("aria-invalid", "true")
    check_page(page, "directory-edit-errors")
    published.fill("")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{pages['directory-detail']}")
    hours = page.locator(".hours-lines")
    expect(hours).to_contain_text("月曜 9:00～18:00")
    expect(hours).to_contain_text("火～金 9:00～17:00")
    expect(hours).to_contain_text("第2・第4土曜 10:00～12:00")
    expect(page.locator("#history-heading")).to_be_visible()
    check_page(page, "directory-detail-after-edit")
