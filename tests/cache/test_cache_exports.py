"""The public surface of the cache and bus-backend packages, pinned."""

from __future__ import annotations

import bridge.bus.codec
import bridge.bus.factory
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
    assert set(bridge.bus.factory.__all__) == {"PER_PROCESS_KINDS", "build_bus"}
    assert set(bridge.bus.codec.__all__) == {
        "KINDS",
        "KIND_OF",
        "VERSION",
        "CodecError",
        "decode",
        "encode",
        "from_dict",
        "to_dict",
    }
    for module in (bridge.cache, bridge.bus.factory, bridge.bus.codec):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
