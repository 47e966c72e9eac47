"""Test data for the directory: a few real areas and services saved through the real service layer."""

from __future__ import annotations

import dataclasses
from typing import Any

from tsunagu.accounts.models import Organisation
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.audit.services import SystemActor
from tsunagu.directory.models import Area, AreaLevel, Location, Service
from tsunagu.directory.schedules import parse_schedule
from tsunagu.directory.services import LocationData, ServiceData, location_save, service_save

# (code, name, kana, level, parent code): real JIS codes with check digits.
AREAS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("130001", "東京都", "とうきょうと", AreaLevel.PREFECTURE, None),
    ("131041", "新宿区", "しんじゅくく", AreaLevel.MUNICIPALITY, "130001"),
    ("131130", "渋谷区", "しぶやく", AreaLevel.MUNICIPALITY, "130001"),
    ("132012", "八王子市", "はちおうじし", AreaLevel.MUNICIPALITY, "130001"),
    ("310000", "鳥取県", "とっとりけん", AreaLevel.PREFECTURE, None),
    ("312011", "鳥取市", "とっとりし", AreaLevel.MUNICIPALITY, "310000"),
    ("270008", "大阪府", "おおさかふ", AreaLevel.PREFECTURE, None),
    ("271004", "大阪市", "おおさかし", AreaLevel.DESIGNATED_CITY, "270008"),
    ("271276", "大阪市北区", "おおさかしきたく", AreaLevel.WARD, "271004"),
)

ACTOR = SystemActor("test")


def make_areas() -> dict[str, Area]:
    """Create the areas above (idempotent) and return them by code."""
    made: dict[str, Area] = {a.code: a for a in Area.objects.filter(code__in=[row[0] for row in AREAS])}
    for code, name, kana, level, parent in AREAS:
        if code not in made:
            made[code] = Area.objects.create(
                code=code, name=name, name_kana=kana, level=level, parent=made[parent] if parent else None
            )
    return made


def service_data(**overrides: Any) -> ServiceData:
    defaults: dict[str, Any] = {
        "name": "こころの相談ダイヤル",
        "name_kana": "こころのそうだんだいやる",
        "description": "気持ちがつらいとき、話を聞きます。",
        "concerns": ("mind-life",),
        "people_served": ("anyone",),
        "resource_kinds": ("consultation",),
        "channels": ("phone",),
        "area_codes": ("131041",),
        "languages": ("ja",),
    }
    defaults.update(overrides)
    if isinstance(defaults.get("hours"), str):
        defaults["hours"] = parse_schedule(defaults["hours"]).to_json()
    return ServiceData(**defaults)


def make_service(*, organisation: Organisation | None = None, **overrides: Any) -> Service:
    make_areas()
    service, _result = service_save(
        actor=ACTOR, organisation=organisation or OrganisationFactory(), data=service_data(**overrides)
    )
    return service


def make_location(*, organisation: Organisation, **overrides: Any) -> Location:
    make_areas()
    defaults: dict[str, Any] = {
        "name": "新宿センター",
        "area_code": "131041",
        "postal_code": "1600022",
        "address_1": "新宿一丁目1-1",
    }
    defaults.update(overrides)
    if isinstance(defaults.get("hours"), str):
        defaults["hours"] = parse_schedule(defaults["hours"]).to_json()
    location, _result = location_save(actor=ACTOR, organisation=organisation, data=LocationData(**defaults))
    return location


def replace(data: ServiceData, **changes: Any) -> ServiceData:
    return dataclasses.replace(data, **changes)
