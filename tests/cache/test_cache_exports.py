"""The public surface of the cache and bus-backend packages, pinned."""

from __future__ import annotations

import bridge.bus
import bridge.bus.codec
import bridge.cache


def test_exported_names() -> None:
    assert set(bridge.cache.__all__) == {
        "DEFAULT_SNAPSHOT_TTL",
        "CacheError",
        "CacheUnavailable",
        "CacheUpdater",
        "MemoryCache",
        "RedisCache",
        "StateCache",
        "build_cache",
    }
    assert set(bridge.bus.__all__) == {
        "RedisStreamsBus",
        "RedisSubscription",
        "build_bus",
        "default_consumer_name",
    }
    assert set(bridge.bus.codec.__all__) == {
        "KINDS",
        "VERSION",
        "CodecError",
        "decode",
        "encode",
        "from_dict",
        "to_dict",
    }
    for module in (bridge.cache, bridge.bus, bridge.bus.codec):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
