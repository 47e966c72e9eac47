"""The support directory's staff pages on the dashboard and navigation (tsunagu/accounts/doors.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.doors import Door, Section
from tsunagu.directory import access

DOORS = [
    Door(
        url_name="directory:service_list",
        label=_("Support directory"),
        description=_("Every service, place and organisation: search them, and edit those your role lets you edit."),
        allowed=access.may_view_directory,
        section=Section.DIRECTORY,
        in_navigation=True,
        order=10,
    ),
    Door(
        url_name="directory:needs_verification",
        label=_("Directory entries due for verification"),
        description=_("Services whose details have not been confirmed for a while."),
        allowed=access.may_view_directory,
        section=Section.DIRECTORY,
        order=20,
    ),
    Door(
        url_name="directory:import_start",
        label=_("Import into the directory"),
        description=_(
            "Open data (子ども食堂, 公共施設), HSDS JSON or a CSV with its column map; checked before saving."
        ),
        allowed=access.may_import,
        section=Section.DIRECTORY,
        order=30,
    ),
]
