"""The controls and sensors added through the feature table (issue 9, point 3), end to end against
the simulator, for every profile: each control works through its Home Assistant discovery entity
(the command topic and payload the component gives, over MQTT) and through REST
(`POST /cameras/{id}/set/{attribute}`, as MQTT's `…/set/<attribute>`), reaches the camera as the
real Reolink command, and its state comes back; each appears in `/entities` exactly where the
profile has it, and a command for one the camera lacks is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.domain.features import FEATURES
from bridge.domain.rows.audio import AUDIO
from bridge.domain.rows.battery import BATTERY
from bridge.domain.rows.detection import DETECTION_SETTINGS
from bridge.domain.rows.image import IMAGE_EXTRA
from bridge.domain.rows.lights import LIGHTS_EXTRA
from bridge.domain.rows.ptz import PTZ_EXTRA
from bridge.simulator import PROFILE_NAMES, Simulator

ADDED = {row.key for row in (*DETECTION_SETTINGS, *AUDIO, *IMAGE_EXTRA, *LIGHTS_EXTRA)}
# Discovered entities only: saving and deleting presets (text entities for the dashboard, not
# discovered) have their own test below.
ADDED |= {row.key for row in (*PTZ_EXTRA, *BATTERY) if row.entity and row.ha.discovered}
ADDED |= {"wifi_signal"}

AI = {"ai_sensitivity_person", "ai_sensitivity_vehicle", "ai_sensitivity_pet"}
SPEAKER = {"audio_alarm", "volume"}
PTZ = {"autofocus", "focus", "ptz_patrol", "ptz_guard", "ptz_guard_goto", "ptz_guard_set"}
BATTERY_KEYS = {"battery_level", "battery_charging", "sleeping", "pir", "pir_sensitivity"}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "floodlight": {"floodlight": {"motion_detection", "hdr"} | AI | SPEAKER},
    "ptz": {"ptz": {"motion_detection"} | SPEAKER | PTZ},
    "doorbell": {
        "doorbell": {"motion_detection", "volume", "doorbell_led"}
        | {"ai_sensitivity_person", "ai_sensitivity_face", "ai_sensitivity_package"}
    },
    "legacy": {"legacy": {"motion_detection"}},
    "nvr": {
        "nvr": set(),
        "nvr_ch0": {"motion_detection"},
        "nvr_ch1": {"motion_detection"},
        "nvr_ch2": {"motion_detection"} | SPEAKER,
    },
    "battery": {
        "battery": {"wifi_signal"},
        "battery_ch0": {"motion_detection"} | SPEAKER | BATTERY_KEYS,
    },
}
"""The added entities of each view of each profile (and no other added one)."""


@dataclass(frozen=True)
class Case:
    camera_id: str
    key: str
    by_mqtt: str
    """The Home Assistant action: the option, the number, or `on`/`off`/`press` (the component's
    payload for it)."""
    by_rest: str
    cmd: str
    wire: Callable[[dict[str, Any]], Any]
    sent: tuple[Any, Any]
    """What the camera received (through `wire`), after the MQTT and after the REST command."""
    state: tuple[Any, Any] | None
    """The state field afterwards (None: a button)."""


def _md(p: dict[str, Any]) -> Any:
    return p["MdAlarm"]["enable"]


def _audio(p: dict[str, Any]) -> Any:
    return p["Audio"]["enable"]


def _volume(p: dict[str, Any]) -> Any:
    return p["AudioCfg"]["volume"]


def _ai(p: dict[str, Any]) -> Any:
    return (p["AiAlarm"]["ai_type"], p["AiAlarm"]["sensitivity"])


def _speaker(camera_id: str) -> list[Case]:
    return [
        Case(
            camera_id, "audio_alarm", "on", "OFF", "SetAudioAlarmV20", _audio, (1, 0), ("ON", "OFF")
        ),
        Case(camera_id, "volume", "35", "80", "SetAudioCfg", _volume, (35, 80), (35, 80)),
    ]


def _motion(camera_id: str) -> Case:
    return Case(
        camera_id, "motion_detection", "off", "ON", "SetMdAlarm", _md, (0, 1), ("OFF", "ON")
    )


CASES: dict[str, list[Case]] = {
    "floodlight": [
        _motion("floodlight"),
        Case(
            "floodlight",
            "ai_sensitivity_vehicle",
            "70",
            "75",
            "SetAiAlarm",
            _ai,
            (("vehicle", 70), ("vehicle", 75)),
            (70, 75),
        ),
        *_speaker("floodlight"),
        Case(
            "floodlight",
            "ai_sensitivity_person",
            "40",
            "55",
            "SetAiAlarm",
            _ai,
            (("people", 40), ("people", 55)),
            (40, 55),
        ),
        Case(
            "floodlight",
            "ai_sensitivity_pet",
            "30",
            "20",
            "SetAiAlarm",
            _ai,
            (("dog_cat", 30), ("dog_cat", 20)),
            (30, 20),
        ),
        Case(
            "floodlight",
            "hdr",
            "on",
            "AUTO",
            "SetIsp",
            lambda p: p["Isp"]["hdr"],
            (2, 1),
            ("on", "auto"),
        ),
    ],
    "ptz": [
        _motion("ptz"),
        *_speaker("ptz"),
        Case(
            "ptz",
            "autofocus",
            "off",
            "ON",
            "SetAutoFocus",
            lambda p: p["AutoFocus"]["disable"],
            (1, 0),
            ("OFF", "ON"),
        ),
        # Our focus is a percentage of the lens's FocusPos range (0..223 on the simulator).
        Case(
            "ptz",
            "focus",
            "50",
            "100",
            "StartZoomFocus",
            lambda p: (p["ZoomFocus"]["op"], p["ZoomFocus"]["pos"]),
            (("FocusPos", 112), ("FocusPos", 223)),
            (50, 100),
        ),
        Case(
            "ptz",
            "ptz_patrol",
            "on",
            "OFF",
            "PtzCtrl",
            lambda p: p["op"],
            ("StartPatrol", "StopPatrol"),
            ("ON", "OFF"),
        ),
        Case(
            "ptz",
            "ptz_guard",
            "on",
            "OFF",
            "SetPtzGuard",
            lambda p: p["PtzGuard"]["benable"],
            (1, 0),
            ("ON", "OFF"),
        ),
        Case(
            "ptz",
            "ptz_guard_set",
            "press",
            "PRESS",
            "SetPtzGuard",
            lambda p: (p["PtzGuard"]["cmdStr"], p["PtzGuard"]["bSaveCurrentPos"]),
            (("setPos", 1), ("setPos", 1)),
            None,
        ),
        Case(
            "ptz",
            "ptz_guard_goto",
            "press",
            "PRESS",
            "SetPtzGuard",
            lambda p: p["PtzGuard"]["cmdStr"],
            ("toPos", "toPos"),
            None,
        ),
    ],
    "doorbell": [
        _motion("doorbell"),
        Case(
            "doorbell",
            "ai_sensitivity_face",
            "45",
            "65",
            "SetAiAlarm",
            _ai,
            (("face", 45), ("face", 65)),
            (45, 65),
        ),
        Case(
            "doorbell",
            "ai_sensitivity_package",
            "15",
            "25",
            "SetAiAlarm",
            _ai,
            (("package", 15), ("package", 25)),
            (15, 25),
        ),
        Case("doorbell", "volume", "10", "90", "SetAudioCfg", _volume, (10, 90), (10, 90)),
        Case(
            "doorbell",
            "doorbell_led",
            "stay_off",
            "always_on",
            "SetPowerLed",
            lambda p: p["PowerLed"]["eDoorbellLightState"],
            ("KeepOff", "KeepOn"),
            ("stay_off", "always_on"),
        ),
    ],
    "legacy": [
        Case(
            "legacy",
            "motion_detection",
            "off",
            "ON",
            "SetAlarm",
            lambda p: (p["Alarm"]["type"], p["Alarm"]["enable"]),
            (("md", 0), ("md", 1)),
            ("OFF", "ON"),
        ),
    ],
    "nvr": [_motion("nvr_ch0"), *_speaker("nvr_ch2")],
    "battery": [
        _motion("battery_ch0"),
        *_speaker("battery_ch0"),
        Case(
            "battery_ch0",
            "pir",
            "off",
            "ON",
            "SetPirInfo",
            lambda p: p["pirInfo"]["enable"],
            (0, 1),
            ("OFF", "ON"),
        ),
        # The device stores 101 - sensitivity (as reolink_aio reads it).
        Case(
            "battery_ch0",
            "pir_sensitivity",
            "30",
            "90",
            "SetPirInfo",
            lambda p: p["pirInfo"]["sensitive"],
            (71, 11),
            (30, 90),
        ),
    ],
}

SENSORS: dict[str, dict[str, dict[str, Any]]] = {
    "battery": {
        "battery_ch0": {"battery_level": 87, "battery_charging": False, "sleeping": False},
        "battery": {"wifi_signal": -55},  # 3 bars
    },
}
MISSING: dict[str, tuple[str, str]] = {
    "floodlight": ("pir", "ON"),
    "ptz": ("hdr", "on"),
    "doorbell": ("audio_alarm", "ON"),
    "legacy": ("volume", "50"),
    "nvr_ch1": ("volume", "50"),
    "battery_ch0": ("ptz_patrol", "ON"),
}
"""A command for an added feature the camera lacks (refused before anything is sent)."""


def test_the_cases_cover_every_added_command() -> None:
    covered = {case.key for cases in CASES.values() for case in cases}
    commandable = {key for key in ADDED if FEATURES[key].commandable}
    assert commandable == covered
    sensors = {key for views in SENSORS.values() for fields in views.values() for key in fields}
    assert {key for key in ADDED if not FEATURES[key].writable} == sensors
    assert set(EXPECTED) == set(PROFILE_NAMES)


def _payload(component: dict[str, Any], action: str) -> str:
    """What Home Assistant sends for `action` on this component."""
    if action == "on":
        return str(component.get("payload_on", "ON"))
    if action == "off":
        return str(component.get("payload_off", "OFF"))
    if action == "press":
        return str(component.get("payload_press", "PRESS"))
    if component["platform"] == "select":
        assert action in component["options"], component
    elif component["platform"] == "number":
        assert component["min"] <= float(action) <= component["max"], component
    return action


async def _components(mqtt: Recorder, camera_id: str, keys: set[str]) -> dict[str, Any]:
    """The discovery components of the view `camera_id` (device discovery: one message)."""

    def of_view(message: Any) -> dict[str, Any]:
        if not message.topic.startswith("homeassistant/device/") or not message.payload:
            return {}
        payload = message.json()
        if payload.get("state_topic") != f"reolink/{camera_id}":  # the view's device
            return {}
        components: dict[str, Any] = payload.get("components", {})
        return components if keys <= set(components) else {}

    found = await mqtt.wait_for(lambda m: bool(of_view(m)))
    return of_view(found)


async def _state(rig: ApiRig, camera_id: str, field: str, value: Any, since: int) -> None:
    assert rig.mqtt is not None
    await rig.mqtt.wait_json(f"reolink/{camera_id}", lambda s: s[field] == value, since=since)
    answer = await rig.client().get(f"/cameras/{camera_id}/state")
    assert answer.json()[field] == value, (camera_id, field)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_added_controls_work_by_mqtt_rest_and_discovery(
    profile: str, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with Simulator(password=PASSWORD, control_port=None) as sim:
        await sim.add_device(profile, device_id=profile)
        settings = api_settings(
            sim,
            mosquitto,
            tmp_path / "data",
            server={"actuator_rate_per_minute": 6000},
            safety={"actuator_rate_per_minute": 6000},
        )
        async with (
            Recorder(mosquitto.host, mosquitto.port) as mqtt,
            running_api(sim, settings, recorder=mqtt, wait_online=[profile]) as rig,
        ):
            client = rig.client()
            # /entities: the added features exactly where the profile has them.
            for camera_id, keys in EXPECTED[profile].items():
                listed = (await client.get(f"/cameras/{camera_id}/entities")).json()["entities"]
                assert {e["key"] for e in listed} & ADDED == keys, camera_id
                components = await _components(mqtt, camera_id, keys)
                assert set(components) & ADDED == keys, camera_id
                if "wifi_signal" in keys:  # on Wi-Fi devices only, and off by default
                    assert components["wifi_signal"]["enabled_by_default"] is False

            for camera_id, fields in SENSORS.get(profile, {}).items():
                for field, value in fields.items():
                    await _state(rig, camera_id, field, value, 0)

            for case in CASES[profile]:
                components = await _components(mqtt, case.camera_id, {case.key})
                component = components[case.key]
                device_id = case.camera_id.split("_ch", maxsplit=1)[0]
                before = len(rig.commands(device_id, case.cmd))
                mark = mqtt.mark()
                await mqtt.publish(component["command_topic"], _payload(component, case.by_mqtt))
                response = await mqtt.wait_json(f"reolink/{case.camera_id}/response", since=mark)
                assert response["status"] == "ok", (case.key, response)
                sent = rig.commands(device_id, case.cmd)[before:]
                assert [case.wire(s["param"]) for s in sent][-1:] == [case.sent[0]], case.key
                if case.state is not None:
                    await _state(rig, case.camera_id, case.key, case.state[0], mark)

                mark = mqtt.mark()
                answer = await client.post(
                    f"/cameras/{case.camera_id}/set/{case.key}", json={"value": case.by_rest}
                )
                assert answer.json()["status"] == "ok", (case.key, answer.text)
                sent = rig.commands(device_id, case.cmd)[before:]
                assert case.wire(sent[-1]["param"]) == case.sent[1], case.key
                if case.state is not None:
                    await _state(rig, case.camera_id, case.key, case.state[1], mark)

            for camera_id, (key, value) in MISSING.items():
                if camera_id.split("_ch", maxsplit=1)[0] != profile:
                    continue
                refused = await client.post(
                    f"/cameras/{camera_id}/set/{key}", json={"value": value}
                )
                assert refused.json()["code"] == "not_supported", refused.text


async def test_ptz_presets_saved_and_deleted_by_mqtt_and_rest(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    """Commands with no discovery entity (the dashboard renders their text entities from
    /entities): the preset list follows before the command answers."""
    async with Simulator(password=PASSWORD, control_port=None) as sim:
        await sim.add_device("ptz", device_id="ptz")
        await sim.add_device("floodlight", device_id="floodlight")
        settings = api_settings(sim, mosquitto, tmp_path / "data")
        async with (
            Recorder(mosquitto.host, mosquitto.port) as mqtt,
            running_api(sim, settings, recorder=mqtt, wait_online=["ptz", "floodlight"]) as rig,
        ):
            client = rig.client()

            async def options() -> list[str]:
                listed = (await client.get("/cameras/ptz/entities")).json()["entities"]
                return next(e["options"] for e in listed if e["key"] == "ptz_preset")

            assert await options() == ["Gate", "Driveway", "Porch"]
            listed = (await client.get("/cameras/ptz/entities")).json()["entities"]
            kinds = {e["key"]: e["kind"] for e in listed}
            assert (kinds["ptz_preset_save"], kinds["ptz_preset_delete"]) == ("text", "text")
            components = await _components(mqtt, "ptz", {"ptz_preset"})
            assert not {"ptz_preset_save", "ptz_preset_delete"} & set(components)
            mark = mqtt.mark()
            await mqtt.publish("reolink/ptz/set/ptz_preset_save", "Shed")
            response = await mqtt.wait_json("reolink/ptz/response", since=mark)
            assert response["status"] == "ok", response
            (saved,) = rig.commands("ptz", "SetPtzPreset")
            preset = saved["param"]["PtzPreset"]
            assert (preset["enable"], preset["name"], preset["id"]) == (1, "Shed", 4)
            assert await options() == ["Gate", "Driveway", "Porch", "Shed"]
            # Home Assistant's select gets the new option too.
            await mqtt.wait_for(
                lambda m: (
                    m.topic.startswith("homeassistant/device/")
                    and "Shed"
                    in m.json().get("components", {}).get("ptz_preset", {}).get("options", [])
                ),
                since=mark,
            )
            went = await client.post("/cameras/ptz/set/ptz_preset", json={"value": "Shed"})
            assert went.json()["status"] == "ok", went.text

            # Saving a name again overwrites that preset; deleting by REST frees it.
            again = await client.post("/cameras/ptz/set/ptz_preset_save", json={"value": "Shed"})
            assert again.json()["status"] == "ok", again.text
            assert rig.commands("ptz", "SetPtzPreset")[-1]["param"]["PtzPreset"]["id"] == 4
            gone = await client.post("/cameras/ptz/set/ptz_preset_delete", json={"value": "Shed"})
            assert gone.json()["status"] == "ok", gone.text
            deleted = rig.commands("ptz", "SetPtzPreset")[-1]["param"]["PtzPreset"]
            assert (deleted["enable"], deleted["id"]) == (0, 4)
            assert await options() == ["Gate", "Driveway", "Porch"]

            # Refused: an unknown preset, a name the firmware cannot store, a camera without PTZ.
            unknown = await client.post("/cameras/ptz/set/ptz_preset_delete", json={"value": "X"})
            assert unknown.json()["code"] == "refused", unknown.text
            assert "unknown PTZ preset" in unknown.text
            long = await client.post("/cameras/ptz/set/ptz_preset_save", json={"value": "x" * 40})
            assert long.json()["status"] == "error", long.text
            fixed = await client.post(
                "/cameras/floodlight/set/ptz_preset_save", json={"value": "Shed"}
            )
            assert fixed.json()["code"] == "not_supported", fixed.text
            assert len(rig.commands("ptz", "SetPtzPreset")) == 3
