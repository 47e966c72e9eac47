"""A refusal is one audit row and one INFO line, not a traceback; a real error keeps its traceback
(issue 14, finding 11). The lines go through the project's own LOGGING configuration."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from config import urls as project_urls
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a real bug")


# This module is also a URLconf: the project's URLs plus one view that fails (for the 500 test).
urlpatterns = [path("test-boom/", _boom), *project_urls.urlpatterns]
handler403, handler404, handler500 = project_urls.handler403, project_urls.handler404, project_urls.handler500


class _Lines(logging.Handler):
    """Every record that reaches the root logger's handlers, formatted by the project's console handler."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, name: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == name]


@pytest.fixture
def lines() -> Iterator[_Lines]:
    handler = _Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _console() -> logging.Handler:
    """The handler settings.LOGGING configures (the one production writes to standard error)."""
    found = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.formatter]
    assert found, "settings.LOGGING configures a console handler on the root logger"
    return found[0]


def _one_line(record: logging.LogRecord) -> str:
    text = _console().format(record)
    assert "\n" not in text and "Traceback" not in text, text
    return text


def test_a_forbidden_staff_page_writes_one_info_line_and_no_traceback(world, lines):
    response = world.client("counsellor_a").get(reverse("accounts:audit_log"))
    assert response.status_code == 403
    [record] = lines.of("django.request")
    assert (record.levelno, record.exc_info, record.exc_text) == (logging.INFO, None, None)
    text = _one_line(record)
    assert "INFO" in text and "/staff/audit/" in text
    denied = AuditEvent.objects.get(action="access.denied", actor_code=world.users["counsellor_a"].code)
    assert denied.request_id in text  # the line and the audit row name the same request


def test_a_hidden_record_writes_one_info_line_with_the_request_id(world, lines):
    url = reverse("accounts:user_detail", kwargs={"code": uuid.uuid4()})
    response = world.client("system_admin_c").get(url)
    assert response.status_code == 404
    [record] = lines.of("django.request")
    assert (record.levelno, record.exc_info) == (logging.INFO, None)
    text = _one_line(record)
    denied = AuditEvent.objects.get(action="access.denied", actor_code=world.users["system_admin_c"].code)
    assert denied.request_id and denied.request_id in text


def test_refusal_lines_follow_the_configured_level(world, lines, settings):
    """At TSUNAGU_LOG_LEVEL=WARNING (root and Django's loggers alike) the refusal's INFO line is not
    written at all."""
    assert settings.LOGGING["loggers"]["django"]["level"] == settings.LOGGING["root"]["level"]
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        assert world.client("counsellor_a").get(reverse("accounts:audit_log")).status_code == 403
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    assert lines.of("django.request") == []


def test_a_real_error_still_logs_its_traceback_at_error(settings, lines):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/test-boom/")
    assert response.status_code == 500
    [record] = lines.of("django.request")
    assert record.levelno == logging.ERROR and record.exc_info is not None
    text = _console().format(record)
    assert "Traceback" in text and "RuntimeError: a real bug" in text


# --- Hostile input (issue 15, finding 7): every refusal of the client's fault is one INFO line,
# without a traceback and without the values the client sent.

HOST = "quiet-canary-host.example"
USERNAME = "quiet-canary-username-7f3a"
TERM = "quietcanaryterm"


def _only_line(lines: _Lines, *hidden: str) -> str:
    """The one line the request wrote (at INFO), with none of ``hidden`` in any record."""
    written = [r for r in lines.records if r.levelno >= logging.INFO]
    texts = [_console().format(r) for r in lines.records]
    for value in hidden:
        assert not [t for t in texts if value in t], value
    assert len(written) == 1, texts
    assert (written[0].levelno, written[0].exc_info, written[0].exc_text) == (logging.INFO, None, None), texts
    return _one_line(written[0])


def test_a_bad_host_is_one_info_line_without_the_host(db, lines):
    response = Client().get("/", HTTP_HOST=HOST)
    assert response.status_code == 400
    text = _only_line(lines, HOST)
    assert "django.security.DisallowedHost" in text


def test_a_wrong_method_is_one_info_line(db, lines):
    assert Client().get("/integrations/cti/calls/").status_code == 405
    assert "Method Not Allowed" in _only_line(lines)


def test_a_csrf_failure_is_one_info_line_without_the_form(db, lines):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": USERNAME, "password": "x" * 12})
    assert response.status_code == 403
    assert "CSRF" in _only_line(lines, USERNAME)


def test_a_csrf_failure_does_not_repeat_the_clients_origin_or_referer(db, lines, settings):
    settings.CSRF_TRUSTED_ORIGINS = []
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))  # the cookie and a token, so the origin check is what fails
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("accounts:login"),
        {"username": "x", "password": "y", "csrfmiddlewaretoken": token},
        headers={"Origin": f"https://{USERNAME}.example"},
    )
    assert response.status_code == 403
    assert "Origin checking failed" in _only_line(lines, USERNAME)


def test_a_form_in_an_unknown_charset_is_one_info_line(db, lines):
    response = Client().generic(
        "POST",
        reverse("accounts:login"),
        f"username={USERNAME}".encode(),
        content_type="application/x-www-form-urlencoded; charset=rot13",
    )
    assert response.status_code == 400
    _only_line(lines, USERNAME)


def test_too_many_fields_is_one_info_line_without_the_form(db, lines, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}={USERNAME}" for i in range(10))
    response = Client().post(reverse("accounts:login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "django.security.TooManyFieldsSent" in _only_line(lines, USERNAME)


def test_a_body_too_large_is_one_info_line(db, lines, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = f"username={USERNAME}&password=" + "x" * 200
    response = Client().post(reverse("accounts:login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "django.security.RequestDataTooBig" in _only_line(lines, USERNAME)


def test_a_failed_sign_in_is_one_info_line_without_the_username_or_address(db, lines):
    client = Client(REMOTE_ADDR="203.0.113.77")
    response = client.post(reverse("accounts:login"), {"username": USERNAME, "password": "wrong-password-1"})
    assert response.status_code == 200
    text = _only_line(lines, USERNAME, "203.0.113.77")
    assert "sign-in failed" in text


def test_a_lockout_names_neither_the_username_nor_the_address(db, lines, settings):
    client = Client(REMOTE_ADDR="203.0.113.77")
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(reverse("accounts:login"), {"username": USERNAME, "password": "wrong-password-1"})
    texts = [_console().format(r) for r in lines.records]
    assert not [t for t in texts if USERNAME in t or "203.0.113.77" in t], texts
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in lines.records), texts
    assert any("locked out" in t for t in texts), texts


def test_the_development_servers_access_log_keeps_no_query_values_nor_address(transactional_db, tmp_path):
    """``make run`` serves with daphne's ``runserver``, whose access lines go to
    ``django.channels.server``: a real daphne, with that command's access logger, writes through the
    project's LOGGING into a file."""
    from daphne.management.commands.runserver import Command as RunServer
    from daphne.testing import DaphneProcess

    from tsunagu.consultations.tests import asgi_server

    written = tmp_path / "access.log"

    def child_setup() -> None:
        asgi_server._child_setup()
        to_file = logging.FileHandler(written, encoding="utf-8")
        to_file.setFormatter(_console().formatter)
        to_file.addFilter(_console().filters[0])  # the request id
        logging.getLogger().addHandler(to_file)

    connections_close_all()
    process = DaphneProcess(
        "127.0.0.1",
        asgi_server._application,
        kwargs={"action_logger": RunServer().log_action},
        setup=child_setup,
    )
    process.start()
    try:
        assert process.ready.wait(timeout=30)
        base = f"http://127.0.0.1:{process.port.value}"
        assert _status(f"{base}/api/hsds/services?search={TERM}&page=1") == 200
        assert _status(f"{base}/no-such-page/?q={TERM}") == 404
    finally:
        process.terminate()
        process.join(10)
    text = written.read_text(encoding="utf-8")
    assert "HTTP GET /api/hsds/services?search=&page= 200" in text, text
    assert "HTTP GET /no-such-page/?q= 404" in text, text
    assert TERM not in text, text
    access = [line for line in text.splitlines() if " django.channels.server " in line]
    assert len(access) == 2, text
    assert all(" INFO " in line and "127.0.0.0/24" in line and "127.0.0.1" not in line for line in access), text


def connections_close_all() -> None:
    from django.db import connections

    connections.close_all()


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_suspicious_operation_logger_writes_refusals_as_info():
    """Django logs each ``SuspiciousOperation`` on ``django.security.<its class>``, and a filter on a
    logger sees only that logger's records: each one needs the filter (a new Django may add one)."""
    import django.contrib.sessions.exceptions  # noqa: F401 - its classes join the subclasses
    from django.core.exceptions import SuspiciousOperation

    from tsunagu.core.logging import RefusalsAsInfo

    checks = {SuspiciousOperation, *_subclasses(SuspiciousOperation)}
    unfiltered = [
        check.__name__
        for check in checks
        if not any(
            isinstance(f, RefusalsAsInfo) for f in logging.getLogger(f"django.security.{check.__name__}").filters
        )
    ]
    assert unfiltered == []


def test_djangos_own_development_server_keeps_no_query_values(lines):
    """``django.server`` gets the request line as Django's ``runserver`` (WSGI) logs it."""
    server = logging.getLogger("django.server")
    server.warning('"%s" %s %s', f"GET /search/?q={TERM}&page=2 HTTP/1.1", "404", "10", extra={"status_code": 404})
    server.error('"%s" %s %s', f"POST /chat/?x={TERM} HTTP/1.1", "500", "10", extra={"status_code": 500})
    refused, failed = lines.of("django.server")
    assert refused.levelno == logging.INFO and '"GET /search/?q=&page= HTTP/1.1" 404 10' in _one_line(refused)
    assert failed.levelno == logging.ERROR and '"POST /chat/?x= HTTP/1.1" 500 10' in _console().format(failed)
    assert TERM not in _console().format(refused) + _console().format(failed)
