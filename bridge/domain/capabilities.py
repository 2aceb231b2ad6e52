"""What a device and each of its channels can do, read at connect (GetDevInfo, GetAbility, …)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import (
    Field,
)

from bridge.domain.base import DomainModel
from bridge.domain.dynamic import DynamicFields, FieldSpec
from bridge.domain.features import FEATURES
from bridge.domain.values import DetectionType, DeviceKind


class ChannelCapabilities(DynamicFields):
    """What one channel (the camera itself, or one NVR channel) supports.

    Beside its structure (name, model, AI types, presets, zoom range), one boolean flag per
    capability the feature table declares (`CAPABILITY_FLAGS`: `siren`, `floodlight`, …), flat in
    the JSON; `has(flag)` reads one."""

    table_version: ClassVar[Any] = staticmethod(lambda: FEATURES.version)

    channel: int = Field(ge=0)
    name: str = ""
    model: str | None = None
    uid: str | None = None
    firmware: str | None = None
    online: bool = True
    ai_types: list[DetectionType] = Field(default_factory=list)
    ptz_presets: list[str] = Field(default_factory=list)
    # How the camera client speaks to this channel (read by `ReolinkClient.get_capabilities`).
    ptz_preset_ids: dict[str, int] = Field(
        default_factory=dict, description="Preset name -> Reolink preset id (PtzCtrl ToPos)"
    )
    zoom_range: tuple[int, int] | None = Field(
        default=None, description="Lowest and highest StartZoomFocus ZoomPos position"
    )
    status_led_doorbell: bool = Field(
        default=False, description="The status LED is a doorbell light (eDoorbellLightState)"
    )
    md_sensitivity_legacy: bool = Field(
        default=False, description="Motion sensitivity only via the old GetAlarm/SetAlarm"
    )
    ranges: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="Wire ranges the camera client learnt (e.g. focus: lowest, highest FocusPos)",
    )

    @classmethod
    def table_fields(cls) -> FieldSpec:
        return {flag: (bool, default) for flag, default in FEATURES.flags.items()}

    def has(self, flag: str) -> bool:
        """Whether the channel has the capability `flag` (False for a flag nobody declared)."""
        return bool(self.get(flag))

    @property
    def ptz(self) -> bool:
        return self.has("pan_tilt") or self.has("zoom")

    def zoom_position(self, percent: int) -> int:
        """Our zoom (0-100 %, the same on every camera) as this camera's ZoomPos position."""
        low, high = self.zoom_range or (0, 100)
        return low + round((high - low) * max(0, min(100, percent)) / 100)

    def zoom_percent(self, position: int) -> int:
        """This camera's ZoomPos position as our 0-100 % zoom."""
        low, high = self.zoom_range or (0, 100)
        if high <= low:
            return 0
        return round(100 * (max(low, min(high, position)) - low) / (high - low))

    @property
    def detections(self) -> list[DetectionType]:
        kinds = [DetectionType.MOTION] if self.has("motion") else []
        kinds.extend(self.ai_types)
        if self.has("visitor"):
            kinds.append(DetectionType.VISITOR)
        return kinds


class StreamPorts(DomainModel):
    rtsp: int | None = None
    rtmp: int | None = None
    onvif: int | None = None
    http: int | None = None
    https: int | None = None
    media: int | None = None
    http_flv: bool = False


class StorageInfo(DomainModel):
    number: int = 0
    capacity_mb: int = 0
    free_mb: int = 0
    storage_type: Literal["hdd", "sd", "unknown"] = "unknown"
    formatted: bool = True


class Capabilities(DomainModel):
    """Device information and capabilities read at connect (GetDevInfo, GetAbility, …)."""

    model: str
    name: str = ""
    serial: str = ""
    uid: str = ""
    mac: str | None = None
    firmware: str = ""
    hardware: str = ""
    device_type: str = "IPC"
    kind: DeviceKind = DeviceKind.CAMERA
    channel_count: int = 1
    channels: list[ChannelCapabilities] = Field(default_factory=list)
    ports: StreamPorts = Field(default_factory=StreamPorts)
    storage: list[StorageInfo] = Field(default_factory=list)
    reboot: bool = True
    wifi: bool = Field(default=False, description="The device has Wi-Fi (GetWifiSignal)")
    schedule_v20: bool = Field(default=False, description="Uses the *V20 settings commands")
    get_events: bool = Field(default=False, description="Firmware answers GetEvents")
    ai_state: bool = Field(default=False, description="Firmware answers GetAiState")

    @property
    def is_nvr(self) -> bool:
        return self.kind is DeviceKind.NVR

    @property
    def unique_id(self) -> str:
        """The stable identity: UID, else serial, else MAC — never the address or the name."""
        ident = self.uid or self.serial or (self.mac or "").replace(":", "")
        return ident.lower() or self.model.lower()

    def channel(self, number: int) -> ChannelCapabilities | None:
        return next((c for c in self.channels if c.channel == number), None)
