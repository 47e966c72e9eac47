"""Page weight: every public portal page loads at most 30 KB of HTML+CSS+JS, gzip-compressed, from our
own origin only (issue 4, "Quality bars"; the shared performance document).

Each page is rendered through Django's test client with a realistic directory (a few dozen services
with long names, long descriptions, several phones, many terms, hours, in one city, plus national
lines), and every stylesheet and script the HTML references is read from the static files and
counted. Not a timing test: sizes only. bench/portal.py measures the same over HTTP with 100,000
services, and runs Lighthouse.
"""

from __future__ import annotations

import gzip
import html.parser
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.directory.crisis import forget_crisis_lines
from tsunagu.directory.models import Service
from tsunagu.directory.services import PhoneData
from tsunagu.directory.tests.factories import make_service
from tsunagu.portal.tests.finder_data import THURSDAY_10, TOTTORI, make_directory

pytestmark = pytest.mark.django_db

BUDGET = 30 * 1024  # bytes: HTML + CSS + JS, gzip-compressed
GZIP_LEVEL = 6  # a common server setting (nginx and Caddy default lower, WhiteNoise precompresses at 9)
LANGUAGES = ("ja", "ja-easy", "en", "zh-hans", "ko", "vi", "pt-br")

CONCERNS = ("mind-life", "living-money", "loneliness-talk", "family-couple", "care", "housing", "work")
PEOPLE = ("anyone", "older-people", "older-living-alone", "carers", "financial-hardship", "disabled-people")
KINDS = ("consultation", "ibasho", "salon", "kayoi-no-ba", "kodomo-shokudo", "peer-support")
CHANNELS = ("phone", "freephone", "visit", "line", "chat", "email", "outreach", "online-meeting")
WORDY = "なんでも相談窓口"  # in the name of every wordy service below
HOURS = (
    "月～金 9:00～17:00 祝日・年末年始休み",
    "月・水・金 10:00～16:00、第2・第4土曜 10:00～12:00",
    "毎日 10:00～22:00",
    "火～土 9:30～18:30（祝日を除く）",
    "24時間365日",
)


@pytest.fixture(autouse=True)
def fresh_banner() -> Iterator[None]:
    forget_crisis_lines()
    yield
    forget_crisis_lines()


@pytest.fixture
def directory() -> list[Service]:
    """The finder tests' directory plus 36 wordy services in 鳥取市 and 4 national lines: the heaviest
    cards a results page shows (long names, three phones with notes, many terms, long texts)."""
    with time_machine.travel(THURSDAY_10, tick=False):
        make_directory()
        organisations = [
            OrganisationFactory(name=f"特定非営利活動法人 とっとり地域のくらしとこころをささえる市民ネットワーク{i}")
            for i in range(6)
        ]
        services = []
        for i in range(40):
            national = i >= 36
            services.append(
                make_service(
                    organisation=organisations[i % len(organisations)],
                    name=(
                        f"とっとり こころとくらしの なんでも相談窓口 第{i + 1}センター"
                        "（電話・来所・オンライン・訪問相談、ご家族やまわりの方からのご相談もどうぞ）"
                    ),
                    name_kana=f"とっとりこころとくらしのなんでもそうだんまどぐちだい{i + 1}せんたー",
                    alternate_name=f"なんでも相談{i + 1}",
                    description=(
                        "ひとりで悩まず、まずはお電話ください。生活のこと、お金のこと、仕事や住まいのこと、家族や"
                        "介護のこと、こころの不調や、誰とも話していないさびしさなど、どんなことでもお聞きします。"
                        "相談員が一緒に考え、必要なときは市役所や専門の窓口、地域の居場所におつなぎします。"
                        "匿名でもかまいません。秘密は守ります。外国語での相談は通訳を手配します。"
                    )
                    * 2,
                    concerns=CONCERNS[: 3 + i % 5],
                    people_served=PEOPLE[: 2 + i % 5],
                    resource_kinds=("crisis-line",) if national else (KINDS[i % len(KINDS)],),
                    channels=CHANNELS[: 3 + i % 6],
                    area_codes=() if national else (TOTTORI,),
                    is_national=national,
                    is_24_hours=national,
                    is_crisis_line=national,
                    hours="24時間365日" if national else HOURS[i % (len(HOURS) - 1)],
                    languages=("ja", "en", "zh-Hans", "ko", "vi", "pt")[: 1 + i % 6],
                    fees="free",
                    fees_description="相談は無料です。通話料はかかります（フリーダイヤルは無料）。",
                    eligibility_description="鳥取市にお住まいの方、お勤めの方、通学している方とそのご家族。",
                    application_process="予約は不要です。来所の場合はお電話で予約いただくと待ち時間がありません。",
                    url=f"https://example.org/soudan/{i + 1}",
                    email=f"soudan{i + 1}@example.org",
                    phones=(
                        PhoneData(number=f"0857-20-{1000 + i:04d}", description="相談専用（平日の日中）"),
                        PhoneData(number=f"0120-{100 + i:03d}-{200 + i:03d}", description="フリーダイヤル"),
                        PhoneData(
                            number=f"0857-20-{5000 + i:04d}", type="fax", description="ファクス（聞こえにくい方）"
                        ),
                    ),
                )
            )
    return services


@dataclass
class Measured:
    page: str
    status: int
    html: int  # gzip-compressed bytes
    files: dict[str, int] = field(default_factory=dict)  # static path -> gzip-compressed bytes
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + sum(self.files.values())

    def line(self) -> str:
        css = sum(size for path, size in self.files.items() if path.endswith(".css"))
        js = sum(size for path, size in self.files.items() if not path.endswith(".css"))
        verdict = "OVER" if self.total > BUDGET or self.problems else "ok"
        names = ", ".join(f"{path} {size / 1024:.1f}" for path, size in self.files.items()) or "no CSS/JS"
        extra = f" PROBLEMS: {'; '.join(self.problems)}" if self.problems else ""
        return (
            f"{verdict:4} {self.total / 1024:5.1f} KB = HTML {self.html / 1024:.1f} + CSS {css / 1024:.1f} "
            f"+ JS {js / 1024:.1f} | {self.page} (HTTP {self.status}) [{names}]{extra}"
        )


class Assets(html.parser.HTMLParser):
    """Stylesheets and scripts the page loads (and anything else it would fetch)."""

    def __init__(self) -> None:
        super().__init__()
        self.code: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and {"stylesheet", "modulepreload"} & set(rel):
            self.code.append(a.get("href", ""))
        elif tag == "script" and a.get("src"):
            self.code.append(a["src"])
        elif tag in {"img", "iframe", "embed", "source", "audio", "video"} and a.get("src"):
            self.other.append(a["src"])
        elif tag == "link" and {"icon", "preload", "prefetch", "manifest"} & set(rel):
            self.other.append(a.get("href", ""))


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def measure(label: str, response: HttpResponseBase, expected: int = 200, shows: str = "") -> Measured:
    """``shows``: text the page must contain (so it was measured with the services, not empty)."""
    body = response.content  # type: ignore[attr-defined]
    result = Measured(page=label, status=response.status_code, html=gz(body))
    if response.status_code != expected:
        result.problems.append(f"HTTP {response.status_code}, expected {expected}")
    if shows and shows not in body.decode():
        result.problems.append(f"does not show {shows!r}")
    if "Set-Cookie" in response.headers:
        result.problems.append("sets a cookie")
    assets = Assets()
    assets.feed(body.decode())
    for url in assets.code:
        if not url.startswith(settings.STATIC_URL):
            result.problems.append(f"loads {url} from outside our static files")
            continue
        path = url[len(settings.STATIC_URL) :].split("?")[0]
        found = finders.find(path)
        if not found:
            result.problems.append(f"{url} does not exist")
            continue
        result.files[path] = gz(Path(str(found)).read_bytes())
    for url in assets.other:
        if re.match(r"^(https?:)?//", url):
            result.problems.append(f"third-party request {url}")
    return result


def url(name: str, language: str = "ja", **kwargs: object) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def finder_results(client: Client, language: str) -> Measured:
    """The results: the last step's form, carrying the earlier answers as its hidden fields do."""
    finder = url("portal:finder", language)
    answers = {"concerns": ["loneliness-talk", "mind-life", "living-money"], "for_whom": "self", "where": "鳥取市"}
    response = client.post(
        finder, {"step": "channel", "action": "next", "channels": ["phone"], **answers, "area": TOTTORI}
    )
    return measure(f"{finder} finder results (POST)", response, shows=WORDY)


def test_every_public_page_loads_at_most_30_kb_compressed(directory):
    client = Client()
    measured: list[Measured] = []
    codes = [str(service.code) for service in directory]
    with time_machine.travel(THURSDAY_10, tick=False):
        for language in LANGUAGES:
            measured.append(measure(f"{url('portal:home', language)} home", client.get(url("portal:home", language))))
        for language in ("ja", "en"):
            for name in ("portal:now", "portal:places", "portal:worried", "portal:private", "portal:finder"):
                path = url(name, language)
                measured.append(measure(f"{path} {name}", client.get(path)))
            finder = url("portal:finder", language)
            for step, data, status in (
                ("whom", {"step": "concerns", "action": "next", "concerns": ["loneliness-talk"]}, 200),
                ("where", {"step": "whom", "action": "next", "concerns": ["loneliness-talk"], "for_whom": "self"}, 200),
                ("channel", {"step": "where", "action": "next", "where": "680-0000"}, 200),
                ("where, place not found", {"step": "where", "action": "next", "where": "存在しない町"}, 400),
            ):
                response = client.post(finder, data)
                measured.append(measure(f"{finder} finder step {step} (POST)", response, status))
            measured.append(finder_results(client, language))
            places = url("portal:places", language)
            measured.append(measure(f"{places} places near 鳥取市 (POST)", client.post(places, {"where": "鳥取市"})))
            search = url("portal:search", language)
            measured.append(measure(f"{search} search form", client.get(search)))
            for words in ("相談", "こころ くらし"):
                response = client.post(search, {"q": words, "where": "鳥取市"})
                measured.append(measure(f"{search} search results {words} (POST)", response, shows=WORDY))
            response = client.post(search, {"q": "相談", "where": "鳥取市", "page": "2"})
            measured.append(measure(f"{search} search results, page 2 (POST)", response))
            for service in directory[:2] + directory[-1:]:
                path = url("portal:service", language, code=service.code)
                measured.append(measure(f"{path} service detail", client.get(path), shows=service.name))
            printing = url("portal:print", language)
            measured.append(measure(f"{printing} print (nothing chosen)", client.get(printing)))
            measured.append(
                measure(
                    f"{printing} print list of 10 (POST)",
                    client.post(printing, {"services": codes[:10]}),
                    shows=WORDY,
                )
            )
            selfcheck = url("portal:selfcheck", language)
            measured.append(measure(f"{selfcheck} self-check", client.get(selfcheck)))
            answers = {"direct": "5", "companionship": "4", "left_out": "4", "isolated": "4"}
            measured.append(measure(f"{selfcheck} self-check result (POST)", client.post(selfcheck, answers)))

    over = [m for m in measured if m.total > BUDGET or m.problems]
    report = "\n".join(m.line() for m in sorted(measured, key=lambda m: -m.total))
    assert not over, (
        f"{len(over)} of {len(measured)} public pages exceed {BUDGET // 1024} KB compressed HTML+CSS+JS "
        f"or load something they must not (gzip level {GZIP_LEVEL}). Measured:\n{report}"
    )
