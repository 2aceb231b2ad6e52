"""JSON from untrusted peers (MQTT payloads, WebSocket frames) with a nesting limit.

`json.loads` recurses once per nesting level: a few thousand `[` raise `RecursionError` (and a
deep structure costs every later recursive step, such as pydantic validation). Commands and
requests are never more than a few levels deep, so anything deeper is refused up front.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
"""Deepest nesting accepted; the deepest real command is about four levels."""

_ESCAPES = re.compile(r"\\.", re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class JsonTooDeep(ValueError):
    """The document nests deeper than allowed."""


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text, outside strings (no parsing)."""
    # Escapes out (so every quote left delimits a string), strings out (every other piece
    # between quotes), then everything but brackets — all in C; only brackets are walked here.
    # Outside a string a backslash is invalid JSON: the parser stops there, and what comes
    # before it was counted right.
    if "\\" in text:
        text = _ESCAPES.sub("", text)
    outside = "".join(text.split('"')[0::2])
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", outside):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing documents nested deeper than `max_depth` (`JsonTooDeep`).

    Raises `ValueError` (`json.JSONDecodeError`, `JsonTooDeep`, `UnicodeDecodeError`) for
    anything that is not a usable JSON document.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    # Fewer opening brackets than the limit cannot nest deeper (the common case: no walk at all).
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
