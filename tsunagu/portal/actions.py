"""What the portal's staff pages record in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction


class PortalAction(AuditAction):
    READING_CREATED = "portal.reading_created", _("Furigana reading added")
    READING_UPDATED = "portal.reading_updated", _("Furigana reading changed")
    READING_DELETED = "portal.reading_deleted", _("Furigana reading removed")


# What the codes in these rows' details mean (audit/actions.py, ``detail_value``).
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {"reading_override": _("Furigana reading")},
}
