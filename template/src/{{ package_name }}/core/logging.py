"""Structured logging: one JSON object per line on stdout, ready for any log pipeline; in
development, the same fields as readable text (time, level, logger, message, key=value)."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The ID of the request being served (set by the security middleware), logged on every line.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Who makes the request (the token's or session's `sub`, set by core/auth.py), logged likewise.
subject: ContextVar[str | None] = ContextVar("subject", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field
# (uvicorn's `color_message` is the message again with terminal colours: not for a log pipeline).
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """What a line says beyond time, level, logger and message."""
    fields = {key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS}
    # Added here rather than on the record, so an explicit `extra={"request_id": ...}` wins
    # instead of colliding with it (logging refuses extras that overwrite record fields).
    current = request_id.get()
    if current is not None:
        fields.setdefault("request_id", current)
    who = subject.get()
    if who is not None:
        fields.setdefault("subject", who)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """For people at a terminal (`make dev`): `12:04:05 INFO  app: saved  request_id=...`,
    and a traceback as Python prints it."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{moment} {record.levelname:<5} {record.name}: {record.getMessage()}"
        extras = "  ".join(f"{key}={value}" for key, value in _fields(record).items())
        if extras:
            line = f"{line}  {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


# Loggers that write SQL statements with their values (user data) at INFO or DEBUG: the
# engine's echo, and each driver's. Quiet below WARNING outside development, whatever
# LOG_LEVEL says.
SQL_LOGGERS = ("sqlalchemy", "aiosqlite", "psycopg")


class StdoutHandler(logging.Handler):
    """Writes each line to `sys.stdout` as it is at that moment, as logging's own last resort
    does with stderr. A handler holding the stream it was made with would, under a test runner
    that swaps stdout per test (pytest's capsys), write later lines into a stream closed since:
    they were lost, each with a "Logging error" traceback. Outside tests stdout never changes,
    so the app logs exactly as before."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stdout
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging's own rule: a failed line never raises
            self.handleError(record)


def configure_logging(level: str, *, log_sql: bool = False, readable: bool = False) -> None:
    """Log to stdout: JSON lines, or readable text (``readable``: development's default)."""
    handler = StdoutHandler()
    handler.setFormatter(TextFormatter() if readable else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in SQL_LOGGERS:
        # SQLAlchemy's own default is WARNING (echo=True is how to see statements); the
        # drivers inherit the root's level, DEBUG included, unless quietened here.
        quiet = not log_sql or name == "sqlalchemy"
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not logger.handlers and not logger.propagate:
            continue  # switched off (uvicorn --no-access-log): it stays off
        logger.handlers[:] = []
        logger.propagate = True
