"""Fixtures of the API tests: a running bridge + API against the simulator and Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_rig import PASSWORD, ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.simulator import PROFILE_NAMES, Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(password=PASSWORD, control_port=None, reboot_downtime=1.0) as simulator:
        for profile in PROFILE_NAMES:
            await simulator.add_device(profile, device_id=profile)
        yield simulator


@pytest.fixture
async def rig(sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path) -> AsyncIterator[ApiRig]:
    settings = api_settings(sim, mosquitto, tmp_path / "data")
    async with (
        Recorder(mosquitto.host, mosquitto.port) as recorder,
        running_api(sim, settings, recorder=recorder, wait_online=list(PROFILE_NAMES)) as api,
    ):
        for profile in PROFILE_NAMES:
            await recorder.wait_topic(
                f"reolink/{profile}/availability", lambda m: m.text == "online"
            )
        yield api
