"""Logging set-up: one handler whose filter masks credentials wherever a record might carry them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bridge.redaction import RedactingFilter

NOISY_LOGGERS = ("httpx", "httpcore", "aiohttp.access")
"""Loggers kept at WARNING: they log every request."""


def configure(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Log to stderr; `secrets` (the configured passwords) are masked even outside URLs."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
