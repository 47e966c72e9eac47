"""Authorisation matrix rows: directory staff."""

from __future__ import annotations

from tests.matrix import Row

ROWS: list[Row] = []
