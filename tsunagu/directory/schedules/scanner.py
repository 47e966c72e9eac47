"""Cutting Japanese opening-hours text into tokens, and keeping what was not understood.

The scanner walks the normalised text from left to right. At each position it tries the token
patterns in order; a match becomes a token, a separator is skipped, and any other character is left
over. The parser may still reject a token it cannot place (a time with no days, say); it then
reports the token's text as not understood. Nothing is dropped without being reported, which is what
lets `Schedule.parsed_completely` be trusted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Characters that carry no meaning between tokens: spaces, list marks, brackets, sentence ends.
SEPARATORS = frozenset(" \t\r\n・、,。.()[]「」【】!/;※")

_KANJI_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_WEEKDAY_CHARS = "月火水木金土日"
# Characters a bare weekday (「土」 without 曜) may be followed by although they are kanji.
_AFTER_BARE_WEEKDAY = frozenset(_WEEKDAY_CHARS + "曜開祝")

_TIME = (
    r"(?:(?P<{p}ampm>午前|午後)\s*)?(?P<{p}h>\d{{1,2}})"
    r"(?::(?P<{p}m>\d{{2}})|時(?:(?P<{p}m2>\d{{1,2}})分|(?P<{p}half>半))?)"
)
_DAY_ITEM = r"(?:年中無休|平日(?:毎日)?|毎日|祝祭日|祝日|祭日|祝|[月火水木金土日](?:曜日?)?)"

# Order matters: at one position the first pattern that matches wins.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("label", r"(?:\(\d\)|\d部|\d回目)(?=\s*(?:午前|午後)?\d)"),
    ("always", r"24時間(?:営業|対応|受付|開館)?(?:\s*365日)?|365日\s*24時間(?:営業|対応)?"),
    (
        "closed_range",
        r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日\s*~\s*(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日\s*(?:まで)?\s*(?:は)?"
        r"(?:お?休み|休業|休館|休)",
    ),
    (
        "closed",
        r"(?P<what>(?:(?:祝祭日|祝日|祭日|祝|年末年始)\s*(?:[・、,]|及び|と)?\s*)+)"
        r"(?:を除く|除く|は?\s*(?:お?休み|休業|休館|定休日?|休))",
    ),
    (
        "season",
        r"(?:[夏冬春秋][季期]\s*(?:は)?\s*)?\(?(?P<s1>\d{1,2})月\s*~\s*(?P<s2>\d{1,2})月\)?(?:\s*は)?",
    ),
    ("parity", r"(?P<parity>偶数|奇数)月(?:の)?"),
    ("month_days", r"(?:毎月\s*)?\d{1,2}日(?:\s*(?:[・、,]|と)\s*\d{1,2}日)*"),
    (
        "freq",
        r"(?P<fp>毎月|月に?|毎週|週に?|年に?|\d{1,2}[ヶケか箇]月に?)\s*(?P<fn>\d{1,2})\s*"
        r"(?P<frange>[~、,・]\s*\d{1,2}\s*)?(?P<funit>回|日)(?P<fvague>程度|位|くらい|前後|ほど)?",
    ),
    ("unknown", r"隔週|隔月"),
    ("nth", r"(?:毎月\s*)?(?:第\d|最終)(?:\s*(?:[・、,~]|と)?\s*(?:第?\d(?![\d時:])|最終))*(?:の)?"),
    (
        "period",
        _TIME.format(p="s") + r"\s*(?:~|から)\s*(?:(?P<next>翌)\s*)?(?:" + _TIME.format(p="e") + r")?(?:\s*まで)?",
    ),
    (
        "days",
        _DAY_ITEM + r"(?:\s*(?:[・、,~]|及び|と)?\s*" + _DAY_ITEM + r")*(?:\s*は(?=[\s、,]*(?:午前|午後)?\d))?",
    ),
    ("qualifier", r"毎週|毎月"),
    ("noise", r"開催日は|開催日|開催|営業時間|受付時間"),
)
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in _PATTERNS)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    match: re.Match[str]


@dataclass(frozen=True)
class Scan:
    normalized: str
    tokens: tuple[Token, ...]
    #: Runs of characters no pattern matched, with their separators trimmed, in text order.
    leftover: tuple[tuple[int, str], ...]

    def consumed(self) -> list[bool]:
        """For each character of `normalized`: whether a token covers it."""
        covered = [False] * len(self.normalized)
        for token in self.tokens:
            for index in range(token.start, token.end):
                covered[index] = True
        return covered


def normalize(text: str) -> str:
    """NFKC (full-width digits, letters and spaces), one range mark `~`, kanji digits before 回 and after 第."""
    result = unicodedata.normalize("NFKC", text)
    result = re.sub(r"[〜～‐‑–—―−]", "~", result)
    # ー and - are range marks only between times or weekdays; elsewhere they are part of words.
    result = re.sub(r"(?<=[\d時分])\s*[ー\-]\s*(?=[\d午翌])", "~", result)
    result = re.sub(rf"(?<=[{_WEEKDAY_CHARS}曜日])\s*[ー\-]\s*(?=[{_WEEKDAY_CHARS}])", "~", result)
    result = re.sub(r"(?<=第)[一二三四五]", lambda m: _KANJI_DIGITS[m.group()], result)
    return re.sub(r"[一二三四五六七八九](?=回)", lambda m: _KANJI_DIGITS[m.group()], result)


def _is_kanji(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or char == "々"


def _days_context_ok(text: str, start: int, end: int, adjacent: bool) -> bool:
    """Reject weekday characters that are part of other words (当日, 日程, 正月, 12月, できた日)."""
    value = text[start:end]
    if set(value) <= set("祝祭日・、, ~及びと") and "祝" in value:
        return False  # 祝日 alone is a condition (祝日の場合), not a day list
    before = text[start - 1] if start > 0 else " "
    if not adjacent and (before.isdigit() or _is_kanji(before)):
        return False
    if len(value) == 1 and not adjacent and before not in SEPARATORS:
        return False  # a lone 「日」 after a word is that word's ending
    if end < len(text) and value[-1] in _WEEKDAY_CHARS + "祝" and not value.endswith("曜日"):
        following = text[end]
        if _is_kanji(following) and following not in _AFTER_BARE_WEEKDAY:
            return False
        # 「月2回」「月2」: a digit after a bare weekday is fine only when hours follow (月9:00～).
        if following.isdigit() and not _COMPILED_PERIOD.match(text, end):
            return False
    return True


def _month_days_context_ok(text: str, start: int) -> bool:
    """「12月29日」 is a date, not the 29th of every month."""
    return text.startswith("毎月", start) or start == 0 or not (text[start - 1].isdigit() or text[start - 1] == "月")


_COMPILED_PERIOD = dict(_COMPILED)["period"]


def _days_match(pattern: re.Pattern[str], text: str, start: int, adjacent: bool) -> re.Match[str] | None:
    """The longest day list at `start` that fits its context: 「水曜日・日曜日月2回」 keeps 水曜日・日曜日."""
    end = len(text)
    while (match := pattern.match(text, start, end)) is not None:
        if _days_context_ok(text, start, match.end(), adjacent):
            return match
        end = match.end() - 1
    return None


def scan(text: str) -> Scan:
    normalized = normalize(text)
    tokens: list[Token] = []
    leftover: list[tuple[int, str]] = []
    run_start: int | None = None
    position = 0

    def close_run(end: int) -> None:
        nonlocal run_start
        if run_start is not None:
            # A run starts on a non-separator, so only its end can need trimming.
            stripped = normalized[run_start:end].rstrip("".join(SEPARATORS))
            leftover.append((run_start, stripped))
            run_start = None

    while position < len(normalized):
        adjacent = bool(tokens) and tokens[-1].end == position
        token = None
        for kind, pattern in _COMPILED:
            match = pattern.match(normalized, position)
            if match is None or match.end() == position:
                continue
            if kind == "days":
                match = _days_match(pattern, normalized, position, adjacent)
            elif kind == "month_days" and not _month_days_context_ok(normalized, position):
                match = None
            if match is None:
                continue
            token = Token(kind, match.group(), position, match.end(), match)
            break
        if token is not None:
            close_run(position)
            tokens.append(token)
            position = token.end
            continue
        char = normalized[position]
        if char not in SEPARATORS and run_start is None:
            run_start = position
        position += 1
    close_run(len(normalized))
    return Scan(normalized=normalized, tokens=tuple(tokens), leftover=tuple(leftover))
