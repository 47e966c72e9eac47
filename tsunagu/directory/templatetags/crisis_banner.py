"""The crisis banner of the public frame (templates/public/base.html; docs/portal.md, "Crisis banner"):
the directory's 24-hour crisis lines (``directory/crisis.py``), then 110 and 119."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagu.directory import crisis

register = template.Library()


@register.inclusion_tag("directory/_crisis_banner.html")
def crisis_banner() -> dict[str, Any]:
    lines = crisis.crisis_lines()
    return {
        "lines": lines[: crisis.BANNER_LINES],
        "more_lines": len(lines) > crisis.BANNER_LINES,
        "emergency_numbers": crisis.EMERGENCY_NUMBERS,
    }
