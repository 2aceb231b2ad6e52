"""The choice of bus: in-process by default, Redis Streams when `redis.url` is set."""

from __future__ import annotations

from bridge.bus.commands import COMMANDS_OWNER
from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import Bus
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.config import Settings

__all__ = ["PER_PROCESS_KINDS", "build_bus"]

PER_PROCESS_KINDS = ("snapshots", "api", COMMANDS_OWNER, "devices")
"""Consumers every bridge process must see everything of (they act for this process only: its
own cameras' snapshots and commands, its own WebSocket/SSE clients, the answers to its own
command requests, what the other instances' cameras are: `CameraManager` with leases), as
opposed to shared consumer groups."""


def build_bus(settings: Settings) -> Bus:
    """`RedisStreamsBus` on `redis.url` (tunables from the `redis` section), else in-process."""
    redis = settings.redis
    if redis.url is None:
        return InProcessBus()
    return RedisStreamsBus(
        redis.url,
        redis.key_prefix,
        maxlen=redis.stream_maxlen,
        consumer_name=redis.consumer_name,
        claim_idle=redis.claim_idle,
        max_deliveries=redis.max_deliveries,
        outbox_size=redis.outbox_size,
        broadcast=PER_PROCESS_KINDS,
    )
