"""The search token index (placeholder until the index lands in this issue)."""

from __future__ import annotations

from collections.abc import Iterable


def refresh(*, service_ids: Iterable[int]) -> None:
    """Re-index the given services inside the caller's transaction."""
