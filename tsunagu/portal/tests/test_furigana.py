"""やさしい日本語 furigana: readings from Sudachi and the override dictionary, only on body text."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tsunagu.portal.furigana import Furigana, annotate_html, fits, word_html
from tsunagu.portal.models import ReadingOverride


@pytest.fixture
def furigana() -> Furigana:
    return Furigana()


def test_a_kanji_word_gets_its_reading_in_hiragana(furigana: Furigana) -> None:
    assert furigana.text_html("相談") == "<ruby>相談<rt>そうだん</rt></ruby>"


def test_only_the_kanji_of_a_word_with_okurigana_get_ruby(furigana: Furigana) -> None:
    assert furigana.text_html("話す") == "<ruby>話<rt>はな</rt></ruby>す"
    assert furigana.text_html("取り残されている") == (
        "<ruby>取<rt>と</rt></ruby>り<ruby>残<rt>のこ</rt></ruby>されている"
    )


def test_numbers_latin_letters_and_kana_are_left_alone(furigana: Furigana) -> None:
    assert furigana.text_html("24時間 LINEでチャット") == "24<ruby>時間<rt>じかん</rt></ruby> LINEでチャット"
    assert furigana.text_html("0120-279-338") == "0120-279-338"
    assert furigana.text_html("カタカナとひらがな") == "カタカナとひらがな"


def test_an_override_wins_over_sudachi() -> None:
    assert Furigana().text_html("明日") == "<ruby>明日<rt>あす</rt></ruby>"  # Sudachi's reading
    with_override = Furigana({"明日": "あした", "相談": "ソウダン"})  # katakana becomes hiragana
    assert with_override.text_html("明日の相談") == (
        "<ruby>明日<rt>あした</rt></ruby>の<ruby>相談<rt>そうだん</rt></ruby>"
    )
    # A longer override surface is preferred to a shorter one at the same place.
    longer = Furigana({"子ども": "こども", "子ども食堂": "こどもしょくどう"})
    assert longer.text_html("子ども食堂") == "<ruby>子<rt>こ</rt></ruby>ども<ruby>食堂<rt>しょくどう</rt></ruby>"


def test_override_readings_line_up_with_okurigana() -> None:
    assert word_html("話す", "はなす") == "<ruby>話<rt>はな</rt></ruby>す"
    assert fits("話す", "はなす")
    assert not fits("話す", "かいわ")  # the reading must hold the word's kana
    assert word_html("話す", "かいわ") == "<ruby>話す<rt>かいわ</rt></ruby>"  # shown whole, never lost


def test_text_is_escaped(furigana: Furigana) -> None:
    assert furigana.text_html("a < b & 相談 > c") == "a &lt; b &amp; <ruby>相談<rt>そうだん</rt></ruby> &gt; c"
    assert furigana.text_html("<script>") == "&lt;script&gt;"


DOCUMENT = """<!doctype html><html lang="ja"><head><title>相談</title><style>p::before{content:"相談"}</style></head>
<body><p class="相談" title="相談 &amp; 話">相談 &amp; &lt;話す&gt; &quot;</p>
<script>if (a < b && c) { x = "相談"; }</script>
<nav data-furigana="off"><a href="/zh-hans/" lang="zh-Hans" hreflang="zh-Hans">简体中文</a></nav>
<a href="/" hreflang="ja">日本語</a><p lang="zh-Hans">中文</p><ruby>漢字<rt>かんじ</rt></ruby>
<textarea>相談</textarea><select><option>相談</option></select>
<a href="tel:0120-279-338">電話 0120-279-338</a><img alt="相談" src="x.png"><br/><!-- 相談 --></body></html>"""


def test_only_body_text_nodes_change(furigana: Furigana) -> None:
    out = annotate_html(DOCUMENT, furigana)
    assert "<title>相談</title>" in out
    assert '<style>p::before{content:"相談"}</style>' in out
    assert '<script>if (a < b && c) { x = "相談"; }</script>' in out
    assert '<p class="相談" title="相談 &amp; 話">' in out
    assert '<ruby>相談<rt>そうだん</rt></ruby> &amp; &lt;<ruby>話<rt>はな</rt></ruby>す&gt; "</p>' in out
    assert '<nav data-furigana="off"><a href="/zh-hans/" lang="zh-Hans" hreflang="zh-Hans">简体中文</a>' in out
    assert '<a href="/" hreflang="ja">日本語</a>' in out  # the language menu stays as it is
    assert '<p lang="zh-Hans">中文</p>' in out
    assert "<ruby>漢字<rt>かんじ</rt></ruby>" in out and "漢字<rt>かんじ</rt></ruby><rt>" not in out
    assert "<textarea>相談</textarea>" in out and "<option>相談</option>" in out
    assert '<a href="tel:0120-279-338"><ruby>電話<rt>でんわ</rt></ruby> 0120-279-338</a>' in out
    assert '<img alt="相談" src="x.png"><br/><!-- 相談 -->' in out


def test_a_document_without_kanji_comes_back_unchanged(furigana: Furigana) -> None:
    document = '<!doctype html><html><body><p class="a">abc &amp; 123</p></body></html>'
    assert annotate_html(document, furigana) == document


# -- the middleware ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_easy_japanese_pages_get_furigana_and_others_do_not() -> None:
    client = Client()
    easy = client.get("/ja-easy/self-check/")
    assert easy.status_code == 200
    page = easy.content.decode()
    assert "<ruby>" in page
    assert '<html lang="ja">' in page
    assert int(easy["Content-Length"]) == len(easy.content)
    assert "<ruby>" not in client.get("/self-check/").content.decode()
    assert "<ruby>" not in client.get("/en/self-check/").content.decode()


@pytest.mark.django_db
def test_a_staff_override_changes_the_easy_japanese_page_at_once() -> None:
    client = Client()
    ReadingOverride.objects.create(surface="検索", reading="さがすところ")
    client.get("/ja-easy/self-check/")  # the annotator with the old dictionary is cached …
    before = client.get("/ja-easy/self-check/").content.decode()
    ReadingOverride.objects.create(surface="調査", reading="しらべ")
    after = client.get("/ja-easy/self-check/").content.decode()  # … and replaced when it changes
    assert "<ruby>調査<rt>ちょうさ</rt></ruby>" in before
    assert "<ruby>調査<rt>しらべ</rt></ruby>" in after and "<rt>ちょうさ</rt>" not in after


def test_speed_of_a_typical_page(furigana: Furigana) -> None:
    body = "".join(
        f"<section><h2>いま、話を聞いてほしい {i}</h2><p>24時間つながる電話相談です。"
        f"子ども食堂や居場所、通いの場を探すことができます。まわりの人が心配なときの相談先も案内します。</p>"
        f'<a href="tel:0120-000-{i:03d}">0120-000-{i:03d}</a></section>'
        for i in range(60)
    )
    document = f"<!doctype html><html lang='ja'><head><title>t</title></head><body>{body}</body></html>"
    annotate_html(document, furigana)  # Sudachi loaded, texts cached as on a running server
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        annotate_html(document, furigana)
    per_page_ms = (time.perf_counter() - started) * 1000 / runs
    print(f"furigana: {len(document.encode())} bytes, {per_page_ms:.1f} ms per page (warm)")
    assert per_page_ms < 50
