"""Bus implementations beyond the in-process default, and the choice between them.

    bus = build_bus(settings)   # InProcessBus, or RedisStreamsBus when redis.url is set

`bridge.bus` keeps the `Bus` protocol, the message types and `InProcessBus`.
"""

from __future__ import annotations

from bridge.bus import Bus, InProcessBus
from bridge.buses._subscription import RedisSubscription
from bridge.buses.redis_streams import RedisStreamsBus, default_consumer_name
from bridge.config import Settings

__all__ = ["RedisStreamsBus", "RedisSubscription", "build_bus", "default_consumer_name"]


PER_PROCESS_KINDS = ("snapshots", "api")
"""Consumers every bridge process must see everything of (they act for this process only: its
own cameras' snapshots, its own WebSocket/SSE clients), as opposed to shared consumer groups."""


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
