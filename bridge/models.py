"""The one model every interface speaks: MQTT, REST, WebSocket/SSE, the store, the HA integration.

Data flows one way: the camera client reads `Capabilities` and `ChannelState`; the poller folds them
into a `CameraState` and turns differences into `Event`s; commands arrive as `Command`s and leave as
`CommandResult`s. Nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

CameraId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
    Field(
        description="Stable slug: lower-case letters, digits, '_' and '-'; used in MQTT topics.",
        examples=["front_door"],
    ),
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    """Time-ordered unique id (UUIDv7 layout) so ids sort like the events they name."""
    ms = int(utcnow().timestamp() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (
        (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    )
    return str(uuid.UUID(int=value))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------------------------
# Enumerations shared by every face of the model
# --------------------------------------------------------------------------------------------


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
    AUTO = "Auto"
    COLOR = "Color"
    BLACK_WHITE = "Black&White"


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


# --------------------------------------------------------------------------------------------
# Cameras and what they can do
# --------------------------------------------------------------------------------------------


MAX_TAGS = 16
MAX_TAG_LENGTH = 32

_NOT_TEXT = frozenset({"Cc", "Cs", "Zl", "Zp"})
"""Control characters, unpaired surrogates and line/paragraph separators: never in a camera's
text (they break log lines, MQTT payloads and PostgreSQL, which refuses NUL)."""

_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$"
)


def _plain_text(value: str) -> str:
    bad = next((ch for ch in value if unicodedata.category(ch) in _NOT_TEXT), None)
    if bad is not None:
        raise ValueError(f"must not contain control characters (U+{ord(bad):04X})")
    return value


def _host(value: str) -> str:
    """An IP address (IPv6 with or without brackets) or a DNS name; brackets are dropped."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        if not _HOST_NAME.match(value):
            raise ValueError("must be an IP address or a host name") from None
        return value
    return bare


CameraName = Annotated[
    str, Field(max_length=128, examples=["Front Door"]), AfterValidator(_plain_text)
]
CameraHost = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        description="IP address or host name (run-time cameras: see security.camera_networks)",
        examples=["192.168.1.10"],
    ),
    AfterValidator(_host),
]
CameraUsername = Annotated[str, Field(min_length=1, max_length=31), AfterValidator(_plain_text)]
CameraPassword = Annotated[SecretStr, Field(max_length=31)]
CameraTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH),
    AfterValidator(_plain_text),
]
CameraTags = Annotated[
    list[CameraTag],
    Field(max_length=MAX_TAGS, description=f"At most {MAX_TAGS}, each 1-{MAX_TAG_LENGTH} chars"),
]


class Camera(_Model):
    """A device the bridge owns, as configured (file, REST or MQTT). The password is secret."""

    id: CameraId
    name: CameraName = ""
    host: CameraHost
    port: int | None = Field(
        default=None, ge=1, le=65535, description="Default 80, or 443 with https"
    )
    https: bool = False
    verify_tls: bool = Field(
        default=False, description="Check the camera's certificate (most are self-signed)"
    )
    username: CameraUsername = "admin"
    password: CameraPassword = SecretStr("")
    channel: int | None = Field(
        default=None, ge=0, le=255, description="Only this channel of an NVR; None = every channel"
    )
    tags: CameraTags = Field(default_factory=list)
    enabled: bool = Field(default=True, description="A disabled camera is listed, never contacted")
    poll_interval: float | None = Field(
        default=None, gt=0, le=3600, description="Seconds between polls; None = the global setting"
    )

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return value.strip()

    @property
    def effective_port(self) -> int:
        return self.port or (443 if self.https else 80)

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def login_target(self) -> tuple[str, int, bool, str]:
        """Where and as whom the password is sent: changing any of it needs the password again."""
        return (self.host.lower(), self.effective_port, self.https, self.username)

    def public_dict(self) -> dict[str, Any]:
        """The camera as any API may show it: everything but the password."""
        return self.model_dump(mode="json", exclude={"password"})


class ChannelCapabilities(_Model):
    """What one channel (the camera itself, or one NVR channel) supports."""

    channel: int = Field(ge=0)
    name: str = ""
    model: str | None = None
    uid: str | None = None
    firmware: str | None = None
    online: bool = True
    motion: bool = True
    ai_types: list[DetectionType] = Field(default_factory=list)
    visitor: bool = False
    siren: bool = False
    floodlight: bool = False
    floodlight_brightness: bool = False
    ir_lights: bool = False
    status_led: bool = False
    pan_tilt: bool = False
    zoom: bool = False
    ptz_presets: list[str] = Field(default_factory=list)
    ptz_patrol: bool = False
    image_settings: bool = False
    day_night: bool = False
    md_sensitivity: bool = False
    recording: bool = False
    email: bool = False
    push: bool = False
    ftp: bool = False
    snapshot: bool = True
    battery: bool = False
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

    @property
    def ptz(self) -> bool:
        return self.pan_tilt or self.zoom

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
        kinds = [DetectionType.MOTION] if self.motion else []
        kinds.extend(self.ai_types)
        if self.visitor:
            kinds.append(DetectionType.VISITOR)
        return kinds


class StreamPorts(_Model):
    rtsp: int | None = None
    rtmp: int | None = None
    onvif: int | None = None
    http: int | None = None
    https: int | None = None
    media: int | None = None
    http_flv: bool = False


class StorageInfo(_Model):
    number: int = 0
    capacity_mb: int = 0
    free_mb: int = 0
    storage_type: Literal["hdd", "sd", "unknown"] = "unknown"
    formatted: bool = True


class Capabilities(_Model):
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


# --------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------


class ChannelState(_Model):
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


class StorageState(_Model):
    capacity_mb: int
    free_mb: int

    @property
    def used_percent(self) -> float:
        return 0.0 if not self.capacity_mb else 100.0 * (1 - self.free_mb / self.capacity_mb)


class LastEvent(_Model):
    type: EventType
    phase: EventPhase
    timestamp: datetime
    event_id: str


class CameraState(_Model):
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


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


class Event(_Model):
    """Something that happened: a detection starting or ending, a doorbell press, online/offline."""

    event_id: str = Field(default_factory=new_event_id)
    type: EventType
    phase: EventPhase
    camera_id: str
    camera_name: str = ""
    channel: int = 0
    timestamp: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = Field(default=None, description="For 'end': when it started")
    duration: float | None = Field(default=None, ge=0, description="For 'end': seconds active")
    data: dict[str, Any] = Field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------

SIREN_MAX_SECONDS = 300


def _on_off(value: Any) -> Any:
    """Accept the spellings home-automation tools send: ON/OFF, on/off, true/false, 1/0."""
    if isinstance(value, bool):
        return OnOff.ON if value else OnOff.OFF
    if isinstance(value, str) and value.strip().upper() in ("ON", "OFF"):
        return value.strip().upper()
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return OnOff.ON if value.strip().lower() == "true" else OnOff.OFF
    return value


OnOffValue = Annotated[OnOff, BeforeValidator(_on_off)]


class SirenCommand(_Model):
    state: OnOffValue
    duration: int | None = Field(default=None, ge=1, le=SIREN_MAX_SECONDS)


class FloodlightCommand(_Model):
    state: OnOffValue | None = None
    brightness: int | None = Field(default=None, ge=0, le=100)
    mode: FloodlightMode | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> FloodlightCommand:
        if self.state is None and self.brightness is None and self.mode is None:
            raise ValueError("floodlight needs at least one of state, brightness, mode")
        return self


class PtzCommand(_Model):
    op: PtzOp
    speed: int = Field(default=32, ge=1, le=64)
    duration: float | None = Field(
        default=None, gt=0, le=10, description="Stop automatically after this many seconds"
    )


class ImageCommand(_Model):
    brightness: int | None = Field(default=None, ge=0, le=255)
    contrast: int | None = Field(default=None, ge=0, le=255)
    saturation: int | None = Field(default=None, ge=0, le=255)
    sharpness: int | None = Field(default=None, ge=0, le=255)
    hue: int | None = Field(default=None, ge=0, le=255)


class Command(_Model):
    """One command for one camera: the body of `reolink/<camera_id>/set` and `POST …/set`.

    Several attributes may be set at once; they are applied in field order.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"siren": "ON"},
                {"floodlight": {"state": "ON", "brightness": 80}},
                {"ptz": {"op": "left", "speed": 32}},
                {"ptz_preset": "Gate", "transaction": "abc123"},
            ]
        },
    )

    channel: int | None = Field(default=None, ge=0, le=255, description="NVR channel override")
    siren: SirenCommand | None = None
    floodlight: FloodlightCommand | None = None
    ir_lights: IrMode | None = None
    status_led: OnOffValue | None = None
    ptz: PtzCommand | None = None
    ptz_preset: str | None = Field(default=None, min_length=1, max_length=64)
    zoom: int | None = Field(default=None, ge=0, le=100, description="Percent of the zoom range")
    day_night: DayNight | None = None
    image: ImageCommand | None = None
    motion_sensitivity: int | None = Field(default=None, ge=1, le=50)
    recording: OnOffValue | None = None
    push: OnOffValue | None = None
    email: OnOffValue | None = None
    ftp: OnOffValue | None = None
    reboot: Literal[True] | None = None
    snapshot: Literal[True] | None = None
    transaction: str | None = Field(default=None, max_length=128)

    @field_validator("siren", mode="before")
    @classmethod
    def _siren(cls, value: Any) -> Any:
        plain = _on_off(value)
        return {"state": plain} if isinstance(plain, str) else value

    @field_validator("floodlight", mode="before")
    @classmethod
    def _floodlight(cls, value: Any) -> Any:
        plain = _on_off(value)
        return {"state": plain} if isinstance(plain, str) else value

    @field_validator("ptz", mode="before")
    @classmethod
    def _ptz(cls, value: Any) -> Any:
        return {"op": value} if isinstance(value, str) else value

    @field_validator("ir_lights", mode="before")
    @classmethod
    def _ir(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return IrMode.AUTO if value else IrMode.OFF
        if isinstance(value, str):
            return {"auto": "Auto", "on": "On", "off": "Off"}.get(value.strip().lower(), value)
        return value

    @field_validator("day_night", mode="before")
    @classmethod
    def _day_night(cls, value: Any) -> Any:
        if isinstance(value, str):
            spelled = {"auto": "Auto", "color": "Color", "black&white": "Black&White"}
            return spelled.get(value.strip().lower(), value)
        return value

    @field_validator("reboot", "snapshot", mode="before")
    @classmethod
    def _press(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().upper() in ("PRESS", "ON", "TRUE", "1"):
            return True
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Command:
        if not self.actions():
            raise ValueError("the command sets nothing")
        return self

    @classmethod
    def from_attribute(cls, attribute: str, value: str, transaction: str | None = None) -> Command:
        """The command for `…/set/<attribute>` with a plain value (`ON`, `80`, `Gate`, `PRESS`).

        Raises `ValueError` for an unknown attribute and `ValidationError` for a bad value.
        """
        text = value.strip()
        if attribute == "floodlight_brightness":
            body: dict[str, Any] = {"floodlight": {"brightness": text}}
        elif attribute == "floodlight_mode":
            body = {"floodlight": {"mode": text.lower()}}
        elif attribute in ImageCommand.model_fields:
            body = {"image": {attribute: text}}
        elif attribute in PLAIN_ATTRIBUTES:
            body = {attribute: text}
        else:
            raise ValueError(f"unknown attribute {attribute!r}")
        return cls.model_validate({**body, "transaction": transaction})

    @property
    def is_safety_off(self) -> bool:
        """Only stops something (siren off, PTZ stop, floodlight off): no rate limit may refuse it.

        An owner silencing a siren after a burst of commands must always get through.
        """
        actions = set(self.actions())
        if not actions or not actions <= {"siren", "ptz", "floodlight"}:
            return False
        if self.siren is not None and self.siren.state is not OnOff.OFF:
            return False
        if self.ptz is not None and self.ptz.op not in (PtzOp.STOP, PtzOp.STOP_PATROL):
            return False
        light = self.floodlight
        return light is None or (
            light.state is OnOff.OFF and light.brightness is None and light.mode is None
        )

    def actions(self) -> list[str]:
        """The attributes this command sets, in the order they are applied."""
        skip = {"channel", "transaction"}
        return [
            name
            for name in type(self).model_fields
            if name not in skip and getattr(self, name) is not None
        ]


class CommandStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


class CommandResult(_Model):
    """The `/response` payload for a command, identical on MQTT, REST and WebSocket."""

    status: CommandStatus
    camera_id: str | None = None
    data: dict[str, Any] | None = None
    error: str | None = None
    transaction: str | None = None

    @classmethod
    def ok(
        cls, camera_id: str | None, transaction: str | None, data: dict[str, Any] | None = None
    ) -> CommandResult:
        return cls(status=CommandStatus.OK, camera_id=camera_id, transaction=transaction, data=data)

    @classmethod
    def failed(cls, camera_id: str | None, transaction: str | None, error: str) -> CommandResult:
        return cls(
            status=CommandStatus.ERROR, camera_id=camera_id, transaction=transaction, error=error
        )


# --------------------------------------------------------------------------------------------
# Recordings
# --------------------------------------------------------------------------------------------


class Recording(_Model):
    name: str
    channel: int
    start: datetime
    end: datetime
    size: int
    stream: Literal["main", "sub"] = "main"


PLAIN_ATTRIBUTES: frozenset[str] = frozenset(Command.model_fields) - {
    "channel",
    "transaction",
    "image",
}
"""Attributes `…/set/<attribute>` takes as they are; plus floodlight_brightness, floodlight_mode and
the image fields (brightness, contrast, saturation, sharpness, hue)."""

SET_ATTRIBUTES: frozenset[str] = (
    PLAIN_ATTRIBUTES
    | frozenset({"floodlight_brightness", "floodlight_mode"})
    | frozenset(ImageCommand.model_fields)
)
