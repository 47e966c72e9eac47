"""Authorisation matrix rows: hsds api."""

from __future__ import annotations

from tests.matrix import Row

ROWS: list[Row] = []
