"""The search tokeniser: 表記ゆれ a resident types must find the service, and no substring is missed."""

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.directory.search.text import MAX_QUERY_CHARS, index_tokens, normalise, query_tokens


def found(query: str, document: str) -> bool:
    return query_tokens(query).matches(index_tokens(document))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＤＶ相談", "dv相談"),
        ("ﾃﾞｲｻｰﾋﾞｽ", "デイサービス"),
        ("コンピュ－タ－", "コンピューター"),  # full-width minus typed for the long vowel
        ("ｶ-ﾄﾞ", "カード"),
        ("03ー1234―5678", "03-1234-5678"),  # long-vowel mark typed in a phone number
        ("  子ども\u3000食堂\n\t相談 ", "子ども 食堂 相談"),
        ("月〜金", "月~金"),
        ("NPO法人", "npo法人"),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


HIKIKOMORI = ["ひきこもり", "引きこもり", "引き籠もり", "ヒキコモリ"]
KODOMO = ["子ども", "子供", "こども"]
DV = ["ＤＶ", "DV", "dv", "ｄｖ", "Dv"]


@pytest.mark.parametrize("variants", [HIKIKOMORI, KODOMO, DV], ids=["hikikomori", "kodomo", "dv"])
def test_every_spelling_variant_finds_every_other(variants):
    for written in variants:
        for document in (f"{written}の相談", f"地域の{written}支援", written):
            for typed in variants:
                assert found(typed, document), (typed, document)


def test_issue_examples():
    assert all(found(q, "ひきこもりの相談") for q in HIKIKOMORI)
    assert all(found(q, "子供食堂") for q in ["子ども", "こども", "子供", "子ども食堂", "こども食堂"])
    assert all(found(q, "ＤＶ相談") for q in ["DV", "ｄｖ", "dv", "dv相談"])


def test_okurigana_variant_without_mo_found_by_reading():
    # 引き籠り is cut into 引く + 籠もる; the reading of the pair still reads ひきこもり.
    assert found("ひきこもり", "引き籠りの相談")
    assert found("ヒキコモリ", "引き籠りの相談")


@pytest.mark.parametrize("query", ["介護", "DV", "食堂", "居場所", "介", "窓口", "24時間"])
def test_short_queries_find_documents_containing_them(query):
    document = "高齢者の介護と子ども食堂、居場所づくり。DV・24時間電話窓口あり"
    assert found(query, document)


def test_unrelated_documents_are_not_found():
    assert not found("介護", "子ども食堂のお知らせ")
    assert not found("食堂", "介護予防サロン")
    assert not found("DV", "ひきこもり相談")
    # A kanji query must not match its homophones through the reading (介護 / 解雇 = かいご).
    assert not found("介護", "解雇された方の労働相談")
    # Every term must match.
    assert not found("子ども 介護", "子ども食堂")
    assert found("子ども 食堂", "こども食堂と学習支援")


def test_kana_query_matches_by_reading():
    assert found("かいご", "介護保険の相談")
    assert found("しょくどう", "子ども食堂")
    assert found("かいごほけん", "介護保険の申請")
    assert found("ひきこもりそうだん", "引きこもり相談窓口")


def test_query_without_letters_constrains_nothing():
    assert query_tokens("、。・ー").is_empty
    assert query_tokens("   ").is_empty
    assert query_tokens("   ").matches(set())


def test_long_query_is_cut_and_still_matches_its_document():
    document = "相談" * 300
    assert len(normalise(document)) > MAX_QUERY_CHARS
    assert found(document, document)


def test_long_document_is_tokenised_completely():
    document = "子ども食堂のお知らせ。" * 1000 + "末尾に介護"
    tokens = index_tokens(document)
    assert {"w:介護", "b:介護", "w:子供"} <= tokens


def test_concurrent_tokenisation_gives_the_same_tokens():
    texts = [f"子ども食堂{i}と介護予防サロン、ひきこもり相談" for i in range(50)]
    expected = [index_tokens(text) for text in texts]
    results: dict[int, list[set[str]]] = {}

    def work(worker):
        results[worker] = [index_tokens(text) for text in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())


VOCABULARY = [
    "相談",
    "子ども食堂",
    "生活困窮",
    "介護",
    "居場所",
    "電話",
    "窓口",
    "障害",
    "外国人",
    "ひきこもり",
    "サロン",
    "24時間",
    "ＤＶ",
    "ｺﾝﾋﾟｭｰﾀｰ",
    "コンピュ－タ－",
    "NPO法人",
    "0120-123-456",
    "の",
    "と",
    "です",
    "支援",
    "高齢者",
    "子育て",
]
SEPARATORS = ["", "", "", " ", "、", "。", "・", "（", "）", "\u3000", "-", "ー"]
RANDOM_CHAR = st.characters(
    codec="utf-8",
    categories=["Lo", "Lm", "Nd"],
    min_codepoint=0x3041,
    max_codepoint=0x9FFF,
)
PIECE = st.one_of(st.sampled_from(VOCABULARY), st.text(RANDOM_CHAR, min_size=1, max_size=3))
DOCUMENT = st.lists(st.tuples(PIECE, st.sampled_from(SEPARATORS)), min_size=1, max_size=12).map(
    lambda pairs: "".join(piece + separator for piece, separator in pairs)
)


@settings(max_examples=400, deadline=None)
@given(document=DOCUMENT, data=st.data())
def test_any_substring_of_the_normalised_document_finds_it(document, data):
    text = normalise(document)
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    length = data.draw(st.integers(1, 6), label="length")
    substring = text[start : start + length]
    assert found(substring, document), (substring, document)
