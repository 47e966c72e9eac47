"""Japanese-aware normalisation and tokenisation shared by search indexing and querying.

Documents become a set of prefixed tokens (``index_tokens``); a query becomes a ``Query``: terms
that must all match, each term offering alternative token sets of which one must be wholly
contained in the document's tokens.

Token kinds:

``w:`` Sudachi (split mode A) normalized form of a content morpheme: 子ども / こども / 子供 → w:子供,
       ひきこもり / 引きこもり / 引き籠もり → w:引き籠もり, ＤＶ / dv → w:dv.
``r:`` Reading of a content morpheme in hiragana (介護 → r:かいご, ヒキコモリ → r:ひきこもり).
       Documents also get the reading of each pair of adjacent content morphemes, so 引き籠り
       (cut 引く + 籠もる) still yields r:ひきこもり. A query word typed in kana may match by
       ``r:``; an all-kana term also tries its whole text as one reading, because Sudachi cuts
       hiragana badly (かいご → かい + ご).
``k:`` Reading of a content morpheme the document writes in kana (ヒキコモリ → k:ひきこもり). A query
       word typed in kanji may match by ``k:``: 引きこもり finds ヒキコモリ, but 介護 never finds
       its homophone 解雇 (r:かいご only).
``b:`` Character bigram of a run of letters/digits of the normalised, kana-folded text.
``u:`` Single character of such a run.

A query word's options (``w:`` form, or ``r:``/``k:`` reading of two kana or more) are expanded
into alternatives as a product (at most ``_MAX_COMBINATIONS``); the character alternative is last.

Function words (助詞, 助動詞), punctuation and whitespace yield no ``w:``/``r:`` tokens: they carry
no meaning a resident searches for and would be the largest posting lists in the index. The
character tokens still cover them.

No-false-negative guarantee. Let ``n = normalise``. If ``n(query)`` occurs in ``n(document)``,
then ``query_tokens(query).matches(index_tokens(document))``. Proof sketch: every term of the query
is a substring of ``n(document)``; each term always has a character alternative made of the bigrams
of its runs (or the unigram of a one-character run); a run of a substring lies within a run of the
document, so those bigrams/unigrams are among the document's. Kana folding (カ → か) is applied to
both sides, so it only adds matches. ``w:``/``r:``/``k:`` alternatives only add further matches (variants
the substring test would miss). Limits:

* The guarantee is about the *normalised* texts. NFKC is not substring-stable at the edge of a
  composed sequence (a query ``ｶ`` against a document ``ｶﾞ``, which normalises to ``ガ``), and a
  dash after kana becomes ``ー`` only when the kana precedes it in the same string.
* A query with several whitespace-separated terms matches documents holding every term anywhere,
  not only as one phrase (a superset, so still no false negative). A query with no letters or
  digits (only punctuation) is empty and places no constraint. Queries are cut to
  ``MAX_QUERY_CHARS``; the cut also only widens the result.
* Character alternatives over-approximate: bigrams present in different places of a document
  match too. Callers who need exact substring semantics can re-check the bounded candidate set.
* Readings depend on Sudachi's segmentation: a hiragana query may be cut differently from the
  kanji document, so matches of kana queries against kanji text are best-effort, not guaranteed.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import threading
import unicodedata
from collections.abc import Iterator, Set
from dataclasses import dataclass
from typing import Any

from sudachipy import Dictionary, SplitMode

MAX_QUERY_CHARS = 256
# Sudachi rejects inputs over ~49 KB; 4,000 characters is at most 12 KB of UTF-8.
_CHUNK_CHARS = 4000
# Per-word alternatives of a query term are expanded as a product; beyond this, words only.
_MAX_COMBINATIONS = 16

_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc")
_DASH = re.compile("[" + re.escape("".join(sorted(_DASHES))) + "]")
_KANA = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe]")
_KANA_ONLY = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe]+")
_KATAKANA_READING = re.compile(r"[\u30a1-\u30fa\u30fc]+")
_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script (ー and 々 are letters)
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def normalise(text: str) -> str:
    """NFKC, lower case, one long-vowel mark and one dash, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u301c", "~")
    if _DASH.search(text):
        text = _unify_dashes(text)
    return " ".join(text.split())


def _unify_dashes(text: str) -> str:
    # After kana a dash-like character is a long-vowel mark typed with the wrong key
    # (コンピュ－タ－, ｶｰﾄﾞ); elsewhere it is a dash (03ー1234-5678 → 03-1234-5678).
    out: list[str] = []
    for char in text:
        if char in _DASHES:
            char = "\u30fc" if out and _KANA.fullmatch(out[-1]) else "-"
        out.append(char)
    return "".join(out)


def _fold_kana(text: str) -> str:
    return text.translate(_KATA_TO_HIRA)


def _runs(normalised: str) -> list[str]:
    return _RUN.findall(_fold_kana(normalised))


def _char_tokens(normalised: str) -> set[str]:
    tokens: set[str] = set()
    for run in _runs(normalised):
        tokens.update("u:" + char for char in run)
        tokens.update("b:" + run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def _char_alternative(term: str) -> frozenset[str]:
    tokens: set[str] = set()
    for run in _runs(term):
        if len(run) == 1:
            tokens.add("u:" + run)
        else:
            tokens.update("b:" + run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(tokens)


# --- Sudachi ------------------------------------------------------------------------------------


class _Analyser:
    """One Sudachi tokenizer per thread (a Tokenizer must not be used concurrently)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._dictionary: Any = None
        self._skipped: Any = None

    def tokenizer(self) -> tuple[Any, Any]:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            with self._lock:
                if self._dictionary is None:
                    self._dictionary = Dictionary(dict="core")
                    self._skipped = self._dictionary.pos_matcher(lambda pos: pos[0] in _SKIPPED_POS)
                tokenizer = self._dictionary.tokenizer(
                    mode=SplitMode.A,
                    fields={"surface", "pos", "normalized_form", "reading_form"},
                )
            self._local.tokenizer = tokenizer
        return tokenizer, self._skipped


_analyser = _Analyser()


@dataclass(frozen=True, slots=True)
class _Word:
    surface: str
    form: str  # normalised normalized_form; "" when it has no letters or digits
    reading: str  # hiragana reading; "" when Sudachi has no kana reading (numbers, Latin, OOV kanji)


def _chunks(normalised: str) -> Iterator[str]:
    while len(normalised) > _CHUNK_CHARS:
        cut = max(normalised.rfind(" ", 0, _CHUNK_CHARS), normalised.rfind("。", 0, _CHUNK_CHARS))
        cut = cut + 1 if cut > 0 else _CHUNK_CHARS
        yield normalised[:cut]
        normalised = normalised[cut:]
    if normalised:
        yield normalised


@functools.lru_cache(maxsize=65536)  # a vocabulary: the same words recur in every document
def _fields(normalized_form: str, reading: str) -> tuple[str, str]:
    form = normalise(normalized_form)
    return (
        form if _RUN.search(form) else "",
        _fold_kana(reading) if _KATAKANA_READING.fullmatch(reading) else "",
    )


def _words(normalised: str) -> list[_Word | None]:
    """Morphemes of the text; ``None`` marks a skipped one (function word, symbol, space)."""
    tokenizer, skipped = _analyser.tokenizer()
    words: list[_Word | None] = []
    for chunk in _chunks(normalised):
        for morpheme in tokenizer.tokenize(chunk):
            if skipped(morpheme):
                words.append(None)
                continue
            form, reading = _fields(str(morpheme.normalized_form()), str(morpheme.reading_form()))
            words.append(_Word(surface=str(morpheme.surface()), form=form, reading=reading))
        words.append(None)  # no reading pair across a chunk boundary
    return words


# --- Documents ----------------------------------------------------------------------------------


def index_tokens(text: str) -> set[str]:
    """All tokens of a document (service name, description): word forms, readings, characters."""
    normalised = normalise(text)
    tokens = _char_tokens(normalised)
    previous: _Word | None = None
    for word in _words(normalised):
        if word is None:
            previous = None
            continue
        if word.form:
            tokens.add("w:" + word.form)
        if word.reading:
            tokens.add("r:" + word.reading)
            if len(word.reading) > 1 and _KANA_ONLY.fullmatch(word.surface):
                tokens.add("k:" + word.reading)
            if previous is not None and previous.reading:
                tokens.add("r:" + previous.reading + word.reading)
        previous = word
    return tokens


# --- Queries ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One whitespace-separated part of a query; it matches when any alternative is contained."""

    text: str
    alternatives: tuple[frozenset[str], ...]

    def matches(self, document_tokens: Set[str]) -> bool:
        return any(alternative <= document_tokens for alternative in self.alternatives)


@dataclass(frozen=True, slots=True)
class Query:
    """Terms that must all match. An empty query (no letters or digits) constrains nothing."""

    terms: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def tokens(self) -> frozenset[str]:
        """Every token the query mentions (to fetch posting lists in one go)."""
        return frozenset(t for term in self.terms for alt in term.alternatives for t in alt)

    def matches(self, document_tokens: Set[str]) -> bool:
        return all(term.matches(document_tokens) for term in self.terms)


def query_tokens(text: str) -> Query:
    """Turn what a user typed into a ``Query`` (cached: the same queries recur)."""
    return _query(normalise(text)[:MAX_QUERY_CHARS])


@functools.lru_cache(maxsize=4096)
def _query(normalised: str) -> Query:
    terms: list[Term] = []
    for text in dict.fromkeys(normalised.split()):
        term = _term(text)
        if term is not None:
            terms.append(term)
    return Query(terms=tuple(terms))


def _term(text: str) -> Term | None:
    characters = _char_alternative(text)
    if not characters:
        return None
    options = [_word_options(word) for word in _words(text) if word is not None]
    options = [option for option in options if option]
    candidates: list[frozenset[str]] = []
    if options and math.prod(len(option) for option in options) <= _MAX_COMBINATIONS:
        candidates.extend(frozenset(combo) for combo in itertools.product(*options))
    elif options:
        candidates.append(frozenset(option[0] for option in options))
    if len(text) > 1 and _KANA_ONLY.fullmatch(text):
        # Sudachi cuts hiragana badly (かいご → かい + ご); the whole term as one reading
        # matches a document word or adjacent pair read that way (介護, 介護保険).
        candidates.append(frozenset({"r:" + _fold_kana(text)}))
    candidates.append(characters)
    return Term(text=text, alternatives=_without_redundant(candidates))


def _without_redundant(candidates: list[frozenset[str]]) -> tuple[frozenset[str], ...]:
    # An alternative containing another one can only match where the smaller one does.
    kept: list[frozenset[str]] = []
    for candidate in candidates:
        if candidate not in kept and not any(other < candidate for other in candidates):
            kept.append(candidate)
    return tuple(kept)


def _word_options(word: _Word) -> tuple[str, ...]:
    """Tokens any one of which stands for this query word in a document."""
    options: list[str] = []
    if word.form:
        options.append("w:" + word.form)
    # One-kana readings (い, ご) match too many unrelated words to stand for a query word.
    if len(word.reading) > 1:
        if _KANA_ONLY.fullmatch(word.surface):
            # Typed in kana: the word read this way, however the document writes it.
            options.append("r:" + word.reading)
        else:
            # Typed in kanji: the same reading only where the document writes it in kana
            # (ヒキコモリ), so a kanji query never matches its homophones (介護 / 解雇).
            options.append("k:" + word.reading)
    return tuple(options)
