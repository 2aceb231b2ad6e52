"""Acceptance with real capabilities: every simulator profile, read by the bridge's own camera
client (`ReolinkClient.get_capabilities()` over HTTP), gives discovery that Home Assistant
2025.4 accepts, with exactly the entities the profile's device has, templates that render and
commands the bridge accepts. (tests/ha/test_discovery_ha.py does the same from hand-written
capabilities, with finer checks.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.mqtt.discovery import Discovery
from bridge.reolink.client import ReolinkClient
from bridge.simulator import PROFILE_NAMES, Simulator

from .common import TOPICS, check_commands, problems, samples_for, validate

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.xdist_group("ha-discovery-simulator"),
]

PASSWORD = "sim-Pässword-42"
IMAGE = {f"image_{f}" for f in ("brightness", "contrast", "saturation", "sharpness", "hue")}
CAMERA = {
    "motion",
    "detection",
    "last_event",
    "event_source",
    "snapshot",
    "last_snapshot",
    "ir_lights",
}
CAMERA |= {"recording", "push", "email", "ftp", "day_night", "motion_sensitivity"} | IMAGE
PTZ = {f"ptz_{op}" for op in ("left", "right", "up", "down", "zoom_in", "zoom_out", "stop")}
FLOODLIGHT = {"siren", "floodlight", "floodlight_mode"}

SPEAKER = {"audio_alarm", "volume"}
AI_SENSITIVITY = {f"ai_sensitivity_{kind}" for kind in ("person", "vehicle", "pet")}
PTZ_EXTRA = {"autofocus", "focus", "ptz_patrol", "ptz_guard", "ptz_guard_goto", "ptz_guard_set"}
BATTERY = {"battery_level", "battery_charging", "sleeping", "pir", "pir_sensitivity"}
CAMERA |= {"motion_detection"}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "floodlight": {
        "floodlight": CAMERA
        | FLOODLIGHT
        | SPEAKER
        | AI_SENSITIVITY
        | {"person", "vehicle", "pet", "status_led", "hdr", "reboot", "storage"},
    },
    "ptz": {
        "ptz": CAMERA
        | PTZ
        | SPEAKER
        | PTZ_EXTRA
        | {"person", "vehicle", "siren", "status_led", "ptz_preset", "zoom", "reboot", "storage"},
    },
    "doorbell": {
        "doorbell": CAMERA
        | {"person", "face", "package", "visitor", "doorbell", "status_led", "reboot", "storage"}
        | {"volume", "doorbell_led"}
        | {f"ai_sensitivity_{kind}" for kind in ("person", "face", "package")},
    },
    "legacy": {"legacy": CAMERA | {"reboot", "storage"}},
    "nvr": {
        "nvr": {"reboot", "storage"},
        "nvr_ch0": CAMERA | {"person", "vehicle", "pet", "status_led"},
        "nvr_ch1": CAMERA | {"person", "vehicle"},
        "nvr_ch2": CAMERA | FLOODLIGHT | SPEAKER | {"person", "vehicle", "pet", "status_led"},
    },
    "battery": {
        "battery": {"reboot", "storage", "wifi_signal"},
        "battery_ch0": CAMERA | SPEAKER | BATTERY | {"person", "vehicle", "pet", "siren"},
    },
}


async def read_capabilities() -> dict[str, tuple[Camera, Capabilities]]:
    """Profile name -> (the camera as configured, its capabilities as the client reads them)."""
    out: dict[str, tuple[Camera, Capabilities]] = {}
    async with Simulator(len(PROFILE_NAMES), password=PASSWORD) as sim:
        for device in sim.devices.values():
            key = device.profile.key
            camera = Camera(id=key, host=device.host, port=device.port, password=PASSWORD)
            async with ReolinkClient.from_camera(camera) as client:
                out[key] = (camera, await client.get_capabilities())
    return out


@pytest.fixture(scope="module")
def devices() -> dict[str, tuple[Camera, Capabilities]]:
    return asyncio.run(read_capabilities())


def test_every_profile_has_expectations(devices: dict[str, Any]) -> None:
    assert set(devices) == set(PROFILE_NAMES)
    assert set(PROFILE_NAMES) <= set(EXPECTED), "write the new profile's entities in EXPECTED"


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_real_capabilities_give_discovery_home_assistant_accepts(
    ha_python: Path, devices: dict[str, tuple[Camera, Capabilities]], mode: str
) -> None:
    discovery = Discovery(TOPICS, mode, "http://bridge.example:8080")  # type: ignore[arg-type]
    messages: list[tuple[str, dict[str, Any]]] = []
    samples: list[dict[str, Any]] = []
    entities = []
    for camera, caps in devices.values():
        messages += discovery.messages(camera, caps)
        samples += samples_for(camera, caps)[0]
        entities += discovery.entities(camera, caps)
    result = validate(ha_python, messages, samples)
    found = problems(result["results"])
    assert not found, "\n".join(found)
    assert check_commands(entities, result["results"]) > 0

    # Exactly the entities each device has.
    for key, (camera, caps) in devices.items():
        got: dict[str, set[str]] = {}
        for entity in discovery.entities(camera, caps):
            got.setdefault(entity.view.camera_id, set()).add(entity.key)
        assert got == EXPECTED[key], key

    # Unique ids are unique across the fleet; no address or password in any payload.
    unique_ids = [e.unique_id for e in entities]
    assert len(unique_ids) == len(set(unique_ids))
    text = json.dumps(messages, ensure_ascii=False)
    assert PASSWORD not in text
    for camera, _ in devices.values():
        assert f"{camera.host}:{camera.port}" not in text
