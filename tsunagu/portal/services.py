"""Every write of the portal: the reading override dictionary. Keyword-only, atomic, audited."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.policy import Actor
from tsunagu.audit.services import record as audit
from tsunagu.portal.actions import PortalAction
from tsunagu.portal.furigana import fits, has_kanji, is_reading, to_hiragana
from tsunagu.portal.models import ReadingOverride


@dataclass(frozen=True)
class ReadingData:
    surface: str
    reading: str
    note: str = ""


def _clean(data: ReadingData) -> ReadingData:
    """NFKC (half-width katakana → full width), trimmed, katakana readings as hiragana; errors by field."""
    surface = unicodedata.normalize("NFKC", data.surface).strip()
    reading = to_hiragana(unicodedata.normalize("NFKC", data.reading).strip())
    errors: dict[str, list[str]] = {}
    if not surface:
        errors["surface"] = [_("Enter the word as it is written.")]
    elif any(char.isspace() for char in surface):
        errors["surface"] = [_("Enter one word, without spaces.")]
    elif not has_kanji(surface):
        errors["surface"] = [_("The word needs at least one kanji: words in kana get no furigana.")]
    if not reading:
        errors["reading"] = [_("Enter the reading in hiragana.")]
    elif not is_reading(reading):
        errors["reading"] = [_("Write the reading in hiragana only (no kanji, letters, digits or spaces).")]
    elif "surface" not in errors and not fits(surface, reading):
        errors["reading"] = [
            _("The reading does not fit the word: it must contain the word's kana in the same places (話す → はなす).")
        ]
    if errors:
        raise ValidationError(errors)
    return ReadingData(surface=surface, reading=reading, note=data.note.strip())


@transaction.atomic
def reading_override_create(*, actor: Actor, data: ReadingData) -> ReadingOverride:
    data = _clean(data)
    if ReadingOverride.objects.filter(surface=data.surface).exists():
        raise ValidationError({"surface": [_("This word already has a reading. Edit it instead.")]})
    override = ReadingOverride(
        surface=data.surface, reading=data.reading, note=data.note, updated_by=actor.user, updated_at=timezone.now()
    )
    override.full_clean()
    override.save()
    audit(
        actor=actor,
        action=PortalAction.READING_CREATED,
        target_type="reading_override",
        target_code=override.code,
        detail={"surface": override.surface, "reading": override.reading},
    )
    return override


@transaction.atomic
def reading_override_update(*, actor: Actor, override: ReadingOverride, data: ReadingData) -> list[str]:
    """Save the changed fields; returns their names (none: nothing written, nothing audited)."""
    data = _clean(data)
    if ReadingOverride.objects.filter(surface=data.surface).exclude(pk=override.pk).exists():
        raise ValidationError({"surface": [_("This word already has a reading. Edit it instead.")]})
    changed = [name for name in ("surface", "reading", "note") if getattr(override, name) != getattr(data, name)]
    if not changed:
        return []
    before = {"surface": override.surface, "reading": override.reading}
    for name in changed:
        setattr(override, name, getattr(data, name))
    override.updated_by = actor.user
    override.updated_at = timezone.now()
    override.full_clean()
    override.save()
    audit(
        actor=actor,
        action=PortalAction.READING_UPDATED,
        target_type="reading_override",
        target_code=override.code,
        detail={
            "fields": changed,
            "from": before,
            "to": {"surface": override.surface, "reading": override.reading},
        },
    )
    return changed


@transaction.atomic
def reading_override_delete(*, actor: Actor, override: ReadingOverride) -> None:
    detail = {"surface": override.surface, "reading": override.reading}
    code = override.code
    override.delete()
    audit(
        actor=actor,
        action=PortalAction.READING_DELETED,
        target_type="reading_override",
        target_code=code,
        detail=detail,
    )
