"""Browser fixtures: Playwright for Python driving Debian's Chromium, and an axe-core check.

Playwright drives /usr/bin/chromium (installed by ``scripts/install-browser``); it never downloads a
browser of its own. Set TSUNAGU_SCREENSHOT_DIR to keep full-page screenshots of the pages a test visits.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WCAG 2.1 level A and AA, the level the UI promises (docs/mission.md).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser (never `playwright install`)")
    # Playwright's sync API keeps an asyncio loop running on this thread, so Django would refuse ORM
    # calls made by the test itself (SynchronousOnlyOperation). The calls really are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile per test (no cookies carried over), Japanese like most of our users."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} <{violation.get('helpUrl')}>"]
    for node in violation.get("nodes", []):
        target = " ".join(str(part) for part in node.get("target", []))
        summary = "; ".join(line.strip() for line in node.get("failureSummary", "").splitlines() if line.strip())
        lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    """Fails with one readable entry per axe-core violation of WCAG 2.1 A/AA on the current page."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations: list[dict[str, Any]] = _axe.run(page, options=options).response["violations"]
    if violations:
        report = "\n".join(_describe(v) for v in violations)
        pytest.fail(f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {page.url}:\n{report}")


def screenshot(page: Page, name: str) -> None:
    """Keeps a full-page screenshot when TSUNAGU_SCREENSHOT_DIR is set (for looking at the layout by eye)."""
    directory = os.environ.get("TSUNAGU_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(directory) / f"{name}-{width}.png"), full_page=True)
