"""Helpers shared by the Home Assistant tests: where .venv-ha is, sample states and events, and
how the bridge's MQTT service turns a command message into a `Command`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bridge.models import (
    CameraState,
    Command,
    DayNight,
    Event,
    EventPhase,
    EventType,
    FloodlightMode,
    IrMode,
    OnOff,
    StorageState,
)
from bridge.mqtt.topics import CameraTopic, Topics

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
        wifi_signal=3,
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
