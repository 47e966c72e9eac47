"""Authorisation matrix rows: directory imports (the curators hold directory.import)."""

from __future__ import annotations

from tests.matrix import ADMIN, Row, staff

CURATORS = (ADMIN, "council_secretariat_c", "platform_secretariat_c")


def curators(outcome: int | str) -> dict[str, int | str]:
    return staff(403, **dict.fromkeys(CURATORS, outcome))


ROWS: list[Row] = [
    Row("directory:import_start", curators(200)),
    # An empty form: the curators get it back with its errors.
    Row("directory:import_start", curators(400), method="post", label="empty form"),
    # Nothing has been checked in this session: back to the upload page.
    Row("directory:import_confirm", curators(302), method="post"),
]
