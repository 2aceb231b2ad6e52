"""The vocabularies every face of the model shares: detections, events, devices, switches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import computed_field, model_validator

from bridge.domain.base import DomainModel


class DetectionType(StrEnum):
    """What a camera can detect; each is a binary state with a start and an end."""

    MOTION = "motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    PET = "pet"
    FACE = "face"
    PACKAGE = "package"
    VISITOR = "visitor"


AI_TYPES: tuple[DetectionType, ...] = (
    DetectionType.PERSON,
    DetectionType.VEHICLE,
    DetectionType.PET,
    DetectionType.FACE,
    DetectionType.PACKAGE,
)


class EventType(StrEnum):
    MOTION = "motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    PET = "pet"
    FACE = "face"
    PACKAGE = "package"
    VISITOR = "visitor"
    ONLINE = "online"
    OFFLINE = "offline"


class EventPhase(StrEnum):
    START = "start"
    END = "end"
    INSTANT = "instant"


class DeviceKind(StrEnum):
    CAMERA = "camera"
    DOORBELL = "doorbell"
    NVR = "nvr"
    NVR_CHANNEL = "nvr_channel"


class OnOff(StrEnum):
    ON = "ON"
    OFF = "OFF"


class IrMode(StrEnum):
    AUTO = "Auto"
    ON = "On"
    OFF = "Off"


class DayNight(StrEnum):
    AUTO = "auto"
    COLOR = "color"
    BLACK_WHITE = "black_white"


class FloodlightMode(StrEnum):
    """Reolink WhiteLed `mode`, numbered as the firmware (and reolink_aio) number it:
    0 off, 1 auto (on at night when something is detected), 2 on at night, 3 on a schedule."""

    OFF = "off"
    AUTO = "auto"
    NIGHT = "night"
    SCHEDULE = "schedule"


class PtzOp(StrEnum):
    """PTZ operations in our vocabulary; the client maps them to Reolink's `PtzCtrl` ops."""

    LEFT = "left"
    RIGHT = "right"
    UP = "up"
    DOWN = "down"
    LEFT_UP = "left_up"
    LEFT_DOWN = "left_down"
    RIGHT_UP = "right_up"
    RIGHT_DOWN = "right_down"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    FOCUS_NEAR = "focus_near"
    FOCUS_FAR = "focus_far"
    STOP = "stop"
    AUTO = "auto"
    START_PATROL = "start_patrol"
    STOP_PATROL = "stop_patrol"


class EventSource(StrEnum):
    """How a camera's detections reach the bridge now (the `event_source` diagnostic sensor)."""

    PUSH = "push"  # pushed over Baichuan
    POLLING = "polling"  # polled over HTTP (push off or unavailable)
    NONE = "none"  # a battery camera while push is unavailable: it is never polled


class StorageState(DomainModel):
    capacity_mb: int
    free_mb: int

    @model_validator(mode="before")
    @classmethod
    def _derived_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and "used_percent" in data:
            return {k: v for k, v in data.items() if k != "used_percent"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def used_percent(self) -> float:
        """How full, in percent (derived; accepted and ignored on input)."""
        if not self.capacity_mb:
            return 0.0
        return round(100.0 * (1 - self.free_mb / self.capacity_mb), 1)


class LastEvent(DomainModel):
    type: EventType
    phase: EventPhase
    timestamp: datetime
    event_id: str
