"""A small directory for the finder, search, service and print tests: 鳥取市 with local services, a
prefecture-wide one, national lines (24-hour and not), a shelter at a confidential location, and
services the public must not see. Saved through the directory's real service layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.core.tests.canary import canary
from tsunagu.directory.models import Area, PostalCode, Service
from tsunagu.directory.schedules import TOKYO
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_areas, make_location, make_service

TOTTORI = "312011"
# Thursday 26 November 2026, 10:00 in Tokyo: a working day.
THURSDAY_10 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
# Monday 23 November 2026 (勤労感謝の日, a public holiday), 3:00 in Tokyo.
HOLIDAY_3AM = dt.datetime(2026, 11, 23, 3, 0, tzinfo=TOKYO)
#: Postal codes the tests type, and where they are.
POSTAL_CODES = {"6800000": TOTTORI, "6808571": TOTTORI, "1600022": "131041"}


@dataclass
class Directory:
    local_open: Service  # 鳥取市, weekdays 9–17, mind-life + living-money, phone + visit
    local_salon: Service  # 鳥取市, 2nd/4th Wednesday afternoons, loneliness, visit only
    prefecture: Service  # 鳥取県, weekdays, living-money
    line_24h: Service  # national 24-hour crisis line, mind-life + living-money + other
    dv_line: Service  # national 24-hour DV line
    evening_line: Service  # national, every day 10–22
    chat: Service  # national chat, every day 17–翌5
    shinjuku: Service  # 新宿区, mind-life
    care: Service  # 鳥取市, 介護
    shelter: Service  # 鳥取市, 24 hours, at a confidential location
    defunct: Service
    inactive: Service
    secret: str  # the canary in the shelter's location


def make_postal_codes() -> None:
    areas = {a.code: a for a in Area.objects.filter(code__in=POSTAL_CODES.values())}
    for code, area in POSTAL_CODES.items():
        PostalCode.objects.get_or_create(code=code, area=areas[area])


def line(name: str, number: str, **overrides: object) -> Service:
    data: dict[str, object] = {
        "name": name,
        "is_crisis_line": True,
        "is_24_hours": True,
        "hours": "24時間",
        "is_national": True,
        "area_codes": (),
        "resource_kinds": ("crisis-line",),
        "channels": ("phone", "freephone"),
        "phones": (PhoneData(number=number),),
    }
    data.update(overrides)
    return make_service(**data)


def make_directory() -> Directory:
    make_areas()
    make_postal_codes()
    city = OrganisationFactory(name="鳥取市役所（テスト）")
    secret = canary("shelter")
    shelter_place = make_location(
        organisation=city,
        name=f"避難先{secret}",
        area_code=TOTTORI,
        postal_code="",
        address_1="",
        is_confidential=True,
        confidential_address=f"非公開の住所 {secret}",
        accessibility=f"入口 {secret}",
    )
    city_hall = make_location(
        organisation=city,
        name="鳥取市役所 本庁舎",
        area_code=TOTTORI,
        postal_code="6808571",
        address_1="幸町71",
        transportation="鳥取駅から徒歩15分",
        accessibility="段差のない入口",
    )
    return Directory(
        local_open=make_service(
            organisation=city,
            name="とっとり こころとくらしの相談",
            concerns=("mind-life", "living-money"),
            channels=("phone", "visit"),
            area_codes=(TOTTORI,),
            hours="月～金 9:00～17:00 祝日・年末年始休み",
            phones=(PhoneData(number="0857-00-1111", description="相談専用"),),
            location_codes=(city_hall.code,),
            fees="free",
            source_attribution="鳥取市オープンデータ（テスト）",
            source_url="https://example.org/opendata",
        ),
        local_salon=make_service(
            organisation=city,
            name="ふれあいサロン わかば",
            concerns=("loneliness-talk",),
            channels=("visit",),
            area_codes=(TOTTORI,),
            resource_kinds=("salon",),
            hours="第2・第4水曜 13:30～15:30",
        ),
        prefecture=make_service(
            name="鳥取県 くらしの相談",
            concerns=("living-money",),
            channels=("phone",),
            area_codes=("310000",),
            hours="月～金 9:00～17:00",
            phones=(PhoneData(number="0857-00-2222"),),
        ),
        line_24h=line(
            "よりそいテストライン",
            "0120-000-001",
            concerns=("mind-life", "living-money", "other"),
            channels=("phone", "freephone", "chat"),
            url="https://example.org/yorisoi",
        ),
        dv_line=line("DVテスト相談", "0120-000-002", concerns=("violence",)),
        evening_line=make_service(
            name="いのちテスト電話",
            concerns=("mind-life", "loneliness-talk"),
            channels=("phone",),
            is_national=True,
            area_codes=(),
            is_crisis_line=True,
            hours="毎日 10:00～22:00",
            phones=(PhoneData(number="0570-000-003"),),
        ),
        chat=make_service(
            name="よるのチャット相談",
            concerns=("loneliness-talk", "mind-life"),
            channels=("chat", "line"),
            is_national=True,
            area_codes=(),
            hours="毎日 17:00～翌5:00",
            url="https://example.org/chat",
            phones=(),
        ),
        shinjuku=make_service(
            name="しんじゅく こころの相談",
            concerns=("mind-life",),
            area_codes=("131041",),
            hours="月～金 9:00～17:00",
        ),
        care=make_service(
            organisation=city,
            name="介護なんでも相談",
            concerns=("care",),
            area_codes=(TOTTORI,),
            hours="月～金 9:00～17:00",
        ),
        shelter=make_service(
            organisation=city,
            name="女性のための緊急一時避難",
            concerns=("violence",),
            area_codes=(TOTTORI,),
            resource_kinds=("support-service",),
            is_24_hours=True,
            hours="24時間",
            phones=(PhoneData(number="0857-00-3333"),),
            location_codes=(shelter_place.code,),
        ),
        defunct=make_service(name="閉じたテスト窓口", status="defunct", area_codes=(TOTTORI,)),
        inactive=make_service(name="休止中のテスト窓口", status="inactive", area_codes=(TOTTORI,)),
        secret=secret,
    )
