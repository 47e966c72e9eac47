"""A real daphne server on a loopback port, in its own process, serving tsunagu's ASGI application
(HTTP and WebSocket) against the test database. The process is forked after the test database is
set up, so it uses the same database; data a test wants it to see must be committed (use the
``transactional_db`` fixture)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
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


def _child_setup_logging_to(path: str) -> None:
    """As ``_child_setup``, and everything the server process logs (every level from INFO, with
    tracebacks) or writes to stderr goes to the file ``path``, for a test to read."""
    _child_setup()
    stream = open(path, "a", buffering=1, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    os.dup2(stream.fileno(), 2)
    sys.stderr = stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)


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


def start(port: int | None = None, *, log: str | None = None) -> AsgiServer:
    """A server on ``port`` (any free one by default); with ``log``, the server process's log goes
    to that file (``_child_setup_logging_to``)."""
    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        raise RuntimeError("the ASGI test server needs the fork start method")
    connections.close_all()
    setup = _child_setup if log is None else partial(_child_setup_logging_to, log)
    process = DaphneProcess("127.0.0.1", partial(_application), setup=setup, port=port)
    process.start()
    while not process.ready.wait(timeout=1):
        if not process.is_alive():
            raise RuntimeError("daphne did not start")
    return AsgiServer(process=process, port=process.port.value)


def serve(*, log: str | None = None) -> Iterator[AsgiServer]:
    server = start(log=log)
    try:
        yield server
    finally:
        server.stop()
