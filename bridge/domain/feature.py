"""What one row of the feature table says (`Feature`), and what a row's writer may use.

A row describes one thing a user sees or touches on a camera: a detection, a switch, a number, a
button, a light, the siren, a sensor. Everything that shows or changes that thing derives from the
row: the state field it lives in (`CameraState`), how the camera client reads it (`read`, a reader
group the client implements), the `Command` key that changes it and the client call that does it
(`command` + `write`), the `/set/<attribute>` name, the capability it needs, its limits and options,
whether it moves something (rate limit, audit), its name, and the Home Assistant hints. The table
itself is `bridge.domain.features`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bridge.domain.values import DayNight, FloodlightMode, IrMode, PtzOp

if TYPE_CHECKING:
    from bridge.domain.capabilities import Capabilities, ChannelCapabilities


class Kind(StrEnum):
    """What the feature is to a user (and the Home Assistant platform, unless `Ha` says)."""

    BINARY_SENSOR = "binary_sensor"
    SWITCH = "switch"
    NUMBER = "number"
    SELECT = "select"
    BUTTON = "button"
    LIGHT = "light"
    SIREN = "siren"
    SENSOR = "sensor"
    EVENT = "event"
    IMAGE = "image"
    TEXT = "text"


Category = Literal["config", "diagnostic"]
Scope = Literal["channel", "device"]


class CameraControl(Protocol):
    """The camera client's calls the table's writers use (`ReolinkClient` has them all)."""

    async def set_siren(self, channel: int, on: bool, duration: float | None = None) -> None: ...
    async def set_floodlight(
        self,
        channel: int,
        *,
        on: bool | None = None,
        brightness: int | None = None,
        mode: FloodlightMode | None = None,
    ) -> None: ...
    async def set_ir_lights(self, channel: int, mode: IrMode) -> None: ...
    async def set_status_led(self, channel: int, on: bool) -> None: ...
    async def ptz(self, channel: int, op: PtzOp, speed: int = ...) -> None: ...
    async def ptz_stop(self, channel: int) -> None: ...
    async def ptz_goto_preset(
        self, channel: int, preset: str | int, speed: int | None = None
    ) -> None: ...
    async def set_zoom(self, channel: int, position: int) -> None: ...
    async def set_day_night(self, channel: int, mode: DayNight) -> None: ...
    async def set_image(
        self,
        channel: int,
        *,
        brightness: int | None = None,
        contrast: int | None = None,
        saturation: int | None = None,
        sharpness: int | None = None,
        hue: int | None = None,
    ) -> None: ...
    async def set_motion_sensitivity(self, channel: int, value: int) -> None: ...
    async def set_recording(self, channel: int, on: bool) -> None: ...
    async def set_email(self, channel: int, on: bool) -> None: ...
    async def set_push(self, channel: int, on: bool) -> None: ...
    async def set_ftp(self, channel: int, on: bool) -> None: ...
    async def reboot(self) -> None: ...
    async def write_feature(self, channel: int, key: str, value: Any) -> None:
        """Write a command's value of the row `key` through the client's wire mapping (the
        writer of every commandable row that has none of its own)."""


class WriteContext(Protocol):
    """What a row's writer gets from the dispatcher for one command on one camera view."""

    @property
    def client(self) -> CameraControl: ...
    @property
    def channel(self) -> int: ...
    @property
    def camera_id(self) -> str: ...
    @property
    def capabilities(self) -> ChannelCapabilities | None: ...
    @property
    def siren_max_seconds(self) -> int: ...
    @property
    def data(self) -> dict[str, Any]:
        """What the command's result reports (`CommandResult.data`)."""

    def assume(self, **state: Any) -> None:
        """Set state fields the camera cannot report (the siren sounding, the preset moved to)."""

    def after(
        self, key: str, seconds: float, action: Callable[[CameraControl], Awaitable[None]]
    ) -> None:
        """Run `action` after `seconds` (replacing a pending one of `key`), then refresh."""

    def cancel(self, key: str) -> None: ...
    async def take_snapshot(self) -> bytes: ...
    def request_refresh(self) -> None:
        """Read the camera again soon (after a reboot), instead of at once."""

    def reread_capabilities(self) -> None:
        """Read the capabilities again after the command (a preset saved or deleted)."""


Writer = Callable[[WriteContext, Any], Awaitable[None]]
ChannelCheck = Callable[["ChannelCapabilities"], bool]
DeviceCheck = Callable[["Capabilities"], bool]
ValueCheck = Callable[["ChannelCapabilities", Any], str | None]
"""A value this channel cannot take: the reason (e.g. "floodlight brightness"), else None."""
Options = Sequence[str] | Callable[["ChannelCapabilities"], list[str]]
ConfigBuilder = Callable[[Any], dict[str, Any]]
"""Home Assistant discovery config beyond the kind's defaults; gets the discovery builder."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Ha:
    """Home Assistant hints: how MQTT discovery (and the custom integration) show the feature."""

    platform: str | None = None
    """The platform when it is not the kind's (a button that is a `siren`, …)."""
    device_class: str | None = None
    icon: str | None = None
    state_class: str | None = None
    enabled_by_default: bool = True
    discovered: bool = True
    """False: shown as part of another entity (the floodlight's brightness is the light's)."""
    logbook: bool = True
    """False: a state that churns with every event (kept out of Home Assistant's logbook)."""
    config: ConfigBuilder | None = None
    """Discovery config beyond what the kind gives (templates, payloads, topics)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Feature:
    """One row of the feature table (see the module doc)."""

    key: str
    """Unique: the entity key (discovery component, `/entities`), and the `Command` key when the
    row is commandable."""
    kind: Kind
    name: str
    entity: bool = True
    """False: a command only, no entity (PTZ moves with their op, speed and duration; the
    buttons that send them are the entities)."""
    scope: Scope = "channel"
    supported: ChannelCheck | None = None
    """For a channel feature: does this channel have it (default: `needs` is set)."""
    needs: str | None = None
    """The capability flag the feature needs (`ChannelCapabilities.has(needs)`); the flags are
    declared in the table (`CAPABILITY_FLAGS`) and set by the camera client."""
    device_supported: DeviceCheck | None = None
    """For a device feature (`scope="device"`): does the device have it."""

    # -- state -------------------------------------------------------------------------------
    field: str | None = None
    """The `CameraState` field the value lives in (None: buttons, events, images)."""
    state: Any = None
    """The state field's type (without None)."""
    read: str | None = None
    """The camera client's reader group that reads the field (None: assumed or derived)."""
    fast: bool = False
    """Read on every poll (detections) rather than with the slower settings read."""
    events: Literal["duration", "instant"] | None = None
    """A detection: raises `start`/`end` events (duration) or one `instant` event."""

    # -- commands ----------------------------------------------------------------------------
    command: Any = None
    """The `Command` value type (with its wire-form coercions) when `key` is a command key."""
    write: Writer | None = None
    """The call that writes a command's value; default: `CameraControl.write_feature(key)`."""
    attribute: str | None = None
    """The `/set/<attribute>` name, when not `key`."""
    via: tuple[str, str] | None = None
    """Written through another row's command: `(command key, its sub-field)`."""
    short: str | None = None
    """The sub-field a plain value stands for when the command is an object (`"ON"` for the
    siren is `{"state": "ON"}`)."""
    press: tuple[str, Any] | None = None
    """A button: the command key it sends and the value (PTZ left: `("ptz", "left")`)."""
    actuator: bool = True
    """Moves or changes the camera: rate-limited per camera, audited."""
    safety_off: Callable[[Any], bool] | None = None
    """The values that only stop something (siren off, PTZ stop): never refused by a limit."""
    check: ValueCheck | None = None
    device_command: bool = False
    """May be sent to an NVR itself (reboot), not only to a channel."""

    switch_values: tuple[str, str] = ("ON", "OFF")
    """A switch's on and off values, as commands take them and the state field holds them
    (infrared: `Auto`/`Off`)."""

    # -- presentation ------------------------------------------------------------------------
    value_path: str | None = None
    """Where in the state the shown value is, when not the field itself (`storage.used_percent`)."""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    unit: str | None = None
    options: Options | None = None
    category: Category | None = None
    config_group: str | None = None
    """The REST settings group (`/cameras/{id}/config/<group>`) the field belongs to."""
    ha: Ha = Ha()

    def __post_init__(self) -> None:
        if self.command is not None and self.write is None:
            object.__setattr__(self, "write", _wired(self.key))

    # -- derived -----------------------------------------------------------------------------

    @property
    def commandable(self) -> bool:
        return self.command is not None

    @property
    def writable(self) -> bool:
        return self.command is not None or self.via is not None or self.press is not None

    @property
    def set_attribute(self) -> str | None:
        """The `/set/<attribute>` that changes this feature (a button: its command's)."""
        if self.press is not None:
            return self.press[0]
        if self.command is not None or self.via is not None:
            return self.attribute or self.key
        return None

    @property
    def platform(self) -> str:
        return self.ha.platform or self.kind.value

    def available(self, channel: ChannelCapabilities | None, device: Capabilities) -> bool:
        """Whether a camera view with these capabilities has the feature."""
        if self.scope == "device":
            return self.device_supported is not None and self.device_supported(device)
        if channel is None:
            return False
        if self.needs is not None and not channel.has(self.needs):
            return False
        if self.supported is not None:
            return self.supported(channel)
        return self.needs is not None

    def options_for(self, channel: ChannelCapabilities | None) -> list[str] | None:
        if self.options is None:
            return None
        if callable(self.options):
            return self.options(channel) if channel is not None else []
        return list(self.options)


def _wired(key: str) -> Writer:
    """The writer of a commandable row without one: the camera client's wire mapping of `key`."""

    async def write(ctx: WriteContext, value: Any) -> None:
        await ctx.client.write_feature(ctx.channel, key, value)

    return write
