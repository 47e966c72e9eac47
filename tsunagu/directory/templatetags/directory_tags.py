"""Template filters of the directory's staff pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def postal(code: str) -> str:
    """6800000 → 〒680-0000."""
    return f"〒{code[:3]}-{code[3:]}" if len(code) == 7 else code
