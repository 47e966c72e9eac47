"""A language as words in the reader's language, for codes stored with a record (a consultation's
``language``: the portal's code when the person started a chat, or what a counsellor typed)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import get_language_info

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """``ja`` → 日本語 for a Japanese reader, "Japanese" for an English one. The project's languages
    first (やさしい日本語 is not one of Django's), then Django's list; anything else (a counsellor may
    have typed タガログ語) is shown as it was entered, never an error."""
    value = str(code or "").strip()
    key = value.lower().replace("_", "-")
    ours = dict(settings.LANGUAGES)
    if key in ours:
        return str(ours[key])
    try:
        return str(get_language_info(key)["name_translated"])
    except KeyError:
        return value
