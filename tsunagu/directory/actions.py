"""What the support directory records in the audit trail (tsunagu/audit/actions.py)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.actions import AuditAction, field_labels
from tsunagu.directory.models import Location, Service


class DirectoryAction(AuditAction):
    SERVICE_CREATED = "service.created", _("Service added to the directory")
    SERVICE_UPDATED = "service.updated", _("Service changed")
    SERVICE_STATUS_CHANGED = "service.status_changed", _("Service status changed")
    SERVICE_VERIFIED = "service.verified", _("Service verified as current")
    LOCATION_CREATED = "location.created", _("Location added")
    LOCATION_UPDATED = "location.updated", _("Location changed")
    LOCATION_HISTORY_REDACTED = "location.history_redacted", _("Confidential address removed from a location's history")
    IMPORTED = "directory.imported", _("Directory import committed")
    IMPORT_CHECKED = "directory.import_checked", _("Directory import checked (nothing saved)")
    IMPORT_REJECTED = "directory.import_rejected", _("Directory import rejected")
    EXPORTED = "directory.exported", _("Directory exported")
    TAXONOMIES_LOADED = "directory.taxonomies_loaded", _("Classification vocabularies loaded")
    AREAS_LOADED = "areas.loaded", _("Prefectures, municipalities and postal codes loaded")


# What the codes in these rows' details mean (audit/actions.py, ``detail_value``).
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {"service": _("Service"), "location": _("Location"), "area": _("Area")},
    "service.fields": {
        **field_labels(Service),
        "phones": _("Phones"),
        "languages": _("Languages"),
        "location_codes": _("Locations"),
    },
    "location.fields": {**field_labels(Location), "phones": _("Phones")},
    "reason": {"directory_not_editable": _("not an editor of this organisation's entries")},
}
