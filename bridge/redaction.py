"""Credentials out of everything the bridge shows: one `redact()` for URLs, messages and logs.

Everything that shows a URL or a message that may hold one goes through here: `config.redacted()`
(the retained `reolink/bridge/info`, `GET /bridge/info`, `check-config`), the log filter that
`logs.configure()` installs, the store's error messages, the camera client's errors and the
start-up log line.

What is masked (replaced by `***`):

- the password of a URL's user info, `scheme://user:PASSWORD@host` and `scheme://:PASSWORD@host`.
  The password runs to the *last* `@` before the host part ends (at whitespace, `/`, `?` or `#`),
  so a password with a raw `@` or `:` (or an encoded `%40`) is masked whole, as URL parsers read
  it. A `/`, `?` or `#` inside a password must be percent-encoded anyway (no parser would find the
  host otherwise);
- the value of a `password=`, `passwd=`, `pwd=`, `token=` or `secret=` parameter, also with a
  prefix (`refresh_token=`, `client_secret=`), in query strings and DSNs;
- the value of a JSON `"password": "…"` member;
- any literal secret the caller names (a driver may echo a password on its own).

Masking errs on the side of hiding: text after an unusual password may be masked with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import unquote

from pydantic import BaseModel, SecretStr

REDACTED: Final = "***"

# scheme://user:PASSWORD@ — greedy up to the last '@' of the host part.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/?#:]*):([^\s/?#]*)@")
# password=VALUE, also client_secret=…, refresh_token=…
_PARAMETER = re.compile(r"(?i)\b((?:[a-z0-9]+_)*(?:password|passwd|pwd|token|secret))=([^&\s]+)")
_JSON_PASSWORD = re.compile(r"(?i)(\"password\"\s*:\s*\")(?:[^\"\\]|\\.)*\"")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with URL passwords, secret parameters and each of `secrets` replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    text = _PARAMETER.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _JSON_PASSWORD.sub(lambda m: f'{m.group(1)}{REDACTED}"', text)


def url_secrets(url: str) -> list[str]:
    """The password(s) a URL carries, as written and percent-decoded (for `redact(secrets=…)`)."""
    found = [m.group(2) for pattern in (_USERINFO, _PARAMETER) for m in pattern.finditer(url)]
    return [value for raw in found for value in dict.fromkeys((raw, unquote(raw))) if value]


def model_secrets(model: BaseModel) -> list[str]:
    """Every secret a settings tree holds: its `SecretStr` values and the passwords of its URLs."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, str):
            found.extend(url_secrets(value))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(model)
    return [secret for secret in found if secret]


def redact_tree(value: Any) -> Any:
    """A JSON-like tree (dicts, lists, strings) with `redact()` applied to every string."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_tree(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message, traceback and stack with `redact()` applied.

    `secrets` are literal values masked wherever they appear (the configured passwords); values
    shorter than `MIN_LITERAL` are left to the URL/parameter rules, or every short word would go.
    """

    MIN_LITERAL: Final = 4

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted(
            {secret for secret in secrets if len(secret) >= self.MIN_LITERAL}, key=len, reverse=True
        )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True
