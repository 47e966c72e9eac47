"""Authorisation matrix rows: directory imports."""

from __future__ import annotations

from tests.matrix import Row

ROWS: list[Row] = []
