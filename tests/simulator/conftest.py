"""Fixtures for the simulator tests: real loopback HTTP, no mocks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sim_helpers import PASSWORD, Api

from bridge.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """One device of every profile (ids cam-001..cam-006 in PROFILE_NAMES order)."""
    async with Simulator(
        6,
        password=PASSWORD,
        reboot_downtime=0.3,
        visitor_hold=1.0,
    ) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(http: aiohttp.ClientSession) -> Api:
    return Api(http)
