"""Logging filters: what the log says, without noise."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A 4xx answer (a refused permission, a page not found) is logged as one line, not a traceback:
    refusing is the app working, and tracebacks in the log should mean something went wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
