"""Spellings of a short query for substring filters on columns stored as typed (organisation names).

Names are stored as people typed them: ＮＰＯ法人 with full-width letters, kana readings in hiragana
or katakana. A substring filter (``icontains``) is given every spelling of the query that such a
column may hold, so "NPO" finds ＮＰＯ法人 and ヒキコモリ finds ひきこもり. The directory's search
index normalises far more (docs/performance.md); this is for the small tables without an index.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Q

_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
_KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))
_TO_KATAKANA = str.maketrans(_HIRAGANA, _KATAKANA)
_TO_HIRAGANA = str.maketrans(_KATAKANA, _HIRAGANA)
# Printable ASCII (except space) to its full-width form, as older Japanese data often has it.
_TO_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def spellings(query: str) -> list[str]:
    """The query as typed, NFKC-normalised, in full-width ASCII, and with kana in either script."""
    query = query.strip()
    if not query:
        return []
    normal = unicodedata.normalize("NFKC", query)
    variants = [query, normal, normal.translate(_TO_FULL_WIDTH)]
    variants += [v.translate(_TO_KATAKANA) for v in list(variants)] + [
        v.translate(_TO_HIRAGANA) for v in list(variants)
    ]
    return list(dict.fromkeys(variants))


def contains_any(query: str, *fields: str) -> Q:
    """``field__icontains`` for every spelling of ``query`` and every field, OR-ed (nothing for an empty query)."""
    condition = Q()
    for spelling in spellings(query):
        for name in fields:
            condition |= Q(**{f"{name}__icontains": spelling})
    return condition
