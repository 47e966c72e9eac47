"""What a browser posts for the directory's service and location forms (phones formset, hours rows)."""

from __future__ import annotations

from typing import Any


def phones(*rows: dict[str, str], extra: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phones-TOTAL_FORMS": str(len(rows) + extra),
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        data[f"phones-{i}-type"] = "voice"
        data.update({f"phones-{i}-{key}": value for key, value in row.items()})
    for i in range(len(rows), len(rows) + extra):
        data[f"phones-{i}-type"] = "voice"
    return data


def hours(**fields: Any) -> dict[str, Any]:
    """Hours fields by their names without the prefix: hours(mon_start_1="9:00", closed_on_holidays="on")."""
    return {f"hours-{name}": value for name, value in fields.items()}


OFFICE_HOURS = {
    **{f"{day}_start_1": "9:00" for day in ("mon", "tue", "wed", "thu", "fri")},
    **{f"{day}_end_1": "17:00" for day in ("mon", "tue", "wed", "thu", "fri")},
    "closed_on_holidays": "on",
}


def service_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "まちの相談室",
        "name_kana": "まちのそうだんしつ",
        "description": "暮らしの困りごとを聞きます。",
        "kind": "consultation",
        "concerns": ["living-money", "loneliness-talk"],
        "people_served": ["anyone"],
        "channels": ["phone", "visit"],
        "languages": ["ja"],
        "areas": "131041",
        "fees": "free",
        **phones({"number": "03-0000-0000", "description": "代表"}),
        **hours(**OFFICE_HOURS),
    }
    data.update(overrides)
    return data


def location_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "まちの相談室 本室",
        "location_type": "physical",
        "area": "新宿区",
        "postal_code": "160-0022",
        "address_1": "新宿一丁目2-3",
        **phones(extra=1),
    }
    data.update(overrides)
    return data
