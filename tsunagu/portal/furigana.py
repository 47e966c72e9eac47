"""Furigana for やさしい日本語: ``<ruby>漢字<rt>かんじ</rt></ruby>`` on the kanji of a page's text.

Readings come from Sudachi (the same ``sudachidict-core`` dictionary the directory's search uses,
split mode C so that compounds such as 市区町村 get one reading) converted to hiragana, and from
the staff-edited override dictionary (``ReadingOverride``), which wins over Sudachi wherever one of
its surfaces occurs in the text.

Only the kanji of a word get ruby: 話す → ``<ruby>話<rt>はな</rt></ruby>す``; kana, Latin letters and
digits are left as they are. A word whose reading cannot be lined up with its kana (an unusual
Sudachi reading) gets one ruby over the whole word, and a word Sudachi has no kana reading for
gets none.

``annotate_html`` rewrites the text nodes of an HTML document's ``<body>`` with the standard
library's ``html.parser``. It never touches tags, attributes, comments, the head (so not the
``<title>``), nor the content of ``script``, ``style``, ``textarea``, ``option``, ``svg``, ``math``,
existing ``ruby``/``rt``/``rp``, and elements marked ``data-furigana="off"``, carrying a ``lang``
other than Japanese or an ``hreflang`` (the language menu names each language in its own script).
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

from sudachipy import Dictionary, SplitMode

_KANJI = "\u3005\u3006\u30f5\u30f6\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # 々 〆 ヵ ヶ and the CJK ideographs
_HAS_KANJI = re.compile(f"[{_KANJI}]")
_KANJI_RUNS = re.compile(f"[{_KANJI}]+|[^{_KANJI}]+")
_HIRAGANA_ONLY = re.compile(r"[\u3041-\u3096\u309d\u309e\u30fc]+")
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
# Sudachi refuses inputs over ~49 KB of UTF-8; a text node is cut into pieces well below that.
_CHUNK_CHARS = 4000


def to_hiragana(text: str) -> str:
    return text.translate(_KATA_TO_HIRA)


def is_reading(text: str) -> bool:
    """A reading is hiragana only (katakana is accepted by the caller and converted first)."""
    return bool(_HIRAGANA_ONLY.fullmatch(text))


def has_kanji(text: str) -> bool:
    return bool(_HAS_KANJI.search(text))


# -- Sudachi -----------------------------------------------------------------------------------


class _Tokenizers:
    """One Sudachi dictionary per process, one tokenizer per thread (a tokenizer is not thread-safe).

    Created like ``tsunagu.directory.search.text`` creates its own: ``Dictionary(dict="core")``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._dictionary: Any = None

    def get(self) -> Any:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            with self._lock:
                if self._dictionary is None:
                    self._dictionary = Dictionary(dict="core")
                tokenizer = self._dictionary.tokenizer(mode=SplitMode.C, fields={"surface", "reading_form"})
            self._local.tokenizer = tokenizer
        return tokenizer


_tokenizers = _Tokenizers()


def _sudachi_words(text: str) -> list[tuple[str, str]]:
    """(surface, hiragana reading) of each morpheme; the reading is "" when Sudachi has no kana one."""
    tokenizer = _tokenizers.get()
    words: list[tuple[str, str]] = []
    for start in range(0, len(text), _CHUNK_CHARS):
        for morpheme in tokenizer.tokenize(text[start : start + _CHUNK_CHARS]):
            reading = to_hiragana(str(morpheme.reading_form()))
            words.append((str(morpheme.surface()), reading if is_reading(reading) else ""))
    return words


# -- one word ----------------------------------------------------------------------------------


def _align(surface: str, reading: str) -> list[tuple[str, str]] | None:
    """Split a word into (text, reading) parts: kana parts carry "" and must appear in the reading.

    取り残さ + とりのこさ → [(取, と), (り, ""), (残, のこ), (さ, "")]. None when the reading does not fit.
    """
    parts = _KANJI_RUNS.findall(surface)

    def solve(index: int, position: int) -> list[tuple[str, str]] | None:
        if index == len(parts):
            return [] if position == len(reading) else None
        part = parts[index]
        if not has_kanji(part):
            if reading.startswith(to_hiragana(part), position):
                rest = solve(index + 1, position + len(part))
                return None if rest is None else [(part, ""), *rest]
            return None
        # A kanji run reads as at least one kana; try the shortest reading first.
        for end in range(position + 1, len(reading) + 1):
            rest = solve(index + 1, end)
            if rest is not None:
                return [(part, reading[position:end]), *rest]
        return None

    return solve(0, 0)


def fits(surface: str, reading: str) -> bool:
    """True when the reading lines up with the word's kana (話す + はなす, not 話す + かいわ)."""
    return _align(surface, to_hiragana(reading)) is not None


def _ruby(base: str, reading: str) -> str:
    return f"<ruby>{html.escape(base, quote=False)}<rt>{html.escape(reading, quote=False)}</rt></ruby>"


def word_html(surface: str, reading: str) -> str:
    """One word as HTML: ruby on its kanji runs only, the rest escaped."""
    if not reading or not has_kanji(surface):
        return html.escape(surface, quote=False)
    parts = _align(surface, reading)
    if parts is None:
        return _ruby(surface, reading)
    return "".join(_ruby(text, kana) if kana else html.escape(text, quote=False) for text, kana in parts)


# -- a text ------------------------------------------------------------------------------------


class Furigana:
    """Annotates texts with one set of overrides; results are cached per text (pages repeat strings)."""

    def __init__(self, overrides: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items = dict(overrides)
        self.overrides = {surface: to_hiragana(reading) for surface, reading in items.items() if surface and reading}
        surfaces = sorted(self.overrides, key=len, reverse=True)  # the longest surface wins
        self._pattern = re.compile("|".join(map(re.escape, surfaces))) if surfaces else None
        self.text_html = functools.lru_cache(maxsize=8192)(self._text_html)

    def _text_html(self, text: str) -> str:
        """Escaped HTML of a plain text, with ruby on its kanji."""
        if not has_kanji(text):
            return html.escape(text, quote=False)
        out: list[str] = []
        position = 0
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                out.append(self._sudachi_html(text[position : match.start()]))
                out.append(word_html(match.group(), self.overrides[match.group()]))
                position = match.end()
        out.append(self._sudachi_html(text[position:]))
        return "".join(out)

    @staticmethod
    def _sudachi_html(text: str) -> str:
        if not has_kanji(text):
            return html.escape(text, quote=False)
        return "".join(word_html(surface, reading) for surface, reading in _sudachi_words(text))


_cache_lock = threading.Lock()
_cached: tuple[tuple[tuple[str, str], ...], Furigana] | None = None


def furigana_for(overrides: Iterable[tuple[str, str]]) -> Furigana:
    """The annotator for this set of overrides, reused (with its text cache) while the set is unchanged."""
    global _cached
    key = tuple(sorted(overrides))
    with _cache_lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, Furigana(key))
        return _cached[1]


# -- HTML --------------------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_SKIPPED = frozenset({"script", "style", "textarea", "option", "select", "svg", "math", "ruby", "rt", "rp", "template"})
_RAW = frozenset({"script", "style"})  # html.parser hands their content over unparsed and unescaped


class _Annotator(HTMLParser):
    def __init__(self, furigana: Furigana) -> None:
        super().__init__(convert_charrefs=True)
        self.furigana = furigana
        self.out: list[str] = []
        self.in_body = False
        # Open elements: (tag, whether its subtree is left alone).
        self.stack: list[tuple[str, bool]] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag == "body":
            self.in_body = True
            return
        if tag in _VOID:
            return
        skip = self.skipping or tag in _SKIPPED or _marked_off(attrs)
        self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == "body":
            self.in_body = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] in _RAW:
            self.out.append(data)
        elif self.in_body and not self.skipping:
            self.out.append(self.furigana.text_html(data))
        else:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def _marked_off(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "data-furigana" and value == "off":
            return True
        if name == "lang" and not (value or "").lower().startswith("ja"):
            return True
        if name == "hreflang":  # a link to another language's page is labelled with that language's name
            return True
    return False


def annotate_html(document: str, furigana: Furigana) -> str:
    """The document with ruby on the kanji of its body's text nodes; everything else as it was."""
    parser = _Annotator(furigana)
    parser.feed(document)
    parser.close()
    return "".join(parser.out)
