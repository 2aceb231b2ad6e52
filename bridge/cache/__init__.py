"""The state cache: latest state, availability and snapshot per camera, in-process or in Redis.

cache = build_cache(settings)          # MemoryCache, or RedisCache when redis.url is set
updater = CacheUpdater(cache, bus)     # keeps it current from the bus
await updater.start()
"""

from __future__ import annotations

from bridge.cache.base import DEFAULT_SNAPSHOT_TTL, CacheError, CacheUnavailable, StateCache
from bridge.cache.memory import MemoryCache
from bridge.cache.redis_cache import RedisCache
from bridge.cache.updater import CacheUpdater
from bridge.config import Settings

__all__ = [
    "DEFAULT_SNAPSHOT_TTL",
    "CacheError",
    "CacheUnavailable",
    "CacheUpdater",
    "MemoryCache",
    "RedisCache",
    "StateCache",
    "build_cache",
]


def build_cache(settings: Settings) -> StateCache:
    """`RedisCache` when `redis.url` is set, else `MemoryCache`."""
    redis = settings.redis
    if redis.url is None:
        return MemoryCache(snapshot_ttl=redis.snapshot_ttl)
    return RedisCache(redis.url, redis.key_prefix, snapshot_ttl=redis.snapshot_ttl)
