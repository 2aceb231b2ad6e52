"""Keep credentials out of log lines and error messages.

Passwords and tokens travel in URLs (`?token=…`, `?user=…&password=…`, `rtsp://user:pass@…`).
httpx logs every request URL at INFO on the `httpx` logger, so the client installs
`RedactingFilter` there; the client's own messages go through `redact()`.
"""

from __future__ import annotations

import logging
import re
from typing import Final

REDACTED: Final = "***"

_QUERY_SECRET = re.compile(r"(?i)(^|[?&;\s])(password|pwd|token)=[^&\s\"']*")
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/@:\s]*:)[^@/\s]*@")


def redact(text: str) -> str:
    """`text` with the values of password/token query parameters and URL userinfo masked."""
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}={REDACTED}", text)
    return _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's arguments (and message) with `redact()`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg if isinstance(arg, int | float) else redact(str(arg)) for arg in record.args
            )
        return True


_FILTER: Final = RedactingFilter()


def install(logger_name: str = "httpx") -> None:
    """Attach the filter to `logger_name` once (idempotent)."""
    logger = logging.getLogger(logger_name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
