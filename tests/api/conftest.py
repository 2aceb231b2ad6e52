"""Fixtures of the API tests: a running bridge + API against the simulator and Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.simulator import PROFILE_NAMES, Simulator


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
