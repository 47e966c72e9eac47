"""Index tokens as 32-bit integers, and the boolean expressions the index is queried with.

One integer space serves both databases: PostgreSQL stores a service's tokens as an ``int4[]``
(GIN with the ``intarray`` extension), SQLite writes each integer as a short ASCII word into an
FTS5 table (``p1f3a`` for 0x1f3a, ``n2c`` for -0x2c). The same integers and the same expression
give the same matches on both, collisions included.

* Text tokens (``text.index_tokens``: ``w:``, ``r:``, ``k:``, ``b:``, ``u:``) are hashed into the
  non-negative half. A collision can only add matches, never lose one, so the no-false-negative
  guarantee of ``text`` holds.
* Everything else (areas served, taxonomy terms, organisation, language, status, flags, opening
  hours) is encoded exactly in the negative half: a 4-bit kind and a 27-bit payload. Filters are
  therefore exact: a filter token never collides with a text token or with another filter token.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Union

from tsunagu.directory.search.text import Query

_PAYLOAD_BITS = 27
_PAYLOAD_LIMIT = 1 << _PAYLOAD_BITS

# Kinds of structured tokens. Values are stored in the index: never renumber, only add.
AREA = 0
TERM = 1
ORGANISATION = 2
LANGUAGE = 3
STATUS = 4
FLAG = 5
HOURS_WEEK = 6
HOURS_EXCEPTION = 7
HOURS_DAY = 8

# FLAG payloads.
FLAG_FREE = 0
FLAG_24_HOURS = 1
FLAG_CRISIS_LINE = 2

# STATUS payloads; PUBLIC_STATUSES share one more token, so the default search (what residents may
# see) is one posting list instead of a union of two.
STATUS_CODES: dict[str, int] = {"active": 0, "temporarily closed": 1, "inactive": 2, "defunct": 3}
PUBLIC_STATUSES = frozenset({"active", "temporarily closed"})
_STATUS_PUBLIC = 100


@functools.lru_cache(maxsize=1 << 18)
def text_token(token: str) -> int:
    """A text token's hash: 31 bits, non-negative."""
    digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


def structured(kind: int, payload: int) -> int:
    if not 0 <= payload < _PAYLOAD_LIMIT or not 0 <= kind < 16:
        raise ValueError(f"token out of range: kind {kind}, payload {payload}")
    return -1 - ((kind << _PAYLOAD_BITS) | payload)


def area_token(code: str) -> int:
    """An area served, by JIS code; ``""`` (areas.selectors.NATIONAL, 全国) is payload 0."""
    return structured(AREA, int(code) if code else 0)


def term_token(term_id: int) -> int:
    return structured(TERM, term_id)


def organisation_token(organisation_id: int) -> int:
    return structured(ORGANISATION, organisation_id)


def language_token(tag: str) -> int:
    # BCP 47 tags are case-insensitive. A tag has no table of its own to number it, so it is
    # hashed into the kind's 27 bits: two different tags collide with probability ~n²/2²⁸ (about
    # 1 in 100,000 for 50 tags in use), and only with each other, never with text.
    digest = hashlib.blake2b(tag.strip().lower().encode(), digest_size=4).digest()
    return structured(LANGUAGE, int.from_bytes(digest, "big") % _PAYLOAD_LIMIT)


def status_tokens(status: str) -> list[int]:
    tokens = [structured(STATUS, STATUS_CODES[status])]
    if status in PUBLIC_STATUSES:
        tokens.append(structured(STATUS, _STATUS_PUBLIC))
    return tokens


def statuses_expression(statuses: Iterable[str]) -> Expr | None:
    """The status filter; None when every status is allowed (no constraint)."""
    wanted = frozenset(statuses)
    unknown = wanted - STATUS_CODES.keys()
    if unknown:
        raise ValueError(f"unknown statuses: {sorted(unknown)}")
    if wanted == STATUS_CODES.keys():
        return None
    if wanted == PUBLIC_STATUSES:
        return Token(structured(STATUS, _STATUS_PUBLIC))
    return any_of(Token(structured(STATUS, STATUS_CODES[s])) for s in sorted(wanted))


def flag_token(flag: int) -> int:
    return structured(FLAG, flag)


def kind(value: int) -> int | None:
    """The kind of a structured token; None for a text token."""
    return None if value >= 0 else (-1 - value) >> _PAYLOAD_BITS


def is_hours(value: int) -> bool:
    return kind(value) in (HOURS_WEEK, HOURS_EXCEPTION, HOURS_DAY)


# --- Expressions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    value: int


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class AndNot:
    """``include`` and not ``exclude``: both index languages only negate next to a positive part."""

    include: Expr
    exclude: Expr


@dataclass(frozen=True, slots=True)
class Nothing:
    """Matches no document (an unknown area, a filter value that no term has)."""


Expr = Union[Token, And, Or, AndNot, Nothing]  # noqa: UP007 (a runtime alias used by isinstance)


def all_of(parts: Iterable[Expr | None]) -> Expr | None:
    """AND of the parts, skipping None (no constraint); None when nothing constrains."""
    kept = [part for part in parts if part is not None]
    if any(isinstance(part, Nothing) for part in kept):
        return Nothing()
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def any_of(parts: Iterable[Expr]) -> Expr:
    kept = [part for part in parts if not isinstance(part, Nothing)]
    if not kept:
        return Nothing()
    return kept[0] if len(kept) == 1 else Or(tuple(kept))


def text_expression(query: Query) -> Expr | None:
    """The tokeniser's Query as an expression: AND across terms, OR across alternatives."""
    return all_of(
        any_of(
            all_of(Token(text_token(t)) for t in sorted(alternative)) or Nothing() for alternative in term.alternatives
        )
        for term in query.terms
    )


def matches(expr: Expr, tokens: Set[int]) -> bool:
    """Evaluate an expression in Python (the reference the index queries are tested against)."""
    if isinstance(expr, Token):
        return expr.value in tokens
    if isinstance(expr, And):
        return all(matches(part, tokens) for part in expr.parts)
    if isinstance(expr, Or):
        return any(matches(part, tokens) for part in expr.parts)
    if isinstance(expr, AndNot):
        return matches(expr.include, tokens) and not matches(expr.exclude, tokens)
    return False


# --- Rendering ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 18)
def fts_word(value: int) -> str:
    """The FTS5 word for a token: a letter and hex digits, one word for the ``ascii`` tokenizer."""
    return f"p{value:x}" if value >= 0 else f"n{-value:x}"


def fts_document(tokens: Iterable[int]) -> str:
    return " ".join(fts_word(t) for t in tokens)


def fts_match(expr: Expr) -> str:
    """An FTS5 MATCH string. ``Nothing`` must be handled by the caller (FTS5 has no "false")."""
    if isinstance(expr, Token):
        return f'"{fts_word(expr.value)}"'
    if isinstance(expr, And):
        return "(" + " AND ".join(fts_match(part) for part in expr.parts) + ")"
    if isinstance(expr, Or):
        return "(" + " OR ".join(fts_match(part) for part in expr.parts) + ")"
    if isinstance(expr, AndNot):
        return f"({fts_match(expr.include)} NOT {fts_match(expr.exclude)})"
    raise ValueError("an expression that matches nothing has no FTS5 form")


def query_int(expr: Expr) -> str:
    """An ``intarray`` ``query_int`` literal (``&``, ``|``, ``!``)."""
    if isinstance(expr, Token):
        return str(expr.value)
    if isinstance(expr, And):
        return "(" + " & ".join(query_int(part) for part in expr.parts) + ")"
    if isinstance(expr, Or):
        return "(" + " | ".join(query_int(part) for part in expr.parts) + ")"
    if isinstance(expr, AndNot):
        return f"({query_int(expr.include)} & !{query_int(expr.exclude)})"
    raise ValueError("an expression that matches nothing has no query_int form")
