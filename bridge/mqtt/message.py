"""What goes over MQTT, in the bridge's own types: no paho or aiomqtt type leaves `bridge.mqtt`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bridge import safejson
from bridge.topics.mapping import Payload

WILDCARDS = frozenset("+#")


@dataclass(frozen=True, slots=True)
class Message:
    """One message received from the broker.

    `retain` is the flag as delivered. Under MQTT 5 (retain as published) it is the publisher's
    flag; under MQTT 3.1.1 it is set only when the broker replays a stored retained message (on
    subscribe) and clear for live traffic, even when the publisher set it. A retained message on
    a command topic is stale or misplaced by definition and must not be executed.
    """

    topic: str
    payload: bytes
    retain: bool = False
    qos: int = 0

    @property
    def text(self) -> str | None:
        """The payload as UTF-8 text, or None when it is not valid UTF-8."""
        try:
            return self.payload.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def json(self) -> Any:
        """The payload parsed as JSON (nesting limited: `bridge.safejson`); raises ValueError
        when it is not usable JSON."""
        return safejson.loads(self.payload)


Handler = Callable[[Message], Awaitable[None]]
"""A subscription handler: `async def handler(message: Message) -> None`."""


def encode_payload(payload: Payload) -> bytes:
    """Bytes on the wire: str as UTF-8, dict/list as compact JSON, None as empty."""
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, dict | list):
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raise TypeError(
        f"cannot publish a {type(payload).__name__}: use str, bytes, dict, list or None"
    )


def check_publish_topic(topic: str) -> None:
    """Refuse what a broker would refuse (or worse, accept): empty topics, wildcards, NUL."""
    if not topic or "\0" in topic:
        raise ValueError(f"invalid MQTT topic {topic!r}")
    if WILDCARDS.intersection(topic):
        raise ValueError(f"cannot publish to a wildcard topic {topic!r}")
    if len(topic.encode("utf-8")) > 65535:
        raise ValueError("MQTT topic longer than 65535 bytes")


SHARE_PREFIX = "$share/"


def _unshared(topic_filter: str) -> str:
    """`$share/<group>/<filter>` → `<filter>` (a shared subscription matches as its filter)."""
    if not topic_filter.startswith(SHARE_PREFIX):
        return topic_filter
    parts = topic_filter.split("/", 2)
    if len(parts) < 3 or not parts[1] or any(c in parts[1] for c in "+#") or not parts[2]:
        raise ValueError(f"invalid MQTT shared subscription {topic_filter!r}")
    return parts[2]


def check_topic_filter(topic_filter: str) -> None:
    """A valid subscription filter: `+` fills a whole level, `#` only as the last level (a
    shared subscription, `$share/<group>/<filter>`, is checked as its filter)."""
    if not topic_filter or "\0" in topic_filter:
        raise ValueError(f"invalid MQTT topic filter {topic_filter!r}")
    levels = _unshared(topic_filter).split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise ValueError(f"'#' must be a whole, last level in {topic_filter!r}")
        if "+" in level and level != "+":
            raise ValueError(f"'+' must be a whole level in {topic_filter!r}")


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Whether `topic` matches `topic_filter` (MQTT 3.1.1 §4.7; `$…` topics skip wildcards)."""
    topic_filter = _unshared(topic_filter)
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    filter_levels = topic_filter.split("/")
    topic_levels = topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels):
            return False
        if level not in ("+", topic_levels[index]):
            return False
    return len(filter_levels) == len(topic_levels)
