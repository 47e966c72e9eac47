"""Suite-wide fixtures: personas, canaries, and a log collector that checks canaries never reach logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tsunagu.core.tests.canary import CANARIES, CollectingHandler

_collector = CollectingHandler()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_collector)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: Playwright's sync API keeps an event loop (and DJANGO_ALLOW_ASYNC_UNSAFE)
    # for the rest of the session, which would hide async-safety errors in the tests after it.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaked = _collector.leaks(CANARIES)
    if leaked:
        print(f"\nCANARY LEAK: {len(leaked)} log records contain personal-data canaries, first: {leaked[0]!r}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def world(db: None):  # type: ignore[no-untyped-def]
    from tsunagu.accounts.tests.personas import build_world

    return build_world()


@pytest.fixture
def log_collector() -> Iterator[CollectingHandler]:
    yield _collector


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # The HSDS API's rate-limit counters live in the cache: every test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
