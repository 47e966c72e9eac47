"""The ASGI entry point serves real requests (Django Channels will wrap it for real-time intake)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator

from config.asgi import application


async def _get_healthz() -> tuple[dict[str, Any], dict[str, Any]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    return start, body


@pytest.mark.django_db(transaction=True)
def test_asgi_serves_health_check_and_headers() -> None:
    # A fresh thread with its own event loop, as a real ASGI server would run the application.
    with ThreadPoolExecutor(max_workers=1) as pool:
        start, body = pool.submit(asyncio.run, _get_healthz()).result(timeout=30)
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert b'"ok"' in body["body"]
    assert headers[b"X-Frame-Options"] == b"DENY" and b"X-Request-ID" in headers


#: Socket paths no route serves (issue 15, finding 5): each used to fail the handshake with a 500
#: and a traceback ("No route found for path").
UNKNOWN_SOCKET_PATHS = [
    "/ws/nope/",
    "/en/ws/chat/",  # the chat's page has language prefixes; its socket has none
    "/ws/staff/consultations/not-a-uuid/",
    "/",
    "/ws/chat",  # without the closing slash
    "/ws/%00/",
    "/ws/%ff%fe/",  # not UTF-8 once unquoted
]


@pytest.fixture
def server_log(tmp_path: Any) -> str:
    return str(tmp_path / "server.log")


@pytest.fixture
def server(transactional_db: None, server_log: str) -> Any:
    from tsunagu.consultations.tests import asgi_server

    yield from asgi_server.serve(log=server_log)


def _handshake(server: Any, path: bytes, origin: str | None = None, cookie: bytes = b"") -> bytes:
    """The status line daphne answers to a WebSocket handshake for ``path``, sent as raw bytes (so
    a path may hold bytes that are not UTF-8, or not even ASCII)."""
    import socket

    origin = server.url if origin is None else origin
    request = (
        b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(server.port).encode() + b"\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: "
        + origin.encode()
        + b"\r\n"
        + (b"Cookie: " + cookie + b"\r\n" if cookie else b"")
        + b"\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def _log_lines(path: str) -> list[str]:
    import pathlib

    log = pathlib.Path(path)
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_unknown_socket_paths_are_refused_during_the_handshake(server: Any, server_log: str) -> None:
    """Refused like an unknown URL, as far as a WebSocket handshake can say it: daphne answers 403
    before the socket opens (it cannot send a 404 to a handshake), one INFO line each, no traceback,
    no audit row. An Origin of another site is refused as before."""
    import websockets

    from tsunagu.audit.models import AuditEvent

    audit_rows = AuditEvent.objects.count()

    async def refused(path: str, origin: str) -> int:
        with pytest.raises(websockets.InvalidStatus) as refusal:
            async with websockets.connect(server.ws_url + path, origin=origin):
                pass
        return int(refusal.value.response.status_code)

    for path in UNKNOWN_SOCKET_PATHS:
        assert asyncio.run(refused(path, server.url)) == 403, path
    assert asyncio.run(refused("/ws/nope/", "https://evil.example")) == 403
    refused_by_tsunagu = len(UNKNOWN_SOCKET_PATHS)
    for raw in (b"/ws/\xff\xfe/", b"/ws/\xe3\x81\x82/", b"/ws/%/", b"/ws/%ZZ/"):
        status = _handshake(server, raw)
        # daphne itself answers 400 to a request line that is not ASCII, before tsunagu sees it.
        assert status.startswith((b"HTTP/1.1 403", b"HTTP/1.1 400")), raw
        refused_by_tsunagu += status.startswith(b"HTTP/1.1 403")
    assert _handshake(server, b"/ws/chat/").startswith(b"HTTP/1.1 101")  # a real path still opens
    assert _handshake(server, b"/ws/chat/", origin="https://evil.example").startswith(b"HTTP/1.1 403")

    lines = _log_lines(server_log)
    assert not [line for line in lines if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line], lines
    refusals = [line for line in lines if "no such path" in line]
    assert len(refusals) == refused_by_tsunagu  # the Origin check comes first and logs nothing
    assert all(line == "INFO config.asgi WebSocket refused: no such path" for line in refusals)
    assert AuditEvent.objects.count() == audit_rows


#: Session cookies no browser holds: Django unquotes a quoted cookie's octal escapes, so the first
#: is a session key of eight NUL characters, which no PostgreSQL text column takes.
HOSTILE_COOKIES = [
    b'sessionid="\\000\\000\\000\\000\\000\\000\\000\\000"',
    b"sessionid=" + b"x" * 5000,
    b'sessionid="\\377\\376abcdefgh"',
    b"sessionid=%00%00%00%00%00%00%00%00",
    b"sessionid",
    b"=; ;;==",
]


def test_hostile_session_cookies_are_refused_during_the_handshake(server: Any, server_log: str) -> None:
    for cookie in HOSTILE_COOKIES:
        for path in (b"/ws/staff/consultations/", b"/ws/staff/alerts/", b"/ws/nope/"):
            assert _handshake(server, path, cookie=cookie).startswith(b"HTTP/1.1 403"), (cookie, path)
        assert _handshake(server, b"/ws/chat/", cookie=cookie).startswith(b"HTTP/1.1 101"), cookie
    lines = _log_lines(server_log)
    assert not [line for line in lines if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line], lines


def _raw_post(server: Any, path: bytes, content_type: bytes, body: bytes) -> bytes:
    """daphne's whole answer (status line, headers, body) to a POST sent as raw bytes."""
    import socket

    request = (
        b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(server.port).encode() + b"\r\n"
        b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        b"Connection: close\r\n\r\n" + body
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


#: Multipart bodies the HTTP server itself (Twisted, under daphne) refused with a bare 400 without
#: headers before tsunagu saw them (issue 15): no boundary, an empty one. Django answers them with
#: the form-encoding guard's 400.
BROKEN_MULTIPART = [
    (b"multipart/form-data", b"q=x"),
    (b"multipart/form-data; boundary=", b"q=x"),
    (b"multipart/form-data; boundary=", b"--\r\n\r\n"),
]


@pytest.mark.parametrize(("content_type", "body"), BROKEN_MULTIPART)
def test_a_broken_form_body_reaches_the_application_and_gets_its_headers(
    server: Any, server_log: str, content_type: bytes, body: bytes
) -> None:
    answer = _raw_post(server, b"/search/", content_type, body)
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    assert head.startswith("http/1.1 400"), head
    for header in ("content-security-policy", "x-frame-options", "permissions-policy", "x-request-id"):
        assert f"\r\n{header}:" in head, (header, head)
    assert not any("Traceback" in line or line.startswith("ERROR") for line in _log_lines(server_log))
