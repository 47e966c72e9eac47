"""The audit trail's one vocabulary: every action any app can record, each with a label.

Every app declares its actions in its own ``actions.py`` as a subclass of ``AuditAction``::

    class ReferralAction(AuditAction):
        SENT = "referral.sent", _("Referral sent")

The value is what the trail stores: ``<thing>.<past participle>`` (``referral.sent``,
``consultation.read``). The label is a noun phrase in English, translated into Japanese in the
catalogue; the auditor's page shows it, with the outcome (allowed or denied) beside it.
``record()`` accepts only members of these enums, so a free string cannot reach the trail.

An app may also declare ``DETAIL_LABELS`` (detail key → stored code → label) for the codes its rows
carry in ``detail`` (a channel, a consent method, a reason), so the auditor reads words, not codes.

Rows written before the vocabulary keep their stored strings (changing them would break the HMAC
chain). An app lists its old spellings in a module-level ``RENAMED`` mapping (old string → member),
so the auditor's page shows those rows under the new label and a filter finds old and new rows.

The audit app discovers the ``actions`` modules of tsunagu's apps when Django starts
(``AuditConfig.ready``), so an inner app never imports an outer one to learn its actions.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping

from django.apps import apps
from django.db import models
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Base of every app's actions (no members of its own: an enum with members cannot be extended)."""


class AuditTrailAction(AuditAction):
    """Actions that are about access and the audit trail itself, shared by every app."""

    ACCESS_DENIED = "access.denied", _("Access refused")
    PERSONAL_DATA_READ = "personal_data.read", _("Personal data displayed")
    LOG_READ = "audit.read", _("Audit log viewed")
    LOG_EXPORTED = "audit.exported", _("Audit log exported")
    CHAIN_VERIFIED = "audit.verified", _("Audit chain verified")
    ADDRESSES_REMOVED = "audit.addresses_removed", _("Addresses removed from anonymous events")


RENAMED: dict[str, AuditAction] = {
    "audit.viewed": AuditTrailAction.LOG_READ,
}

# What the codes in details and targets mean (``detail_value``); each app declares its own.
DETAIL_LABELS: dict[str, dict[str, Promise | str]] = {
    "target_type": {"url": _("Page")},
}


def discover() -> None:
    """Import the ``actions`` module of every tsunagu app that has one (idempotent)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("tsunagu."):
            continue
        name = f"{config.name}.actions"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _families(base: type[AuditAction] = AuditAction) -> Iterator[type[AuditAction]]:
    for family in base.__subclasses__():
        yield family
        yield from _families(family)


def _index() -> tuple[dict[str, AuditAction], dict[str, AuditAction]]:
    """Current values and old spellings, each → its member; rebuilt only when a family is added."""
    families = tuple(_families())
    if _cache.families != families:
        by_value = {member.value: member for family in families for member in family}
        renamed: dict[str, AuditAction] = {}
        values: dict[str, dict[str, Promise | str]] = {}
        for family in families:
            module = importlib.import_module(family.__module__)
            renamed.update(getattr(module, "RENAMED", {}))
            table: Mapping[str, Mapping[str, Promise | str]] = getattr(module, "DETAIL_LABELS", {})
            for key, labels in table.items():
                values.setdefault(key, {}).update(labels)
        _cache.families, _cache.by_value, _cache.renamed, _cache.values = families, by_value, renamed, values
    return _cache.by_value, _cache.renamed


class _Cache:
    families: tuple[type[AuditAction], ...] | None = None
    by_value: dict[str, AuditAction] = {}
    renamed: dict[str, AuditAction] = {}
    values: dict[str, dict[str, Promise | str]] = {}


_cache = _Cache()


def members() -> list[AuditAction]:
    """Every action of every app, in a stable order (by stored value)."""
    return sorted(_index()[0].values(), key=lambda member: member.value)


def of(stored: str) -> AuditAction | None:
    """The action a stored string means: a current value, or an old spelling of one."""
    by_value, renamed = _index()
    return by_value.get(stored) or renamed.get(stored)


def label(stored: str) -> str:
    """What the auditor reads for a stored action: its label in the active language, or the stored
    string itself when nothing in the vocabulary knows it (shown as it is, never hidden)."""
    member = of(stored)
    return str(member.label) if member is not None else stored


def detail_value(key: str, value: str, *, of: str = "") -> str | None:
    """What a stored code in an event's detail means, in the active language (``channel: web_chat``
    → ウェブチャット), from the ``DETAIL_LABELS`` an app declares next to its actions. A key may be
    declared for one kind of target (``"person.fields"``: a person's field names, ``of="person"``)
    before the key in general. None when no app knows it."""
    _index()
    labels = {**_cache.values.get(key, {}), **_cache.values.get(f"{of}.{key}", {})}
    known = labels.get(value)
    return str(known) if known is not None else None


def field_labels(model: type[Model]) -> dict[str, Promise | str]:
    """A model's field names as its forms call them, for ``DETAIL_LABELS`` of "fields" (only the
    fields given a name for people: the others would read as the code itself)."""
    return {
        field.name: field.verbose_name
        for field in model._meta.concrete_fields
        if not field.primary_key and str(field.verbose_name) != field.name.replace("_", " ")
    }


def spellings(action: AuditAction | str) -> list[str]:
    """Every stored string that means ``action``: its value and its old spellings (for filters)."""
    member = of(str(action))
    if member is None:
        return [str(action)]
    old = sorted(key for key, value in _index()[1].items() if value == member)
    return [member.value, *old]
