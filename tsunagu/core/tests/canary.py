"""Canaries: unique strings written into personal fields, which must never appear where they must not.

``canary(label)`` returns a fresh string and registers it; the suite-wide log collector
(conftest.py) fails the run if any log record from any test contains a registered canary.
"""

from __future__ import annotations

import logging
import uuid

CANARIES: set[str] = set()


def canary(label: str) -> str:
    value = f"CANARY{label}{uuid.uuid4().hex[:12]}鶺鴒"
    CANARIES.add(value)
    return value


class CollectingHandler(logging.Handler):
    """Keeps every formatted record of the run (messages and exception text)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record must not break the suite
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(text)

    def leaks(self, canaries: set[str]) -> list[str]:
        return [text for text in self.records if any(c in text for c in canaries)]
