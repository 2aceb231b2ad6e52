"""One contract for every `StateCache`: `MemoryCache` and `RedisCache` (a real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import (
    AvailabilityChanged,
    DeviceRemoved,
    EventRaised,
    SnapshotTaken,
    StateChanged,
)
from bridge.cache import (
    CacheUnavailable,
    CacheUpdater,
    MemoryCache,
    RedisCache,
    StateCache,
    build_cache,
)
from bridge.config import Settings
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.events import Event
from bridge.domain.state import CameraState
from bridge.domain.values import DeviceKind, EventPhase, EventType, OnOff

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def state(camera_id: str, seconds: float = 0, **fields: object) -> CameraState:
    return CameraState.model_validate(
        {"camera_id": camera_id, "updated_at": T0 + timedelta(seconds=seconds), **fields}
    )


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[StateCache]:
    made: StateCache
    if request.param == "memory":
        made = MemoryCache()
    else:
        made = RedisCache(
            request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        )
    yield made
    await made.aclose()


async def test_state_round_trip(cache: StateCache) -> None:
    assert await cache.get_state("front") is None
    front = state("front", online=True, motion=True, siren=OnOff.ON)
    assert await cache.set_state(front)
    assert await cache.get_state("front") == front
    assert await cache.all_states() == {"front": front}


async def test_latest_state_wins_never_an_older_one(cache: StateCache) -> None:
    newer, older = state("front", 10, motion=True), state("front", 5, motion=False)
    assert await cache.set_state(newer)
    assert not await cache.set_state(older)  # late or redelivered: ignored
    assert await cache.get_state("front") == newer
    again = state("front", 10, motion=False)  # same moment: replaces (idempotent redelivery)
    assert await cache.set_state(again)
    assert await cache.get_state("front") == again
    newest = state("front", 11, person=True)
    assert await cache.set_state(newest)
    assert await cache.get_state("front") == newest


async def test_all_states_many_cameras(cache: StateCache) -> None:
    states = {f"cam{i}": state(f"cam{i}", i, online=i % 2 == 0) for i in range(50)}
    for item in states.values():
        await cache.set_state(item)
    assert await cache.all_states() == states


async def test_availability(cache: StateCache) -> None:
    assert await cache.get_availability("front") is None
    await cache.set_availability("front", online=True)
    await cache.set_availability("back", online=False)
    assert await cache.get_availability("front") is True
    assert await cache.get_availability("back") is False
    await cache.set_availability("front", online=False)
    assert await cache.all_availability() == {"front": False, "back": False}


async def test_snapshot_with_ttl(cache: StateCache) -> None:
    jpeg = b"\xff\xd8" + bytes(range(256)) * 100 + b"\xff\xd9"
    assert await cache.get_snapshot("front") is None
    await cache.set_snapshot("front", jpeg)
    assert await cache.get_snapshot("front") == jpeg
    await cache.set_snapshot("short", b"x", ttl=0.15)
    assert await cache.get_snapshot("short") == b"x"
    await asyncio.sleep(0.3)
    assert await cache.get_snapshot("short") is None
    assert await cache.get_snapshot("front") == jpeg
    await cache.set_snapshot("front", b"newer")
    assert await cache.get_snapshot("front") == b"newer"


async def test_remove_forgets_one_camera(cache: StateCache) -> None:
    for camera_id in ("front", "back"):
        await cache.set_state(state(camera_id))
        await cache.set_availability(camera_id, online=True)
        await cache.set_snapshot(camera_id, b"jpeg")
    await cache.remove("front")
    await cache.remove("never-seen")
    assert await cache.get_state("front") is None
    assert await cache.get_availability("front") is None
    assert await cache.get_snapshot("front") is None
    assert set(await cache.all_states()) == {"back"}
    assert await cache.all_availability() == {"back": True}
    assert await cache.get_snapshot("back") == b"jpeg"
    # After removal an older state is accepted again (a camera re-added later).
    assert await cache.set_state(state("front", -100))


# -- the bus consumer that keeps a cache current ----------------------------------------------


def nvr() -> tuple[Camera, Capabilities]:
    camera = Camera(id="nvr", host="10.0.0.2")
    capabilities = Capabilities(
        model="RLN8-410",
        kind=DeviceKind.NVR,
        channel_count=2,
        channels=[ChannelCapabilities(channel=0, model="a"), ChannelCapabilities(channel=1)],
    )
    return camera, capabilities


async def test_updater_follows_the_bus(cache: StateCache) -> None:
    bus = InProcessBus()
    updater = CacheUpdater(cache, bus)
    await updater.start()
    await updater.start()  # idempotent
    camera, capabilities = nvr()
    bus.publish(StateChanged(state("nvr_ch0", 1, motion=True)))
    bus.publish(StateChanged(state("nvr_ch1", 1)))
    bus.publish(StateChanged(state("front", 1)))
    bus.publish(StateChanged(state("front", 0, motion=True)))  # late: ignored
    bus.publish(AvailabilityChanged("nvr_ch0", online=True))
    bus.publish(AvailabilityChanged("front", online=False))
    bus.publish(SnapshotTaken("front", b"jpeg-bytes", "e1"))
    bus.publish(
        EventRaised(Event(type=EventType.MOTION, phase=EventPhase.START, camera_id="front"))
    )
    await bus.drain()
    assert set(await cache.all_states()) == {"nvr_ch0", "nvr_ch1", "front"}
    front = await cache.get_state("front")
    assert front is not None
    assert front.motion is None
    assert await cache.all_availability() == {"nvr_ch0": True, "front": False}
    assert await cache.get_snapshot("front") == b"jpeg-bytes"

    bus.publish(DeviceRemoved(camera, capabilities))
    bus.publish(DeviceRemoved(Camera(id="front", host="10.0.0.3"), None))
    await bus.drain()
    assert await cache.all_states() == {}
    assert await cache.all_availability() == {}
    assert await cache.get_snapshot("front") is None
    await updater.stop()
    await updater.stop()
    bus.publish(StateChanged(state("late", 1)))
    await bus.drain()
    assert await cache.all_states() == {}
    await bus.aclose()


# -- backend choice and failure -----------------------------------------------------------------


async def test_build_cache_by_settings(redis_url: str, redis_prefix: str) -> None:
    memory = build_cache(Settings())
    assert isinstance(memory, MemoryCache)
    shared = build_cache(Settings(redis={"url": redis_url, "key_prefix": redis_prefix}))
    assert isinstance(shared, RedisCache)
    await shared.set_availability("front", online=True)
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.hget(f"{redis_prefix}:availability", "front") == b"online"
        await shared.set_state(state("front"))
        assert client.hexists(f"{redis_prefix}:state", "front")
        await shared.set_snapshot("front", b"jpeg", ttl=60)
        assert 0 < client.pttl(f"{redis_prefix}:snapshot:front") <= 60_000
    finally:
        client.close()
        await shared.aclose()


async def test_redis_away_is_cache_unavailable() -> None:
    from fixtures.process import free_port

    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", "nowhere", socket_timeout=0.5)
    with pytest.raises(CacheUnavailable):
        await cache.get_state("front")
    with pytest.raises(CacheUnavailable):
        await cache.set_state(state("front"))
    await cache.aclose()


async def test_updater_on_the_redis_bus_with_the_redis_cache(
    redis_url: str, redis_prefix: str
) -> None:
    """The scale-out pairing: kind `cache` on Redis Streams keeps the shared Redis cache."""
    from bridge.bus.redis_streams import RedisStreamsBus

    bus = RedisStreamsBus(redis_url, redis_prefix, claim_idle=0.5, block=0.1)
    cache = RedisCache(redis_url, redis_prefix)
    updater = CacheUpdater(cache, bus)
    await updater.start()
    bus.publish(StateChanged(state("front", 1, motion=True)))
    bus.publish(AvailabilityChanged("front", online=True))
    bus.publish(SnapshotTaken("front", b"\xff\xd8" * 50_000, "e1"))  # beside the stream
    async with asyncio.timeout(10):
        await bus.drain()
    assert await cache.get_state("front") == state("front", 1, motion=True)
    assert await cache.get_availability("front") is True
    assert await cache.get_snapshot("front") == b"\xff\xd8" * 50_000
    await updater.stop()
    await bus.aclose()
    await cache.aclose()
