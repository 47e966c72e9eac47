"""The portal's own data: the reading override dictionary for やさしい日本語 furigana (furigana.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadingOverride(models.Model):
    """A reading staff give for a surface whose Sudachi reading is wrong or missing (a place name, 子ども食堂 …).

    Wherever ``surface`` occurs in a やさしい日本語 page's text, its kanji get ``reading`` (hiragana)
    instead of Sudachi's. Written only through ``services.py`` (audited).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    surface = models.CharField(
        _("word"), max_length=50, unique=True, help_text=_("The word as it is written, with at least one kanji.")
    )
    reading = models.CharField(
        _("reading"), max_length=100, help_text=_("How it is read, in hiragana (katakana is converted).")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["surface"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(surface=""), name="reading_override_surface_not_empty"),
            models.CheckConstraint(condition=~models.Q(reading=""), name="reading_override_reading_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.surface} ({self.reading})"
