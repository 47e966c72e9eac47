"""Helpers shared by the import formats: areas, addresses, organisation types, coordinates, terms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from tsunagu.accounts.models import OrganisationType
from tsunagu.directory.models import Area, AreaLevel
from tsunagu.directory.opendata.resolvers import AreaRef, MunicipalityResolver, resolver_from_areas
from tsunagu.directory.vocabularies import VOCABULARIES

_MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class AreaDirectory:
    """The areas table in memory (one query): names by code, and the name → code resolver."""

    names: dict[str, tuple[str, str]]  # code → (prefecture name, municipality or ward name; "" for a prefecture)
    resolver: MunicipalityResolver

    @classmethod
    def from_database(cls) -> AreaDirectory:
        rows = list(Area.objects.values_list("code", "name", "level", "parent__code"))
        by_code = {code: (name, level, parent) for code, name, level, parent in rows}
        names: dict[str, tuple[str, str]] = {}
        for code, (name, level, parent) in by_code.items():
            if level == AreaLevel.PREFECTURE:
                names[code] = (name, "")
                continue
            top: str | None = parent
            while top is not None and top in by_code and by_code[top][1] != AreaLevel.PREFECTURE:
                top = by_code[top][2]
            names[code] = (by_code[top][0] if top is not None and top in by_code else "", name)
        resolver = resolver_from_areas(
            AreaRef(code=code, name=name, level=level, parent_code=parent) for code, name, level, parent in rows
        )
        return cls(names=names, resolver=resolver)

    def knows(self, code: str) -> bool:
        return code in self.names

    def street_address(self, code: str, address: str) -> str:
        """「東京都調布市緑ヶ丘2-18-49」 → 「緑ヶ丘2-18-49」: what follows the municipality's name."""
        text = address.strip()
        prefecture, municipality = self.names.get(code, ("", ""))
        for part in (prefecture, municipality):
            if part and text.startswith(part):
                text = text[len(part) :].lstrip(" \u3000")
        return text


def coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(_MICRO)


def one_line(text: str) -> str:
    return " ".join(text.split())


def join_lines(*parts: str) -> str:
    """The non-empty parts, one a line: optional cells become one description without blank lines."""
    return "\n".join(part for part in parts if part)


class SourceFields(TypedDict):
    """Where an imported row came from, the same on its location and its service (`**` into either)."""

    source: str
    source_id: str
    source_attribution: str
    source_url: str


def contact_channels(*, phone: str | None, email: str | None) -> tuple[str, ...]:
    """A place from an open-data list is visited in person; a phone or e-mail in the row adds those."""
    channels = ["visit"]
    if phone:
        channels.append("phone")
    if email:
        channels.append("email")
    return tuple(channels)


# First match wins, so the longer, more specific words come first.
_ORGANISATION_TYPES: tuple[tuple[str, OrganisationType], ...] = (
    ("社会福祉協議会", OrganisationType.SOCIAL_WELFARE_COUNCIL),
    ("社協", OrganisationType.SOCIAL_WELFARE_COUNCIL),
    ("社会福祉法人", OrganisationType.SOCIAL_WELFARE_CORPORATION),
    ("特定非営利活動法人", OrganisationType.NPO),
    ("NPO", OrganisationType.NPO),
    ("生活協同組合", OrganisationType.COOPERATIVE),
    ("生協", OrganisationType.COOPERATIVE),
    ("協同組合", OrganisationType.COOPERATIVE),
    ("ワーカーズ", OrganisationType.COOPERATIVE),
    ("株式会社", OrganisationType.COMPANY),
    ("有限会社", OrganisationType.COMPANY),
    ("合同会社", OrganisationType.COMPANY),
    ("医療法人", OrganisationType.HEALTH_MEDICAL),
    ("病院", OrganisationType.HEALTH_MEDICAL),
    ("学校法人", OrganisationType.EDUCATION),
    ("大学", OrganisationType.EDUCATION),
    ("町会", OrganisationType.NEIGHBOURHOOD_ASSOCIATION),
    ("町内会", OrganisationType.NEIGHBOURHOOD_ASSOCIATION),
    ("自治会", OrganisationType.NEIGHBOURHOOD_ASSOCIATION),
    ("民生委員", OrganisationType.COMMISSIONED_WELFARE_VOLUNTEER),
    ("児童委員", OrganisationType.COMMISSIONED_WELFARE_VOLUNTEER),
)


def organisation_type(name: str, *, default: OrganisationType = OrganisationType.NPO) -> str:
    """A guess from the legal form in the name; citizens' groups (任意団体) are the default."""
    text = unicodedata.normalize("NFKC", name).upper()
    for word, kind in _ORGANISATION_TYPES:
        if word in text:
            return kind
    return default


_LIST_SPLIT = re.compile(r"[;；、,，\n]")


def term_keys(taxonomy: str, text: str) -> tuple[tuple[str, ...], list[str]]:
    """Term keys from a cell that lists keys or Japanese labels; also the parts that match nothing."""
    by_word: dict[str, str] = {}
    for term in VOCABULARIES[taxonomy]:
        for word in (term.code, term.ja, term.en):
            by_word[unicodedata.normalize("NFKC", word).casefold()] = term.code
    keys: list[str] = []
    unknown: list[str] = []
    for part in _LIST_SPLIT.split(text):
        word = unicodedata.normalize("NFKC", part).strip().casefold()
        if not word:
            continue
        if word in by_word:
            if by_word[word] not in keys:
                keys.append(by_word[word])
        else:
            unknown.append(part.strip())
    return tuple(keys), unknown
