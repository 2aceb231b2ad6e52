"""Keep credentials out of log lines and error messages of the camera client.

Passwords and tokens travel in URLs (`?token=…`, `?user=…&password=…`, `rtsp://user:pass@…`).
httpx logs every request URL at INFO on the `httpx` logger, so the client installs the bridge's
`RedactingFilter` there; the client's own messages go through `redact()` (both from
`bridge.redaction`, the one place that decides what is masked).
"""

from __future__ import annotations

import logging
from typing import Final

from bridge.redaction import REDACTED, RedactingFilter, redact

__all__ = ["REDACTED", "RedactingFilter", "install", "redact"]

_FILTER: Final = RedactingFilter()


def install(logger_name: str = "httpx") -> None:
    """Attach the filter to `logger_name` once (idempotent)."""
    logger = logging.getLogger(logger_name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
