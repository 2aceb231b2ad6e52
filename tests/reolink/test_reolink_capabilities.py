"""Capabilities read from every simulator profile match the profile."""

from __future__ import annotations

from typing import Any

import pytest
from reolink_helpers import by_profile, connect

from bridge.domain.values import DetectionType, DeviceKind
from bridge.simulator import PROFILES, Simulator

P, V, PET, F, PKG = (
    DetectionType.PERSON,
    DetectionType.VEHICLE,
    DetectionType.PET,
    DetectionType.FACE,
    DetectionType.PACKAGE,
)

NOTHING = {
    "siren": False,
    "floodlight": False,
    "floodlight_brightness": False,
    "status_led": False,
    "status_led_doorbell": False,
    "pan_tilt": False,
    "zoom": False,
    "ptz_patrol": False,
    "visitor": False,
    "md_sensitivity_legacy": False,
    "battery": False,
}
EVERYWHERE = {
    "online": True,
    "motion": True,
    "ir_lights": True,
    "image_settings": True,
    "day_night": True,
    "md_sensitivity": True,
    "recording": True,
    "email": True,
    "push": True,
    "ftp": True,
    "snapshot": True,
}

EXPECTED: dict[str, dict[str, Any]] = {
    "floodlight": {
        "kind": DeviceKind.CAMERA,
        "host": {"schedule_v20": True, "get_events": True, "ai_state": True},
        "channels": [
            {"ai_types": [P, V, PET], "siren": True, "floodlight": True}
            | {"floodlight_brightness": True, "status_led": True},
        ],
    },
    "ptz": {
        "kind": DeviceKind.CAMERA,
        "host": {"schedule_v20": True, "get_events": False, "ai_state": True},
        "channels": [
            {"ai_types": [P, V], "siren": True, "status_led": True, "pan_tilt": True}
            | {"zoom": True, "zoom_range": (0, 33), "ptz_patrol": True}
            | {"ptz_presets": ["Gate", "Driveway", "Porch"]}
            | {"ptz_preset_ids": {"Gate": 1, "Driveway": 2, "Porch": 3}},
        ],
    },
    "doorbell": {
        "kind": DeviceKind.DOORBELL,
        "host": {"schedule_v20": True, "get_events": True, "ai_state": True},
        "channels": [
            {"ai_types": [P, F, PKG], "visitor": True, "status_led": True}
            | {"status_led_doorbell": True},
        ],
    },
    "legacy": {
        "kind": DeviceKind.CAMERA,
        "host": {"schedule_v20": False, "get_events": False, "ai_state": False},
        "channels": [{"ai_types": [], "md_sensitivity_legacy": True}],
    },
    "nvr": {
        "kind": DeviceKind.NVR,
        "host": {"schedule_v20": True, "get_events": True, "ai_state": True},
        "channels": [
            {"name": "Front Yard", "model": "RLC-810A", "ai_types": [P, V, PET]}
            | {"status_led": True, "firmware": "v3.1.0.1643_22122712"},
            {"name": "Back Yard", "model": "RLC-520A", "ai_types": [P, V]},
            {"name": "Side Gate", "model": "RLC-811A", "ai_types": [P, V, PET]}
            | {"siren": True, "floodlight": True, "floodlight_brightness": True}
            | {"status_led": True},
        ],
    },
    "battery": {  # a Home Hub is an NVR to the API; its Argus detects motion by PIR
        "kind": DeviceKind.NVR,
        "host": {"schedule_v20": True, "get_events": True, "ai_state": True, "wifi": True},
        "channels": [
            {"name": "Backyard Argus", "model": "Argus 4 Pro", "ai_types": [P, V, PET]}
            | {"siren": True, "battery": True}
            | {"firmware": "v3.0.0.3980_24061902"},
        ],
    },
}


@pytest.mark.parametrize("profile", sorted(EXPECTED))
async def test_capabilities_match_the_profile(sim: Simulator, profile: str) -> None:
    dev = by_profile(sim, profile)
    expected = EXPECTED[profile]
    async with connect(dev) as client:
        caps = await client.get_capabilities()

    spec = PROFILES[profile]
    assert caps.model == spec.model
    assert caps.firmware == spec.firm_ver
    assert caps.hardware == spec.hard_ver
    assert caps.name == dev.name
    assert caps.serial == dev.serial
    assert caps.uid == dev.uid
    assert caps.mac == dev.mac
    assert caps.kind is expected["kind"]
    assert caps.channel_count == spec.channel_count
    assert len(caps.channels) == spec.channel_count
    for key, value in expected["host"].items():
        assert getattr(caps, key) == value, key
    assert caps.reboot
    assert caps.ports.rtsp == dev.host_state.net_port["rtspPort"]  # where the simulator serves
    assert caps.ports.rtmp == 1935
    assert caps.ports.http_flv
    assert caps.storage
    assert caps.storage[0].capacity_mb == spec.storage_capacity_mb
    assert caps.storage[0].storage_type == ("hdd" if spec.storage_type == 1 else "sd")
    assert client.capabilities == caps

    for number, wanted in enumerate(expected["channels"]):
        channel = caps.channels[number]
        assert channel.channel == number
        for key, value in (EVERYWHERE | NOTHING | wanted).items():
            assert getattr(channel, key) == value, f"channel {number}: {key}"


async def test_standalone_camera_channel_carries_the_device_identity(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        channel = (await client.get_capabilities()).channels[0]
    assert (channel.name, channel.model, channel.uid) == (dev.name, "RLC-811A", dev.uid)
    assert channel.firmware == PROFILES["floodlight"].firm_ver


async def test_nvr_keeps_offline_channels_listed_but_off(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
    assert [c.channel for c in caps.channels] == list(range(8))
    assert [c.online for c in caps.channels] == [True] * 3 + [False] * 5
    for channel in caps.channels[3:]:
        assert channel.detections == []
        assert not any((channel.siren, channel.ir_lights, channel.snapshot, channel.recording))
    assert [c.uid for c in caps.channels[:3]] == [c.uid for c in dev.channels[:3]]


async def test_nvr_channel_going_offline_shows_in_the_next_read(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    sim.set_channel_online(dev.id, 1, False)
    async with connect(dev) as client:
        caps = await client.get_capabilities()
    assert [c.online for c in caps.channels[:3]] == [True, False, True]
    assert caps.channels[1].motion is False


async def test_capabilities_take_two_requests(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")  # 3 online channels: the probe batch needs two POSTs of 35
    async with connect(dev) as client:
        before = sim.state(dev.id)["requests"]
        await client.get_capabilities()
        after = sim.state(dev.id)["requests"]
    assert after - before == 1 + 1 + 2  # login, host batch, probe batch in two chunks
