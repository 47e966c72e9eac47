"""Query parameters of the HSDS API: strict parsing, with errors in Japanese and English.

Every endpoint names the parameters it accepts. Anything else, a repeated parameter or a value
that does not parse is a ``BadParameter``, which the views turn into a 400 with a JSON body:
a client never gets a silently ignored filter, and hostile input never reaches the database as
anything but a typed value.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.http import QueryDict

from tsunagu.core.bounds import bounded_int
from tsunagu.core.validators import validate_local_government_code
from tsunagu.directory.schedules import TOKYO

MAX_PAGE = 1_000_000
MAX_TEXT = 200
MAX_LIST_ITEMS = 20
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9000, 12, 31)

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class BadParameter(Exception):
    """A query parameter the endpoint does not accept, with a message in both languages."""

    def __init__(self, parameter: str, ja: str, en: str) -> None:
        super().__init__(en)
        self.parameter = parameter
        self.ja = ja
        self.en = en


class Params:
    """The query string of one request, read once per parameter through typed accessors."""

    def __init__(self, query: QueryDict, *, allowed: Collection[str]) -> None:
        self.query = query
        unknown = sorted(set(query) - set(allowed))
        if unknown:
            names = ", ".join(unknown)
            accepted = ", ".join(sorted(allowed)) or "(なし / none)"
            raise BadParameter(
                unknown[0],
                f"このエンドポイントでは使えないパラメータです: {names}。使えるもの: {accepted}",
                f"Unknown parameter for this endpoint: {names}. Accepted: {accepted}",
            )
        for name in query:
            if len(query.getlist(name)) > 1:
                raise BadParameter(
                    name,
                    f"パラメータ {name} が複数回指定されています。",
                    f"The parameter {name} is given more than once.",
                )

    def raw(self, name: str) -> str | None:
        value = self.query.get(name)
        if value is None:
            return None
        value = unicodedata.normalize("NFKC", value).strip()
        if "\x00" in value:
            raise BadParameter(
                name, f"{name} に使えない文字が含まれています。", f"{name} contains a forbidden character."
            )
        return value

    def integer(self, name: str, *, default: int, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        number = bounded_int(value, low=low, high=high)  # refuses 5,000 digits before converting them
        if number is None:
            raise BadParameter(
                name,
                f"{name} は {low} から {high} までの整数で指定してください。",
                f"{name} must be a whole number from {low} to {high}.",
            )
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name)
        if value is None or value == "":
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise BadParameter(name, f"{name} は true か false で指定してください。", f"{name} must be true or false.")

    def text(self, name: str) -> str:
        value = self.raw(name) or ""
        if len(value) > MAX_TEXT:
            raise BadParameter(
                name, f"{name} は {MAX_TEXT} 文字以内にしてください。", f"{name} must be at most {MAX_TEXT} characters."
            )
        return value

    def words(self, name: str) -> tuple[str, ...]:
        """A comma-separated list of keys (``mind-life,work``)."""
        value = self.raw(name)
        if not value:
            return ()
        items = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
        if len(items) > MAX_LIST_ITEMS or any(len(item) > 64 for item in items):
            raise BadParameter(
                name,
                f"{name} には {MAX_LIST_ITEMS} 個までの値をカンマ区切りで指定してください。",
                f"{name} takes up to {MAX_LIST_ITEMS} comma-separated values.",
            )
        return items

    def uuids(self, name: str) -> tuple[uuid.UUID, ...]:
        """One id or several, comma-separated."""
        result = []
        for item in self.words(name):
            try:
                result.append(uuid.UUID(item))
            except ValueError:
                raise BadParameter(
                    name, f"{name} は UUID で指定してください: {item[:40]}", f"{name} must be a UUID: {item[:40]}"
                ) from None
        return tuple(result)

    def one_uuid(self, name: str) -> uuid.UUID | None:
        values = self.uuids(name)
        if len(values) > 1:
            raise BadParameter(name, f"{name} には UUID を一つだけ指定してください。", f"{name} takes one UUID.")
        return values[0] if values else None

    def moment(self, name: str) -> dt.datetime | None:
        """ISO 8601 date or date-time; without an offset it is Japan time, a date means its midnight."""
        value = self.raw(name)
        if not value:
            return None
        try:
            if len(value) == 10:
                moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(0), tzinfo=TOKYO)
            else:
                moment = dt.datetime.fromisoformat(value.replace(" ", "+"))
        except ValueError:
            raise BadParameter(
                name,
                f"{name} は ISO 8601 形式の日付または日時で指定してください (例: 2025-04-01T09:00:00+09:00)。",
                f"{name} must be an ISO 8601 date or date-time (e.g. 2025-04-01T09:00:00+09:00).",
            ) from None
        moment = moment.replace(tzinfo=TOKYO) if moment.tzinfo is None else moment
        if not EARLIEST <= moment.date() <= LATEST:
            # Years 1 and 9999 would overflow when the database converts them to UTC.
            raise BadParameter(
                name,
                f"{name} は {EARLIEST.year} 年から {LATEST.year} 年までの日時で指定してください。",
                f"{name} must be between the years {EARLIEST.year} and {LATEST.year}.",
            )
        return moment

    def area_code(self, name: str) -> str | None:
        value = self.raw(name)
        if not value:
            return None
        try:
            validate_local_government_code(value)
        except ValidationError:
            raise BadParameter(
                name,
                f"{name} は6桁の全国地方公共団体コード (検査数字付き、例: 131041) で指定してください。",
                f"{name} must be a 6-digit local government code with its check digit (e.g. 131041).",
            ) from None
        return value

    def choices(self, name: str, allowed: Collection[str]) -> tuple[str, ...]:
        items = self.words(name)
        wrong = [item for item in items if item not in allowed]
        if wrong:
            accepted = ", ".join(allowed)
            raise BadParameter(
                name,
                f"{name} に使えない値です: {', '.join(wrong)}。使える値: {accepted}",
                f"Unknown value for {name}: {', '.join(wrong)}. Accepted: {accepted}",
            )
        return items
