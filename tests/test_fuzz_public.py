"""Hostile input to every public form and endpoint: nothing breaks, nothing leaks, nothing is stored (issue 15).

Hypothesis sends what an attacker or a broken client would to what anyone may reach without an
account, in the portal's languages: the search, the finder's steps, the places form, the print
list, the self-check, a service's page, the chat (start, room, send, messages, end), the consent
withdrawal, the machine webhooks without their credentials, and query strings on every public GET
page (GET and HEAD). Values come from tests/hostile.py: the staff form fuzzing's values plus integers
of 5,000 digits, far dates, ids past 64 bits, NUL, lone surrogates (as the bytes a broken client
sends), repeated keys; bodies urlencoded or multipart, in a charset that may be unknown, with a
well-formed or malformed ``csrftoken`` cookie. Sign-in is fuzzed in tests/test_fuzz_forms.py; here
it only gets the hostile envelopes.

Every answer must be boring (``hostile.assert_boring``): no 5xx, no ERROR record or traceback in the
log, no Set-Cookie on the anonymous answer, the security headers present and ``no-store``. The forms
that only read must store nothing; the chat stores at most the one chat or message asked for; a
refused webhook call or withdrawal code grows the audit trail by at most one row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from tests import hostile
from tests.hostile import HOSTILE, JAPANESE, Envelope, assert_boring, assert_stored, captured_log, row_counts
from tsunagu.accounts.tests.personas import World
from tsunagu.audit.models import AuditEvent
from tsunagu.consultations import services as consultation_services
from tsunagu.consultations.tests.consultation_data import make_desks
from tsunagu.portal.tests.finder_data import Directory, make_directory
from tsunagu.referrals.models import Consent
from tsunagu.referrals.tests.referral_data import consent_for, make_case

# No shrinking: a failing example of 10,000 characters takes minutes to shrink, and each assertion
# message already names the request (method, path, envelope, the first 300 characters of the data).
FUZZ = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FUZZ, max_examples=20)

#: The portal's languages as URL prefixes ("" is Japanese; config/settings.py LANGUAGES).
PREFIXES = ("", "/en", "/ja-easy", "/zh-hans", "/ko", "/vi", "/pt-br")
PREFIX = st.sampled_from(PREFIXES)

# --- plausible values ------------------------------------------------------------------------------

CONCERNS = ("mind-life", "living-money", "loneliness-talk", "violence", "care", "other")
CHANNELS = ("phone", "freephone", "line", "chat", "visit")
KINDS = ("ibasho", "kodomo-shokudo", "salon", "kayoi-no-ba", "crisis-line", "support-service")
PLACE = st.sampled_from(["鳥取市", "680-0000", "6800000", "６８００８５７１", "新宿区", "府中市", "", "鳥取市 新宿区"])
PAGE = st.integers(min_value=-3, max_value=600).map(str) | hostile.HUGE_DIGITS


def keys(choices: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(choices) | st.lists(st.sampled_from(choices), min_size=2, max_size=4)


def on(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["on", "", "1", "true"])


SEARCH = {
    "q": JAPANESE | st.sampled_from(["介護", "DV", "こころ", "ｄｖ"]),
    "where": PLACE,
    "concern": keys(CONCERNS),
    "people": st.sampled_from(["anyone", "children", ""]),
    "kind": st.sampled_from(KINDS),
    "channel": keys(CHANNELS),
    "language": st.sampled_from(["en", "ko", "vi", ""]),
    "open_now": on("open_now"),
    "is_24_hours": on("is_24_hours"),
    "free": on("free"),
    "page": PAGE,
}
FINDER = {
    "step": st.sampled_from(["concerns", "whom", "where", "channel", "results"]),
    "action": st.sampled_from(["next", "skip", "back"]),
    "concerns": keys(CONCERNS),
    "for_whom": st.sampled_from(["self", "family", "friend"]),
    "where": PLACE,
    "area": st.sampled_from(["312011", "131041", "310000", "000000", "3120111"]),
    "channels": keys(("phone", "line", "chat", "visit")),
}
PLACES = {"kind": keys(KINDS), "where": PLACE}
ANSWER = st.integers(min_value=0, max_value=6).map(str)
SELF_CHECK = {"direct": ANSWER, "companionship": ANSWER, "left_out": ANSWER, "isolated": ANSWER}


# --- the world -------------------------------------------------------------------------------------


@dataclass
class Public:
    world: World
    directory: Directory
    service_codes: list[str]  # public, defunct and inactive ones


@pytest.fixture
def public(world: World) -> Public:
    """The finder tests' directory, two desks answering the chat, and a person's consent (its code unknown)."""
    directory = make_directory()
    make_desks(world)
    consent_for(make_case(world))
    shown = (directory.local_open, directory.line_24h, directory.shelter)
    codes = [str(s.code) for s in (*shown, directory.defunct, directory.inactive)]
    return Public(world=world, directory=directory, service_codes=codes)


ADDRESSES = (f"198.51.100.{n}" for n in itertools.cycle(range(1, 255)))


def anonymous() -> Client:
    cache.clear()  # rate-limit counters: most examples should reach the form itself
    return Client(raise_request_exception=False)


def post_boring(url: str, data: dict[str, Any], envelope: Envelope, **headers: str) -> Any:
    client = anonymous()
    with captured_log() as log:
        response = hostile.post(client, url, data, envelope, headers=headers, REMOTE_ADDR=next(ADDRESSES))
    if currently_in_test_context():
        event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: how often each answer came
    assert_boring(response, log, f"POST {url} {envelope} {data!r:.300}")
    return response


# --- the portal's read-only forms ------------------------------------------------------------------


@FUZZ
@given(prefix=PREFIX, data=hostile.hostile_form(**SEARCH), envelope=hostile.ENVELOPE)
def test_search_post(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    before = row_counts()
    post_boring(f"{prefix}/search/", data, envelope)
    assert_stored(before, "search")


@FUZZ
@given(prefix=PREFIX, data=hostile.hostile_form(**FINDER), envelope=hostile.ENVELOPE)
def test_finder_steps(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    before = row_counts()
    post_boring(f"{prefix}/find/", data, envelope)
    assert_stored(before, "finder")


@FUZZ
@given(prefix=PREFIX, data=hostile.hostile_form(**PLACES), envelope=hostile.ENVELOPE)
def test_places_form(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    before = row_counts()
    post_boring(f"{prefix}/places/", data, envelope)
    assert_stored(before, "places")


@FUZZ
@given(prefix=PREFIX, envelope=hostile.ENVELOPE, data=st.data())
def test_print_list(public: Public, prefix: str, envelope: Envelope, data: st.DataObject) -> None:
    code = st.sampled_from(public.service_codes) | st.uuids().map(str) | hostile.HUGE_ID
    posted = data.draw(hostile.hostile_form(services=st.lists(code, min_size=1, max_size=12)))
    before = row_counts()
    post_boring(f"{prefix}/print/", posted, envelope)
    assert_stored(before, "print")


@FUZZ
@given(prefix=PREFIX, data=hostile.hostile_form(**SELF_CHECK), envelope=hostile.ENVELOPE)
def test_self_check(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    before = row_counts()
    post_boring(f"{prefix}/self-check/", data, envelope)
    assert_stored(before, "self-check")


@pytest.mark.parametrize("direct", ["9" * 5000, "1" + "0" * 4300, "０" * 5000])
def test_self_check_with_thousands_of_digits(public: Public, direct: str) -> None:
    response = post_boring("/self-check/", {"direct": direct}, Envelope())
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["9" * 5000, "1" + "0" * 4300])
def test_search_page_with_thousands_of_digits(public: Public, page: str) -> None:
    response = post_boring("/en/search/", {"q": "こころ", "page": page}, Envelope())
    assert response.status_code == 200


# --- the chat --------------------------------------------------------------------------------------


@FUZZ
@given(
    prefix=PREFIX,
    data=hostile.hostile_form(at_risk=st.sampled_from(["yes", "no", ""])),
    envelope=hostile.ENVELOPE,
)
def test_chat_start(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    before = row_counts()
    response = post_boring(f"{prefix}/chat/", data, envelope)
    # A chat starts (one consultation, its audit row) or nothing is stored.
    started = 'name="secret"' in response.content.decode()
    event("started" if started else "not started")
    assert_stored(before, "chat start", consultations_Consultation=int(started), audit_AuditEvent=int(started))


def a_chat() -> str:
    started = consultation_services.chat_start(address=next(ADDRESSES), at_risk=False, language="ja")
    return started.secret


CHAT_ENDPOINT = st.sampled_from(["room", "send", "messages", "end"])


@FUZZ
@given(
    prefix=PREFIX,
    endpoint=CHAT_ENDPOINT,
    real_secret=st.booleans(),
    data=hostile.hostile_form(
        body=JAPANESE | st.just("夜になると不安です"),
        key=st.uuids().map(str),
        after=st.integers(min_value=0, max_value=10).map(str) | hostile.HUGE_DIGITS | hostile.HUGE_ID,
        beacon=st.sampled_from(["1", "0"]),
    ),
    wait=HOSTILE.filter(lambda v: hostile.last(v) != "1"),
    envelope=hostile.ENVELOPE,
    accept=st.sampled_from(["", "application/json", "text/html"]),
)
def test_chat_endpoints(
    public: Public,
    prefix: str,
    endpoint: str,
    real_secret: bool,
    data: dict[str, Any],
    wait: Any,
    envelope: Envelope,
    accept: str,
) -> None:
    if real_secret:
        data["secret"] = a_chat()
    data["wait"] = wait  # "1" would hold a real chat's long poll open for 20 seconds
    before = row_counts()
    headers = {"Accept": accept} if accept else {}
    response = post_boring(f"{prefix}/chat/{endpoint}/", data, envelope, **headers)
    # Only "send" with the right secret may store the one message (and its audit row), and "end" audit
    # that the person ended the chat.
    sent = int(endpoint == "send" and real_secret and response.status_code == 200)
    ended = int(endpoint == "end" and real_secret)
    assert_stored(before, f"chat {endpoint}", consultations_Message=sent, audit_AuditEvent=sent + ended)


@FEW
@given(prefix=PREFIX, envelope=hostile.ENVELOPE, method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE"]))
def test_chat_endpoints_other_methods(public: Public, prefix: str, envelope: Envelope, method: str) -> None:
    client = anonymous()
    for endpoint in ("room", "send", "messages", "end"):
        with captured_log() as log:
            response = client.generic(method, f"{prefix}/chat/{endpoint}/")
        assert_boring(response, log, f"{method} {prefix}/chat/{endpoint}/")
        assert response.status_code == 405


# --- consent withdrawal ----------------------------------------------------------------------------

WITHDRAWAL_CODE = st.from_regex(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", fullmatch=True) | st.text(
    st.characters(min_codepoint=0x30, max_codepoint=0x5A), min_size=1, max_size=32
)


@FUZZ
@given(prefix=PREFIX, data=hostile.hostile_form(code=WITHDRAWAL_CODE), envelope=hostile.ENVELOPE)
def test_consent_withdrawal_code(public: Public, prefix: str, data: dict[str, Any], envelope: Envelope) -> None:
    consents = list(Consent.objects.order_by("pk").values_list("pk", "status"))
    before = row_counts()
    post_boring(f"{prefix}/consent/withdraw/", data, envelope)
    # A wrong code is counted for the hour's audit row (one tally row per source), never a row of its
    # own; no consent changes.
    assert_stored(before, "consent withdrawal", audit_RefusalTally=1)
    assert list(Consent.objects.order_by("pk").values_list("pk", "status")) == consents


# --- machines without their credentials ------------------------------------------------------------

CTI_BODY = st.one_of(
    st.just(b'{"call_id": "abc-123", "caller": "090-1234-5678", "started_at": "0001-01-01T00:00+09:00"}'),
    st.binary(max_size=200),
    st.builds(
        lambda v: ('{"call_id": "' + hostile.last(v).replace("\\", "").replace('"', "") + '"}').encode(
            "utf-8", "surrogatepass"
        ),
        HOSTILE,
    ),
)
AUTHORIZATION = st.sampled_from(["", "Bearer ", "Bearer cti_nope", "Basic Zm9vOmJhcg==", "Bearer " + "x" * 5000])


@pytest.fixture
def audit_rows(public: Public) -> int:
    """The audit rows before the test's first example (its examples share one database transaction)."""
    return AuditEvent.objects.count()


@FEW
@given(
    url=st.sampled_from(["/integrations/cti/calls/", "/integrations/line/webhook/"]),
    body=CTI_BODY,
    authorization=AUTHORIZATION,
    signature=st.sampled_from(["", "bm9wZQ==", "\x00", "a" * 500]),
)
def test_webhooks_without_credentials(
    audit_rows: int, url: str, body: bytes, authorization: str, signature: str
) -> None:
    """Refused; and however many refusals, the audit trail grows by one row at most (issue 15, item 11)."""
    headers = {k: v for k, v in (("Authorization", authorization), ("X-Line-Signature", signature)) if v}
    client = anonymous()
    with override_settings(LINE_CHANNEL_SECRET="s" * 32, LINE_CHANNEL_ACCESS_TOKEN="t" * 32), captured_log() as log:
        response = client.generic("POST", url, body, content_type="application/json", headers=headers)
    event(f"HTTP {response.status_code}")
    assert_boring(response, log, f"POST {url}")
    assert response.status_code in (400, 401, 403, 429), response.status_code
    assert AuditEvent.objects.count() - audit_rows <= 1, "anonymous refusals write an audit row each"


# --- sign-in and every other public POST: hostile envelopes only -------------------------------------

PUBLIC_POSTS = (
    "/search/",
    "/find/",
    "/places/",
    "/print/",
    "/self-check/",
    "/chat/",
    "/chat/room/",
    "/chat/send/",
    "/chat/messages/",
    "/chat/end/",
    "/consent/withdraw/",
)


@FUZZ
@given(
    url=st.sampled_from(PUBLIC_POSTS).flatmap(lambda u: PREFIX.map(lambda p: p + u))
    | st.sampled_from(["/staff/login/", "/i18n/setlang/"]),
    envelope=st.builds(
        Envelope,
        multipart=st.booleans(),
        charset=st.sampled_from(["rot13", "x-no-such-charset", "utf-7", "base64", "utf-8"]),
        csrf_cookie=hostile.CSRF_COOKIE,
    ),
    data=hostile.hostile_form(q=st.just("x"), secret=st.just("x" * 43), username=st.just("a"), language=st.just("en")),
)
def test_every_public_post_survives_hostile_envelopes(
    public: Public, url: str, envelope: Envelope, data: dict[str, Any]
) -> None:
    data.pop("wait", None)
    client = anonymous()
    before = row_counts()
    with captured_log() as log:
        response = hostile.post(client, url, data, envelope, REMOTE_ADDR=next(ADDRESSES))
    event(f"HTTP {response.status_code}")
    # Choosing a language is what /i18n/setlang/ is for, and the staff sign-in form needs its CSRF cookie.
    allowed = {"/i18n/setlang/": ("django_language",), "/staff/login/": ("csrftoken",)}.get(url, ())
    assert_boring(response, log, f"POST {url} {envelope}", cookies_allowed=allowed)
    assert_stored(
        before, url, audit_AuditEvent=1, axes_AccessAttempt=1, axes_AccessFailureLog=1, consultations_Consultation=1
    )


@pytest.mark.parametrize("url", ["/search/", "/en/chat/send/", "/consent/withdraw/", "/staff/login/"])
def test_unknown_charset_with_a_csrf_cookie_is_a_plain_refusal(public: Public, url: str) -> None:
    # The request of issue 15, item 1: Django's own 400 page read the body again and raised again.
    response = post_boring(url, {"q": "x"}, Envelope(charset="rot13", csrf_cookie="abcdefghijklmnopqrstuvwxyzABCDEF"))
    assert response.status_code == 400


# --- every public GET page, with hostile query strings ---------------------------------------------

PUBLIC_GETS = (
    "/",
    "/now/",
    "/places/",
    "/worried/",
    "/browse-privately/",
    "/find/",
    "/search/",
    "/print/",
    "/self-check/",
    "/chat/",
    "/consent/withdraw/",
    "/services/{code}/",
)
QUERY = hostile.hostile_form(
    q=JAPANESE, page=PAGE, next=st.sampled_from(["/", "//evil.example/"]), code=st.uuids().map(str)
)


@FUZZ
@given(
    prefix=PREFIX,
    path=st.sampled_from(PUBLIC_GETS),
    query=QUERY,
    method=st.sampled_from(["GET", "GET", "HEAD"]),
    csrf_cookie=hostile.CSRF_COOKIE,
    data=st.data(),
)
def test_public_pages_with_hostile_query_strings(
    public: Public, prefix: str, path: str, query: dict[str, Any], method: str, csrf_cookie: str, data: st.DataObject
) -> None:
    if "{code}" in path:
        code = data.draw(st.sampled_from(public.service_codes) | st.uuids().map(str), label="code")
        path = path.format(code=code)
    url = f"{prefix}{path}?{hostile.query_string(query)}"
    client = anonymous()
    if csrf_cookie:
        client.cookies["csrftoken"] = csrf_cookie
    before = row_counts()
    with captured_log() as log:
        response = client.generic(method, url)
    event(f"{method} HTTP {response.status_code}")
    assert_boring(response, log, f"{method} {url:.300}")
    assert response.status_code in (200, 404), f"{method} {url:.300}: HTTP {response.status_code}"
    assert_stored(before, url)


@pytest.mark.parametrize("path", ["/search/", "/en/now/", "/ko/services/{code}/"])
def test_head_answers_like_get(public: Public, path: str) -> None:
    # Issue 15, item 10: HEAD on a portal page answered 405.
    url = path.format(code=public.service_codes[0])
    client = anonymous()
    with captured_log() as log:
        response = client.head(url)
    assert_boring(response, log, f"HEAD {url}")
    assert response.status_code == 200 and not response.content


@FEW
@given(
    path=st.sampled_from(["/services/", "/en/services/", "/chat/", "/staff/", "/"]).flatmap(
        lambda p: (hostile.HUGE_ID | hostile.HUGE_DIGITS | st.sampled_from(["a%2Fb%0Ac", "%00", "x" * 5000])).map(
            lambda tail: p + tail + "/"
        )
    )
)
def test_odd_paths_are_plain_not_found(public: Public, path: str) -> None:
    client = anonymous()
    with captured_log() as log:
        response = client.get(path)
    assert_boring(response, log, f"GET {path:.200}")
    assert response.status_code in (301, 302, 400, 404), response.status_code


def test_the_checks_catch_a_cookie_and_a_missing_header(public: Public) -> None:
    """assert_boring is not a check that cannot fail."""
    client = Client(raise_request_exception=False)
    with captured_log() as log:
        response = client.get("/en/")
    assert_boring(response, log, "home")
    response.set_cookie("tracker", "1")
    with pytest.raises(AssertionError, match="sets cookies"):
        assert_boring(response, log, "home")
    del response.cookies["tracker"]
    del response["Permissions-Policy"]
    with pytest.raises(AssertionError, match="lacks"):
        assert_boring(response, log, "home")
