"""The auditor's audit log in Chromium: fits 1280 px without any sideways scrolling, even with long
codes, IPv6 addresses and a detail naming hundreds of records; passes axe-core at 1280 px and 320 px.

Set TSUNAGU_SCREENSHOT_DIR to keep the screenshots (audit-log-rows-1280.png, audit-log-rows-320.png …).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_sign_in import field, t
from tests.browser.test_staff_pages import sign_in
from tsunagu.accounts.tests.personas import World
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.services import SystemActor, _append, record, record_denied
from tsunagu.core import request_context
from tsunagu.directory.actions import DirectoryAction

pytestmark = pytest.mark.browser


def seed_a_varied_trail(world: World) -> None:
    """Rows that stress the layout: UUID targets, an IPv6 address, a long list of codes, nested
    details, an old spelling, a stored action no vocabulary knows, denied rows."""
    token = request_context.activate(
        request_context.RequestMeta(request_id=uuid.uuid4().hex, ip="2001:db8:85a3:1234:5678:8a2e:370:7334")
    )
    try:
        staff = SystemActor("a-rather-long-staff-username-for-layout")
        codes = [str(uuid.uuid4()) for _ in range(240)]
        record(
            actor=staff,
            action=AuditTrailAction.PERSONAL_DATA_READ,
            target_type="provision",
            target_code=uuid.uuid4(),
            detail={"fields": ["person_label"], "entries": codes},
        )
        _append(actor=staff, action="audit.viewed", detail={"filters": []})
        record(
            actor=staff,
            action=DirectoryAction.IMPORTED,
            detail={
                "format": "kodomo",
                "file_name": "kodomo_shokudo_ichiran_2026_12_07_final_version_v2.csv",
                "organisations": {"created": 3, "changed": 12},
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "dry_run": False,
            },
        )
        for _ in range(3):
            record_denied(
                actor=staff,
                action=AuditTrailAction.ACCESS_DENIED,
                target_type="url",
                target_code="referrals:ledger_person_csv_export_with_a_long_view_name",
                detail={"reason": "missing_permission:provision_ledger.view", "method": "GET"},
            )
        record(actor=staff, action=AuditTrailAction.CHAIN_VERIFIED, detail={"ok": True, "checked": 123456})
    finally:
        request_context.deactivate(token)
    world.client("counsellor_a").get(reverse("accounts:user_list"))  # a real refusal, acting for A


def assert_fits(page: Page, name: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    sizes = page.evaluate(
        """() => {
            const wrap = document.querySelector('.table-wrap');
            return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                wrapScroll: wrap ? wrap.scrollWidth : 0,
                wrapClient: wrap ? wrap.clientWidth : 0,
            };
        }"""
    )
    assert sizes["page"] <= sizes["window"] == width, f"{name}: page {sizes['page']}px in a {width}px window"
    assert sizes["wrapScroll"] <= sizes["wrapClient"], f"{name}: the table scrolls sideways ({sizes})"


def test_audit_log_fits_1280_and_320_and_passes_axe(page: Page, live_server: Any, world: World) -> None:
    seed_a_varied_trail(world)
    sign_in(page, live_server.url, world, "auditor_c")
    url = f"{live_server.url}{reverse('accounts:audit_log')}"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Audit log"))
    assert page.locator("table.audit-table tbody tr").count() >= 9
    assert_no_axe_violations(page)
    screenshot(page, "audit-log-rows")
    assert_fits(page, "audit-log 1280")

    # Filtered by the action, old spelling included, with the CSV link carrying the same filter.
    page.get_by_label(field("Action"), exact=True).select_option(AuditTrailAction.LOG_READ.value)
    page.get_by_role("button", name=t("Filter"), exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]action=audit\.read(&|$)"))
    expect(page.locator("table.audit-table tbody tr")).to_have_count(2)  # the old spelling and the first view
    expect(page.get_by_role("link", name=t("Download CSV"))).to_have_attribute(
        "href", f"{reverse('accounts:audit_export')}?action=audit.read"
    )
    assert_fits(page, "audit-log filtered 1280")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(url)
    assert_no_axe_violations(page)
    screenshot(page, "audit-log-rows")
    assert_fits(page, "audit-log 320")

    # English labels are longer than Japanese ones: the page still fits.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        screenshot(page, "audit-log-rows-en")
        assert_fits(page, f"audit-log en {width}")
    page.context.clear_cookies(name=settings.LANGUAGE_COOKIE_NAME)

    # A filter the server refuses: the message, at both widths.
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{url}?since=2026-12-02&until=2026-12-01")
        expect(page.get_by_role("alert")).to_be_visible()
        assert_no_axe_violations(page)
        screenshot(page, "audit-log-invalid")
        assert_fits(page, f"audit-log invalid {width}")
