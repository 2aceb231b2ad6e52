"""Fidelity: the independent reolink_aio 0.22 cannot tell the simulator from a camera."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from reolink_aio.api import Host
from reolink_aio.enums import ConnectionEnum
from sim_helpers import by_profile

from bridge.simulator import SimulatedDevice, Simulator

# What reolink_aio must derive from each profile (host.supported(ch, capability)).
EXPECTED: dict[str, dict[str, Any]] = {
    "floodlight": {
        "model": "RLC-811A",
        "firmware": "v3.1.0.2368_23062508",
        "channels": [0],
        "ai": {0: {"people", "vehicle", "dog_cat"}},
        "has": {"floodLight", "siren", "siren_play", "ir_lights", "status_led", "power_led"},
        "lacks": {"ptz", "zoom", "doorbell_led", "ai_face", "ai_package"},
        "get_events": 1,
    },
    "ptz": {
        "model": "RLC-823A",
        "firmware": "v3.1.0.1162_22071401",
        "channels": [0],
        "ai": {0: {"people", "vehicle"}},
        "has": {"ptz", "pan_tilt", "zoom", "ptz_presets", "ptz_patrol", "siren", "ir_lights"},
        "lacks": {"floodLight", "doorbell_led", "ai_dog_cat"},
        "get_events": 0,
    },
    "doorbell": {
        "model": "Reolink Video Doorbell PoE",
        "firmware": "v3.0.0.2356_23062000",
        "channels": [0],
        "ai": {0: {"people", "face", "package"}},
        "has": {"doorbell_led", "status_led", "ir_lights", "motion_detection"},
        "lacks": {"siren", "floodLight", "ptz", "ai_vehicle"},
        "get_events": 1,
    },
    "legacy": {
        "model": "RLC-410",
        "firmware": "v2.0.0.1441_19032101",
        "channels": [0],
        "ai": {0: set()},
        "has": {"ir_lights", "motion_detection", "md_sensitivity", "recording", "email"},
        "lacks": {"siren", "floodLight", "ptz", "status_led", "ai_people", "ai_vehicle"},
        "get_events": 0,
    },
    "nvr": {
        "model": "RLN8-410",
        "firmware": "v3.3.0.226_23031644",
        "channels": [0, 1, 2],
        "ai": {0: {"people", "vehicle", "dog_cat"}, 1: {"people", "vehicle"}},
        "has": {"motion_detection", "ir_lights"},
        "lacks": {"ptz"},
        "get_events": 1,
    },
    "battery": {
        "model": "Reolink Home Hub",
        "firmware": "v3.3.0.369_24081905",
        "channels": [0],
        "ai": {0: {"people", "vehicle", "dog_cat"}},
        "has": {"battery", "PIR", "siren", "motion_detection", "sleep"},
        "lacks": {"ptz", "floodLight", "md_sensitivity", "status_led"},
        "get_events": 1,
    },
}

AI_EVENT = {"people": "person", "vehicle": "vehicle", "dog_cat": "pet"}
AI_EVENT |= {"face": "face", "package": "package"}


def make_host(dev: SimulatedDevice, password: str | None = None) -> Host:
    return Host(
        dev.host,
        dev.username,
        dev.password if password is None else password,
        port=dev.port,
        use_https=False,
        bc_connection=ConnectionEnum.tcp,
        timeout=10,
    )


@pytest.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def sim_event(
    http: aiohttp.ClientSession,
    dev: SimulatedDevice,
    kind: str,
    channel: int = 0,
    active: bool = True,
) -> None:
    url = f"http://{dev.host}:{dev.port}/sim/event"
    async with http.post(url, json={"type": kind, "active": active, "channel": channel}) as resp:
        assert resp.status == 200, await resp.text()


@pytest.mark.parametrize("profile", list(EXPECTED))
async def test_host_data_and_states_match_the_simulator(
    sim: Simulator, http_session: aiohttp.ClientSession, profile: str
) -> None:
    dev = by_profile(sim, profile)
    exp = EXPECTED[profile]
    host = make_host(dev)
    try:
        await host.get_host_data()
        await host.get_states()
        assert host.model == exp["model"] == dev.profile.model
        assert host.sw_version == exp["firmware"]
        assert host.hardware_version == dev.profile.hard_ver
        assert host.nvr_name == dev.name
        assert host.is_nvr == (profile in ("nvr", "battery"))
        assert host.is_hub == (profile == "battery")
        assert host.channels == exp["channels"]
        assert host.mac_address == dev.mac
        assert host.uid == dev.uid
        assert host.is_admin
        assert host.checked_api_versions["GetEvents"] == exp["get_events"]
        for ch in host.channels:
            state = dev.channels[ch]
            assert host.camera_name(ch) == state.name
            assert host.camera_model(ch) == state.profile.model
            assert host.motion_detected(ch) is False
            assert set(host.ai_supported_types(ch)) == set(state.profile.ai_types)
            for ai_type in state.profile.ai_types:
                assert host.ai_detected(ch, ai_type) is False
        for ch, ai_types in exp["ai"].items():
            assert set(host.ai_supported_types(ch)) == ai_types
        caps = host.capabilities[0][None]
        assert exp["has"] <= caps, exp["has"] - caps
        assert not exp["lacks"] & caps, exp["lacks"] & caps
        assert {"stream", "snapshot", "replay"} <= caps
        assert host.supported(None, "reboot")
        assert host.supported(None, "hdd")

        # events raised over HTTP are read by the next get_states()
        for ch in host.channels:
            await sim_event(http_session, dev, "motion", ch)
            for ai_type in dev.channels[ch].profile.ai_types:
                await sim_event(http_session, dev, AI_EVENT[ai_type], ch)
        await host.get_states()
        for ch in host.channels:
            assert host.motion_detected(ch) is True
            for ai_type in dev.channels[ch].profile.ai_types:
                assert host.ai_detected(ch, ai_type) is True, (ch, ai_type)
        # and cleared again
        await sim_event(http_session, dev, "motion", host.channels[-1], active=False)
        await host.get_states()
        assert host.motion_detected(host.channels[-1]) is False
    finally:
        await host.logout()
    assert dev.sessions.count() == 0


async def test_nvr_channels_models_and_offline_slots(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    host = make_host(dev)
    try:
        await host.get_host_data()
        await host.get_states()
        assert host.num_channels == 8
        assert host.channels == [0, 1, 2]
        assert [host.camera_model(c) for c in host.channels] == ["RLC-810A", "RLC-520A", "RLC-811A"]
        assert [host.camera_name(c) for c in host.channels] == [
            "Front Yard",
            "Back Yard",
            "Side Gate",
        ]
        assert host.camera_sw_version(1) == "v3.1.0.951_22041566"
        assert host.camera_hardware_version(0) == "IPC_523128M8MP"
        assert host.camera_online(0)
        assert not host.camera_online(5)
        assert host.supported(2, "floodLight")
        assert host.supported(2, "siren")
        assert not host.supported(0, "floodLight")
        assert not host.supported(1, "siren")
        assert host.supported(None, "state_light")
        sim.trigger_event(dev.id, "vehicle", channel=1)
        await host.get_states()
        assert host.ai_detected(1, "vehicle")
        assert not host.ai_detected(0, "vehicle")
    finally:
        await host.logout()


async def test_doorbell_visitor_press(sim: Simulator, http_session: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "doorbell")
    host = make_host(dev)
    try:
        await host.get_host_data()
        assert host.is_doorbell(0)
        await sim_event(http_session, dev, "visitor")
        await host.get_states()
        assert host.visitor_detected(0) is True
        await asyncio.sleep(dev.visitor_hold + 0.1)  # a press clears by itself
        await host.get_states()
        assert host.visitor_detected(0) is False
    finally:
        await host.logout()


async def test_token_expiry_mid_session_is_transparent(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    host = make_host(dev)
    try:
        await host.get_host_data()
        logins = dev.sessions.logins
        await sim.set_fault(dev.id, "token_expiry")
        sim.trigger_event(dev.id, "person")
        await host.get_states()  # -6, re-login, retry
        assert host.ai_detected(0, "person")
        assert dev.sessions.logins == logins + 1
    finally:
        await host.logout()


async def test_special_character_password() -> None:
    password = "Pa@$!?w0rd.(x)"
    async with Simulator(1, profiles=["floodlight"], password=password) as sim:
        dev = next(iter(sim.devices.values()))
        host = make_host(dev)
        assert host.valid_password()
        try:
            await host.get_host_data()
            assert host.model == "RLC-811A"
            snap = await host.get_snapshot(0)
            assert snap is not None
            assert snap[:2] == b"\xff\xd8"
        finally:
            await host.logout()


async def test_wrong_password_is_a_credentials_error(sim: Simulator) -> None:
    from reolink_aio.exceptions import CredentialsInvalidError

    dev = by_profile(sim, "ptz")
    host = make_host(dev, password="wrong")
    with pytest.raises(CredentialsInvalidError):
        await host.get_host_data()


async def test_controls_through_reolink_aio_change_the_device(sim: Simulator) -> None:
    flood = by_profile(sim, "floodlight")
    host = make_host(flood)
    try:
        await host.get_host_data()
        await host.set_whiteled(0, state=True, brightness=40, mode=2)
        assert host.whiteled_state(0)
        assert host.whiteled_brightness(0) == 40
        assert flood.channels[0].white_led["bright"] == 40
        await host.set_ir_lights(0, False)
        assert flood.channels[0].ir_state == "Off"
        assert not host.ir_enabled(0)
        await host.set_status_led(0, False)
        assert flood.channels[0].power_led["state"] == "Off"
        await host.set_md_sensitivity(0, 30)
        assert host.md_sensitivity(0) == 30
        assert flood.channels[0].md_sens_def == 21
        await host.set_image(0, bright=200)
        assert flood.channels[0].image["bright"] == 200
        await host.set_daynight(0, "Color")
        assert host.daynight_state(0) == "Color"
        await host.set_email(0, True)
        assert host.email_enabled(0)
        await host.set_recording(None, False)
        assert not host.recording_enabled(None)
        await host.set_audio_alarm(0, False)
        assert not host.audio_alarm_enabled(0)
        await host.set_manual_record(0, True)
        assert host.manual_record_enabled(0)
        await host.reboot()
        cmds = [c["cmd"] for c in sim.state(flood.id)["commands"]]
        for cmd in ("SetWhiteLed", "SetIrLights", "SetPowerLed", "SetMdAlarm", "SetImage"):
            assert cmd in cmds
        assert "Reboot" in cmds
        assert flood.host_state.reboots == 1
        await asyncio.sleep(flood.reboot_downtime + 0.3)
        await host.get_states()  # tokens were dropped by the reboot: transparent re-login
        assert host.whiteled_brightness(0) == 40
    finally:
        await host.logout()


async def test_ptz_through_reolink_aio(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    host = make_host(dev)
    try:
        await host.get_host_data()
        assert host.ptz_presets(0) == {"Gate": 1, "Driveway": 2, "Porch": 3}
        assert host.zoom_range(0)["zoom"] == {"min": 0, "max": 33, "pos": 0}
        await host.set_ptz_command(0, preset="Porch")
        ptz = dev.channels[0].ptz
        assert (ptz.preset, ptz.pan, ptz.zoom) == (3, 600, 20)
        await host.set_ptz_command(0, command="Left", speed=10)
        assert ptz.moving == "Left"
        assert ptz.speed == 10
        await host.set_ptz_command(0, command="Stop")
        assert ptz.moving is None
        # (ctrl_ptz_patrol reads the patrol state back over Baichuan message 64, which the
        # simulator does not implement: it answers 405)
        await host.set_ptz_command(0, command="StartPatrol", patrol=0)
        assert ptz.patrol_running
        await host.set_zoom(0, 12)  # waits 3 s before reading back, like the library does
        assert ptz.zoom == 12
        assert host.get_zoom(0) == 12
        ops = [(c["cmd"], c["param"].get("op")) for c in dev.command_log]
        assert ("PtzCtrl", "ToPos") in ops
        assert ("PtzCtrl", "Left") in ops
    finally:
        await host.logout()


async def test_recordings_search_and_download(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    host = make_host(dev)
    try:
        await host.get_host_data()
        end = datetime.now()
        start = end - timedelta(days=3)
        statuses, files = await host.request_vod_files(0, start, end, stream="main")
        assert statuses
        assert files
        assert all(f.file_name.startswith("Mp4Record/") for f in files)
        assert files[0].start_time.year == start.year
        vod = await host.download_vod(files[0].file_name, wanted_filename="clip.mp4")
        try:
            assert vod.filename == "clip.mp4"
            head = await vod.stream.read(12)
            assert head[4:8] == b"ftyp"
            assert vod.length == files[0].data["size"]
        finally:
            vod.close()
        status_only, none = await host.request_vod_files(0, start, end, status_only=True)
        assert status_only
        assert not none
    finally:
        await host.logout()


async def test_battery_camera_behind_a_hub(
    sim: Simulator, http_session: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "battery")
    host = make_host(dev)
    try:
        await host.get_host_data()
        await host.get_states()
        assert host.camera_model(0) == "Argus 4 Pro"
        assert host.battery_percentage(0) == 87
        assert not host.sleeping(0)
        url = f"http://{dev.host}:{dev.port}/sim/channel"
        async with http_session.post(url, json={"channel": 0, "battery": 15, "charging": 1}) as r:
            assert r.status == 200
        sim.trigger_event(dev.id, "motion")  # PIR: reported as GetEvents ai.other
        await host.get_states()
        assert host.battery_percentage(0) == 15
        assert host.battery_status(0) == 1
        assert host.motion_detected(0)
        await host.get_state("GetPirInfo")
        await host.set_pir(0, sensitivity=80)
        assert dev.channels[0].pir["sensitive"] == 21
    finally:
        await host.logout()


async def test_nvr_download_prepares_the_file(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    host = make_host(dev)
    try:
        await host.get_host_data()
        end = datetime.now()
        start = end - timedelta(days=2)
        _, files = await host.request_vod_files(1, start, end, stream="sub")
        assert files
        first = files[0]
        assert first.file_name.split("/")[-1].startswith("RecS02_")
        vod = await host.download_vod(
            first.file_name,
            start_time=first.start_time.strftime("%Y%m%d%H%M%S"),
            end_time=first.end_time.strftime("%Y%m%d%H%M%S"),
            channel=1,
            stream="sub",
        )
        try:
            assert vod.length == first.data["size"]
            assert (await vod.stream.read(8))[4:8] == b"ftyp"
        finally:
            vod.close()
        assert "NvrDownload" in dev.get_counts
    finally:
        await host.logout()


async def test_stream_and_vod_urls_from_reolink_aio_work(
    sim: Simulator, http_session: aiohttp.ClientSession
) -> None:
    from reolink_aio.enums import VodRequestType

    dev = by_profile(sim, "floodlight")
    host = make_host(dev)
    try:
        await host.get_host_data()
        flv = host.get_flv_stream_source(0, "sub")
        assert flv is not None
        async with http_session.get(flv) as resp:
            assert resp.status == 200
            assert await resp.content.readexactly(3) == b"FLV"
        end = datetime.now()
        _, files = await host.request_vod_files(0, end - timedelta(days=3), end, stream="sub")
        mime, url = await host.get_vod_source(0, files[0].file_name, "sub", VodRequestType.DOWNLOAD)
        assert mime == "video/mp4"
        async with http_session.get(url) as resp:
            assert resp.status == 200
            assert resp.content_length == files[0].data["size"]
        _, url = await host.get_vod_source(0, files[0].file_name, "sub", VodRequestType.FLV)
        assert f"&password={dev.password}" in url  # FLV playback carries the credentials
        async with http_session.get(url) as resp:
            assert await resp.content.readexactly(3) == b"FLV"
    finally:
        await host.logout()
