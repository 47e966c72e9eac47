import logging

from tsunagu.core import request_context


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record so log lines can be tied to audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = request_context.current()
        record.request_id = meta.request_id if meta else "-"
        return True
