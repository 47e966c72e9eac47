"""Logging filters named in ``settings.LOGGING``."""

from __future__ import annotations

import logging

from tsunagu.core import request_context


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


class RefusalsAsInfo(logging.Filter):
    """On ``django.request``: a refusal (403, 404) is one INFO line without a traceback.

    Django logs every 4xx at WARNING, and a ``PermissionDenied`` with its traceback, although a
    refusal is no fault: the doors (``accounts.access``) already wrote its "denied" audit row, and
    the line carries the same request id. Anything else (a 500 with its traceback at ERROR, a 400,
    a 405) passes unchanged.
    """

    STATUSES = frozenset({403, 404})

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) not in self.STATUSES or record.levelno != logging.WARNING:
            return True
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        # The logger let the record through at WARNING; at INFO it goes on only if INFO is enabled.
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)
