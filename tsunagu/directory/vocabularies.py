"""The directory's controlled vocabularies, as data (Japan profile of HSDS taxonomies).

Shipped with the code and loaded into the taxonomy tables when those exist; staff may add terms
there. Codes are stable ASCII identifiers (they appear in the HSDS API and in search filters);
labels are the words the seeds use, with English for the English UI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    ja: str
    en: str


# What the person worries about (相談内容). 課題無限定: "other" always exists.
CONCERNS: tuple[Term, ...] = (
    Term("mind-life", "こころ・いのち", "Mental health and suicidal feelings"),
    Term("living-money", "生活・お金", "Living costs and money"),
    Term("work", "仕事", "Work"),
    Term("housing", "住まい", "Housing"),
    Term("family-couple", "家族・夫婦", "Family and partners"),
    Term("violence", "DV・暴力・性被害", "Domestic violence, violence and sexual abuse"),
    Term("parenting-pregnancy", "子育て・妊娠", "Parenting and pregnancy"),
    Term("hikikomori", "ひきこもり", "Social withdrawal (hikikomori)"),
    Term("bullying-school", "いじめ・不登校", "Bullying and school refusal"),
    Term("care", "介護", "Caring for someone"),
    Term("disability", "障害", "Disability"),
    Term("illness-health", "病気・健康", "Illness and health"),
    Term("addiction", "依存", "Addiction"),
    Term("sexuality-lgbtq", "性の悩み・LGBTQ", "Sexuality and LGBTQ"),
    Term("foreign-residents", "外国人の暮らし", "Life as a foreign resident"),
    Term("crime-victims", "犯罪被害", "Crime victims"),
    Term("disaster", "災害", "Disaster"),
    Term("loneliness-talk", "孤独・話し相手", "Loneliness, someone to talk to"),
    Term("other", "その他", "Other"),
)

# Who a service is for (当事者): the seeds' list (孤独・孤立対策の重点計画, 連携PFでの検討項目).
PEOPLE_SERVED: tuple[Term, ...] = (
    Term("financial-hardship", "生活困窮者", "People in financial hardship"),
    Term("hikikomori", "ひきこもりの状態にある人", "People in social withdrawal (hikikomori)"),
    Term("mental-health", "メンタルヘルスの問題を抱える人", "People with mental health difficulties"),
    Term("pregnancy", "妊娠・出産期の女性", "Women in pregnancy and after childbirth"),
    Term("parents", "子育て期の親", "Parents raising children"),
    Term("single-parents", "ひとり親", "Single parents"),
    Term("women-in-difficulty", "困難を抱える女性", "Women facing difficulties"),
    Term("dv-victims", "DV等の被害者", "Victims of domestic violence"),
    Term("children-youth", "子ども・若者", "Children and young people"),
    Term("students", "学生", "Students"),
    Term("school-refusal", "不登校の児童生徒", "Pupils not attending school"),
    Term("not-in-work-or-school", "中卒者や高校中退者で就労等をしていない人", "Early school leavers not in work"),
    Term("older-people", "高齢者", "Older people"),
    Term("older-living-alone", "独居高齢者", "Older people living alone"),
    Term("job-seekers", "求職者", "Job seekers"),
    Term("middle-aged", "中高年者", "Middle-aged people"),
    Term("care-leavers", "社会的養護の出身者", "Care leavers"),
    Term("former-offenders", "刑務所出所者", "People released from prison"),
    Term("substance-dependence", "薬物依存等を有する人", "People with substance dependence"),
    Term("crime-victims", "犯罪被害者", "Crime victims"),
    Term("disaster-victims", "被災者", "People affected by disasters"),
    Term("disabled-people", "障害のある人", "Disabled people"),
    Term("intractable-disease", "難病等の患者", "Patients with intractable diseases"),
    Term("foreign-residents", "外国人", "Foreign residents"),
    Term("japanese-abroad", "在外邦人", "Japanese nationals abroad"),
    Term("carers", "ケアラー", "Carers"),
    Term("lgbtq", "LGBTQ", "LGBTQ people"),
    Term("anyone", "どなたでも", "Anyone"),
)

# What kind of resource it is. Places that build connection are first-class kinds (予防),
# not an afterthought to crisis lines.
RESOURCE_KINDS: tuple[Term, ...] = (
    Term("consultation", "相談窓口", "Consultation service"),
    Term("crisis-line", "緊急・24時間の相談", "Crisis line"),
    Term("ibasho", "居場所", "Place to belong (ibasho)"),
    Term("kodomo-shokudo", "子ども食堂", "Children's cafeteria (kodomo shokudo)"),
    Term("salon", "サロン", "Community salon"),
    Term("kayoi-no-ba", "通いの場", "Local gathering place for older people"),
    Term("peer-support", "ピアサポート・当事者会", "Peer support and self-help group"),
    Term("volunteering", "ボランティア・役割づくり", "Volunteering and roles in the community"),
    Term("support-service", "支援サービス", "Support service"),
)

# How to reach a service (相談・利用の方法).
CHANNELS: tuple[Term, ...] = (
    Term("phone", "電話", "Phone"),
    Term("freephone", "フリーダイヤル", "Free phone"),
    Term("line", "LINE", "LINE"),
    Term("chat", "チャット", "Chat"),
    Term("email", "メール", "E-mail"),
    Term("visit", "来所", "In person"),
    Term("outreach", "訪問・アウトリーチ", "Home visits and outreach"),
    Term("online-meeting", "オンライン面談", "Online meeting"),
)

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "concern": CONCERNS,
    "people_served": PEOPLE_SERVED,
    "resource_kind": RESOURCE_KINDS,
    "channel": CHANNELS,
}
