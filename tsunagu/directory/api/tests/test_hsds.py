"""The HSDS serialisation rules that the endpoint tests do not reach one by one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.directory.api.tests.schemas import validator
from tsunagu.directory.hsds import (
    address_to_hsds,
    language_name,
    location_to_hsds,
    phone_to_hsds,
    schedule_to_hsds,
    service_to_hsds,
    uri,
)
from tsunagu.directory.models import Location, Phone, Schedule
from tsunagu.directory.schedules import parse_schedule
from tsunagu.directory.tests.factories import make_location, make_service

pytestmark = pytest.mark.django_db

Json = dict[str, Any]


def hsds_schedules(text: str) -> list[Json]:
    row = Schedule(code=uuid.uuid4(), hours=parse_schedule(text).to_json())
    items = schedule_to_hsds(row, service_code=uuid.uuid4())
    assert all(item["description"] == text for item in items)
    assert items[0]["id"] == str(row.code)
    assert len({item["id"] for item in items}) == len(items)
    return [
        {k: v for k, v in item.items() if k in ("freq", "byday", "bymonthday", "opens_at", "closes_at")}
        for item in items
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("最終金曜日 18:00～20:00", [{"freq": "MONTHLY", "byday": "-1FR", "opens_at": "18:00", "closes_at": "20:00"}]),
        (
            "毎月1日・15日 10:00～12:00",
            [{"freq": "MONTHLY", "bymonthday": "1,15", "opens_at": "10:00", "closes_at": "12:00"}],
        ),
        # Past midnight: closes_at before opens_at. Unknown end: no closes_at.
        ("毎週水曜日 22:00～翌2:00", [{"freq": "WEEKLY", "byday": "WE", "opens_at": "22:00", "closes_at": "02:00"}]),
        ("月～金 17時～", [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "17:00"}]),
        (
            "月・水 10:00～12:00、13:00～15:00",
            [
                {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00", "closes_at": "12:00"},
                {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "13:00", "closes_at": "15:00"},
            ],
        ),
        # 土日祝: the weekend rule is structured, the public holidays stay in the text.
        ("土日祝 10:00～16:00", [{"freq": "WEEKLY", "byday": "SA,SU", "opens_at": "10:00", "closes_at": "16:00"}]),
        # Limited to some months: HSDS has no BYMONTH, so text only rather than a false every-week rule.
        ("4月～9月 土曜日 10:00～12:00", [{}]),
        ("不定期（お問い合わせください）", [{}]),
    ],
)
def test_schedules(text: str, expected: list[Json]) -> None:
    assert hsds_schedules(text) == expected


def test_a_schedule_that_cannot_be_read_is_still_one_item() -> None:
    row = Schedule(code=uuid.uuid4(), hours={"version": 99})
    assert schedule_to_hsds(row) == [{"id": str(row.code), "timezone": 9, "attributes": []}]


def test_phone_extension_is_a_number_or_part_of_the_description() -> None:
    assert phone_to_hsds(Phone(code=uuid.uuid4(), number="03-1", extension="２０")).get("extension") is None
    assert phone_to_hsds(Phone(code=uuid.uuid4(), number="03-1", extension="20"))["extension"] == 20
    data = phone_to_hsds(Phone(code=uuid.uuid4(), number="03-1", extension="相談室", description="平日"))
    assert "extension" not in data and data["description"] == "平日 内線 相談室"


def test_address_of_a_ward_names_the_ward_and_its_prefecture() -> None:
    location = make_location(
        organisation=OrganisationFactory(), area_code="271276", postal_code="5300001", address_1="梅田1-1"
    )
    location = Location.objects.select_related("area__parent__parent").get(pk=location.pk)
    address = address_to_hsds(location)
    assert address is not None
    assert (address["city"], address["state_province"], address["postal_code"], address["local_government_code"]) == (
        "大阪市北区",
        "大阪府",
        "530-0001",
        "271276",
    )


def test_a_virtual_location_has_no_address() -> None:
    location = make_location(
        organisation=OrganisationFactory(), location_type="virtual", area_code="", postal_code="", address_1=""
    )
    assert address_to_hsds(location) is None
    assert location_to_hsds(location, full=True)["addresses"] == []


def test_a_confidential_location_reads_nothing_but_its_id_and_type() -> None:
    # Built in memory with the public columns filled, as if the constraint had been bypassed: the
    # serialiser must still not look at them.
    organisation = OrganisationFactory()
    location = Location(
        code=uuid.uuid4(),
        organisation=organisation,
        name="本当の名前",
        description="本当の説明",
        address_1="秘密町1-1",
        postal_code="1000001",
        transportation="駅から",
        latitude=1,
        longitude=2,
        accessibility="段差なし",
        is_confidential=True,
        confidential_address="秘密町1-1",
    )
    text = str(location_to_hsds(location, full=True)) + str(address_to_hsds(location))
    for secret in ("本当", "秘密", "1000001", "100-0001", "駅から", "段差", "latitude"):
        assert secret not in text


def test_urls_become_uris_that_the_hsds_format_accepts() -> None:
    checker = validator("compiled/service.json")
    base = {"id": str(uuid.uuid4()), "name": "x", "status": "active"}
    for value, expected in (
        ("https://例え.jp/相談?q=こころ", "https://xn--r8jz45g.jp/%E7%9B%B8%E8%AB%87?q=%E3%81%93%E3%81%93%E3%82%8D"),
        ("https://example.jp:8443/a b", "https://example.jp:8443/a b"),  # ASCII is left as it is
        ("https://kokoro.example.jp/", "https://kokoro.example.jp/"),
    ):
        assert uri(value) == expected
    assert not checker.is_valid(base | {"url": "https://例え.jp/相談"})
    assert checker.is_valid(base | {"url": uri("https://例え.jp/相談")})


def test_language_names_are_the_languages_own() -> None:
    assert [language_name(tag) for tag in ("ja", "zh-Hans", "pt-BR", "xx-unknown")] == [
        "日本語",
        "简体中文",
        "Português Brasileiro",
        "xx-unknown",
    ]


def test_a_full_service_without_given_history_loads_its_own() -> None:
    service = make_service(name="履歴のある相談")
    data = service_to_hsds(service)
    assert {m["field_name"] for m in data["metadata"]} >= {"name", "concerns"}
