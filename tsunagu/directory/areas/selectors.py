"""Reading areas: by code, by postal code, and the areas whose services reach a place.

Areas are public reference data (Japan Post and JIS X 0402), so these reads need no actor.
"""

from __future__ import annotations

import re
import unicodedata

from tsunagu.core.validators import normalise_local_government_code
from tsunagu.directory.models import Area, PostalCode

# 全国: a service for the whole country. JIS X 0402 has no code for the nation (000000 would not
# even pass the check digit), so national services carry no area code: the empty string, which
# `areas_containing` returns last so that `area_code__in=areas_containing(...)` finds them too.
NATIONAL = ""

# Hyphen look-alikes people type between the two parts: NFKC leaves these alone.
_DASHES = "‐‑‒–—―−ーｰ"
_POSTAL_CODE = re.compile(r"〒?([0-9]{3})[- ]?([0-9]{4})")
_MAX_INPUT = 32


def normalise_postal_code(text: str) -> str | None:
    """Seven ASCII digits from "〒680-0000", "6800000", "６８０－００００" or "680 0000"; None otherwise."""
    if len(text) > _MAX_INPUT:
        return None
    # NFKC turns full-width digits, "－" and the ideographic space into their ASCII forms.
    value = unicodedata.normalize("NFKC", text).strip()
    value = re.sub(f"[{_DASHES}]", "-", value)
    value = re.sub(r"\s+", " ", value)
    value = value.replace("〒 ", "〒")
    match = _POSTAL_CODE.fullmatch(value)
    return match[1] + match[2] if match else None


def area_get(*, code: str) -> Area | None:
    """The area with this 6-digit code (active or not), or None."""
    return Area.objects.select_related("parent__parent").filter(code=normalise_local_government_code(code)).first()


def _chain(area: Area) -> list[Area]:
    chain = [area]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    return chain


def areas_for_postal_code(*, text: str) -> list[Area]:
    """Every area the postal code reaches: usually one, a few codes straddle a boundary."""
    code = normalise_postal_code(text)
    if code is None:
        return []
    rows = PostalCode.objects.filter(code=code).select_related("area__parent__parent").order_by("area__code")
    return [row.area for row in rows]


def area_for_postal_code(*, text: str) -> Area | None:
    """The narrowest area containing the whole postal code; None for unknown or malformed input.

    For a postal code that straddles a boundary, the smallest area containing every part: 004-0000
    (札幌市厚別区 and 清田区) gives 札幌市; 035-0000 (むつ市 and 東通村) gives 青森県.
    """
    areas = areas_for_postal_code(text=text)
    if not areas:
        return None
    chains = [_chain(area) for area in areas]
    others = [{a.pk for a in chain} for chain in chains[1:]]
    # None if the code crossed a prefecture boundary (none does in Japan Post's data today).
    return next((a for a in chains[0] if all(a.pk in codes for codes in others)), None)


def areas_containing(*, code: str) -> list[str]:
    """The codes whose services reach this area, narrowest first, ending with NATIONAL.

    A ward → itself, its designated city, its prefecture, NATIONAL; a municipality → itself, its
    prefecture, NATIONAL; NATIONAL → [NATIONAL]; an unknown code → [].
    """
    if normalise_local_government_code(code) == NATIONAL:
        return [NATIONAL]
    area = area_get(code=code)
    if area is None:
        return []
    return [a.code for a in _chain(area)] + [NATIONAL]
