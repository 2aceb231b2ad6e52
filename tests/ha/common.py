"""Helpers shared by the Home Assistant tests: where .venv-ha is; `validate()` (runs
validate_discovery.py in .venv-ha) and `problems()`; sample states and events; how the bridge's
MQTT service turns a command message into a `Command`, and `check_commands()`."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.commands import Command
from bridge.domain.events import Event
from bridge.domain.feature import Kind
from bridge.domain.features import FEATURES
from bridge.domain.state import CameraState
from bridge.domain.values import (
    DayNight,
    EventPhase,
    EventType,
    FloodlightMode,
    IrMode,
    OnOff,
    PtzOp,
    StorageState,
)
from bridge.domain.views import camera_views
from bridge.mqtt.discovery import Entity
from bridge.pipeline.dispatcher import check_supported
from bridge.topics.tree import CameraTopic, Topics

ROOT = Path(__file__).resolve().parents[2]
HA_VENV_SCRIPT = ROOT / "scripts" / "ha-venv"
HA_PYTHON = ROOT / ".venv-ha" / "bin" / "python"
"""Created by `scripts/ha-venv` (the `ha_python` fixture runs it when needed)."""
VALIDATOR = Path(__file__).with_name("validate_discovery.py")
TOPICS = Topics()

STAMP = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def state_samples(camera_id: str) -> list[CameraState]:
    last = {"type": "person", "phase": "start", "timestamp": STAMP, "event_id": "e1"}
    full = CameraState(
        camera_id=camera_id,
        online=True,
        motion=True,
        person=False,
        vehicle=True,
        pet=False,
        face=False,
        package=False,
        visitor=True,
        siren=OnOff.ON,
        floodlight=OnOff.ON,
        floodlight_brightness=80,
        floodlight_mode=FloodlightMode.AUTO,
        ir_lights=IrMode.ON,
        status_led=OnOff.OFF,
        day_night=DayNight.BLACK_WHITE,
        brightness=128,
        contrast=100,
        saturation=255,
        sharpness=0,
        hue=128,
        motion_sensitivity=41,
        recording=OnOff.ON,
        push=OnOff.OFF,
        email=OnOff.ON,
        ftp=OnOff.OFF,
        zoom=12,
        ptz_preset="Gate",
        storage={"capacity_mb": 122_000, "free_mb": 61_000},
        wifi_signal=-55,
        motion_detection=OnOff.ON,
        audio_alarm=OnOff.OFF,
        volume=70,
        autofocus=OnOff.ON,
        focus=50,
        ptz_patrol=OnOff.OFF,
        ptz_guard=OnOff.ON,
        ai_sensitivity_person=60,
        ai_sensitivity_vehicle=40,
        ai_sensitivity_pet=60,
        ai_sensitivity_face=60,
        ai_sensitivity_package=60,
        hdr="auto",
        doorbell_led="on_at_night",
        battery_level=87,
        battery_charging=True,
        sleeping=False,
        pir=OnOff.ON,
        pir_sensitivity=50,
        last_event=last,
        updated_at=STAMP,
    )
    other = full.model_copy(
        update={
            "motion": False,
            "siren": OnOff.OFF,
            "floodlight": OnOff.OFF,
            "floodlight_brightness": 0,
            "ir_lights": IrMode.OFF,
            "ptz_preset": "Not a preset",
            "storage": StorageState(capacity_mb=0, free_mb=0),
        }
    )
    auto = full.model_copy(update={"ir_lights": IrMode.AUTO, "ptz_preset": None})
    empty = CameraState(camera_id=camera_id, updated_at=STAMP)
    return [full, other, auto, empty]


STATE_NAMES = ["full", "other", "auto", "empty"]


def event_samples(camera_id: str) -> list[Event]:
    events = []
    for kind in EventType:
        phases = (
            [EventPhase.INSTANT]
            if kind in (EventType.ONLINE, EventType.OFFLINE)
            else [EventPhase.START, EventPhase.END, EventPhase.INSTANT]
        )
        for phase in phases:
            events.append(
                Event(
                    event_id=f"{kind.value}-{phase.value}",
                    type=kind,
                    phase=phase,
                    camera_id=camera_id,
                    camera_name="Cam",
                    timestamp=STAMP,
                    data={"score": 87},
                )
            )
    return events


def parse_command(topic: str, payload: str, topics: Topics = TOPICS) -> tuple[str, Command]:
    """What the bridge's MQTT service does with a message on a command topic."""
    parsed = topics.parse_command(topic)
    assert parsed is not None, topic
    assert parsed.kind is CameraTopic.SET, topic
    if parsed.attribute is None:
        body = json.loads(payload)
        assert isinstance(body, dict)
        return parsed.camera_id, Command.model_validate(body)
    return parsed.camera_id, Command.from_attribute(parsed.attribute, payload)


def validate(
    ha_python: Path, messages: list[tuple[str, dict[str, Any]]], samples: list[dict[str, Any]]
) -> dict[str, Any]:
    request = {
        "prefix": TOPICS.discovery_prefix,
        "messages": [{"topic": t, "payload": p} for t, p in messages],
        "samples": samples,
    }
    done = subprocess.run(
        [str(ha_python), str(VALIDATOR)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["ha_version"] == "2025.4.4"
    return result


def problems(results: list[dict[str, Any]]) -> list[str]:
    """Everything Home Assistant refused, dropped or rendered wrong, one line each."""
    found: list[str] = []
    for result in results:
        found += [f"{result['topic']}: {e}" for e in result["errors"]]
        for entity in result["entities"]:
            where = f"{result['topic']} {entity['key']}"
            found += [f"{where}: {e}" for e in entity["errors"]]
            if entity["dropped"]:
                found.append(f"{where}: Home Assistant dropped {entity['dropped']}")
    return found


def samples_for(
    camera: Camera, caps: Capabilities
) -> tuple[list[dict[str, Any]], dict[int, tuple[str, str]]]:
    """The samples of every view, and what each sample index is: (camera_id, name)."""
    samples: list[dict[str, Any]] = []
    index: dict[int, tuple[str, str]] = {}
    for view in camera_views(camera, caps):
        cid = view.camera_id
        for name, state in zip(STATE_NAMES, state_samples(cid), strict=True):
            index[len(samples)] = (cid, name)
            samples.append({"topic": TOPICS.state(cid), "payload": state.payload()})
        for event in event_samples(cid):
            index[len(samples)] = (cid, event.event_id)
            samples.append({"topic": TOPICS.event(cid), "payload": event.payload()})
    return samples, index


COMMAND_PLATFORMS = {"button", "switch", "select", "number", "siren", "light"}


def expected_meaning(entity: Entity, action: str, command: Command) -> None:
    """The command does what the Home Assistant action means."""
    key = entity.key
    if key == "siren":
        assert command.actions() == ["siren"]
        assert command.siren is not None
        if action == "turn_off":
            assert command.siren.state is OnOff.OFF
        else:
            assert command.siren.state is OnOff.ON
            assert (
                command.siren.duration
                == {
                    "turn_on {}": None,
                    "turn_on {'duration': 5}": 5,
                    "turn_on {'duration': 100000}": 300,
                }[action]
            )
    elif key == "floodlight":
        assert command.actions() == ["floodlight"]
        assert command.floodlight is not None
        if action.startswith("turn_on brightness="):
            brightness = int(action.split("=")[1])
            assert command.floodlight.brightness == max(round(brightness / 255 * 100), 1)
        else:
            assert command.floodlight.state is (OnOff.ON if action == "turn_on" else OnOff.OFF)
    elif key == "floodlight_mode":
        assert command.floodlight is not None
        assert command.floodlight.mode is FloodlightMode(action.split(" ", 1)[1])
    elif key == "ir_lights":
        assert command.ir_lights is (IrMode.AUTO if action == "turn_on" else IrMode.OFF)
    elif key in ("status_led", "recording", "push", "email", "ftp"):
        assert getattr(command, key) is (OnOff.ON if action == "turn_on" else OnOff.OFF)
    elif (press := FEATURES[key].press) is not None and press[0] == "ptz":
        assert command.ptz is not None
        assert command.ptz.op is PtzOp(key.removeprefix("ptz_"))
    elif key in {"ptz_preset", "day_night"}:
        assert getattr(command, key) == action.split(" ", 1)[1]
    elif key in ("motion_sensitivity", "zoom"):
        assert getattr(command, key) == int(action.split(" ", 1)[1])
    elif key.startswith("image_"):
        assert command.actions() == [key]
        assert getattr(command, key) == int(action.split(" ", 1)[1])
    elif key in ("reboot", "snapshot"):
        assert getattr(command, key) is True
    elif FEATURES[key].command is not None:  # the rows added through the table alone
        row = FEATURES[key]
        assert command.actions() == [key]
        value = command.get(key)
        if row.kind is Kind.SWITCH:
            assert value == row.switch_values[0 if action == "turn_on" else 1]
        elif row.kind is Kind.NUMBER:
            assert value == int(action.split(" ", 1)[1])
        elif row.kind is Kind.SELECT:
            assert value == action.split(" ", 1)[1]
        else:
            assert row.kind is Kind.BUTTON
            assert value is True
    else:
        raise AssertionError(f"unexpected command from {key}: {command}")


def check_commands(entities: list[Entity], results: list[dict[str, Any]]) -> int:
    """Every command Home Assistant renders for these entities is accepted by the bridge's
    parser, is for the entity's camera, passes the dispatcher's capability check and means what
    the Home Assistant action means. Returns how many were checked."""
    by_unique_id = {e.unique_id: e for e in entities}
    checked = 0
    for result in results:
        for reported in result["entities"]:
            entity = by_unique_id[reported["unique_id"]]
            if entity.platform in COMMAND_PLATFORMS:
                assert reported["commands"], f"{entity.key} sends no command"
            for sent in reported["commands"]:
                camera_id, command = parse_command(sent["topic"], sent["payload"])
                assert camera_id == entity.view.camera_id
                if entity.view.is_nvr:
                    assert command.actions() == ["reboot"]
                else:
                    check_supported(command, entity.view.capabilities)
                expected_meaning(entity, sent["action"], command)
                checked += 1
    return checked
