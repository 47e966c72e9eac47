"""Lists in the reader's language: 「A、B」 in Japanese, "A; B" in English, Vietnamese and Portuguese,
「A；B」 in Chinese, "A, B" in Korean. Not a comma where a vocabulary name holds one ("Loneliness,
someone to talk to"), so a list of them stays readable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from tsunagu.directory.schedules.describe import list_separator

register = template.Library()


@register.filter(needs_autoescape=True)
def joined(items: Iterable[Any], autoescape: bool = True) -> SafeString:
    separator = list_separator(translation.get_language() or "ja")
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(separator).join(escape(item) for item in items))  # noqa: S308 - every part is escaped


@register.simple_tag
def separator() -> str:
    """The separator alone, between two lists written one after the other."""
    return list_separator(translation.get_language() or "ja")
