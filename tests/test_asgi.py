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
