"""Settings against every profile: image, day/night, motion sensitivity, recording toggles."""

from __future__ import annotations

import pytest
from reolink_helpers import by_profile, channel_state, connect, ids, sent

from bridge.domain.values import DayNight
from bridge.simulator import Simulator

ALL = [("floodlight", 0), ("ptz", 0), ("doorbell", 0), ("legacy", 0), ("nvr", 0), ("nvr", 1)]
ALL += [("battery", 0)]


@pytest.mark.parametrize(("profile", "channel"), ALL, ids=ids(ALL))
async def test_image_and_day_night(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_image(channel, brightness=10, contrast=20, saturation=30, sharpness=40)
        entry = sent(sim, dev)[-1]
        assert entry["cmd"] == "SetImage"
        assert entry["param"] == {
            "Image": {"channel": channel, "bright": 10, "contrast": 20}
            | {"saturation": 30, "sharpen": 40}
        }
        await client.set_image(channel, hue=50)
        assert sent(sim, dev)[-1]["param"] == {"Image": {"channel": channel, "hue": 50}}
        await client.set_day_night(channel, DayNight.BLACK_WHITE)
        assert sent(sim, dev)[-1]["param"] == {
            "Isp": {"channel": channel, "dayNight": "Black&White"}
        }
        state = (await client.read_settings())[channel]
        assert (state.brightness, state.contrast, state.saturation) == (10, 20, 30)
        assert (state.sharpness, state.hue) == (40, 50)
        assert state.day_night is DayNight.BLACK_WHITE
        with pytest.raises(ValueError, match="brightness"):
            await client.set_image(channel, brightness=256)


@pytest.mark.parametrize(("profile", "channel"), ALL, ids=ids(ALL))
async def test_motion_sensitivity(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        await client.set_motion_sensitivity(channel, 30)
        entry = sent(sim, dev)[-1]
        if profile == "legacy":
            assert entry["cmd"] == "SetAlarm"
            assert {s["sensitivity"] for s in entry["param"]["Alarm"]["sens"]} == {21}
            assert len(entry["param"]["Alarm"]["sens"]) == 4  # every period kept
        else:
            assert entry["cmd"] == "SetMdAlarm"
            assert entry["param"] == {
                "MdAlarm": {"channel": channel, "useNewSens": 1, "newSens": {"sensDef": 21}}
            }
        # The simulator shows the UI value (51 - stored) too: both sides agree.
        assert channel_state(sim, dev, channel)["md_sensitivity"] == 30
        assert (await client.read_settings())[channel].motion_sensitivity == 30
        with pytest.raises(ValueError, match=r"1\.\.50"):
            await client.set_motion_sensitivity(channel, 0)


TOGGLES = ("recording", "email", "push", "ftp")
STEMS = {"recording": "Rec", "email": "Email", "push": "Push", "ftp": "Ftp"}
SIM_KEYS = {"recording": "rec", "email": "email", "push": "push", "ftp": "ftp"}


@pytest.mark.parametrize(("profile", "channel"), ALL, ids=ids(ALL))
async def test_recording_and_notification_toggles(
    sim: Simulator, profile: str, channel: int
) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        for name in TOGGLES:
            for on in (True, False):
                await getattr(client, f"set_{name}")(channel, on)
                entry = sent(sim, dev)[-1]
                stem, flag = STEMS[name], int(on)
                if profile == "legacy":
                    assert entry["cmd"] == f"Set{stem}"
                    assert entry["param"] == {
                        stem: {"schedule": {"enable": flag, "channel": channel}}
                    }
                else:
                    assert entry["cmd"] == f"Set{stem}V20"
                    assert entry["param"] == {
                        stem: {"scheduleEnable": flag, "schedule": {"channel": channel}}
                    }
                assert channel_state(sim, dev, channel)["switches"][SIM_KEYS[name]] == flag
                assert getattr((await client.read_settings())[channel], name) is on


async def test_legacy_toggles_without_capabilities_fall_back(sim: Simulator) -> None:
    dev = by_profile(sim, "legacy")
    async with connect(dev) as client:  # no get_capabilities(): the V20 command answers -9
        await client.set_push(0, False)
        await client.set_motion_sensitivity(0, 45)
    assert [e["cmd"] for e in sent(sim, dev)] == ["SetPush", "SetAlarm"]
    assert channel_state(sim, dev)["md_sensitivity"] == 45
