"""Logging set-up, with a filter that masks credentials wherever a message might carry them."""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    (re.compile(r"(password=)[^&\s'\"]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(token=)[^&\s'\"]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(//[^:/@\s]+:)[^@/\s]+@"), r"\1***@"),
    (re.compile(r"(\"password\"\s*:\s*\")[^\"]*\""), r'\1***"'),
)


def mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
