"""The portal's staff pages on the staff dashboard (tsunagu/accounts/doors.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.doors import Door, Section
from tsunagu.portal import access

DOORS = [
    Door(
        url_name="portal_staff:readings",
        label=_("Furigana readings"),
        description=_("How the portal's やさしい日本語 pages read names and words (furigana)."),
        allowed=access.may_edit_readings,
        section=Section.DIRECTORY,
        order=40,
    ),
]
