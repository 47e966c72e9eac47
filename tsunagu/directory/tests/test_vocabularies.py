import re

import pytest

from tsunagu.directory.vocabularies import CHANNELS, CONCERNS, PEOPLE_SERVED, RESOURCE_KINDS, VOCABULARIES

ISSUE_CONCERNS = [
    "こころ・いのち",
    "生活・お金",
    "仕事",
    "住まい",
    "家族・夫婦",
    "DV・暴力・性被害",
    "子育て・妊娠",
    "ひきこもり",
    "いじめ・不登校",
    "介護",
    "障害",
    "病気・健康",
    "依存",
    "性の悩み・LGBTQ",
    "外国人の暮らし",
    "犯罪被害",
    "災害",
    "孤独・話し相手",
    "その他",
]
ISSUE_PEOPLE = [
    "生活困窮者",
    "ひきこもりの状態にある人",
    "妊娠・出産期の女性",
    "ひとり親",
    "DV等の被害者",
    "子ども・若者",
    "学生",
    "不登校の児童生徒",
    "高齢者",
    "ケアラー",
    "障害のある人",
    "外国人",
    "LGBTQ",
    "刑務所出所者",
    "犯罪被害者",
    "被災者",
]


@pytest.mark.parametrize(("name", "terms"), VOCABULARIES.items())
def test_codes_are_unique_stable_slugs_with_both_labels(name, terms):
    codes = [t.code for t in terms]
    assert len(codes) == len(set(codes)), name
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c) for c in codes), name
    assert all(t.ja.strip() and t.en.strip() for t in terms), name
    assert len({t.ja for t in terms}) == len(terms), name


def test_every_term_the_issue_names_is_there():
    assert [t.ja for t in CONCERNS] == ISSUE_CONCERNS
    assert set(ISSUE_PEOPLE) <= {t.ja for t in PEOPLE_SERVED}
    assert {"居場所", "子ども食堂", "サロン", "通いの場"} <= {t.ja for t in RESOURCE_KINDS}
    assert [t.ja for t in CHANNELS] == [
        "電話",
        "フリーダイヤル",
        "LINE",
        "チャット",
        "メール",
        "来所",
        "訪問・アウトリーチ",
        "オンライン面談",
    ]
