"""Commands for one camera and their results: the body of `/set` and of `/response`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bridge.domain.base import DomainModel
from bridge.domain.values import DayNight, FloodlightMode, IrMode, OnOff, PtzOp

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


class SirenCommand(DomainModel):
    state: OnOffValue
    duration: int | None = Field(default=None, ge=1, le=SIREN_MAX_SECONDS)


class FloodlightCommand(DomainModel):
    state: OnOffValue | None = None
    brightness: int | None = Field(default=None, ge=0, le=100)
    mode: FloodlightMode | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> FloodlightCommand:
        if self.state is None and self.brightness is None and self.mode is None:
            raise ValueError("floodlight needs at least one of state, brightness, mode")
        return self


class PtzCommand(DomainModel):
    op: PtzOp
    speed: int = Field(default=32, ge=1, le=64)
    duration: float | None = Field(
        default=None, gt=0, le=10, description="Stop automatically after this many seconds"
    )


class ImageCommand(DomainModel):
    brightness: int | None = Field(default=None, ge=0, le=255)
    contrast: int | None = Field(default=None, ge=0, le=255)
    saturation: int | None = Field(default=None, ge=0, le=255)
    sharpness: int | None = Field(default=None, ge=0, le=255)
    hue: int | None = Field(default=None, ge=0, le=255)


class Command(DomainModel):
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


class CommandResult(DomainModel):
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
