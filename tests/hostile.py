"""Hostile input for the fuzz tests, and what every answer to it must be (issue 15).

Strategies: the values tests/test_fuzz_forms.py posts to the staff forms (full-width and kana/kanji
text, control characters, 10,000-character strings, injection strings, emoji, numbers, dates, lists
for repeated keys) and, for the public side, the values found to break a server: integers of 5,000
digits, far dates, ids past 64 bits, NUL, lone surrogates. A lone surrogate cannot travel as text, so
``encode_form`` sends it as the bytes a broken client would (UTF-8 with ``surrogatepass``), escaped
in an urlencoded body or raw in a multipart one, under a declared charset that may be unknown.

Assertions: ``assert_boring(answer, log)`` holds for every answer to anything anyone may send:
no 5xx, no ERROR record or traceback in the log, no cookie set on an anonymous answer, the security
headers present, and ``Cache-Control: no-store`` on a dynamic answer. ``row_counts()`` and
``assert_stored`` check that a refused submission stored nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes

from django.apps import apps
from django.http import HttpResponseBase
from hypothesis import strategies as st

# --- values (shared with tests/test_fuzz_forms.py: keep these as they are) -------------------------

ANY_CHAR = st.characters(blacklist_categories=("Cs",))  # lone surrogates cannot be encoded at all
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)  # ！ … ～, incl. ０-９ Ａ-Ｚ ＠
HIRAGANA = st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
KATAKANA = st.characters(min_codepoint=0x30A1, max_codepoint=0x30F6)
KANJI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85", "\x9b"])
EMOJI = st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=5) | st.sampled_from(
    ["👨‍👩‍👧", "🇯🇵", "❤️", "🙇‍♀️"]
)
INJECTION = st.sampled_from(
    [
        "' OR 1=1 --",
        "'; DROP TABLE accounts_user; --",
        '" OR ""="',
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "{{ 7*7 }}",
        "{% debug %}",
        "%(x)s",
        "%s%s%s%n",
        "${7*7}",
        "../../../../etc/passwd",
        "javascript:alert(1)",
        "//evil.example/",
        "\\\\evil.example",
        "http://evil.example/",
        "null",
        "undefined",
        "NaN",
        "-1",
        "1e400",
        "\u202eevil",
        "\ufeff",
        "\u200b",
    ]
)
BLANK = st.sampled_from(["", " ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "   \u3000  "])
JAPANESE = st.text(FULL_WIDTH | HIRAGANA | KANJI, min_size=1, max_size=40)
WITH_CONTROL = st.tuples(
    st.text(ANY_CHAR, max_size=10), st.text(CONTROL, min_size=1, max_size=3), st.text(ANY_CHAR, max_size=10)
).map("".join)
HUGE = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["a", "あ", "１", "😀", "\x00", "<"]),
    st.integers(min_value=10_000, max_value=10_010),
)
NUMBER = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=True, allow_infinity=True)
DATE = st.dates().map(lambda d: d.isoformat()) | st.sampled_from(
    ["0001-01-01", "9999-12-31", "2024-02-30", "2024-13-01", "１９９９-０１-０１", "01/02/2024", "2024-1-1"]
)
SCALAR = st.one_of(
    JAPANESE, WITH_CONTROL, HUGE, BLANK, INJECTION, EMOJI, st.text(ANY_CHAR, max_size=60), NUMBER, st.booleans(), DATE
)
# A list posts several values for one key; a form then reads the last one (QueryDict.get()).
VALUE = SCALAR | st.lists(SCALAR, min_size=2, max_size=4)
EXTRA_KEYS = st.dictionaries(st.text(ANY_CHAR, min_size=1, max_size=20), VALUE, max_size=3)
MISSING = object()


def last(value: Any) -> str:
    """What a form field receives for a posted value."""
    return str(value[-1] if isinstance(value, list) else value)


@st.composite
def form_data(draw: st.DrawFn, **fields: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Plausible values for every field, except a random few that get a hostile value or go missing."""
    hostile = draw(st.sets(st.sampled_from(sorted(fields))))
    data: dict[str, Any] = draw(EXTRA_KEYS)
    for name, plausible in fields.items():
        value = draw(VALUE | st.just(MISSING)) if name in hostile else draw(plausible)
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# --- values that broke the public side (issue 15) --------------------------------------------------

#: Python refuses to turn more than 4,300 digits into an int (ValueError, not a 400).
HUGE_DIGITS = st.builds(
    lambda sign, n, tail: sign + "9" * n + tail,
    st.sampled_from(["", "-", "+", "０"]),
    st.integers(min_value=4_301, max_value=5_000),
    st.sampled_from(["", "0", ".5", "e9"]),
)
#: Past a 64-bit integer column (SQLite and PostgreSQL bigint alike).
HUGE_ID = st.integers(min_value=2**63, max_value=10**30).map(str) | st.sampled_from(
    ["99999999999999999999", "-9223372036854775809", "18446744073709551616", "1e309"]
)
FAR_DATE = st.sampled_from(
    [
        "0001-01-01",
        "0001-01-01T00:00",
        "0001-01-01T09:30",
        "9999-12-31T23:59:59",
        "10000-01-01",
        "-0001-01-01",
        "2026-02-29",
        "1900-01-01T00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "99999999999-01-01",
    ]
)
NUL = st.sampled_from(["\x00", "a\x00b", "\x00" * 100, "%00"])
#: A lone surrogate: only bytes can carry it (see encode_form).
SURROGATE = st.tuples(
    st.text(ANY_CHAR, max_size=5), st.characters(categories=["Cs"]), st.text(ANY_CHAR, max_size=5)
).map("".join)
HOSTILE_SCALAR = st.one_of(SCALAR, HUGE_DIGITS, HUGE_ID, FAR_DATE, NUL, SURROGATE)
HOSTILE = HOSTILE_SCALAR | st.lists(HOSTILE_SCALAR, min_size=2, max_size=4)
HOSTILE_KEYS = st.dictionaries(st.text(ANY_CHAR, min_size=1, max_size=20) | SURROGATE, HOSTILE, max_size=3)


@st.composite
def hostile_form(draw: st.DrawFn, **fields: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Like ``form_data``, with the values that broke the public side among the hostile ones."""
    hostile = draw(st.sets(st.sampled_from(sorted(fields)))) if fields else set()
    data: dict[str, Any] = draw(HOSTILE_KEYS)
    for name, plausible in fields.items():
        value = draw(HOSTILE | st.just(MISSING)) if name in hostile else draw(plausible)
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# --- how a body travels ----------------------------------------------------------------------------

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "hostile-b0undary"


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def _pairs(data: Mapping[str, Any]) -> list[tuple[bytes, bytes]]:
    pairs: list[tuple[bytes, bytes]] = []
    for key, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((_bytes(key), _bytes(one)))
    return pairs


def query_string(data: Mapping[str, Any]) -> str:
    """An urlencoded query (or body), in ASCII; lists repeat their key, surrogates become their bytes."""
    return "&".join(f"{quote_from_bytes(k, safe='')}={quote_from_bytes(v, safe='')}" for k, v in _pairs(data))


def multipart_body(data: Mapping[str, Any], boundary: str = BOUNDARY) -> bytes:
    parts = [
        b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + k.replace(b'"', b"%22") + b'"'
        b"\r\n\r\n" + v
        for k, v in _pairs(data)
    ]
    return b"\r\n".join([*parts, b"--" + boundary.encode() + b"--\r\n"])


#: Charsets a form may declare: none, the usual, a legacy one, and ones Python does not know.
CHARSET = st.sampled_from(["", "", "utf-8", "shift_jis", "rot13", "x-no-such-charset", "utf-7", '"utf-8"'])
MULTIPART = st.booleans()


@dataclass(frozen=True)
class Envelope:
    """How a request wraps its fields: the encoding and charset, and the cookies sent along."""

    multipart: bool = False
    charset: str = ""
    csrf_cookie: str = ""  # "" (none), well-formed or malformed

    def encode(self, data: Mapping[str, Any]) -> tuple[bytes, str]:
        """The body and its Content-Type."""
        suffix = f"; charset={self.charset}" if self.charset else ""
        if self.multipart:
            return multipart_body(data), f"multipart/form-data; boundary={BOUNDARY}{suffix}"
        return query_string(data).encode("ascii"), URLENCODED + suffix


CSRF_COOKIE = st.sampled_from(
    ["", "", "abcdefghijklmnopqrstuvwxyzABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEF" * 2, "short", "!!!!", "a" * 4000]
)
#: Mostly the plain envelope a browser sends, sometimes a hostile one.
ENVELOPE = st.builds(Envelope, multipart=MULTIPART, charset=CHARSET, csrf_cookie=CSRF_COOKIE) | st.just(Envelope())


def post(
    client: Any,
    url: str,
    data: Mapping[str, Any],
    envelope: Envelope,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: str,
) -> HttpResponseBase:
    """POST ``data`` to ``url`` the way ``envelope`` says (a Django test client; ``extra``: WSGI environ)."""
    body, content_type = envelope.encode(data)
    if envelope.csrf_cookie:
        client.cookies["csrftoken"] = envelope.csrf_cookie
    else:
        client.cookies.pop("csrftoken", None)
    response: HttpResponseBase = client.generic("POST", url, body, content_type=content_type, headers=headers, **extra)
    return response


# --- what every answer must be ---------------------------------------------------------------------


class LogRecords(logging.Handler):
    """Every record that reaches the root logger while it is attached (at INFO and above)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        """Records at ERROR or above, or with a traceback: one line each, the first traceback in full."""
        found: list[str] = []
        for record in self.records:
            if record.levelno >= logging.ERROR or record.exc_info:
                text = f"{record.levelname} {record.name}: {record.getMessage()}"
                if record.exc_info and not found:
                    text += "\n" + logging.Formatter().formatException(record.exc_info)
                found.append(text)
        return found


@contextmanager
def captured_log() -> Iterator[LogRecords]:
    """Collect the root logger's records at INFO for one request (pytest's caplog lives for a whole test,
    and a Hypothesis test runs many examples in it)."""
    handler = LogRecords()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


#: Headers every answer carries (docs/security.md), whatever the status.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
)


def assert_boring(
    response: HttpResponseBase,
    log: LogRecords,
    where: str,
    *,
    anonymous: bool = True,
    dynamic: bool = True,
    cookies_allowed: tuple[str, ...] = (),
) -> None:
    """What a hostile request may get: a plain refusal or the page, never more."""
    problems = log.problems()
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}\n" + "\n".join(problems)
    assert not problems, f"{where}: HTTP {response.status_code}, the log took:\n" + "\n".join(problems)
    if anonymous:
        set_cookies = sorted(name for name in response.cookies if name not in cookies_allowed)
        assert not set_cookies, (
            f"{where}: HTTP {response.status_code} sets cookies {set_cookies} on an anonymous answer"
        )
    missing = [name for name in SECURITY_HEADERS if not response.has_header(name)]
    assert not missing, f"{where}: HTTP {response.status_code} lacks {missing}"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"], where
    if dynamic:
        assert "no-store" in response.get("Cache-Control", ""), f"{where}: HTTP {response.status_code} may be cached"


# --- what a request stored -------------------------------------------------------------------------


def row_counts() -> Counter[str]:
    """The number of rows of every model of the project (and sessions, axes, OTP devices)."""
    return Counter({model._meta.label: model._default_manager.count() for model in apps.get_models()})


def assert_stored(before: Counter[str], where: str, **allowed: int) -> Counter[str]:
    """Nothing stored since ``before`` but at most ``allowed[label]`` rows of a model (label with
    ``_`` for ``.``, e.g. ``consultations_Message=1``). Returns the rows that were added."""
    after = row_counts()
    changed = Counter({label: after[label] - before[label] for label in after if after[label] != before[label]})
    limits = {label.replace("_", ".", 1): count for label, count in allowed.items()}
    excess = {label: n for label, n in changed.items() if n < 0 or n > limits.get(label, 0)}
    assert not excess, f"{where}: rows changed {dict(excess)} (allowed {limits})"
    return changed
