"""Fixtures of the scale-out tests: six simulated cameras and an empty fleet of bridges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.simulator import running_simulator

from bridge.simulator import Simulator
from scaleout.rig import Fleet, fleet

CAMERAS = {f"cam{i}": "floodlight" for i in range(6)}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator(CAMERAS) as simulator:
        yield simulator


@pytest.fixture
async def bridges(
    sim: Simulator,
    mosquitto: MosquittoBroker,
    redis_url: str,
    redis_prefix: str,
    pg_url: str,
    tmp_path: Path,
) -> AsyncIterator[Fleet]:
    async with fleet(sim, mosquitto, redis_url, redis_prefix, pg_url, tmp_path) as made:
        yield made
