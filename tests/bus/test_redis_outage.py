"""The Redis Streams bus while Redis goes away (a throwaway redis-server, stopped and started):
publishing keeps buffering within its bound, consumers wait, nothing raises into the bridge."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fixtures.redis import RedisServerFactory
from test_bus_contract import FAST, Collector, event, wait_for

from bridge.bus.factory import build_bus
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.config import Settings

BusMaker = Callable[..., RedisStreamsBus]


@pytest.fixture
async def make_bus() -> AsyncIterator[BusMaker]:
    buses: list[RedisStreamsBus] = []

    def make(url: str, **options: Any) -> RedisStreamsBus:
        bus = RedisStreamsBus(url, "t", **{**FAST, **options})
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.aclose()


# -- Redis going away ----------------------------------------------------------------------------


@pytest.mark.parametrize("appendonly", [False, True], ids=["empty-restart", "aof-restart"])
@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_redis_outage_buffers_then_delivers(
    redis_server_factory: RedisServerFactory, make_bus: BusMaker, appendonly: bool
) -> None:
    server = redis_server_factory(appendonly=appendonly)
    bus = make_bus(server.url)
    got = Collector()
    await bus.subscribe("mqtt", got).wait_ready()
    for n in range(50):
        bus.publish(event(n))
    await asyncio.wait_for(bus.drain(), 5)
    await server.astop()
    started = time.perf_counter()
    for n in range(50, 150):
        bus.publish(event(n))
    assert time.perf_counter() - started < 0.1
    await asyncio.sleep(0.5)
    assert bus.outbox_stats()["queued"] == 100
    assert got.numbers == list(range(50))
    await server.astart()
    await wait_for(lambda: len(got.numbers) >= 150, timeout=10)
    await asyncio.wait_for(bus.drain(), 5)
    assert got.numbers == list(range(150))


async def test_outbox_bound_while_redis_is_away(
    redis_server_factory: RedisServerFactory, make_bus: BusMaker
) -> None:
    server = redis_server_factory()
    bus = make_bus(server.url, outbox_size=50)
    got = Collector()
    await bus.subscribe("mqtt", got).wait_ready()
    await server.astop()
    for n in range(120):
        bus.publish(event(n))
    assert bus.outbox_stats()["dropped"] == 70
    assert bus.outbox_stats()["queued"] == 50
    await server.astart()
    await wait_for(lambda: len(got.numbers) >= 50, timeout=10)
    assert got.numbers == list(range(70, 120))  # the newest kept, in order


async def test_close_while_redis_is_away_is_bounded(
    redis_server_factory: RedisServerFactory,
) -> None:
    server = redis_server_factory()
    bus = RedisStreamsBus(server.url, "t", **{**FAST, "close_timeout": 0.5})
    await bus.subscribe("mqtt", Collector()).wait_ready()
    await server.akill()
    bus.publish(event(1))
    started = time.monotonic()
    await bus.aclose()
    assert time.monotonic() - started < 2.0


async def test_build_bus_by_settings(redis_url: str, redis_prefix: str) -> None:
    from bridge.bus.inprocess import InProcessBus

    assert isinstance(build_bus(Settings()), InProcessBus)
    settings = Settings(
        redis={
            "url": redis_url,
            "key_prefix": redis_prefix,
            "stream_maxlen": 1000,
            "claim_idle": 5,
            "consumer_name": "me",
        }
    )
    bus = build_bus(settings)
    assert isinstance(bus, RedisStreamsBus)
    assert bus.consumer_name == "me"
    assert bus.config.maxlen == 1000
    assert bus.config.stream == f"{redis_prefix}:bus"
    await bus.aclose()
