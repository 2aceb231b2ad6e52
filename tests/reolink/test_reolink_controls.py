"""Every control against every profile it applies to; unsupported ones send nothing."""

from __future__ import annotations

import asyncio

import pytest
from reolink_helpers import (
    assert_nothing_sent,
    by_profile,
    channel_state,
    connect,
    ids,
    requests,
    sent,
)

from bridge.domain.errors import CommandRefused
from bridge.domain.values import FloodlightMode, IrMode, PtzOp
from bridge.reolink import ApiError, NotSupportedError
from bridge.simulator import PROFILE_NAMES, Simulator

# (profile, channel) pairs per feature, from the simulator's profiles.
SIREN = [("floodlight", 0), ("ptz", 0), ("nvr", 2), ("battery", 0)]
NO_SIREN = [("doorbell", 0), ("legacy", 0), ("nvr", 0)]
FLOODLIGHT = [("floodlight", 0), ("nvr", 2)]
NO_FLOODLIGHT = [("ptz", 0), ("doorbell", 0), ("legacy", 0), ("nvr", 1), ("battery", 0)]
STATUS_LED = [("floodlight", 0), ("ptz", 0), ("nvr", 0), ("nvr", 2)]
NO_STATUS_LED = [("legacy", 0), ("nvr", 1), ("battery", 0)]
MD = [("floodlight", 0), ("ptz", 0), ("doorbell", 0), ("legacy", 0), ("nvr", 0), ("nvr", 1)]
ALL = [*MD, ("battery", 0)]
NO_PTZ = [("floodlight", 0), ("doorbell", 0), ("legacy", 0), ("nvr", 0), ("battery", 0)]

PTZ_WIRE = {
    PtzOp.LEFT: "Left",
    PtzOp.RIGHT: "Right",
    PtzOp.UP: "Up",
    PtzOp.DOWN: "Down",
    PtzOp.LEFT_UP: "LeftUp",
    PtzOp.LEFT_DOWN: "LeftDown",
    PtzOp.RIGHT_UP: "RightUp",
    PtzOp.RIGHT_DOWN: "RightDown",
    PtzOp.ZOOM_IN: "ZoomInc",
    PtzOp.ZOOM_OUT: "ZoomDec",
    PtzOp.FOCUS_FAR: "FocusInc",
    PtzOp.FOCUS_NEAR: "FocusDec",
    PtzOp.AUTO: "Auto",
    PtzOp.START_PATROL: "StartPatrol",
    PtzOp.STOP_PATROL: "StopPatrol",
    PtzOp.STOP: "Stop",
}


# -- PTZ ---------------------------------------------------------------------------------------


async def test_every_ptz_op_reaches_the_camera(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.get_capabilities()
        for op, wire in PTZ_WIRE.items():
            await client.ptz(0, op, speed=20)
            entry = sent(sim, dev)[-1]
            assert entry["cmd"] == "PtzCtrl"
            assert entry["channel"] == 0
            assert entry["param"]["op"] == wire
            speedless = op in (PtzOp.STOP, PtzOp.START_PATROL, PtzOp.STOP_PATROL)
            assert entry["param"].get("speed") == (None if speedless else 20), op
        await client.ptz(0, PtzOp.LEFT)
        assert channel_state(sim, dev)["ptz"]["moving"] == "Left"
        await client.ptz_stop(0)
        assert channel_state(sim, dev)["ptz"]["moving"] is None
        assert sent(sim, dev)[-1]["param"] == {"channel": 0, "op": "Stop"}


async def test_ptz_speed_is_checked_before_sending(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.get_capabilities()
        before = requests(sim, dev)
        with pytest.raises(ValueError, match="speed"):
            await client.ptz(0, PtzOp.LEFT, speed=65)
        assert requests(sim, dev) == before


async def test_goto_preset_by_name_and_by_id(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.ptz_goto_preset(0, "Driveway")
        assert sent(sim, dev)[-1]["param"] == {"channel": 0, "op": "ToPos", "id": 2}
        assert channel_state(sim, dev)["ptz"]["preset"] == 2
        await client.ptz_goto_preset(0, 3, speed=10)
        assert sent(sim, dev)[-1]["param"] == {"channel": 0, "op": "ToPos", "id": 3, "speed": 10}
        with pytest.raises(ValueError, match="Nowhere"):
            await client.ptz_goto_preset(0, "Nowhere")


async def test_save_and_delete_presets(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.get_capabilities()
        saved = await client.ptz_save_preset(0, "Shed")
        assert saved == 4  # the first free place (1-3 are the profile's presets)
        assert sent(sim, dev)[-1]["param"] == {
            "PtzPreset": {"channel": 0, "enable": 1, "id": 4, "name": "Shed"}
        }
        assert (await client.ptz_presets(0))["Shed"] == 4
        assert await client.ptz_save_preset(0, "Gate") == 1  # a known name: saved over it
        await client.ptz_delete_preset(0, "Shed")
        assert "Shed" not in await client.ptz_presets(0)
        assert sent(sim, dev)[-1]["param"]["PtzPreset"] == {
            "channel": 0,
            "enable": 0,
            "id": 4,
            "name": "",
        }
        with pytest.raises(CommandRefused, match="Nowhere"):
            await client.ptz_delete_preset(0, "Nowhere")
        for place in range(4, 65):  # every place taken: nothing is overwritten
            await client.ptz_save_preset(0, f"p{place}")
        before = requests(sim, dev)
        with pytest.raises(CommandRefused, match="no free preset place"):
            await client.ptz_save_preset(0, "One more")
        assert requests(sim, dev) == before + 1  # the list was read, nothing saved


async def test_preset_changes_need_pan_tilt(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        await client.get_capabilities()
        before = requests(sim, dev)
        with pytest.raises(NotSupportedError):
            await client.ptz_save_preset(0, "Shed")
        with pytest.raises(NotSupportedError):
            await client.ptz_delete_preset(0, "Shed")
        assert requests(sim, dev) == before


async def test_goto_preset_without_capabilities_asks_the_camera(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.ptz_goto_preset(0, "Porch")
    assert sent(sim, dev)[-1]["param"]["id"] == 3


async def test_set_zoom(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_zoom(0, 12)
        entry = sent(sim, dev)[-1]
        assert entry["cmd"] == "StartZoomFocus"
        assert entry["param"] == {"ZoomFocus": {"channel": 0, "op": "ZoomPos", "pos": 12}}
        caps = await client.get_capabilities()
        percent = caps.channels[0].zoom_percent(12)  # the state speaks percent of the range
        assert (await client.read_settings())[0].zoom == percent
        with pytest.raises(ValueError, match="zoom"):
            await client.set_zoom(0, 34)  # the profile's range is 0..33


@pytest.mark.parametrize(("profile", "channel"), NO_PTZ, ids=ids(NO_PTZ))
async def test_ptz_unsupported(sim: Simulator, profile: str, channel: int) -> None:
    for action in (
        lambda c: c.ptz(channel, PtzOp.LEFT),
        lambda c: c.ptz(channel, PtzOp.ZOOM_IN),
        lambda c: c.ptz_stop(channel),
        lambda c: c.ptz_goto_preset(channel, "Gate"),
        lambda c: c.set_zoom(channel, 1),
    ):
        await assert_nothing_sent(sim, profile, action)


# -- siren -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "channel"), SIREN, ids=ids(SIREN))
async def test_siren(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_siren(channel, True)
        assert sent(sim, dev)[-1] == sent(sim, dev)[-1] | {
            "cmd": "AudioAlarmPlay",
            "channel": channel,
            "param": {"channel": channel, "alarm_mode": "manul", "manual_switch": 1},
        }
        assert channel_state(sim, dev, channel)["siren"]["active"]
        await client.set_siren(channel, False)
        assert sent(sim, dev)[-1]["param"]["manual_switch"] == 0
        assert not channel_state(sim, dev, channel)["siren"]["active"]
        await client.set_siren(channel, True, times=2)
        assert sent(sim, dev)[-1]["param"] == {
            "channel": channel,
            "alarm_mode": "times",
            "times": 2,
        }


async def test_siren_duration_is_ended_by_the_client(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_siren(0, True, duration=0.2)
        assert channel_state(sim, dev)["siren"]["active"]
        await asyncio.sleep(0.4)
        assert not channel_state(sim, dev)["siren"]["active"]
        assert [e["param"]["manual_switch"] for e in sent(sim, dev)] == [1, 0]


async def test_closing_the_client_silences_a_timed_siren(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_siren(0, True, duration=60)
    assert not channel_state(sim, dev)["siren"]["active"]


@pytest.mark.parametrize(("profile", "channel"), NO_SIREN, ids=ids(NO_SIREN))
async def test_siren_unsupported(sim: Simulator, profile: str, channel: int) -> None:
    await assert_nothing_sent(sim, profile, lambda c: c.set_siren(channel, True))


# -- lights ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "channel"), FLOODLIGHT, ids=ids(FLOODLIGHT))
async def test_floodlight(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_floodlight(channel, on=True, brightness=40, mode=FloodlightMode.SCHEDULE)
        entry = sent(sim, dev)[-1]
        assert entry["cmd"] == "SetWhiteLed"
        assert entry["param"] == {
            "WhiteLed": {"channel": channel, "state": 1, "bright": 40, "mode": 3}
        }
        assert channel_state(sim, dev, channel)["floodlight"] == {
            "state": 1,
            "bright": 40,
            "mode": 3,
        }
        state = (await client.read_settings())[channel]
        assert (state.floodlight, state.floodlight_brightness) == (True, 40)
        assert state.floodlight_mode is FloodlightMode.SCHEDULE
        await client.set_floodlight(channel, on=False)
        assert sent(sim, dev)[-1]["param"] == {"WhiteLed": {"channel": channel, "state": 0}}
        with pytest.raises(ValueError, match="brightness"):
            await client.set_floodlight(channel, brightness=101)
        with pytest.raises(ValueError, match="at least one"):
            await client.set_floodlight(channel)


@pytest.mark.parametrize(("profile", "channel"), NO_FLOODLIGHT, ids=ids(NO_FLOODLIGHT))
async def test_floodlight_unsupported(sim: Simulator, profile: str, channel: int) -> None:
    await assert_nothing_sent(sim, profile, lambda c: c.set_floodlight(channel, on=True))


@pytest.mark.parametrize(("profile", "channel"), ALL, ids=ids(ALL))
async def test_ir_lights(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_ir_lights(channel, IrMode.OFF)
        entry = sent(sim, dev)[-1]
        assert entry["cmd"] == "SetIrLights"
        assert entry["param"] == {"IrLights": {"channel": channel, "state": "Off"}}
        assert channel_state(sim, dev, channel)["ir_lights"] == "Off"
        assert (await client.read_settings())[channel].ir_lights is IrMode.OFF


@pytest.mark.parametrize(("profile", "channel"), STATUS_LED, ids=ids(STATUS_LED))
async def test_status_led(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_status_led(channel, False)
        entry = sent(sim, dev)[-1]
        assert entry["cmd"] == "SetPowerLed"
        assert entry["param"] == {"PowerLed": {"channel": channel, "state": "Off"}}
        assert channel_state(sim, dev, channel)["status_led"]["state"] == "Off"
        assert (await client.read_settings())[channel].status_led is False
        await client.set_status_led(channel, True)
        assert (await client.read_settings())[channel].status_led is True


async def test_doorbell_light(sim: Simulator) -> None:
    dev = by_profile(sim, "doorbell")
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_status_led(0, False)
        assert sent(sim, dev)[-1]["param"] == {
            "PowerLed": {"channel": 0, "eDoorbellLightState": "KeepOff"}
        }
        assert (await client.read_settings())[0].status_led is False
        await client.set_status_led(0, True)
        assert channel_state(sim, dev)["status_led"]["eDoorbellLightState"] == "On"
        assert (await client.read_settings())[0].status_led is True


@pytest.mark.parametrize(("profile", "channel"), NO_STATUS_LED, ids=ids(NO_STATUS_LED))
async def test_status_led_unsupported(sim: Simulator, profile: str, channel: int) -> None:
    await assert_nothing_sent(sim, profile, lambda c: c.set_status_led(channel, True))


# -- device ----------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_reboot_and_recovery(sim: Simulator, profile: str) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        await client.reboot()
        assert sent(sim, dev)[-1]["cmd"] == "Reboot"
        assert sim.state(dev.id)["settings"]["reboots"] == 1
        while sim.state(dev.id)["rebooting"] or not dev.online:
            await asyncio.sleep(0.05)
        # The reboot dropped every token: the next poll logs in again by itself.
        assert await client.poll_detections(caps)
        assert client.logins == 2


async def test_without_capabilities_not_supported_comes_from_the_device(sim: Simulator) -> None:
    dev = by_profile(sim, "legacy")
    async with connect(dev) as client:
        with pytest.raises(NotSupportedError) as caught:
            await client.set_floodlight(0, on=True)
    assert caught.value.rsp_code == -9
    assert sent(sim, dev) == []


async def test_offline_nvr_channel_is_an_api_error(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        await client.get_capabilities()
        with pytest.raises(ApiError) as caught:
            await client.set_ir_lights(4, IrMode.ON)
        assert caught.value.rsp_code == -99
        with pytest.raises(NotSupportedError, match="no channel 9"):
            await client.set_ir_lights(9, IrMode.ON)
