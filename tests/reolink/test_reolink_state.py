"""Polling detections (one request per poll) and reading settings."""

from __future__ import annotations

import pytest
from reolink_helpers import by_profile, connect, requests

from bridge.domain.state import DEVICE_CHANNEL
from bridge.domain.values import DayNight, FloodlightMode, IrMode
from bridge.reolink import NotSupportedError
from bridge.reolink.wiring import WAKING_COMMANDS
from bridge.simulator import Simulator


async def test_detections_follow_the_camera(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        state = (await client.poll_detections(caps))[0]
        assert (state.motion, state.person, state.vehicle, state.pet) == (False,) * 4
        assert state.face is None  # the model has no face detection: not read, not False
        assert state.visitor is None

        sim.trigger_event(dev.id, "motion")
        sim.trigger_event(dev.id, "person")
        before = requests(sim, dev)
        state = (await client.poll_detections(caps))[0]
        assert requests(sim, dev) - before == 1
        assert (state.motion, state.person, state.vehicle) == (True, True, False)
        assert sim.state(dev.id)["get_counts"]["GetEvents"] >= 2

        sim.trigger_event(dev.id, "person", active=False)
        state = (await client.poll_detections(caps))[0]
        assert (state.motion, state.person) == (True, False)


async def test_polled_without_get_events(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")  # GetMdState + GetAiState firmware
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        sim.trigger_event(dev.id, "vehicle")
        counts = dict(sim.state(dev.id)["get_counts"])
        before = requests(sim, dev)
        state = (await client.poll_detections(caps))[0]
        assert requests(sim, dev) - before == 1
        after = sim.state(dev.id)["get_counts"]
        assert after["GetMdState"] - counts["GetMdState"] == 1
        assert after["GetAiState"] - counts["GetAiState"] == 1
        assert "GetEvents" not in after or after["GetEvents"] == counts.get("GetEvents")
        assert (state.motion, state.person, state.vehicle, state.pet) == (False, False, True, None)


async def test_legacy_polls_motion_only(sim: Simulator) -> None:
    dev = by_profile(sim, "legacy")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        sim.trigger_event(dev.id, "motion")
        counts = dict(sim.state(dev.id)["get_counts"])
        state = (await client.poll_detections(caps))[0]
        after = sim.state(dev.id)["get_counts"]
    assert state.motion is True
    assert [state.person, state.vehicle, state.visitor] == [None, None, None]
    assert after["GetMdState"] - counts["GetMdState"] == 1
    assert {k: v for k, v in after.items() if k != "GetMdState"} == {
        k: v for k, v in counts.items() if k != "GetMdState"
    }


async def test_doorbell_visitor(sim: Simulator) -> None:
    dev = by_profile(sim, "doorbell")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        sim.trigger_event(dev.id, "visitor")
        sim.trigger_event(dev.id, "package")
        state = (await client.poll_detections(caps))[0]
    assert (state.visitor, state.package, state.face, state.person) == (True, True, False, False)
    assert state.vehicle is None


async def test_battery_camera_motion_is_pir(sim: Simulator) -> None:
    dev = by_profile(sim, "battery")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        assert (await client.poll_detections(caps))[0].motion is False
        sim.trigger_event(dev.id, "motion")
        sim.trigger_event(dev.id, "pet")
        state = (await client.poll_detections(caps))[0]
    assert (state.motion, state.pet, state.person) == (True, True, False)


async def test_nvr_polls_every_online_channel_in_one_request(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        sim.trigger_event(dev.id, "pet", channel=2)
        sim.trigger_event(dev.id, "motion", channel=1)
        before = requests(sim, dev)
        states = await client.poll_detections(caps)
        assert requests(sim, dev) - before == 1
        assert sorted(states) == [0, 1, 2]
        assert (states[2].pet, states[2].motion, states[1].motion) == (True, False, True)
        assert states[1].pet is None  # RLC-520A has no pet detection

        sim.set_channel_online(dev.id, 1, False)  # unplugged between two capability reads
        states = await client.poll_detections(caps)
        assert sorted(states) == [0, 2]


async def test_read_settings_is_one_request(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        before = requests(sim, dev)
        state = (await client.read_settings(caps))[0]
        assert requests(sim, dev) - before == 1
    assert state.floodlight is False
    assert state.floodlight_brightness == 85
    assert state.floodlight_mode is FloodlightMode.AUTO
    assert state.ir_lights is IrMode.AUTO
    assert state.status_led is True
    assert state.day_night is DayNight.AUTO
    assert state.motion_sensitivity == sim.state(dev.id)["channel_states"][0]["md_sensitivity"]
    assert (state.recording, state.push, state.email, state.ftp) == (True, True, False, False)
    assert state.siren is None  # a sounding siren cannot be read over HTTP
    assert state.motion is None  # detections are poll_detections' job


async def test_nvr_settings_for_every_online_channel(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        states = await client.read_settings(caps)
    assert sorted(states) == [0, 1, 2]
    assert states[2].floodlight_brightness == 85
    assert states[0].floodlight is None
    assert states[1].status_led is None


async def test_polling_needs_capabilities(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        with pytest.raises(RuntimeError, match="capabilities"):
            await client.poll_detections()


async def test_reader_groups_share_a_request_and_device_fields_are_read_once(
    sim: Simulator,
) -> None:
    """Day/night and HDR both read GetIsp, the status LED and the doorbell LED GetPowerLed: one
    request each. The hub's Wi-Fi signal (a device-wide field) is read once, without a channel,
    under `DEVICE_CHANNEL`."""
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        assert caps.channels[0].has("hdr")
        counts = dict(sim.state(dev.id)["get_counts"])
        state = (await client.read_settings(caps))[0]
        after = sim.state(dev.id)["get_counts"]
        assert after["GetIsp"] - counts["GetIsp"] == 1
        assert (state.day_night, state.hdr) == (DayNight.AUTO, "off")
        assert DEVICE_CHANNEL not in await client.read_settings(caps)  # no Wi-Fi

    hub = by_profile(sim, "battery")
    async with connect(hub) as client:
        caps = await client.get_capabilities()
        assert caps.wifi
        counts = dict(sim.state(hub.id)["get_counts"])
        polls = await client.read_settings(caps)
        after = sim.state(hub.id)["get_counts"]
        assert after["GetWifiSignal"] - counts.get("GetWifiSignal", 0) == 1
        assert polls[DEVICE_CHANNEL].values == {"wifi_signal": -55}
        assert "wifi_signal" not in polls[0].values
        assert (polls[0].battery_level, polls[0].pir_sensitivity) == (87, 51)


async def test_probes_set_the_table_flags_and_ranges(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        ch = (await client.get_capabilities()).channels[0]
    flags = {flag for flag in ("autofocus", "focus", "ptz_guard", "hdr", "pir") if ch.has(flag)}
    assert flags == {"autofocus", "focus", "ptz_guard"}
    assert ch.ranges == {"focus": (0, 223)}


async def test_a_table_write_the_channel_lacks_sends_nothing(sim: Simulator) -> None:
    dev = by_profile(sim, "doorbell")
    async with connect(dev) as client:
        await client.get_capabilities()
        before = requests(sim, dev)
        with pytest.raises(NotSupportedError, match="PIR"):
            await client.write_feature(0, "pir", "ON")
        with pytest.raises(NotSupportedError, match="cannot write"):
            await client.write_feature(0, "no_such_feature", 1)
        assert requests(sim, dev) == before
        await client.write_feature(0, "doorbell_led", "always_on")
    (channel,) = sim.state(dev.id)["channel_states"]  # type: ignore[misc]
    assert channel["status_led"]["eDoorbellLightState"] == "KeepOn"


async def test_a_sleeping_battery_camera_is_not_woken_to_be_read(sim: Simulator) -> None:
    hub = by_profile(sim, "battery")
    async with connect(hub) as client:
        caps = await client.get_capabilities()
        awake = (await client.read_settings(caps))[0]
        assert (awake.sleeping, awake.volume, awake.audio_alarm) == (False, 70, False)
        hub.channels[0].sleeping = True
        counts = dict(sim.state(hub.id)["get_counts"])
        asleep = (await client.read_settings(caps))[0]
        after = sim.state(hub.id)["get_counts"]
    woken = {cmd for cmd in WAKING_COMMANDS if after.get(cmd, 0) != counts.get(cmd, 0)}
    assert woken == set()
    assert asleep.sleeping is True
    assert asleep.volume is None  # not read: the state keeps the last value
    assert asleep.battery_level == 87  # GetBatteryInfo does not wake it
