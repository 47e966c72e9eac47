"""Generated directory data for ``bench/search.py``: organisations, locations and services.

Every service is produced as a ``directory.services.ServiceData`` (the value ``service_save``
takes), so the benchmark can write a sample through ``service_save`` and the rest with
``bulk_create`` and then check that both hold the same thing. The vocabulary is deliberately
wide: topic names in several spellings (ひきこもり / 引きこもり / ヒキコモリ, 子ども / 子供 / こども,
DV / ＤＶ), a few hundred niche words drawn with Zipf weights (a long tail of rare words), and the
real town names of Japan Post's data, so the search index sees a realistic dictionary.

Nothing here touches the database except through the lists of areas and postal towns passed in.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------------------
# vocabulary


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Topic:
    """A kind of service: the words of its name and the taxonomy terms it usually carries."""

    word: str
    concerns: tuple[str, ...]
    people: tuple[str, ...]
    kind: str
    # Index into SCHEDULE_GROUPS weights (see `Generator._hours`).
    hours: str = "office"


TOPICS: tuple[Topic, ...] = (
    Topic(
        "子ども食堂",
        ("parenting-pregnancy", "loneliness-talk"),
        ("children-youth", "parents"),
        "kodomo-shokudo",
        "monthly",
    ),
    Topic(
        "こども食堂",
        ("parenting-pregnancy", "loneliness-talk"),
        ("children-youth", "parents"),
        "kodomo-shokudo",
        "monthly",
    ),
    Topic("子供食堂", ("parenting-pregnancy", "living-money"), ("children-youth",), "kodomo-shokudo", "monthly"),
    Topic(
        "みんなの食堂", ("loneliness-talk", "living-money"), ("anyone", "children-youth"), "kodomo-shokudo", "monthly"
    ),
    Topic("ひきこもり相談窓口", ("hikikomori",), ("hikikomori",), "consultation"),
    Topic("引きこもり地域支援センター", ("hikikomori", "mind-life"), ("hikikomori",), "consultation"),
    Topic("ひきこもり家族会", ("hikikomori", "family-couple"), ("hikikomori",), "peer-support", "monthly"),
    Topic("ヒキコモリ当事者の居場所", ("hikikomori", "loneliness-talk"), ("hikikomori",), "ibasho", "weekly"),
    Topic("生活困窮者自立相談支援窓口", ("living-money", "work", "housing"), ("financial-hardship",), "consultation"),
    Topic(
        "くらしとしごとの相談センター", ("living-money", "work"), ("financial-hardship", "job-seekers"), "consultation"
    ),
    Topic("介護相談窓口", ("care",), ("older-people", "carers"), "consultation"),
    Topic("地域包括支援センター", ("care", "illness-health"), ("older-people", "older-living-alone"), "consultation"),
    Topic("DV相談", ("violence",), ("dv-victims", "women-in-difficulty"), "consultation", "long"),
    Topic("ＤＶ相談窓口", ("violence", "family-couple"), ("dv-victims",), "consultation"),
    Topic("配偶者暴力相談支援センター", ("violence",), ("dv-victims", "women-in-difficulty"), "consultation", "long"),
    Topic("女性相談", ("violence", "family-couple", "living-money"), ("women-in-difficulty",), "consultation"),
    Topic("障害者相談支援センター", ("disability",), ("disabled-people",), "consultation"),
    Topic("外国人相談窓口", ("foreign-residents",), ("foreign-residents",), "consultation"),
    Topic("多文化共生センター", ("foreign-residents", "loneliness-talk"), ("foreign-residents",), "ibasho", "long"),
    Topic("高齢者サロン", ("loneliness-talk",), ("older-people", "older-living-alone"), "salon", "weekly"),
    Topic("ふれあい・いきいきサロン", ("loneliness-talk",), ("older-people",), "salon", "monthly"),
    Topic("通いの場", ("loneliness-talk", "illness-health"), ("older-people",), "kayoi-no-ba", "weekly"),
    Topic("若者の居場所", ("loneliness-talk", "mind-life"), ("children-youth", "students"), "ibasho", "evening"),
    Topic("就労支援", ("work",), ("job-seekers", "not-in-work-or-school"), "support-service"),
    Topic("住まい相談", ("housing",), ("financial-hardship", "older-people"), "consultation"),
    Topic("こころの電話相談", ("mind-life", "loneliness-talk"), ("mental-health", "anyone"), "crisis-line", "evening"),
    Topic("いのちの電話", ("mind-life",), ("anyone",), "crisis-line", "crisis"),
    Topic("傾聴ボランティア", ("loneliness-talk",), ("older-living-alone",), "volunteering", "weekly"),
    Topic("フードバンク", ("living-money",), ("financial-hardship",), "support-service", "weekly"),
    Topic("ヤングケアラー相談", ("care", "family-couple"), ("children-youth", "carers"), "consultation"),
    Topic(
        "若者サポートステーション", ("work",), ("not-in-work-or-school", "children-youth"), "support-service", "long"
    ),
    Topic("ピアサポートの会", ("mind-life",), ("mental-health",), "peer-support", "monthly"),
    Topic("ひとり親家庭支援", ("parenting-pregnancy", "living-money"), ("single-parents",), "support-service"),
    Topic("不登校相談", ("bullying-school",), ("school-refusal",), "consultation"),
    Topic("依存症相談", ("addiction",), ("substance-dependence",), "consultation"),
    Topic("無料法律相談", ("other", "living-money"), ("anyone",), "consultation", "monthly"),
    Topic("日本語教室", ("foreign-residents",), ("foreign-residents",), "ibasho", "weekly"),
    Topic("見守りネットワーク", ("loneliness-talk",), ("older-living-alone",), "volunteering"),
    Topic("配食サービス", ("care", "living-money"), ("older-living-alone",), "support-service"),
    Topic("子育てひろば", ("parenting-pregnancy",), ("parents",), "ibasho", "long"),
    Topic("認知症カフェ", ("care", "illness-health"), ("older-people", "carers"), "salon", "monthly"),
    Topic("自殺予防電話相談", ("mind-life",), ("mental-health", "anyone"), "crisis-line", "crisis"),
    Topic(
        "学習支援教室",
        ("bullying-school", "living-money"),
        ("children-youth", "financial-hardship"),
        "support-service",
        "evening",
    ),
    Topic("男性相談", ("family-couple", "mind-life"), ("anyone",), "consultation", "evening"),
    Topic(
        "性暴力被害相談",
        ("violence", "crime-victims"),
        ("crime-victims", "women-in-difficulty"),
        "crisis-line",
        "crisis",
    ),
    Topic("LGBTQ相談", ("sexuality-lgbtq",), ("lgbtq",), "consultation", "evening"),
    Topic("子ども家庭相談", ("parenting-pregnancy", "family-couple"), ("parents", "children-youth"), "consultation"),
    Topic("妊娠SOS相談", ("parenting-pregnancy",), ("pregnancy",), "consultation", "crisis"),
    Topic("産後ケア", ("parenting-pregnancy", "illness-health"), ("pregnancy", "parents"), "support-service"),
    Topic("精神保健福祉相談", ("mind-life", "illness-health"), ("mental-health",), "consultation"),
    Topic("権利擁護センター", ("other", "care"), ("older-people", "disabled-people"), "consultation"),
    Topic("ボランティアセンター", ("other", "loneliness-talk"), ("anyone",), "volunteering"),
    Topic("犯罪被害者支援センター", ("crime-victims",), ("crime-victims",), "consultation"),
    Topic("被災者支援", ("disaster", "living-money"), ("disaster-victims",), "support-service"),
    Topic("更生保護サポートセンター", ("other", "work"), ("former-offenders",), "support-service"),
    Topic("難病相談支援センター", ("illness-health", "disability"), ("intractable-disease",), "consultation"),
    Topic("介護者の会", ("care", "loneliness-talk"), ("carers",), "peer-support", "monthly"),
    Topic(
        "こども宅食", ("living-money", "parenting-pregnancy"), ("children-youth", "single-parents"), "support-service"
    ),
    Topic("居場所カフェ", ("loneliness-talk",), ("children-youth", "anyone"), "ibasho", "weekly"),
    Topic("おしゃべり会", ("loneliness-talk",), ("anyone", "older-living-alone"), "salon", "monthly"),
)

SUFFIXES = ("", "", "", "窓口", "センター", "ひろば", "の会", "ネット", "事業", "プロジェクト", "（相談）")
NICKNAMES = words(
    "ひだまり こもれび つばさ ほっと よりそい まんまる おひさま はればれ あおぞら なかよし ぽかぽか "
    "にじいろ わくわく きずな ふらっと ゆるっと ほっこり えがお たんぽぽ さくら ひまわり どんぐり "
    "ともしび ココカラ ステップ コスモス すみれ わかば みのり ぬくもり ふるさと まちかど ゆめ "
    "はじめの一歩 となりの おむすび かけはし あゆみ つむぎ しずく"
)
VENUE_KINDS = words("食堂 サロン カフェ ひろば の家 ハウス ルーム ステーション クラブ の会")

WHO = words(
    "高齢者 子ども 子供とその保護者 こどもと家族 子育て中の家庭 生活に困窮している方 "
    "ひきこもり状態の方とご家族 引きこもりの方 ヒキコモリの若者 引き籠もりがちな方 障害のある方 "
    "外国人住民 DV被害にあっている方 ＤＶに悩む方 ひとり親家庭 若者 介護をしている家族 一人暮らしの方 "
    "地域の住民 不登校の子どもと保護者 依存症に悩む方 妊娠中の方 中高年の方 仕事を探している方 学生 "
    "性的マイノリティの方 犯罪被害にあった方 被災された方 どなたでも"
)
WHAT = words(
    "無料の食事提供 学習支援 就労支援 住まい探しの支援 家計の相談 介護の相談 居場所づくり 話し相手 "
    "見守り訪問 通訳 日本語教室 訪問相談 電話相談 法律相談 健康体操 配食サービス 就労体験 緊急の一時保護 "
    "生活保護の申請同行 食料品の配布 子育ての相談 こころの相談 ひきこもりの相談 関係機関へのつなぎ "
    "同行支援 情報提供 交流会 家族教室 講座"
)
CHANNEL_WORDS = {
    "phone": "電話",
    "freephone": "フリーダイヤル",
    "line": "LINE",
    "chat": "チャット",
    "email": "メール",
    "visit": "来所",
    "outreach": "訪問",
    "online-meeting": "オンライン",
}
FEELINGS = words(
    "孤独を感じている 誰かと話したい 不安を抱えている 生活に困っている 家族のことで悩んでいる "
    "眠れない夜が続いている 相談する相手がいない 仕事がうまくいかない こころが疲れている"
)
VENUES = words(
    "公民館 集会所 コミュニティセンター 地区センター 児童館 教会 お寺 商店街の空き店舗 団地の集会室 "
    "福祉センター 図書館 市民活動センター 自治会館 古民家"
)
STAFF = words(
    "社会福祉士 精神保健福祉士 保健師 臨床心理士 公認心理師 弁護士 司法書士 看護師 ピアサポーター "
    "民生委員 主任児童委員 相談支援専門員 キャリアコンサルタント ケアマネジャー 研修を受けた相談員 "
    "ボランティア"
)
FEE_TEXTS = ("無料", "無料", "無料", "子ども無料・大人300円", "100円", "一食300円", "実費のみ", "初回無料")
EXTRAS = words(
    "同じ悩みを持つ方の交流会 専門職による個別相談 子どもの預かり フードパントリー 多言語での案内 "
    "家族向けの勉強会 手話通訳 送迎 オンラインでの参加 予約なしでの参加"
)
# Niche words for the long tail. Shuffled with the seed and drawn with Zipf weights, so which ones
# are rare changes with the seed; `Generator.tail_counts` says how often each was used.
TAIL = words(
    "場面緘黙 吃音 きょうだい児 ダブルケア 8050問題 ゲーム依存 ギャンブル依存症 アルコール依存症 薬物依存 "
    "買い物依存 摂食障害 産後うつ マタニティブルー 不妊治療 死産 グリーフケア 自死遺族 犯罪被害者遺族 "
    "交通事故遺族 小児がん 医療的ケア児 発達障害 ADHD 自閉スペクトラム症 学習障害 高次脳機能障害 "
    "若年性認知症 レビー小体型認知症 パーキンソン病 ALS 筋ジストロフィー 脳卒中 失語症 聴覚障害 視覚障害 "
    "盲ろう 点字 要約筆記 ろう者 難聴 オストメイト 人工透析 HIV トランスジェンダー 性別違和 外国籍 難民 "
    "技能実習生 留学生 日系人 無戸籍 ホームレス ネットカフェ難民 路上生活 住居喪失 家賃滞納 多重債務 闇金 "
    "特殊詐欺 悪質商法 消費者トラブル ネットいじめ SNSトラブル リベンジポルノ ストーカー デートDV "
    "モラハラ パワハラ セクハラ カスハラ マタハラ 過労 休職 リワーク 就職氷河期 ニート フリーター "
    "非正規雇用 雇い止め 労災 障害年金 児童扶養手当 就学援助 奨学金 おさがり 制服リユース 無料塾 夜間中学 "
    "フリースクール 通信制高校 高校中退 体罰 若年妊娠 予期せぬ妊娠 特別養子縁組 里親 児童養護施設 "
    "自立援助ホーム アフターケア 社会的養護 非行 少年院 保護司 再犯防止 孤独死 安否確認 緊急通報 "
    "買い物支援 移動販売 買い物難民 デマンドタクシー 移送サービス ゴミ屋敷 セルフネグレクト ためこみ症 "
    "多頭飼育 遺品整理 身元保証 成年後見 任意後見 終活 エンディングノート 墓じまい 相続 空き家 "
    "災害ボランティア 仮設住宅 避難所 原発避難 防災 老老介護 認認介護 遠距離介護 介護離職 男性介護者 "
    "在宅医療 訪問看護 緩和ケア ホスピス 看取り 認知症サポーター オレンジカフェ 回想法 音楽療法 園芸療法 "
    "アニマルセラピー フードドライブ シングルマザー シングルファーザー 父子家庭 母子家庭 養育費 面会交流 "
    "離婚 別居 シェルター ステップハウス ワンストップ支援 痴漢 盗撮 自傷 オーバードーズ 希死念慮 自殺未遂 "
    "ゲートキーパー 電話傾聴 SNS相談 ピアカウンセリング 当事者研究 ひきこもり女子会 ひきこもり大学 "
    "夜の居場所 ユースセンター プレーパーク 冒険遊び場 子ども会 放課後児童クラブ 学童保育 病児保育 "
    "一時預かり ファミリー・サポート ベビーマッサージ 離乳食教室 双子 多胎児 低出生体重児 ダウン症 "
    "重症心身障害 就労継続支援 就労移行支援 ジョブコーチ 障害者雇用 農福連携 シルバー人材センター "
    "生きがいづくり 健康麻雀 囲碁将棋 カラオケ ラジオ体操 ノルディックウォーキング 男の料理教室 手芸 "
    "編み物 写経 書道 俳句 川柳 合唱 和太鼓 盆踊り 銭湯 朝市 コミュニティガーデン 市民農園 移住 "
    "地域おこし協力隊 関係人口 アイヌ やさしい日本語 ネパール語 ベトナム語 タガログ語 ポルトガル語 "
    "インドネシア語 ミャンマー語 スペイン語 在留資格 入管 外国人児童 母語支援 ハラール ムスリム ビーガン "
    "アレルギー対応 車いす 補聴器 白杖 盲導犬 ヘルプマーク ひきこもり経験者 元受刑者 保護観察 "
    "ヤングケアラー経験者 若年性パーキンソン 線維筋痛症 化学物質過敏症 慢性疲労症候群 起立性調節障害 "
    "過敏性腸症候群 場面かんもく チック症 トゥレット症 ディスレクシア HSP アダルトチルドレン 共依存 "
    "機能不全家族"
)

LANGUAGES = (("en", 0.08), ("zh-Hans", 0.05), ("ko", 0.03), ("vi", 0.03), ("pt", 0.02), ("tl", 0.02), ("ne", 0.01))
LANGUAGE_WORDS = {
    "en": "英語",
    "zh-Hans": "中国語",
    "ko": "韓国語",
    "vi": "ベトナム語",
    "pt": "ポルトガル語",
    "tl": "タガログ語",
    "ne": "ネパール語",
}

# Opening hours as people write them; every text here is parsed completely by `parse_schedule`
# (the benchmark checks). Groups are chosen per topic, then a text within the group.
SCHEDULE_GROUPS: dict[str, tuple[str, ...]] = {
    "office": (
        "平日9時～17時（年末年始を除く）",
        "月～金 8:30～17:15 祝日を除く",
        "平日 9:00～17:00",
        "月～金 9:00～16:00（祝日・年末年始を除く）",
        "月～土 10:00～19:00",
    ),
    "long": ("平日 9:00～21:00 土日 9:00～17:00", "月～土 10:00～19:00", "毎日 10:00～20:00"),
    "monthly": (
        "第2・第4土曜日 10:00～15:00",
        "第1・第3日曜日 11:00～14:00",
        "毎月第3土曜日 11:30～13:30",
        "第2・第4水曜日 17:00～19:30",
    ),
    "weekly": ("毎週水曜日 13:30～16:30", "火・木 10:00～15:00", "毎週土曜日 13:00～17:00", "月・水・金 13:00～16:00"),
    "evening": ("毎日18:00～22:00", "火・木 17:00～21:00", "平日 17:00～22:00", "毎日 16時～翌9時"),
    "crisis": ("24時間365日", "毎日18:00～22:00", "毎日 16時～翌9時"),
}
# The group a service uses instead of its topic's (probabilities, in order).
SCHEDULE_OVERRIDES = (("none", 0.12), ("crisis", 0.04), ("evening", 0.06))

STATUSES = (("active", 0.92), ("temporarily closed", 0.04), ("inactive", 0.03), ("defunct", 0.01))

GOVERNMENT_DEPARTMENTS = words("福祉課 健康推進課 子ども家庭課 高齢福祉課 生活支援課 障害福祉課 市民協働課 人権推進課")
NPO_SUFFIXES = words("の会 ネット サポート プロジェクト ネットワーク の家 クラブ 基金 ラボ フォーラム")


def weighted(rng: random.Random, choices: Sequence[tuple[str, float]], default: str) -> str:
    roll = rng.random()
    for value, probability in choices:
        if roll < probability:
            return value
        roll -= probability
    return default


class Zipf:
    """Draws items with weight 1 / rank^s (the order is shuffled with the generator's seed)."""

    def __init__(self, rng: random.Random, items: Sequence[str], s: float = 1.1) -> None:
        self.items = list(items)
        rng.shuffle(self.items)
        self.cumulative = list(itertools.accumulate(1 / (rank**s) for rank in range(1, len(self.items) + 1)))

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]


# --------------------------------------------------------------------------------------------------
# generated records


@dataclass(frozen=True)
class AreaInfo:
    pk: int
    code: str
    name: str
    level: str
    parent_code: str  # the prefecture for a municipality; the city for a ward
    prefecture_code: str


@dataclass
class OrgSpec:
    name: str
    type: str
    area: AreaInfo | None  # None: a national organisation
    description: str
    location: dict[str, Any] | None  # Location fields (area as AreaInfo), or None
    services: int = 0


@dataclass
class ServiceSpec:
    org_index: int
    code: uuid.UUID
    data: Any  # directory.services.ServiceData
    tail_words: list[str] = field(default_factory=list)


class Generator:
    """Deterministic data for a seed. ``areas``: municipalities, wards, designated cities, prefectures."""

    def __init__(self, seed: int, areas: list[AreaInfo], towns: dict[str, list[tuple[str, str]]]) -> None:
        self.rng = random.Random(seed)
        self.areas = areas
        self.by_code = {a.code: a for a in areas}
        self.homes = [a for a in areas if a.level in {"municipality", "ward"}]
        weights = []
        for area in self.homes:
            if area.level == "ward" or area.code.startswith("131"):
                weights.append(3.0)  # designated-city wards and Tokyo's special wards
            elif area.name.endswith("市"):
                weights.append(1.5)
            else:
                weights.append(0.5)
        self.home_cumulative = list(itertools.accumulate(weights))
        self.by_prefecture: dict[str, list[AreaInfo]] = {}
        for area in self.homes:
            self.by_prefecture.setdefault(area.prefecture_code, []).append(area)
        self.towns = towns  # area code -> [(postal code, town)]
        self.tail = Zipf(self.rng, TAIL)
        self.tail_counts: dict[str, int] = dict.fromkeys(TAIL, 0)
        from tsunagu.directory.schedules import parse_schedule

        self.hours: dict[str, dict[str, Any]] = {}
        self.always_open: set[str] = set()
        for text in {t for group in SCHEDULE_GROUPS.values() for t in group}:
            schedule = parse_schedule(text)
            assert schedule.parsed_completely, text
            self.hours[text] = schedule.to_json()
            if schedule.always_open:
                self.always_open.add(text)

    # -- helpers

    def home(self) -> AreaInfo:
        roll = self.rng.random() * self.home_cumulative[-1]
        return self.homes[bisect.bisect_left(self.home_cumulative, roll)]

    def town(self, area: AreaInfo) -> tuple[str, str]:
        towns = self.towns.get(area.code) or [("", "")]
        return self.rng.choice(towns)

    def new_code(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # -- organisations

    def organisations(self, n: int) -> list[OrgSpec]:
        rng = self.rng
        orgs: list[OrgSpec] = []
        # One council of social welfare per municipality / ward, while there is room.
        for area in self.homes[: n // 10]:
            orgs.append(self._org(f"{area.name}社会福祉協議会", "social_welfare_council", area))
        national = max(1, n // 1000)
        for i in range(national):
            name = f"{rng.choice(NICKNAMES)}{rng.choice(NPO_SUFFIXES)}全国ネットワーク{i + 1}"
            orgs.append(self._org(f"NPO法人{name}", "national_helpline", None))
        while len(orgs) < n:
            area = self.home()
            roll = rng.random()
            if roll < 0.15:
                office = "区役所" if area.name.endswith("区") else "市役所" if area.name.endswith("市") else "役場"
                orgs.append(self._org(f"{area.name}{office}{rng.choice(GOVERNMENT_DEPARTMENTS)}", "government", area))
            elif roll < 0.65:
                name = f"NPO法人{rng.choice(NICKNAMES)}{rng.choice(NPO_SUFFIXES)}"
                orgs.append(self._org(name, "npo", area))
            elif roll < 0.75:
                orgs.append(self._org(f"社会福祉法人{rng.choice(NICKNAMES)}会", "social_welfare_corporation", area))
            elif roll < 0.85:
                orgs.append(self._org(f"一般社団法人{rng.choice(NICKNAMES)}{rng.choice(NPO_SUFFIXES)}", "npo", area))
            elif roll < 0.92:
                orgs.append(self._org(f"{self.town(area)[1] or area.name}町内会", "neighbourhood_association", area))
            elif roll < 0.96:
                orgs.append(self._org(f"医療法人{rng.choice(NICKNAMES)}会", "health_medical", area))
            else:
                orgs.append(self._org(f"{rng.choice(NICKNAMES)}生活協同組合", "cooperative", area))
        return orgs

    def _org(self, name: str, type_: str, area: AreaInfo | None) -> OrgSpec:
        rng = self.rng
        description = (
            f"{area.name if area else '全国'}で{rng.choice(WHO)}を支える活動をしています。"
            f"{rng.choice(WHAT)}や{rng.choice(WHAT)}に取り組んでいます。"
        )
        location: dict[str, Any] | None = None
        if area is None:
            location = {"code": self.new_code(), "name": name, "location_type": "virtual", "area": None}
        else:
            postal, town = self.town(area)
            confidential = type_ == "npo" and rng.random() < 0.03
            location = {
                "code": self.new_code(),
                "name": f"{name} 事務所" if rng.random() < 0.5 else f"{town or area.name}{rng.choice(VENUES)}",
                "location_type": "physical",
                "area": area,
                "is_confidential": confidential,
                "postal_code": "" if confidential else postal,
                "address_1": ""
                if confidential
                else f"{town}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                "transportation": ""
                if confidential
                else f"{rng.choice(('JR', '市営地下鉄', '私鉄', 'バス停'))}から徒歩{rng.randint(1, 20)}分",
                "confidential_address": f"{town}{rng.randint(1, 9)}-{rng.randint(1, 30)}" if confidential else "",
            }
        return OrgSpec(name=name[:200], type=type_, area=area, description=description, location=location)

    # -- services

    def service(self, org: OrgSpec, org_index: int, index: int) -> ServiceSpec:
        from tsunagu.directory.services import PhoneData, ServiceData

        rng = self.rng
        topic = rng.choice(TOPICS)
        home = org.area if org.area is not None and rng.random() < 0.9 else (self.home() if org.area else None)
        place = home.name if home else "全国"
        tails: list[str] = []

        # name
        roll = rng.random()
        if home is None:
            name = f"{rng.choice(NICKNAMES)}{topic.word}"
        elif roll < 0.45:
            name = f"{place}{topic.word}{rng.choice(SUFFIXES)}"
        elif roll < 0.65:
            name = f"{org.name} {topic.word}"
        elif roll < 0.85:
            name = f"{rng.choice(NICKNAMES)}{rng.choice(VENUE_KINDS)}"
            if rng.random() < 0.5:
                name += f"（{self.town(home)[1] or place}）"
        else:
            name = f"{topic.word}「{rng.choice(NICKNAMES)}」"

        # channels
        channels = {"phone"} if rng.random() < 0.8 else set()
        for key in CHANNEL_WORDS:
            if key != "phone" and rng.random() < 0.12:
                channels.add(key)
        if not channels:
            channels.add("visit")
        if topic.kind == "crisis-line":
            channels.add("freephone" if rng.random() < 0.5 else "phone")

        # hours
        group = weighted(rng, SCHEDULE_OVERRIDES, topic.hours)
        hours_text = "" if group == "none" else rng.choice(SCHEDULE_GROUPS[group])

        # description
        sentences = [f"{rng.choice(WHO)}を対象に、{rng.choice(WHAT)}と{rng.choice(WHAT)}を行っています。"]
        channel_text = "・".join(CHANNEL_WORDS[c] for c in sorted(channels))
        sentences.append(
            f"{channel_text}で受け付けます" + (f"（{hours_text}）。" if hours_text and rng.random() < 0.7 else "。")
        )
        if home is not None and rng.random() < 0.5:
            sentences.append(f"{self.town(home)[1] or place}の{rng.choice(VENUES)}で開催しています。")
        if rng.random() < 0.6:
            sentences.append(f"{rng.choice(FEELINGS)}方、お気軽にご相談ください。")
        if rng.random() < 0.4:
            sentences.append(f"{rng.choice(STAFF)}が対応します。")
        if rng.random() < 0.35:
            sentences.append(f"{rng.choice(EXTRAS)}もあります。")
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
            word = self.tail.draw(rng)
            tails.append(word)
            sentences.append(
                rng.choice(
                    (
                        f"{word}についての相談にも応じます。",
                        f"{word}に関する情報もお伝えしています。",
                        f"{word}の当事者や家族の方も歓迎します。",
                    )
                )
            )
        if rng.random() < 0.3:
            sentences.append("秘密は守ります。匿名でも相談できます。")
        description = "".join(sentences)

        # eligibility, fees, ages
        who = rng.choice(WHO)
        if home is None:
            eligibility = f"全国の{who}"
        elif rng.random() < 0.5:
            eligibility = f"{place}に住んでいる{who}"
        else:
            eligibility = f"{place}内在住・在勤・在学の{who}" if rng.random() < 0.5 else who
        minimum_age = maximum_age = None
        if "children-youth" in topic.people and rng.random() < 0.5:
            minimum_age, maximum_age = rng.choice(((6, 18), (0, 18), (15, 39), (12, 29)))
        elif "older-people" in topic.people and rng.random() < 0.5:
            minimum_age = 65
        fees = "free" if rng.random() < 0.6 else rng.choice(("paid", "partly_paid", "unknown"))
        fee_text = rng.choice(FEE_TEXTS) if fees != "unknown" else ""

        # taxonomy terms
        concerns = set(topic.concerns)
        if rng.random() < 0.3:
            concerns.add(rng.choice(("loneliness-talk", "mind-life", "living-money", "other")))
        people = set(topic.people)
        if rng.random() < 0.2:
            people.add("anyone")

        # areas served
        area_codes: tuple[str, ...] = ()
        is_national = False
        if home is None:
            is_national = True
        else:
            roll = rng.random()
            if roll < 0.05:
                is_national = True
            elif roll < 0.17:
                area_codes = (home.prefecture_code,)
            elif roll < 0.25 and home.level == "ward":
                area_codes = (home.parent_code,)
            else:
                area_codes = (home.code,)
                if rng.random() < 0.1:
                    neighbour = rng.choice(self.by_prefecture[home.prefecture_code])
                    area_codes = tuple(sorted({home.code, neighbour.code}))

        languages = ["ja"]
        for tag, probability in LANGUAGES:
            if rng.random() < probability:
                languages.append(tag)
        if len(languages) > 1:
            description += "".join(LANGUAGE_WORDS[t] for t in languages[1:2]) + "での対応も可能です。"

        status = weighted(rng, STATUSES, "active")
        crisis = topic.kind == "crisis-line" and rng.random() < 0.6
        number = (
            f"0120-{rng.randint(100, 999)}-{rng.randint(100, 999)}"
            if "freephone" in channels
            else f"0{rng.randint(3, 99)}-{rng.randint(100, 9999)}-{rng.randint(1000, 9999)}"
        )
        data = ServiceData(
            name=name[:200],
            alternate_name=f"{topic.word}（{place}）"[:200] if rng.random() < 0.15 else "",
            description=description,
            url=f"https://example.org/s/{index}" if rng.random() < 0.5 else "",
            status=status,
            is_crisis_line=crisis,
            is_24_hours=hours_text in self.always_open,
            fees=fees,
            fees_description=fee_text,
            eligibility_description=eligibility,
            application_process=rng.choice(
                ("予約不要です。直接お越しください。", "事前に電話でご予約ください。", "申込書を提出してください。", "")
            ),
            interpreter_available=len(languages) > 1,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            concerns=tuple(sorted(concerns)),
            people_served=tuple(sorted(people)),
            resource_kinds=(topic.kind,),
            channels=tuple(sorted(channels)),
            area_codes=area_codes,
            is_national=is_national,
            languages=tuple(languages),
            phones=(PhoneData(number=number, type="voice"),),
            hours=self.hours[hours_text] if hours_text else None,
            location_codes=(org.location["code"],) if org.location is not None and rng.random() < 0.8 else (),
        )
        for word in tails:
            self.tail_counts[word] += 1
        return ServiceSpec(org_index=org_index, code=self.new_code(), data=data, tail_words=tails)
