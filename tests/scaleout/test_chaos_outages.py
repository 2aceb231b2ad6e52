"""Issue 15's acceptance: Redis restarted, then PostgreSQL restarted, under a steady stream of
detections on 30 simulated cameras polled by 3 real bridge processes: once both are back,
every detection fired is stored exactly once. Throwaway servers (never the machine's own): a
`redis-server` without persistence and a PostgreSQL cluster of its own (tests/fixtures)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fixtures.fleet_events import EventStream, settled
from fixtures.fleet_rig import LEASE_TTL, POLL, Fleet
from fixtures.postgres import PgServer
from fixtures.redis import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420), pytest.mark.xdist_group("chaos-outages")]

EPISODE = 14.0
"""Seconds each detection lasts: longer than the cameras go unpolled while the leases are won
back after Redis returns (empty: it keeps nothing)."""
LOGS = Path(__file__).resolve().parents[2] / "artefacts" / "chaos-outages"


async def test_redis_then_postgresql_restarted_lose_and_duplicate_nothing(
    tmp_path: Path, redis_server: RedisServer, pg_server: PgServer
) -> None:
    async with Fleet(
        tmp_path / "fleet", redis_url=redis_server.url, pg_admin_url=pg_server.url
    ) as fleet:
        try:
            await fleet.wait_balanced(timeout=30 + LEASE_TTL)
            stream = EventStream(fleet.sim, fleet.http, fleet.cameras, rate=2.0, duration=EPISODE)
            stream.start()
            await asyncio.sleep(5)
            await redis_server.astop()
            await asyncio.sleep(2)
            await redis_server.astart()
            await fleet.wait_balanced(timeout=30 + LEASE_TTL)  # the leases won back
            await asyncio.sleep(4)
            await pg_server.astop()
            await asyncio.sleep(3)
            await pg_server.astart()
            await asyncio.sleep(6)
            episodes = await stream.stop()
            await asyncio.sleep(EPISODE + 2 * POLL)
            result = await settled(episodes, fleet.event_rows, timeout=60)
        finally:
            fleet.keep_logs(LOGS)
    assert result.ok, result.describe()
    assert result.matched == len(episodes) >= 20
