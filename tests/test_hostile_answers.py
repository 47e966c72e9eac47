"""Every answer, refusals included, is an ordinary answer (issue 15, findings 1, 8, 9 and 10).

- **Unreadable forms** (finding 1): a POST that declares a charset that is not one (``rot13``,
  ``base64``, ``x``), or one a form cannot be in (``utf-16``), with a well-formed CSRF cookie, to every
  kind of form (the portal's in every language, the person's chat, consent withdrawal, sign-in, a
  staff form as a signed-in user; urlencoded and multipart) is a 400 from the encoding guard, never a
  500, and nothing behind the guard reads the body first.
- **Headers on every answer** (finding 9): the guard's 400, a bad Host's 400, the API's 405, 429,
  404 and 500, the error pages and a static file's 404 carry the same security headers as a page.
- **Cookies** (finding 8): no anonymous answer sets a cookie unless its page holds a form that needs
  the CSRF cookie (the sign-in page); a malformed CSRF cookie does not make a page set a new one; the
  API answers JSON, 404 included, without cookies.
- **HEAD** (finding 10): answered as GET without the body wherever GET is allowed.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from csp.constants import NONCE
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse
from django.utils import translation

from config.asgi import application
from tests.matrix import LOGIN
from tests.test_authorization_matrix import ROWS
from tests.test_headers import assert_security_headers
from tsunagu.accounts.tests.personas import ANONYMOUS, World
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CSRF_COOKIE = "abcdefghijklmnopqrstuvwxyzABCDEF"  # well-formed: Django would read the body for its token
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=b0undary"
MULTIPART_BODY = b'--b0undary\r\nContent-Disposition: form-data; name="q"\r\n\r\nx\r\n--b0undary--\r\n'
REFUSED = "The form could not be read"
LANGUAGES = ["ja", "ja-easy", "en", "zh-hans", "ko", "vi", "pt-br"]

#: Every form a visitor can post to, by URL name; each is mounted in every portal language.
PUBLIC_FORMS = [
    "portal:places",
    "portal:finder",
    "portal:search",
    "portal:print",
    "portal:selfcheck",
    "chat:start",
    "chat:room",
    "chat:send",
    "chat:messages",
    "chat:end",
    "consent_withdraw",
]
#: Forms outside the language prefixes: (URL name, persona who posts).
OTHER_FORMS = [
    ("accounts:login", ANONYMOUS),
    ("set_language", ANONYMOUS),
    ("accounts:password_change", "counsellor_a"),
    ("accounts:organisation_create", "system_admin_c"),
    ("consultations:call", "counsellor_a"),
]
#: Not a charset, not a text charset, or not one a form is sent in.
UNREADABLE_CHARSETS = ["rot13", "base64", "x", "utf-16"]


def _public_forms() -> list[tuple[str, str]]:
    """(URL, the refusal's title in the URL's language) for every public form in every language."""
    forms = []
    for language in LANGUAGES:
        with translation.override(language):
            forms += [(reverse(name), translation.gettext(REFUSED)) for name in PUBLIC_FORMS]
    return forms


def _post(client: Client, url: str, kind: str, charset: str) -> HttpResponse:
    content_type, body = (URLENCODED, b"q=x") if kind == "urlencoded" else (MULTIPART, MULTIPART_BODY)
    client.cookies["csrftoken"] = CSRF_COOKIE
    return client.generic("POST", url, body, content_type=f"{content_type}; charset={charset}")


@pytest.mark.parametrize("charset", [*UNREADABLE_CHARSETS, ""])
@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_every_public_form_refuses_an_unreadable_charset_with_a_full_400(kind: str, charset: str) -> None:
    for url, refused in _public_forms():
        response = _post(Client(), url, kind, charset)
        where = f"{url} {kind} charset={charset!r}"
        if charset:
            assert response.status_code == 400, where
            assert refused in response.content.decode(), where
        else:
            # No charset named: the form is read as UTF-8 and reaches its view (which may refuse it).
            assert response.status_code < 500, where
        assert_security_headers(response, where)
        assert not response.cookies, where


@pytest.mark.parametrize("charset", [*UNREADABLE_CHARSETS, ""])
@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
@pytest.mark.parametrize(("name", "persona"), OTHER_FORMS)
def test_sign_in_and_staff_forms_refuse_an_unreadable_charset(
    world: World, name: str, persona: str, kind: str, charset: str
) -> None:
    client = world.client(persona)
    response = _post(client, reverse(name), kind, charset)
    where = f"{name} as {persona}, {kind} charset={charset!r}"
    if charset:
        assert response.status_code == 400 and "<h1>" in response.content.decode(), where
    else:
        assert response.status_code < 500, where
    assert_security_headers(response, where)


def test_the_api_refuses_a_post_in_any_charset_as_405_with_headers() -> None:
    for charset in UNREADABLE_CHARSETS:
        response = _post(Client(), "/api/hsds/services", "urlencoded", charset)
        assert response.status_code == 405 and response["Content-Type"] == "application/json"
        assert_security_headers(response, f"API POST charset={charset}")
        assert not response.cookies


# --- headers on every answer (finding 9) ------------------------------------------------------------


def _boom(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise RuntimeError("a crash in a view")


def _with_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')  # type: ignore[attr-defined]


#: A URL configuration for the tests below: a view that fails, on a page and in the API; a page with a nonce.
urlpatterns = [
    path("boom/", _boom),
    path("api/hsds/boom", _boom),
    path("nonce/", _with_nonce),
]
handler500 = "tsunagu.core.views.error_500"


@pytest.mark.parametrize(
    "url", ["/healthz", "/", "/en/search/", "/staff/login/", "/api/hsds/services", "/nope/", "/static/css/tsunagu.css"]
)
def test_a_bad_host_is_a_400_with_every_header(url: str) -> None:
    response = Client().get(url, HTTP_HOST="evil.example")
    assert response.status_code == 400, url
    assert_security_headers(response, f"bad host {url}")
    assert not response.cookies
    if url.startswith("/api/"):
        assert response["Content-Type"] == "application/json" and response.json()["error"] == "bad_request"
    else:  # a page in Japanese and English that needs nothing from the request
        assert "リクエストを読み取れませんでした" in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True)
def test_a_bad_host_is_a_400_with_every_header_where_http_is_redirected_to_https() -> None:
    # Production: the HTTPS redirect reads the Host first; its refusal used to skip nosniff and Referrer-Policy.
    assert Client().get("/healthz").status_code == 301
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_security_headers(response, "bad host before the HTTPS redirect")


def test_the_apis_own_refusals_carry_every_header() -> None:
    client = Client()
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/hsds/services")
        assert response.status_code == 405, method
        assert_security_headers(response, f"API {method}")
    for url in ("/api/hsds/nope", "/api/hsds/services/a%2Fb%0Ac", "/api/hsds/services/%0A", "/api/hsds/x/y/z"):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", url
        assert response.json()["error"] == "not_found", url
        assert_security_headers(response, f"API 404 {url}")
        assert not response.cookies, url


def test_the_apis_429_carries_every_header() -> None:
    client = Client()
    with override_settings(TSUNAGU_API_RATE_LIMIT_PER_MINUTE=1):
        assert client.get("/api/hsds/").status_code == 200
        response = client.get("/api/hsds/")
    assert response.status_code == 429 and response["Retry-After"]
    assert response.json()["error"] == "too_many_requests"
    assert_security_headers(response, "API 429")


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_a_500_with_every_header_as_html_on_a_page_and_json_in_the_api() -> None:
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert_security_headers(page, "500 page")
    api = client.get("/api/hsds/boom")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert api.json()["error"] == "server_error"
    assert_security_headers(api, "API 500")
    assert not page.cookies and not api.cookies


def test_csp_nonces_still_reach_the_header() -> None:
    # No page uses a nonce yet; a page that will (and names it in the policy) gets it in the header.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "script-src": [*policy["DIRECTIVES"]["script-src"], NONCE]}
    with override_settings(ROOT_URLCONF=__name__, CONTENT_SECURITY_POLICY={**policy, "DIRECTIVES": directives}):
        response = Client().get("/nonce/")
    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY" and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/en/no-such-page/", "/staff/nope/", "/i18n/nope", "/static/nope.css"]
)
def test_not_found_pages_carry_every_header_and_no_cookie(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404, url
    assert_security_headers(response, f"404 {url}")
    assert not response.cookies, url


def test_a_static_file_carries_the_headers_and_stays_cacheable() -> None:
    response = Client().get("/static/css/tsunagu.css")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff" and "camera=()" in response["Permissions-Policy"]


# --- cookies (finding 8) ------------------------------------------------------------------------------

#: The anonymous pages that set the CSRF cookie, because their form needs it: signing in.
SETS_CSRF_COOKIE = {"accounts:login"}

ANONYMOUS_PAGES = [
    pytest.param(row, id=f"{row.name}{'#' + row.label if row.label else ''}")
    for row in ROWS
    if row.method == "get" and row.expect[ANONYMOUS] == 200
]


@pytest.mark.parametrize("row", ANONYMOUS_PAGES)
@pytest.mark.parametrize("csrf_cookie", [None, "bad", "x" * 64 + "!", CSRF_COOKIE], ids=["none", "bad", "odd", "good"])
def test_no_anonymous_page_sets_a_cookie_unless_its_form_needs_the_csrf_cookie(
    world: World, row: Any, csrf_cookie: str | None
) -> None:
    client = Client()
    if csrf_cookie is not None:
        client.cookies["csrftoken"] = csrf_cookie
    response = client.get(reverse(row.name, kwargs=row.kwargs(world)))
    assert response.status_code == 200
    if row.name in SETS_CSRF_COOKIE:
        if csrf_cookie != CSRF_COOKIE:  # none or malformed: a new, well-formed one
            assert list(response.cookies) == ["csrftoken"] and len(response.cookies["csrftoken"].value) == 32
        else:  # a well-formed one is kept (Django sends it again, with a renewed age)
            assert all(morsel.value == CSRF_COOKIE for morsel in response.cookies.values()), response.cookies
    else:
        assert not response.cookies, f"{row.name} with csrftoken={csrf_cookie!r}: {list(response.cookies)}"


ANONYMOUS_ANSWERS = [
    pytest.param(row, id=f"{row.name}{'#' + row.label if row.label else ''}")
    for row in ROWS
    if row.method == "get" and row.expect[ANONYMOUS] not in (200, 405) and row.name not in SETS_CSRF_COOKIE
]


@pytest.mark.parametrize("stale_session", [False, True], ids=["no-cookie", "stale-session-cookie"])
@pytest.mark.parametrize("row", ANONYMOUS_ANSWERS)
def test_no_anonymous_redirect_or_refusal_sets_a_cookie(world: World, row: Any, stale_session: bool) -> None:
    """The redirects to the sign-in page and the refusals: no cookie either (the second-factor
    steps without a sign-in in progress set the messages cookie)."""
    client = Client()
    if stale_session:
        client.cookies[settings.SESSION_COOKIE_NAME] = "0" * 32  # a key no session has
    response = client.get(reverse(row.name, kwargs=row.kwargs(world)))
    expected = row.expect[ANONYMOUS]
    assert response.status_code == (302 if expected == LOGIN else expected)
    # Django deletes the stale session cookie (an empty value that expires at once): nothing is set.
    set_cookies = [name for name, morsel in response.cookies.items() if morsel.value]
    assert not set_cookies, f"{row.name}: {set_cookies}"


@pytest.mark.parametrize("name", ["accounts:login_code", "accounts:second_factor_setup"])
def test_a_person_whose_sign_in_ended_is_still_told_to_sign_in_again(world: World, name: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    session = client.session  # a real session, whose sign-in in progress has ended
    session["started"] = True
    session.save()
    response = client.get(reverse(name), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "Please sign in again." in response.content.decode()


def test_a_post_that_relies_on_a_malformed_csrf_cookie_is_still_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "bad"
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y", "csrfmiddlewaretoken": "bad"})
    assert response.status_code == 403 and not response.cookies
    assert_security_headers(response, "CSRF refusal")


def test_a_signed_in_persons_error_page_keeps_the_language_form(world: World) -> None:
    page = world.client("counsellor_a").get("/staff/nope/").content.decode()
    assert 'class="lang-form"' in page and "csrfmiddlewaretoken" in page
    anonymous = Client().get("/staff/nope/").content.decode()
    assert 'class="lang-form"' not in anonymous


# --- HEAD (finding 10) --------------------------------------------------------------------------------


GET_PAGES = [
    pytest.param(row, id=f"{row.name}{'#' + row.label if row.label else ''}")
    for row in ROWS
    if row.method == "get" and row.expect[ANONYMOUS] in (200, LOGIN)
]


@pytest.mark.parametrize("row", GET_PAGES)
def test_head_answers_as_get_on_every_page(world: World, row: Any) -> None:
    """Every page anyone may ask for without signing in, and the redirect of every staff page."""
    client = Client()
    url = reverse(row.name, kwargs=row.kwargs(world))
    head = client.head(url)
    get = client.get(url)
    expected = 302 if row.expect[ANONYMOUS] == LOGIN else 200
    assert (head.status_code, get.status_code) == (expected, expected), f"{url}: HEAD {head.status_code}"
    if expected == 302:
        assert head["Location"] == get["Location"], url
        return
    assert head["Content-Type"] == get["Content-Type"], url
    if get.streaming:  # an export: its length is not known before it is sent
        assert not b"".join(head.streaming_content), url
    else:
        # What GET would send (exactly in the ASGI test below; the audit log grows between the two).
        assert not head.content and int(head["Content-Length"]) > 0, url
    if "no-store" in get["Cache-Control"]:
        assert_security_headers(head, f"HEAD {url}")
    else:
        assert head["Cache-Control"] == get["Cache-Control"], url


def test_a_signed_in_head_writes_no_read_or_export_to_the_audit_trail(world: World) -> None:
    """A staff page's GET records its read, an export its "exported"; a HEAD sends nothing, so it
    keeps the view's own methods (GET only: 405) and records nothing."""
    auditor = world.client("auditor_c")
    for name in ("accounts:audit_log", "accounts:audit_export"):
        before = AuditEvent.objects.count()
        response = auditor.head(reverse(name))
        assert response.status_code == 405, name
        assert_security_headers(response, f"HEAD {name}")
        assert AuditEvent.objects.count() == before, name
    assert auditor.get(reverse("accounts:audit_log")).status_code == 200  # the GET is what records


def test_head_is_refused_where_get_is() -> None:
    response = Client().head(reverse("chat:send"))  # POST only
    assert response.status_code == 405 and "GET" not in response["Allow"]


async def _asgi(method: str, path: str) -> tuple[dict[str, Any], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    from asgiref.testing import ApplicationCommunicator

    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            return start, body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/en/worried/", "/staff/login/", "/api/hsds/services", "/healthz"])
def test_head_through_the_asgi_application_sends_no_body_and_the_gets_length(path: str) -> None:
    # The application itself, as daphne runs it (the test client would drop a HEAD body on its own).
    with ThreadPoolExecutor(max_workers=1) as pool:
        head_start, head_body = pool.submit(asyncio.run, _asgi("HEAD", path)).result(timeout=30)
        get_start, get_body = pool.submit(asyncio.run, _asgi("GET", path)).result(timeout=30)
    assert head_start["status"] == get_start["status"] == 200, path
    assert head_body == b"" and get_body, path
    head_headers = dict(head_start["headers"])
    assert head_headers[b"Content-Length"] == str(len(get_body)).encode(), path
    assert head_headers[b"X-Frame-Options"] == b"DENY", path
