"""Logging filters named in ``settings.LOGGING`` (docs/operations.md, "Health and logs").

Logs are written for the operator, and anyone on the internet can make the server write them. So a
refusal of something the client did wrong is one short INFO line, never a traceback, and no line
repeats what a client typed (a host name, a form value, a search term, a username) or names its
address.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any

from tsunagu.core import request_context

#: The longest piece of a request (a path, a method) a refusal line repeats, after escaping.
MAX_PIECE = 200
#: How many query parameter names an access line keeps.
MAX_PARAMETERS = 10


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record so log lines can be tied to audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = request_context.current()
        if meta is not None:
            record.request_id = meta.request_id
        else:  # Django logs a 404 after the middleware returned: the id is on the request
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "META", {}).get(request_context.REQUEST_ID_META, "-")
        return True


def _piece(value: str) -> str:
    """A client-chosen string as a log line may show it: escaped to ASCII on one line, bounded."""
    escaped = value.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= MAX_PIECE else escaped[:MAX_PIECE] + "…"


_DONE = "tsunagu_reduced"


def _first_time(record: logging.LogRecord) -> bool:
    """Whether this record is seen for the first time: a filter may be attached twice (a second
    ``django.setup()``, as a forked server process runs, configures LOGGING again and adds the
    logger's filters once more), and escaping a line twice would garble it."""
    if getattr(record, _DONE, False):
        return False
    setattr(record, _DONE, True)
    return True


def _as_info(record: logging.LogRecord) -> bool:
    """Lower a record to INFO without its traceback; it goes on only if its logger writes INFO
    (the logger let it through at its own, higher level)."""
    record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
    record.exc_info, record.exc_text, record.stack_info = None, None, None
    return logging.getLogger(record.name).isEnabledFor(logging.INFO)


class RefusalsAsInfo(logging.Filter):
    """On ``django.request`` and the ``django.security.*`` loggers: a refusal (any 4xx: a bad
    request, a bad host, a form too large, a CSRF failure, 403, 404, 405, 413, 429) is one INFO line
    without a traceback.

    Django logs every 4xx at WARNING, and a ``PermissionDenied`` or a ``SuspiciousOperation`` (a bad
    Host header, too many fields, a body too large) with its traceback, the latter at ERROR, although
    a refusal is no fault of the server: where it concerns a person, the doors
    (``accounts.access``) already wrote its "denied" audit row, and the line carries the same request
    id. A ``SuspiciousOperation``'s message repeats what the client sent (the bad host name), so its
    line says only which check refused it and the path. A 5xx passes unchanged (ERROR, traceback).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500 or record.levelno < logging.WARNING:
            return True
        if not _first_time(record):
            return logging.getLogger(record.name).isEnabledFor(record.levelno)
        if record.name.startswith("django.security.") and record.name != "django.security.csrf":
            check = record.name.removeprefix("django.security.")
            path = str(getattr(getattr(record, "request", None), "path", "-"))
            record.msg, record.args = "Bad request (%s): %s", (check, _piece(path))
        elif isinstance(record.args, tuple):
            args = list(record.args)
            if record.name == "django.security.csrf" and args and isinstance(args[0], str):
                # Django's reason quotes the client's Origin or whole Referer after " - ": the check only.
                args[0] = args[0].split(" - ", 1)[0]
            record.args = tuple(_piece(arg) if isinstance(arg, str) else arg for arg in args)
        return _as_info(record)


def axes_client_str(username: Any, ip_address: Any, user_agent: Any, path_info: Any, request: Any) -> str:
    """``AXES_CLIENT_STR_CALLABLE``: how django-axes names a client in its log lines. Not at all:
    its default is the typed username and the address."""
    return "a client"


class SignInFailuresCounted(logging.Filter):
    """On django-axes' handler logger: a failed sign-in is one INFO line, ``AXES: sign-in failed``,
    and a lockout one more, without username or address (the failure is counted per source and hour
    for the audit trail, ``audit.aggregate``). axes' own chatter around each failure ("running
    database handler", "cleaned up 0 expired attempts") is dropped."""

    CHATTER = "AXES: User login failed, running"
    CLEANED = "AXES: Cleaned up"
    FAILED = ("AXES: New login failure", "AXES: Repeated login failure")
    LOCKED = "AXES: Locking out"

    def filter(self, record: logging.LogRecord) -> bool:
        if not _first_time(record):
            return True
        message = str(record.msg)
        if message.startswith(self.CHATTER):
            return False
        if message.startswith(self.CLEANED) and isinstance(record.args, tuple) and record.args[:1] == (0,):
            return False
        if message.startswith(self.FAILED):
            record.msg, record.args = "AXES: sign-in failed (counted towards the lockout)", ()
        elif message.startswith(self.LOCKED):
            record.msg, record.args = "AXES: sign-in locked out after repeated failures", ()
        else:
            return True
        return _as_info(record)


def path_without_values(uri: str) -> str:
    """A request target as an access log keeps it: the path, and of its query only the parameter
    names (``/api/hsds/services?q=&page=``), never their values (a search term, a code)."""
    path, mark, query = uri.partition("?")
    if not mark:
        return _piece(path)
    names = [part.partition("=")[0] for part in query.split("&") if part][:MAX_PARAMETERS]
    return _piece(path + "?" + "&".join(f"{name}=" for name in names))


def network_of(client: object) -> str:
    """An access line's client (``address:port``) reduced to its network: IPv4 /24, IPv6 /48, as the
    proxy's public access log keeps it (docs/operations.md); anything else ``-``."""
    if not isinstance(client, str):
        return "-"
    # daphne writes "address:port" without brackets, also for IPv6 ("::1:54321").
    for candidate in (client.rsplit(":", 1)[0].strip("[]"), client):
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        prefix = 24 if address.version == 4 else 48
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    return "-"


class AccessLineWithoutValues(logging.Filter):
    """On the development server's access log (daphne's ``runserver``: ``django.channels.server``;
    Django's own: ``django.server``): the path without query values, the client's network only, and
    a 4xx at INFO like every other refusal (a 5xx stays ERROR)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _first_time(record):
            return True
        if isinstance(record.args, Mapping) and "path" in record.args:  # daphne: one dict of details
            details = dict(record.args)
            details["path"] = path_without_values(str(details["path"]))
            if "client" in details:
                details["client"] = network_of(details["client"])
            record.args = details
            status = details.get("status")
        elif isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            # Django's WSGI server: '"%s" %s %s' % (request line, status, size)
            method, _space, rest = record.args[0].partition(" ")
            target, _space, protocol = rest.partition(" ")
            line = " ".join(p for p in (_piece(method), path_without_values(target), _piece(protocol)) if p)
            record.args = (line, *record.args[1:])
            status = getattr(record, "status_code", None)
        else:
            return True
        if isinstance(status, int) and 400 <= status < 500 and record.levelno == logging.WARNING:
            return _as_info(record)
        return True
