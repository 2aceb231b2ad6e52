"""Fixtures of the live-video tests: the simulator, the whole bridge with its API (no MQTT), real
ffmpeg. The rig is the API tests' (`tests/fixtures/api_rig.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.simulator import running_simulator
from media_helpers import IDLE_TIMEOUT

from bridge.simulator import Simulator

PROFILES = ("doorbell", "floodlight", "nvr", "legacy")
"""H.264 main with audio, H.265 main (4K), an NVR's channels, H.264 without audio."""


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({p: p for p in PROFILES}, reboot_downtime=1.0) as simulator:
        yield simulator


@pytest.fixture
def streams_settings() -> dict[str, object]:
    """`streams:` of the bridge under test; a test module may override it."""
    return {"idle_timeout": IDLE_TIMEOUT, "max_sessions": 4}


@pytest.fixture
async def rig(
    sim: Simulator, tmp_path: Path, streams_settings: dict[str, object]
) -> AsyncIterator[ApiRig]:
    settings = api_settings(sim, None, tmp_path / "data", streams=streams_settings)
    async with running_api(sim, settings, wait_online=list(PROFILES)) as api:
        yield api
