"""Fixtures for the camera client tests: real loopback HTTP against the simulator, no mocks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reolink_helpers import PASSWORD

from bridge.simulator import PROFILE_NAMES, Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """One device of every profile: floodlight, ptz, doorbell, legacy, nvr, battery."""
    async with Simulator(
        len(PROFILE_NAMES),
        password=PASSWORD,
        reboot_downtime=0.2,
        visitor_hold=1.0,
        control_port=None,
    ) as simulator:
        yield simulator
