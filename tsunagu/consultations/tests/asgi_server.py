"""A real daphne server on a loopback port, in its own process, serving tsunagu's ASGI application
(HTTP and WebSocket) against the test database. The process is forked after the test database is
set up, so it uses the same database; data a test wants it to see must be committed (use the
``transactional_db`` fixture)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections


def _application() -> Any:
    from config.asgi import application

    return ASGIStaticFilesHandler(application)


def _child_setup() -> None:
    # The forked process must not share the parent's database sockets.
    for connection in connections.all(initialized_only=True):
        connection.inc_thread_sharing()
        connection.close()


@dataclass
class AsgiServer:
    process: DaphneProcess
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(port: int | None = None) -> AsgiServer:
    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        raise RuntimeError("the ASGI test server needs the fork start method")
    connections.close_all()
    process = DaphneProcess("127.0.0.1", partial(_application), setup=_child_setup, port=port)
    process.start()
    while not process.ready.wait(timeout=1):
        if not process.is_alive():
            raise RuntimeError("daphne did not start")
    return AsgiServer(process=process, port=process.port.value)


def serve() -> Iterator[AsgiServer]:
    server = start()
    try:
        yield server
    finally:
        server.stop()
