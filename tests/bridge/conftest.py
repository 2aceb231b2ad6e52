"""A running bridge against the simulator (one device per profile) and a throwaway Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from rig import FAST_MQTT, PASSWORD, Rig, bridge_settings

from bridge.app import Bridge
from bridge.simulator import PROFILE_NAMES, Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(password=PASSWORD, control_port=None, reboot_downtime=1.0) as simulator:
        for profile in PROFILE_NAMES:
            await simulator.add_device(profile, device_id=profile)
        yield simulator


@pytest.fixture
async def rig(sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path)
    async with Recorder(mosquitto.host, mosquitto.port) as recorder:
        bridge = Bridge(settings, mqtt_options=FAST_MQTT, republish_delay=(0.05, 0.1))
        async with bridge:
            for profile in PROFILE_NAMES:
                await recorder.wait_topic(
                    f"reolink/{profile}/availability", lambda m: m.text == "online"
                )
            yield Rig(sim, mosquitto, bridge, recorder, settings)
