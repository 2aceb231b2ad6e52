"""Fixtures of the event-media and recordings tests: the simulator (a camera, an NVR in Berlin
time, a battery camera), the whole bridge with its API and real ffmpeg; MQTT where a test asks."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))

from api_rig import PASSWORD, ApiRig, api_settings, running_api
from rec_helpers import MEDIA

from bridge.simulator import Simulator

DEVICES = ("floodlight", "nvr", "battery")


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(password=PASSWORD, control_port=None) as simulator:
        for profile in DEVICES:
            await simulator.add_device(profile, device_id=profile)
        simulator.device("nvr").set_timezone("Europe/Berlin")
        for device in DEVICES:
            simulator.device(device).sdcard.post_record = 0.0
        yield simulator


@pytest.fixture
async def rig(sim: Simulator, tmp_path: Path) -> AsyncIterator[ApiRig]:
    settings = api_settings(sim, None, tmp_path / "data", media=MEDIA)
    async with running_api(sim, settings, wait_online=["floodlight", "nvr_ch0"]) as api:
        yield api
