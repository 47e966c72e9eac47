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
