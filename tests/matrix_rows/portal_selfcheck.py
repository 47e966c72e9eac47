"""Authorisation matrix rows: the public portal (self-check part) and the portal's staff pages.

The self-check is public: every persona gets the same page, and nothing is audited as denied. The
reading override dictionary of やさしい日本語 furigana is for the directory's curators
(``portal.readings.edit``: council and platform secretariats, system administrators).
"""

from __future__ import annotations

from typing import Any

from tests.matrix import ADMIN, UNKNOWN, Row, everyone, staff
from tsunagu.accounts.tests.personas import World

CURATORS = (ADMIN, "council_secretariat_c", "platform_secretariat_c")


def curators(outcome: int | str) -> dict[str, int | str]:
    return staff(403, **dict.fromkeys(CURATORS, outcome))


def _override(w: World) -> dict[str, Any]:
    from tsunagu.portal.models import ReadingOverride

    return {"code": ReadingOverride.objects.create(surface="明日", reading="あした").code}


ROWS: list[Row] = [
    Row("portal:selfcheck", everyone(200)),
    Row("portal:selfcheck", everyone(200), method="post", data=lambda w: {"direct": "3", "left_out": "2"}),
    Row("portal_staff:readings", curators(200)),
    Row("portal_staff:reading_create", curators(200)),
    # Bad input (a reading with kanji): the curators get the form back with its errors, nothing saved.
    Row(
        "portal_staff:reading_create",
        curators(400),
        method="post",
        data=lambda w: {"surface": "明日", "reading": "明日"},
        label="bad input",
    ),
    Row(
        "portal_staff:reading_create",
        curators(302),
        method="post",
        data=lambda w: {"surface": "明日", "reading": "あした"},
    ),
    Row("portal_staff:reading_edit", curators(200), kwargs=_override),
    Row("portal_staff:reading_edit", curators(404), kwargs=UNKNOWN, label="unknown"),
    Row(
        "portal_staff:reading_edit",
        curators(302),
        method="post",
        kwargs=_override,
        data=lambda w: {"surface": "明日", "reading": "あす"},
    ),
    Row("portal_staff:reading_delete", curators(302), method="post", kwargs=_override),
    Row("portal_staff:reading_delete", curators(404), method="post", kwargs=UNKNOWN, label="unknown"),
]
