"""Authorisation matrix rows: directory staff pages (services, locations, organisations, verification).

Every staff role may read the directory. Changing a record needs ``directory.edit_any`` (council
secretariat C, platform secretariat C, system administrator C) or ``directory.edit_own`` while
acting for the owner (supervisor A for organisation A's records, organisation administrator D for
D's). Target records are made for organisation A or D so that both halves of the rule show.
"""

from __future__ import annotations

from typing import Any

from tests.matrix import UNKNOWN, Row, staff
from tsunagu.accounts.tests.personas import World
from tsunagu.directory.tests.factories import make_areas, make_location, make_service
from tsunagu.directory.tests.form_data import location_form, service_form

CURATORS = ["council_secretariat_c", "platform_secretariat_c", "system_admin_c"]
OWN_EDITOR = {"A": "supervisor_a", "D": "org_admin_d"}


def editors(outcome: int, org: str) -> dict[str, int | str]:
    """`outcome` for those who may change organisation `org`'s records, 403 for every other staff member."""
    return staff(403, **dict.fromkeys([*CURATORS, OWN_EDITOR[org]], outcome))


def _service(org: str) -> Any:
    return lambda w: {"code": make_service(organisation=w.organisations[org]).code}


def _location(org: str) -> Any:
    return lambda w: {"code": make_location(organisation=w.organisations[org]).code}


def _organisation(org: str) -> Any:
    return lambda w: {"code": w.organisations[org].code}


def _service_data(w: World) -> dict[str, Any]:
    make_areas()
    return service_form()


def _location_data(w: World) -> dict[str, Any]:
    make_areas()
    return location_form()


def _bad_service_data(w: World) -> dict[str, Any]:
    return service_form(name="", areas="999999")


ROWS: list[Row] = [
    Row("directory:service_list", staff(200)),
    Row("directory:service_list", staff(400), data=lambda w: {"area": "どこにもない町"}, label="bad-filter"),
    Row("directory:service_detail", staff(200), kwargs=_service("A")),
    Row("directory:service_detail", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row("directory:service_create", editors(200, "A"), kwargs=_organisation("A")),
    Row("directory:service_create", editors(200, "D"), kwargs=_organisation("D"), label="org-d"),
    Row("directory:service_create", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row(
        "directory:service_create",
        editors(302, "A"),
        method="post",
        kwargs=_organisation("A"),
        data=_service_data,
        label="post",
    ),
    Row(
        "directory:service_create",
        editors(400, "D"),
        method="post",
        kwargs=_organisation("D"),
        data=_bad_service_data,
        label="bad-post",
    ),
    Row("directory:service_edit", editors(200, "A"), kwargs=_service("A")),
    Row("directory:service_edit", editors(200, "D"), kwargs=_service("D"), label="org-d"),
    Row("directory:service_edit", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row(
        "directory:service_edit",
        editors(302, "D"),
        method="post",
        kwargs=_service("D"),
        data=_service_data,
        label="post",
    ),
    Row(
        "directory:service_status",
        editors(302, "A"),
        method="post",
        kwargs=_service("A"),
        data=lambda w: {"status": "temporarily closed"},
    ),
    Row(
        "directory:service_status",
        editors(400, "A"),
        method="post",
        kwargs=_service("A"),
        data=lambda w: {"status": "closed-forever"},
        label="bad-status",
    ),
    Row("directory:service_status", staff(404), method="post", kwargs=UNKNOWN, label="unknown"),
    Row("directory:service_verify", editors(302, "D"), method="post", kwargs=_service("D")),
    Row("directory:service_verify", staff(404), method="post", kwargs=UNKNOWN, label="unknown"),
    Row("directory:location_create", editors(200, "A"), kwargs=_service("A")),
    Row(
        "directory:location_create",
        editors(302, "A"),
        method="post",
        kwargs=_service("A"),
        data=_location_data,
        label="post",
    ),
    Row("directory:location_create", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row("directory:location_detail", staff(200), kwargs=_location("D")),
    Row("directory:location_detail", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row("directory:location_edit", editors(200, "D"), kwargs=_location("D")),
    Row(
        "directory:location_edit",
        editors(302, "A"),
        method="post",
        kwargs=_location("A"),
        data=_location_data,
        label="post",
    ),
    Row("directory:location_edit", staff(404), method="post", kwargs=UNKNOWN, label="unknown"),
    Row("directory:needs_verification", staff(200)),
    Row("directory:organisation_list", staff(200)),
    Row("directory:organisation_detail", staff(200), kwargs=_organisation("B")),
    Row("directory:organisation_detail", staff(404), kwargs=UNKNOWN, label="unknown"),
]
