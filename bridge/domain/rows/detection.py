"""Detections (motion, AI types, the visitor), their events and settings: motion detection
on/off and sensitivity, the AI sensitivity per detection type."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bridge.domain.command_values import (
    Sensitivity,
)
from bridge.domain.feature import Feature, Ha, Kind
from bridge.domain.ha import jinja_list
from bridge.domain.rows.common import (
    DETECTION_ICONS,
    bool_config,
    has_ai,
    setting_switch,
)
from bridge.domain.values import (
    AI_TYPES,
    DetectionType,
    LastEvent,
)

AiSensitivity = Annotated[int, Field(ge=0, le=100)]


def _detection_event_types(ch: Any) -> list[str]:
    return [k.value for k in ch.detections if k is not DetectionType.VISITOR]


def _detection_event(b: Any) -> dict[str, Any]:
    kinds = _detection_event_types(b.channel)
    # Starts and instants become HA events; an `end` renders nothing, which HA ignores.
    return {
        "event_types": kinds,
        "state_topic": b.event_topic,
        "value_template": (
            "{% if value_json.phase != 'end' and value_json.type in "
            + jinja_list(kinds)
            + " %}{{ {'event_type': value_json.type, 'event_id': value_json.event_id,"
            " 'phase': value_json.phase, 'timestamp': value_json.timestamp} | tojson }}"
            "{% endif %}"
        ),
    }


def _doorbell_event(b: Any) -> dict[str, Any]:
    return {
        "event_types": ["press"],
        "state_topic": b.event_topic,
        "value_template": (
            "{% if value_json.type == 'visitor' and value_json.phase != 'end' %}"
            "{{ {'event_type': 'press', 'event_id': value_json.event_id,"
            " 'timestamp': value_json.timestamp} | tojson }}{% endif %}"
        ),
    }


def _last_event(b: Any) -> dict[str, Any]:
    return {
        "options": [t.value for t in DetectionType],
        "value_template": "{{ value_json.last_event.type if value_json.last_event else 'None' }}",
        "json_attributes_topic": b.state_topic,
        "json_attributes_template": "{{ (value_json.last_event or {}) | tojson }}",
    }


def _detection(kind: DetectionType) -> Feature:
    return Feature(
        key=kind.value,
        kind=Kind.BINARY_SENSOR,
        name=kind.value.capitalize(),
        needs="motion" if kind is DetectionType.MOTION else None,
        supported=has_ai(kind) if kind in AI_TYPES else None,
        field=kind.value,
        state=bool,
        read="detections",
        fast=True,
        events="duration",
        actuator=False,
        ha=Ha(
            # AI detections have no device class (on/off), as Home Assistant's own Reolink
            # integration: "occupancy" made the logbook say "Person detected occupancy".
            device_class="motion" if kind is DetectionType.MOTION else None,
            icon=DETECTION_ICONS[kind],
            config=bool_config(kind.value),
        ),
    )


def _ai_sensitivity(kind: DetectionType) -> Feature:
    return Feature(
        key=f"ai_sensitivity_{kind.value}",
        kind=Kind.NUMBER,
        name=f"{kind.value.capitalize()} sensitivity",
        needs="ai_sensitivity",
        supported=has_ai(kind),
        field=f"ai_sensitivity_{kind.value}",
        state=int,
        read=f"ai_alarm_{kind.value}",
        command=AiSensitivity,
        minimum=0,
        maximum=100,
        step=1,
        category="config",
        config_group="motion",
        ha=Ha(icon=DETECTION_ICONS[kind] or "mdi:tune"),
    )


DETECTIONS: tuple[Feature, ...] = (
    *(_detection(kind) for kind in DetectionType if kind is not DetectionType.VISITOR),
    Feature(
        key="visitor",
        kind=Kind.BINARY_SENSOR,
        name="Visitor",
        needs="visitor",
        field="visitor",
        state=bool,
        read="detections",
        fast=True,
        events="instant",
        actuator=False,
        ha=Ha(icon="mdi:doorbell", config=bool_config("visitor")),
    ),
    Feature(
        key="detection",
        kind=Kind.EVENT,
        name="Detection",
        supported=lambda ch: bool(_detection_event_types(ch)),
        actuator=False,
        ha=Ha(device_class="motion", config=_detection_event),
    ),
    Feature(
        key="doorbell",
        kind=Kind.EVENT,
        name="Ring",
        needs="visitor",
        actuator=False,
        ha=Ha(device_class="doorbell", config=_doorbell_event),
    ),
    Feature(
        key="last_event",
        kind=Kind.SENSOR,
        name="Last event",
        supported=lambda ch: bool(ch.detections),
        field="last_event",
        state=LastEvent,
        value_path="last_event.type",
        actuator=False,
        category="diagnostic",
        # Off by default: it changes with every detection, which the binary sensors and the
        # event entities already tell (a doorbell press would otherwise log a fourth line).
        ha=Ha(
            device_class="enum",
            icon="mdi:history",
            enabled_by_default=False,
            config=_last_event,
        ),
    ),
)
"""What the camera detects, and the event entities."""


MOTION_SENSITIVITY: tuple[Feature, ...] = (
    Feature(
        key="motion_sensitivity",
        kind=Kind.NUMBER,
        name="Motion sensitivity",
        needs="md_sensitivity",
        field="motion_sensitivity",
        state=int,
        read="md_alarm",
        command=Sensitivity,
        write=lambda ctx, value: ctx.client.set_motion_sensitivity(ctx.channel, value),
        minimum=1,
        maximum=50,
        step=1,
        category="config",
        config_group="motion",
        ha=Ha(icon="mdi:motion-sensor"),
    ),
)
"""The motion sensitivity (1 least .. 50 most sensitive)."""


DETECTION_SETTINGS: tuple[Feature, ...] = (
    setting_switch(
        "motion_detection",
        "Motion detection",
        "mdi:motion-sensor",
        needs="md_enable",
        read="md_enable",
        config_group="motion",
    ),
    *(_ai_sensitivity(kind) for kind in AI_TYPES),
)
"""Detection settings: motion detection on/off, the AI sensitivity per detection type."""
