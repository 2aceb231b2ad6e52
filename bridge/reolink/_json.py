"""Defensive accessors for device JSON: a firmware may omit or mistype any field."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


def obj(value: JsonObject, key: str) -> JsonObject:
    """`value[key]` if it is an object, else `{}`."""
    found = value.get(key)
    return found if isinstance(found, dict) else {}


def objects(value: JsonObject, key: str) -> list[JsonObject]:
    """The objects in the list `value[key]` (anything else is skipped)."""
    found = value.get(key)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def integer(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
