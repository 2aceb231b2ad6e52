"""State: one poll of one channel (`ChannelState`) and the retained state of a camera view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import (
    Field,
)

from bridge.domain.base import DomainModel, utcnow
from bridge.domain.values import (
    DayNight,
    DetectionType,
    EventPhase,
    EventType,
    FloodlightMode,
    IrMode,
    OnOff,
)


class ChannelState(DomainModel):
    """What one poll of one channel returned; every field None means 'not read'."""

    channel: int = 0
    motion: bool | None = None
    person: bool | None = None
    vehicle: bool | None = None
    pet: bool | None = None
    face: bool | None = None
    package: bool | None = None
    visitor: bool | None = None
    siren: bool | None = None
    floodlight: bool | None = None
    floodlight_brightness: int | None = None
    floodlight_mode: FloodlightMode | None = None
    ir_lights: IrMode | None = None
    status_led: bool | None = None
    day_night: DayNight | None = None
    brightness: int | None = None
    contrast: int | None = None
    saturation: int | None = None
    sharpness: int | None = None
    hue: int | None = None
    motion_sensitivity: int | None = None
    recording: bool | None = None
    push: bool | None = None
    email: bool | None = None
    ftp: bool | None = None
    zoom: int | None = None
    ptz_preset: str | None = None

    def detection(self, kind: DetectionType) -> bool | None:
        value: bool | None = getattr(self, kind.value)
        return value


class StorageState(DomainModel):
    capacity_mb: int
    free_mb: int

    @property
    def used_percent(self) -> float:
        return 0.0 if not self.capacity_mb else 100.0 * (1 - self.free_mb / self.capacity_mb)


class LastEvent(DomainModel):
    type: EventType
    phase: EventPhase
    timestamp: datetime
    event_id: str


class CameraState(DomainModel):
    """The full retained state of one camera (or NVR channel): the `reolink/<camera_id>` payload."""

    camera_id: str
    online: bool = False
    motion: bool | None = None
    person: bool | None = None
    vehicle: bool | None = None
    pet: bool | None = None
    face: bool | None = None
    package: bool | None = None
    visitor: bool | None = None
    siren: OnOff | None = None
    floodlight: OnOff | None = None
    floodlight_brightness: int | None = Field(default=None, ge=0, le=100)
    floodlight_mode: FloodlightMode | None = None
    ir_lights: IrMode | None = None
    status_led: OnOff | None = None
    day_night: DayNight | None = None
    brightness: int | None = None
    contrast: int | None = None
    saturation: int | None = None
    sharpness: int | None = None
    hue: int | None = None
    motion_sensitivity: int | None = None
    recording: OnOff | None = None
    push: OnOff | None = None
    email: OnOff | None = None
    ftp: OnOff | None = None
    zoom: int | None = None
    ptz_preset: str | None = None
    storage: StorageState | None = None
    wifi_signal: int | None = None
    last_event: LastEvent | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    def payload(self) -> dict[str, Any]:
        """JSON-ready dict, identical on MQTT, REST and WebSocket."""
        return self.model_dump(mode="json")
