"""The log's context (which run, which learner) and its JSON lines (LOG_FORMAT=json).

Code that works on a run or a learner wraps that work in `log_context(...)`;
every line logged inside, in this thread, carries the ids (contextvars, so the
threads of a worker never mix them up). A JSON line holds only named fields:
time, level, logger, message, the ids and a traceback, never a record's
arguments or extras, so nothing reaches it that the message did not already say.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

CONTEXT_FIELDS = ("run_id", "learner_id", "job_id")
_context: contextvars.ContextVar[dict[str, int | str]] = contextvars.ContextVar("ops_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**ids: int | str | None) -> Iterator[None]:
    """Every line logged inside carries these ids (None leaves an id out)."""
    unknown = set(ids) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields: {sorted(unknown)}")
    merged = {**_context.get(), **{name: value for name, value in ids.items() if value is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def log_context_get() -> dict[str, int | str]:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Puts the current ids on each record (as attributes the formatters read)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            line["status_code"] = status
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
