"""Directory demo data: real national lines and fictional local services in the demo municipality.

The national crisis and consultation lines are real and their numbers are public; their operators
are created as organisations. The local entries belong to the demo organisations of
`accounts.demo` (鳥取市, visibly marked （デモ）) and carry unreachable 00- numbers. Every entry is
marked with source "demo" and found again by its key, so a second run creates nothing and never
overwrites what staff changed. Some entries are left unverified or verified long ago, so the
verification list has work in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tsunagu.accounts import demo as accounts_demo
from tsunagu.accounts import services as accounts_services
from tsunagu.accounts.models import Organisation, OrganisationType
from tsunagu.audit.services import SystemActor
from tsunagu.directory.models import Area, Fees, Location, LocationType, PhoneType, Service
from tsunagu.directory.schedules import parse_schedule
from tsunagu.directory.services import LocationData, PhoneData, ServiceData, location_save, service_save

SOURCE = "demo"
ATTRIBUTION = "tsunagu デモデータ（受付時間などは各窓口の公式情報で確認してください）"
MUNICIPALITY = accounts_demo.DEMO_MUNICIPALITY  # 鳥取市
UNREACHABLE = accounts_demo.UNREACHABLE_PHONE


class DemoDataMissing(Exception):
    """Something the demo directory builds on is not there yet (areas, the demo organisations)."""


@dataclass(frozen=True)
class Operator:
    key: str
    name: str
    kana: str
    type: OrganisationType
    website: str = ""


# Real operators of the national lines below.
OPERATORS = [
    Operator(
        "social-inclusion",
        "一般社団法人 社会的包摂サポートセンター",
        "シャカイテキホウセツサポートセンター",
        OrganisationType.NATIONAL_HELPLINE,
        "https://www.since2011.net/",
    ),
    Operator(
        "inochi-federation",
        "一般社団法人 日本いのちの電話連盟",
        "ニホンイノチノデンワレンメイ",
        OrganisationType.NATIONAL_HELPLINE,
        "https://www.inochinodenwa.org/",
    ),
    Operator("mhlw", "厚生労働省", "コウセイロウドウショウ", OrganisationType.GOVERNMENT, "https://www.mhlw.go.jp/"),
    Operator(
        "lifelink",
        "NPO法人 自殺対策支援センター ライフリンク",
        "ジサツタイサクシエンセンターライフリンク",
        OrganisationType.NATIONAL_HELPLINE,
        "https://www.lifelink.or.jp/",
    ),
    Operator(
        "childline",
        "NPO法人 チャイルドライン支援センター",
        "チャイルドラインシエンセンター",
        OrganisationType.NATIONAL_HELPLINE,
        "https://childline.or.jp/",
    ),
    Operator(
        "gender-equality",
        "内閣府 男女共同参画局",
        "ナイカクフダンジョキョウドウサンカクキョク",
        OrganisationType.GOVERNMENT,
        "https://www.gender.go.jp/",
    ),
    Operator("mext", "文部科学省", "モンブカガクショウ", OrganisationType.GOVERNMENT, "https://www.mext.go.jp/"),
]


@dataclass(frozen=True)
class DemoLocation:
    key: str
    name: str
    kana: str = ""
    address: str = ""
    postal_code: str = ""
    confidential_address: str = ""
    transportation: str = ""
    accessibility: str = ""


@dataclass(frozen=True)
class DemoService:
    key: str
    #: An `OPERATORS` key, or an `accounts.demo.ORGS` key prefixed with "demo:".
    organisation: str
    name: str
    kana: str
    description: str
    kind: str
    concerns: tuple[str, ...]
    people: tuple[str, ...]
    channels: tuple[str, ...]
    phones: tuple[PhoneData, ...]
    hours: str
    #: Days before today it was last verified; None: never.
    verified_days_ago: int | None
    national: bool = False
    crisis: bool = False
    fees: str = Fees.FREE
    url: str = ""
    languages: tuple[str, ...] = ("ja",)
    locations: tuple[DemoLocation, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _voice(number: str, description: str = "") -> PhoneData:
    return PhoneData(number=number, type=PhoneType.VOICE, description=description)


NATIONAL_LINES = [
    DemoService(
        "yorisoi-hotline",
        "social-inclusion",
        "よりそいホットライン",
        "よりそいほっとらいん",
        "どんな人の、どんな悩みにもよりそって、一緒に解決する方法を探します。24時間、通話料無料。",
        "crisis-line",
        ("mind-life", "living-money", "violence", "sexuality-lgbtq", "foreign-residents", "other"),
        ("anyone",),
        ("phone", "freephone", "chat"),
        (_voice("0120-279-338", "岩手・宮城・福島からは 0120-279-226"),),
        "24時間365日",
        30,
        national=True,
        crisis=True,
        url="https://www.since2011.net/yorisoi/",
        languages=("ja", "en", "zh-Hans", "ko", "vi", "tl", "pt", "es", "th", "ne"),
    ),
    DemoService(
        "inochi-no-denwa",
        "inochi-federation",
        "いのちの電話",
        "いのちのでんわ",
        "孤独の中で悩んでいる人の話を、研修を受けたボランティアの相談員が聴きます。",
        "crisis-line",
        ("mind-life", "loneliness-talk"),
        ("anyone",),
        ("phone", "freephone"),
        (
            _voice("0570-783-556", "ナビダイヤル"),
            PhoneData(
                "0120-783-556", type=PhoneType.VOICE, description="フリーダイヤル 毎日16時～21時、毎月10日は8時～翌8時"
            ),
        ),
        "毎日 10:00～22:00",
        45,
        national=True,
        crisis=True,
        url="https://www.inochinodenwa.org/",
    ),
    DemoService(
        "kokoro-unified-dial",
        "mhlw",
        "こころの健康相談統一ダイヤル",
        "こころのけんこうそうだんとういつだいやる",
        "かけた所在地の都道府県・政令指定都市が実施している公的な相談窓口につながります。",
        "consultation",
        ("mind-life",),
        ("anyone", "mental-health"),
        ("phone",),
        (_voice("0570-064-556"),),
        "受付時間は都道府県・政令指定都市によって異なります",
        200,
        national=True,
        crisis=True,
        fees=Fees.PARTLY_PAID,
        url="https://www.mhlw.go.jp/mamorouyokokoro/",
        extra={"fees_description": "通話料がかかります。"},
    ),
    DemoService(
        "inochi-sos",
        "lifelink",
        "#いのちSOS",
        "いのちえすおーえす",
        "「死にたい」「消えたい」と思うほど悩んでいる人の電話相談。",
        "crisis-line",
        ("mind-life",),
        ("anyone",),
        ("phone", "freephone"),
        (_voice("0120-061-338"),),
        "受付時間は曜日によって異なります（公式サイトで確認）",
        None,
        national=True,
        crisis=True,
        url="https://inochisos.or.jp/",
    ),
    DemoService(
        "childline",
        "childline",
        "チャイルドライン",
        "ちゃいるどらいん",
        "18歳までの子どものための相談先。名前は言わなくていい、切りたいときは切っていい。",
        "crisis-line",
        ("bullying-school", "family-couple", "loneliness-talk", "other"),
        ("children-youth", "school-refusal"),
        ("phone", "freephone", "chat"),
        (_voice("0120-99-7777"),),
        "毎日 16:00～21:00 年末年始休み",
        100,
        national=True,
        crisis=True,
        url="https://childline.or.jp/",
        extra={"maximum_age": 18},
    ),
    DemoService(
        "dv-soudan-plus",
        "gender-equality",
        "DV相談＋（プラス）",
        "でぃーぶいそうだんぷらす",
        "配偶者やパートナーからの暴力に悩む人の相談。電話とメールは24時間、チャットは12時～22時。外国語でも相談できます。",
        "crisis-line",
        ("violence", "family-couple"),
        ("dv-victims", "women-in-difficulty"),
        ("phone", "freephone", "chat", "email"),
        (_voice("0120-279-889"),),
        "24時間",
        20,
        national=True,
        crisis=True,
        url="https://soudanplus.jp/",
        languages=("ja", "en", "zh-Hans", "ko", "vi", "tl", "pt", "es", "th", "ne"),
    ),
    DemoService(
        "kodomo-sos-dial",
        "mext",
        "24時間子供SOSダイヤル",
        "にじゅうよじかんこどもえすおーえすだいやる",
        "いじめやその他の子供のSOS全般について、夜間・休日を含めて24時間相談できます。",
        "crisis-line",
        ("bullying-school", "mind-life"),
        ("children-youth", "school-refusal", "parents"),
        ("phone", "freephone"),
        (_voice("0120-0-78310", "なやみ言おう"),),
        "24時間",
        400,
        national=True,
        crisis=True,
        url="https://www.mext.go.jp/a_menu/shotou/seitoshidou/06112210.htm",
    ),
]

CITY_HALL = DemoLocation(
    "city-hall",
    "鳥取市役所 本庁舎（デモ）",
    "とっとりしやくしょ",
    address="（デモ）幸町1-1",
    postal_code="6800000",
    transportation="鳥取駅から徒歩15分（デモ）",
    accessibility="段差のない入口、多目的トイレ（デモ）",
)
HIDAMARI = DemoLocation(
    "hidamari-house",
    "ひだまりハウス（デモ）",
    "ひだまりはうす",
    address="（デモ）栄町2-2",
    postal_code="6800000",
    accessibility="1階。車いすで入れます（デモ）",
)
COMMUNITY_HALL = DemoLocation(
    "wakabadai-hall",
    "若葉台地区公民館（デモ）",
    "わかばだいちくこうみんかん",
    address="（デモ）若葉台3-3",
    postal_code="6800000",
)
SWC_OFFICE = DemoLocation(
    "swc-office",
    "鳥取市社会福祉協議会 事務所（デモ）",
    "とっとりししゃかいふくしきょうぎかい じむしょ",
    address="（デモ）富安4-4",
    postal_code="6800000",
    accessibility="エレベーターあり（デモ）",
)
SHELTER = DemoLocation(
    "shelter",
    "緊急一時避難先（デモ）",
    "きんきゅういちじひなんさき",
    confidential_address="（デモ）鳥取市内の非公開の住所 0-0-0",
)

LOCAL_SERVICES = [
    DemoService(
        "city-loneliness-desk",
        "demo:city",
        "孤独・孤立 総合相談窓口（デモ）",
        "こどく・こりつそうごうそうだんまどぐち",
        "どこに相談したらよいかわからない悩みを、まず受け止めて一緒に考えます。（デモ）",
        "consultation",
        ("loneliness-talk", "living-money", "family-couple", "other"),
        ("anyone",),
        ("phone", "visit"),
        (_voice(UNREACHABLE, "デモ：つながりません"),),
        "月～金 8:30～17:15 祝日・年末年始休み",
        60,
        locations=(CITY_HALL,),
    ),
    DemoService(
        "city-mental-health",
        "demo:city",
        "こころの相談（精神保健福祉相談）（デモ）",
        "こころのそうだん",
        "精神保健福祉士が相談に応じます。予約制。（デモ）",
        "consultation",
        ("mind-life", "illness-health", "addiction"),
        ("mental-health", "anyone"),
        ("phone", "visit"),
        (_voice(UNREACHABLE, "予約専用（デモ：つながりません）"),),
        "第2・第4木曜 13:00～16:00",
        800,
        locations=(CITY_HALL,),
    ),
    DemoService(
        "swc-salon",
        "demo:swc",
        "ふれあい・いきいきサロン 若葉台（デモ）",
        "ふれあいいきいきさろん わかばだい",
        "お茶を飲みながらおしゃべりする地域のサロンです。どなたでも気軽にどうぞ。（デモ）",
        "salon",
        ("loneliness-talk",),
        ("older-people", "older-living-alone"),
        ("visit",),
        (_voice(UNREACHABLE, "社会福祉協議会（デモ：つながりません）"),),
        "第2・第4水曜 13:30～15:30",
        None,
        fees=Fees.PAID,
        locations=(COMMUNITY_HALL,),
        extra={"fees_description": "お茶代 100円"},
    ),
    DemoService(
        "swc-exercise",
        "demo:swc",
        "いきいき百歳体操 通いの場（デモ）",
        "いきいきひゃくさいたいそう かよいのば",
        "週2回、おもりを使った体操を仲間と続ける通いの場です。（デモ）",
        "kayoi-no-ba",
        ("loneliness-talk", "illness-health"),
        ("older-people",),
        ("visit",),
        (),
        "火・金 10:00～11:30",
        420,
        locations=(COMMUNITY_HALL,),
    ),
    DemoService(
        "swc-livelihood",
        "demo:swc",
        "くらしの困りごと相談（生活困窮者自立相談支援）（デモ）",
        "くらしのこまりごとそうだん",
        "お金、仕事、住まいの困りごとを一緒に整理し、支援につなぎます。訪問もします。（デモ）",
        "consultation",
        ("living-money", "work", "housing"),
        ("financial-hardship", "job-seekers", "anyone"),
        ("phone", "visit", "outreach"),
        (_voice(UNREACHABLE, "デモ：つながりません"),),
        "月～金 8:30～17:00（祝日・年末年始を除く）",
        90,
        locations=(SWC_OFFICE,),
        extra={"accepts_referrals": True},
    ),
    DemoService(
        "npo-cafe",
        "demo:npo",
        "ひだまりカフェ（居場所）（デモ）",
        "ひだまりかふぇ",
        "予約なしで立ち寄れる居場所。話してもいいし、黙って過ごしてもいい。（デモ）",
        "ibasho",
        ("loneliness-talk", "hikikomori"),
        ("anyone", "hikikomori", "children-youth"),
        ("visit",),
        (_voice(UNREACHABLE, "デモ：つながりません"),),
        "水 13:00～17:00 第2・第4土曜 10:00～16:00",
        500,
        locations=(HIDAMARI,),
    ),
    DemoService(
        "npo-kodomo-shokudo",
        "demo:npo",
        "ひだまり子ども食堂（デモ）",
        "ひだまりこどもしょくどう",
        "子どもは無料、大人は300円。みんなで晩ごはんを食べます。（デモ）",
        "kodomo-shokudo",
        ("parenting-pregnancy", "loneliness-talk"),
        ("children-youth", "parents", "single-parents"),
        ("visit",),
        (),
        "第1・第3金曜 17:00～19:30",
        150,
        fees=Fees.PARTLY_PAID,
        locations=(HIDAMARI,),
        extra={"fees_description": "子ども無料、大人300円"},
    ),
    DemoService(
        "npo-family-group",
        "demo:npo",
        "ひきこもり家族会・当事者会（デモ）",
        "ひきこもりかぞくかい",
        "ひきこもりの状態にある本人と家族が、経験を分かち合う会です。（デモ）",
        "peer-support",
        ("hikikomori", "family-couple"),
        ("hikikomori", "parents"),
        ("visit", "online-meeting"),
        (),
        "最終日曜 14:00～16:00",
        None,
        locations=(HIDAMARI,),
    ),
    DemoService(
        "npo-shelter",
        "demo:npo",
        "女性と子どものための緊急一時避難（デモ）",
        "じょせいとこどものためのきんきゅういちじひなん",
        "暴力から逃れる女性と子どもを、24時間受け入れます。所在地は非公開です。（デモ）",
        "support-service",
        ("violence",),
        ("dv-victims", "women-in-difficulty"),
        ("phone",),
        (_voice(UNREACHABLE, "相談専用（デモ：つながりません）"),),
        "24時間",
        250,
        locations=(SHELTER,),
    ),
    DemoService(
        "helpline-chat",
        "demo:helpline",
        "つながりチャット相談（デモ）",
        "つながりちゃっとそうだん",
        "夜間に話したいとき、チャットで相談できます。（デモ）",
        "consultation",
        ("loneliness-talk", "mind-life", "other"),
        ("anyone",),
        ("chat", "line"),
        (),
        "毎日 17:00～翌5:00",
        10,
        national=True,
    ),
]


def _operators(actor: SystemActor) -> dict[str, Organisation]:
    found = {o.source_id: o for o in Organisation.objects.filter(source=SOURCE)}
    result: dict[str, Organisation] = {}
    for spec in OPERATORS:
        result[spec.key] = found.get(spec.key) or accounts_services.organisation_create(
            actor=actor,
            data=accounts_services.OrganisationData(
                name=spec.name,
                name_kana=spec.kana,
                type=spec.type,
                municipality_code="",
                contact_phone="",
                contact_email="",
                website=spec.website,
                source=SOURCE,
                source_id=spec.key,
            ),
        )
    return result


def _demo_organisations() -> dict[str, Organisation]:
    by_name = {o.name: o for o in Organisation.objects.filter(name__in=[spec.name for spec in accounts_demo.ORGS])}
    missing = [spec.name for spec in accounts_demo.ORGS if spec.name not in by_name]
    if missing:
        raise DemoDataMissing("the demo organisations are missing: run `python manage.py seed_demo` first")
    return {f"demo:{spec.key}": by_name[spec.name] for spec in accounts_demo.ORGS}


def _location(actor: SystemActor, organisation: Organisation, spec: DemoLocation) -> Location:
    existing = Location.objects.filter(source=SOURCE, source_id=spec.key).first()
    if existing is not None:
        return existing
    confidential = bool(spec.confidential_address)
    location, _result = location_save(
        actor=actor,
        organisation=organisation,
        data=LocationData(
            name=spec.name,
            name_kana=spec.kana,
            location_type=LocationType.PHYSICAL,
            area_code=MUNICIPALITY,
            postal_code=spec.postal_code,
            address_1=spec.address,
            transportation=spec.transportation,
            accessibility=spec.accessibility,
            is_confidential=confidential,
            confidential_address=spec.confidential_address,
            source=SOURCE,
            source_id=spec.key,
            source_attribution=ATTRIBUTION,
        ),
    )
    return location


def _service(actor: SystemActor, organisation: Organisation, spec: DemoService, today: dt.date) -> None:
    locations = [_location(actor, organisation, loc) for loc in spec.locations]
    hours = parse_schedule(spec.hours)
    service_save(
        actor=actor,
        organisation=organisation,
        data=ServiceData(
            name=spec.name,
            name_kana=spec.kana,
            description=spec.description,
            url=spec.url,
            is_crisis_line=spec.crisis,
            is_24_hours=hours.always_open,
            fees=spec.fees,
            assured_date=None if spec.verified_days_ago is None else today - dt.timedelta(days=spec.verified_days_ago),
            source=SOURCE,
            source_id=spec.key,
            source_attribution=ATTRIBUTION,
            resource_kinds=(spec.kind,),
            concerns=spec.concerns,
            people_served=spec.people,
            channels=spec.channels,
            area_codes=() if spec.national else (MUNICIPALITY,),
            is_national=spec.national,
            languages=spec.languages,
            phones=spec.phones,
            hours=hours.to_json(),
            location_codes=tuple(loc.code for loc in locations),
            **spec.extra,
        ),
    )


@dataclass(frozen=True)
class SeedResult:
    created: int
    existing: int


@transaction.atomic
def seed(*, today: dt.date) -> SeedResult:
    """Create what is missing; raises DemoDataMissing when areas or the demo organisations are not there."""
    if not Area.objects.filter(code=MUNICIPALITY).exists():
        raise DemoDataMissing("areas are missing: run `python manage.py load_areas` first")
    actor = SystemActor("seed_directory_demo")
    organisations = {**_demo_organisations(), **_operators(actor)}
    existing = set(Service.objects.filter(source=SOURCE).values_list("source_id", flat=True))
    created = 0
    for spec in (*NATIONAL_LINES, *LOCAL_SERVICES):
        if spec.key in existing:
            continue
        _service(actor, organisations[spec.organisation], spec, today)
        created += 1
    return SeedResult(created=created, existing=len(existing))
