"""Commands from Home Assistant reach the camera (the simulator's own state says so); the
camera entity's picture and stream; services; diagnostics; repairs; devices."""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.reolink_server import _check_mqtt_discovery
from custom_components.reolink_server.const import DOMAIN, ISSUE_MQTT_DISCOVERY

from .conftest import until
from .rig import ADMIN_PASSWORD, SIM_PASSWORD, BridgeRig
from .test_push import entity_id


def channel(rig: BridgeRig, camera_id: str) -> dict[str, object]:
    state: dict[str, object] = rig.sim_state(camera_id)["channel_states"][0]
    return state


def presets(rig: BridgeRig, camera_id: str) -> list[str]:
    ptz: dict[str, dict[str, str]] = rig.sim_state(camera_id)["channel_states"][0]["ptz"]
    return list(ptz["presets"].values())


def commands(rig: BridgeRig, camera_id: str) -> list[str]:
    return [c["cmd"] for c in rig.sim_state(camera_id)["commands"]]


async def call(hass: HomeAssistant, domain: str, service: str, target: str, **data: object) -> None:
    await hass.services.async_call(domain, service, {"entity_id": target, **data}, blocking=True)


@pytest.mark.cameras("floodlight", "ptz")
async def test_each_platforms_action_reaches_the_camera(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    def eid(platform: str, camera: str, key: str) -> str:
        return entity_id(hass, running, platform, camera, key)

    await call(hass, "switch", "turn_off", eid("switch", "floodlight", "status_led"))
    await until(lambda: channel(running, "floodlight")["status_led"]["state"] == "Off")  # type: ignore[index]
    await call(hass, "switch", "turn_on", eid("switch", "floodlight", "status_led"))
    await until(lambda: channel(running, "floodlight")["status_led"]["state"] == "On")  # type: ignore[index]

    await call(hass, "light", "turn_on", eid("light", "floodlight", "floodlight"))
    await until(lambda: channel(running, "floodlight")["floodlight"]["state"] == 1)  # type: ignore[index]
    light = eid("light", "floodlight", "floodlight")
    await until(lambda: hass.states.get(light).state == "on")  # type: ignore[union-attr]
    await call(hass, "light", "turn_off", light)
    await until(lambda: channel(running, "floodlight")["floodlight"]["state"] == 0)  # type: ignore[index]

    siren = eid("siren", "floodlight", "siren")
    await call(hass, "siren", "turn_on", siren, duration=5)
    await until(lambda: channel(running, "floodlight")["siren"]["plays"] >= 1)  # type: ignore[index]
    await call(hass, "siren", "turn_off", siren)

    await call(
        hass, "select", "select_option", eid("select", "floodlight", "day_night"), option="color"
    )
    await until(lambda: channel(running, "floodlight")["day_night"] == "Color")
    select = eid("select", "floodlight", "day_night")
    await until(lambda: hass.states.get(select).state == "color")  # type: ignore[union-attr]
    await call(hass, "select", "select_option", select, option="auto")

    number = eid("number", "floodlight", "motion_sensitivity")
    await call(hass, "number", "set_value", number, value=33)
    await until(lambda: channel(running, "floodlight")["md_sensitivity"] == 33)
    await until(lambda: float(hass.states.get(number).state) == 33)  # type: ignore[union-attr]

    await call(hass, "button", "press", eid("button", "ptz", "ptz_left"))
    await until(lambda: "PtzCtrl" in commands(running, "ptz"))

    preset = eid("select", "ptz", "ptz_preset")
    await call(hass, "select", "select_option", preset, option="Porch")
    await until(lambda: channel(running, "ptz")["ptz"]["preset"] == 3)  # type: ignore[index]


@pytest.mark.cameras("ptz", "legacy")
async def test_camera_services_reach_the_camera_and_refusals_are_errors(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    camera = entity_id(hass, running, "camera", "ptz", "camera")
    await call(hass, DOMAIN, "ptz_preset", camera, preset="Driveway")
    await until(lambda: channel(running, "ptz")["ptz"]["preset"] == 2)  # type: ignore[index]
    # saving and deleting a preset: actions (the bridge gives Home Assistant no entity for them)
    await call(hass, DOMAIN, "ptz_preset_save", camera, name="Shed")
    await until(lambda: "Shed" in presets(running, "ptz"))
    await call(hass, DOMAIN, "ptz_preset_delete", camera, preset="Shed")
    await until(lambda: "Shed" not in presets(running, "ptz"))
    with pytest.raises(ServiceValidationError):
        await call(hass, DOMAIN, "ptz_preset_delete", camera, preset="Nowhere")
    before = commands(running, "ptz").count("PtzCtrl")
    await call(hass, DOMAIN, "ptz_move", camera, op="right", speed=10, duration=0.5)
    await until(lambda: commands(running, "ptz").count("PtzCtrl") > before)
    await call(hass, DOMAIN, "siren", camera, duration=3)
    await until(lambda: channel(running, "ptz")["siren"]["plays"] >= 1)  # type: ignore[index]
    await call(hass, DOMAIN, "siren", camera, state="off")
    snaps = running.sim_state("ptz")["get_counts"].get("Snap", 0)
    await call(hass, DOMAIN, "snapshot", camera)
    await until(lambda: running.sim_state("ptz")["get_counts"].get("Snap", 0) > snaps)

    legacy = entity_id(hass, running, "camera", "legacy", "camera")
    with pytest.raises(ServiceValidationError) as refused:
        await call(hass, DOMAIN, "ptz_preset", legacy, preset="Gate")
    assert refused.value.translation_key == "command_refused"


@pytest.mark.cameras("doorbell")
async def test_the_camera_gives_a_jpeg_and_a_stream_ffprobe_decodes(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    camera = entity_id(hass, running, "camera", "doorbell", "camera")
    image = await async_get_image(hass, camera)
    assert image.content_type == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8")
    source = await async_get_stream_source(hass, camera)
    assert source is not None
    assert source.startswith(running.api + "/cameras/doorbell/streams/")
    assert "token=rms_" in source
    assert SIM_PASSWORD not in source
    assert await async_get_stream_source(hass, camera) == source  # kept until near expiry
    probe = await asyncio.to_thread(
        subprocess.run,
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-read_intervals",
            "%+#10",
            "-show_entries",
            "stream=codec_name,nb_read_frames",
            "-of",
            "json",
            source,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    (stream,) = json.loads(probe.stdout)["streams"]
    assert stream["codec_name"] == "h264"
    assert int(stream["nb_read_frames"]) > 0


@pytest.mark.cameras("legacy")
async def test_the_latest_snapshot_image(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    running: BridgeRig,
    hass_client: ClientSessionGenerator,
) -> None:
    image = entity_id(hass, running, "image", "legacy", "last_snapshot")
    running.sim_event("legacy", "motion", True)
    await until(lambda: hass.states.get(image).state not in ("unknown", "unavailable"))  # type: ignore[union-attr]
    client = await hass_client()
    answer = await client.get(f"/api/image_proxy/{image}")
    assert answer.status == 200
    assert (await answer.read()).startswith(b"\xff\xd8")
    running.sim_event("legacy", "motion", False)


@pytest.mark.cameras("nvr", "floodlight")
async def test_diagnostics_hold_no_secret(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    running: BridgeRig,
    hass_client: ClientSessionGenerator,
) -> None:
    camera = entity_id(hass, running, "camera", "nvr_ch0", "camera")
    await async_get_stream_source(hass, camera)  # a signed URL now exists in memory
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    token = entry.data["api_token"]
    for secret in (token, token[4:], SIM_PASSWORD, ADMIN_PASSWORD, "rms_", "rbt_"):
        assert secret not in text
    assert running.url not in text
    assert diagnostics["transport"]["websocket_connected"] is True
    assert diagnostics["bridge"]["mqtt_discovery"] == "off"
    assert diagnostics["cameras"]["nvr_ch0"]["parent_id"] == "nvr"
    assert diagnostics["cameras"]["floodlight"]["device"]["model"] == "RLC-811A"


@pytest.mark.cameras("legacy")
async def test_a_repair_issue_while_the_bridge_also_publishes_mqtt_discovery(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    issues = ir.async_get(hass)
    issue_id = f"{ISSUE_MQTT_DISCOVERY}_{entry.entry_id}"
    assert issues.async_get_issue(DOMAIN, issue_id) is None  # this bridge has MQTT off
    _check_mqtt_discovery(hass, entry, {"discovery": "device"})
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == ISSUE_MQTT_DISCOVERY
    _check_mqtt_discovery(hass, entry, {"discovery": "off"})
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    _check_mqtt_discovery(hass, entry, {"discovery": "entity"})
    await hass.config_entries.async_remove(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.cameras("ptz")
async def test_only_devices_the_bridge_no_longer_has_can_be_removed(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    registry = dr.async_get(hass)
    iid = running.installation_id
    known = registry.async_get_device(identifiers={(DOMAIN, f"{iid}_ptz")})
    assert known is not None
    gone = registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{iid}_removed_cam")}
    )
    component = hass.config_entries.async_get_entry(entry.entry_id)
    assert component is not None
    from custom_components.reolink_server import async_remove_config_entry_device

    assert not await async_remove_config_entry_device(hass, entry, known)
    assert await async_remove_config_entry_device(hass, entry, gone)
