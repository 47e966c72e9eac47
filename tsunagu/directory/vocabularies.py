"""The directory's controlled vocabularies, as data (Japan profile of HSDS taxonomies).

Shipped with the code and loaded into the taxonomy tables when those exist; staff may add terms
there. Codes are stable ASCII identifiers (they appear in the HSDS API and in search filters);
labels are the words the seeds use, with English for the English UI. The English names are marked
for translation (``gettext_noop``), so the portal shows them in its other languages too (the
catalogues of 简体中文, 한국어, Tiếng Việt and Português translate them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Term:
    code: str
    ja: str
    en: str


# What the person worries about (相談内容). 課題無限定: "other" always exists.
CONCERNS: tuple[Term, ...] = (
    Term("mind-life", "こころ・いのち", gettext_noop("Mental health and suicidal feelings")),
    Term("living-money", "生活・お金", gettext_noop("Living costs and money")),
    Term("work", "仕事", gettext_noop("Work")),
    Term("housing", "住まい", gettext_noop("Housing")),
    Term("family-couple", "家族・夫婦", gettext_noop("Family and partners")),
    Term("violence", "DV・暴力・性被害", gettext_noop("Domestic violence, violence and sexual abuse")),
    Term("parenting-pregnancy", "子育て・妊娠", gettext_noop("Parenting and pregnancy")),
    Term("hikikomori", "ひきこもり", gettext_noop("Social withdrawal (hikikomori)")),
    Term("bullying-school", "いじめ・不登校", gettext_noop("Bullying and school refusal")),
    Term("care", "介護", gettext_noop("Caring for someone")),
    Term("disability", "障害", gettext_noop("Disability")),
    Term("illness-health", "病気・健康", gettext_noop("Illness and health")),
    Term("addiction", "依存", gettext_noop("Addiction")),
    Term("sexuality-lgbtq", "性の悩み・LGBTQ", gettext_noop("Sexuality and LGBTQ")),
    Term("foreign-residents", "外国人の暮らし", gettext_noop("Life as a foreign resident")),
    Term("crime-victims", "犯罪被害", gettext_noop("Crime victims")),
    Term("disaster", "災害", gettext_noop("Disaster")),
    Term("loneliness-talk", "孤独・話し相手", gettext_noop("Loneliness, someone to talk to")),
    Term("other", "その他", gettext_noop("Other")),
)

# Who a service is for (当事者): the seeds' list (孤独・孤立対策の重点計画, 連携PFでの検討項目).
PEOPLE_SERVED: tuple[Term, ...] = (
    Term("financial-hardship", "生活困窮者", gettext_noop("People in financial hardship")),
    Term("hikikomori", "ひきこもりの状態にある人", gettext_noop("People in social withdrawal (hikikomori)")),
    Term("mental-health", "メンタルヘルスの問題を抱える人", gettext_noop("People with mental health difficulties")),
    Term("pregnancy", "妊娠・出産期の女性", gettext_noop("Women in pregnancy and after childbirth")),
    Term("parents", "子育て期の親", gettext_noop("Parents raising children")),
    Term("single-parents", "ひとり親", gettext_noop("Single parents")),
    Term("women-in-difficulty", "困難を抱える女性", gettext_noop("Women facing difficulties")),
    Term("dv-victims", "DV等の被害者", gettext_noop("Victims of domestic violence")),
    Term("children-youth", "子ども・若者", gettext_noop("Children and young people")),
    Term("students", "学生", gettext_noop("Students")),
    Term("school-refusal", "不登校の児童生徒", gettext_noop("Pupils not attending school")),
    Term(
        "not-in-work-or-school",
        "中卒者や高校中退者で就労等をしていない人",
        gettext_noop("Early school leavers not in work"),
    ),
    Term("older-people", "高齢者", gettext_noop("Older people")),
    Term("older-living-alone", "独居高齢者", gettext_noop("Older people living alone")),
    Term("job-seekers", "求職者", gettext_noop("Job seekers")),
    Term("middle-aged", "中高年者", gettext_noop("Middle-aged people")),
    Term("care-leavers", "社会的養護の出身者", gettext_noop("Care leavers")),
    Term("former-offenders", "刑務所出所者", gettext_noop("People released from prison")),
    Term("substance-dependence", "薬物依存等を有する人", gettext_noop("People with substance dependence")),
    Term("crime-victims", "犯罪被害者", gettext_noop("Crime victims")),
    Term("disaster-victims", "被災者", gettext_noop("People affected by disasters")),
    Term("disabled-people", "障害のある人", gettext_noop("Disabled people")),
    Term("intractable-disease", "難病等の患者", gettext_noop("Patients with intractable diseases")),
    Term("foreign-residents", "外国人", gettext_noop("Foreign residents")),
    Term("japanese-abroad", "在外邦人", gettext_noop("Japanese nationals abroad")),
    Term("carers", "ケアラー", gettext_noop("Carers")),
    Term("lgbtq", "LGBTQ", gettext_noop("LGBTQ people")),
    Term("anyone", "どなたでも", gettext_noop("Anyone")),
)

# What kind of resource it is. Places that build connection are first-class kinds (予防),
# not an afterthought to crisis lines.
RESOURCE_KINDS: tuple[Term, ...] = (
    Term("consultation", "相談窓口", gettext_noop("Consultation service")),
    Term("crisis-line", "緊急・24時間の相談", gettext_noop("Crisis line")),
    Term("ibasho", "居場所", gettext_noop("Place to belong (ibasho)")),
    Term("kodomo-shokudo", "子ども食堂", gettext_noop("Children's cafeteria (kodomo shokudo)")),
    Term("salon", "サロン", gettext_noop("Community salon")),
    Term("kayoi-no-ba", "通いの場", gettext_noop("Local gathering place for older people")),
    Term("peer-support", "ピアサポート・当事者会", gettext_noop("Peer support and self-help group")),
    Term("volunteering", "ボランティア・役割づくり", gettext_noop("Volunteering and roles in the community")),
    Term("support-service", "支援サービス", gettext_noop("Support service")),
)

# How to reach a service (相談・利用の方法).
CHANNELS: tuple[Term, ...] = (
    Term("phone", "電話", gettext_noop("Phone")),
    Term("freephone", "フリーダイヤル", gettext_noop("Free phone")),
    Term("line", "LINE", gettext_noop("LINE")),
    Term("chat", "チャット", gettext_noop("Chat")),
    Term("email", "メール", gettext_noop("E-mail")),
    Term("visit", "来所", gettext_noop("In person")),
    Term("outreach", "訪問・アウトリーチ", gettext_noop("Home visits and outreach")),
    Term("online-meeting", "オンライン面談", gettext_noop("Online meeting")),
)

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "concern": CONCERNS,
    "people_served": PEOPLE_SERVED,
    "resource_kind": RESOURCE_KINDS,
    "channel": CHANNELS,
}
