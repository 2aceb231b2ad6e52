"""The values commands take, with the spellings home-automation tools send.

Each commandable row of the feature table names one of these as its `command` type. The
coercions (`"ON"`/`true`/`1`, `"left"` for `{"op": "left"}`, `"PRESS"`, case-insensitive options)
are part of the type, so every wire form — MQTT `/set` JSON, `/set/<attribute>` plain values,
WebSocket frames, REST bodies — is parsed by the same validation.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, Field, model_validator

from bridge.domain.base import DomainModel
from bridge.domain.values import DayNight, FloodlightMode, IrMode, OnOff, PtzOp

SIREN_MAX_SECONDS = 300
PTZ_MAX_SPEED = 64

E = TypeVar("E", bound=StrEnum)


def on_off(value: Any) -> Any:
    """Accept the spellings home-automation tools send: ON/OFF, on/off, true/false, 1/0."""
    if isinstance(value, bool):
        return OnOff.ON if value else OnOff.OFF
    if isinstance(value, int) and value in (0, 1):
        return OnOff.ON if value else OnOff.OFF
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("on", "true", "1"):
            return OnOff.ON
        if text in ("off", "false", "0"):
            return OnOff.OFF
    return value


def any_case(enum: type[E]) -> BeforeValidator:
    """An option in any letter case (`auto`, `Auto`, `AUTO`) as the enum's own spelling."""
    spelled = {member.value.lower(): member.value for member in enum}

    def coerce(value: Any) -> Any:
        if isinstance(value, str):
            return spelled.get(value.strip().lower(), value)
        return value

    return BeforeValidator(coerce)


def _press(value: Any) -> Any:
    if isinstance(value, str) and value.strip().upper() in ("PRESS", "ON", "TRUE", "1"):
        return True
    return value


def _ir(value: Any) -> Any:
    if isinstance(value, bool):  # a switch: on is the camera's automatic IR
        return IrMode.AUTO if value else IrMode.OFF
    return value


OnOffValue = Annotated[OnOff, BeforeValidator(on_off)]
Press = Annotated[Literal[True], BeforeValidator(_press)]
IrModeValue = Annotated[IrMode, any_case(IrMode), BeforeValidator(_ir)]


def _day_night(value: Any) -> Any:
    """Also the firmware's spellings (`Black&White`, `Color`) of the earlier payloads."""
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        return {"black&white": DayNight.BLACK_WHITE.value}.get(text, text)
    return value


DayNightValue = Annotated[DayNight, BeforeValidator(_day_night)]
FloodlightModeValue = Annotated[FloodlightMode, any_case(FloodlightMode)]
Percent = Annotated[int, Field(ge=0, le=100)]
ImageValue = Annotated[int, Field(ge=0, le=255)]
Sensitivity = Annotated[int, Field(ge=1, le=50)]
PresetName = Annotated[str, Field(min_length=1, max_length=64)]


class SirenCommand(DomainModel):
    state: OnOffValue
    duration: int | None = Field(default=None, ge=1, le=SIREN_MAX_SECONDS)


class FloodlightCommand(DomainModel):
    state: OnOffValue | None = None
    brightness: Percent | None = None
    mode: FloodlightModeValue | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> FloodlightCommand:
        if self.state is None and self.brightness is None and self.mode is None:
            raise ValueError("floodlight needs at least one of state, brightness, mode")
        return self


class PtzCommand(DomainModel):
    op: PtzOp
    speed: int = Field(default=32, ge=1, le=PTZ_MAX_SPEED)
    duration: float | None = Field(
        default=None, gt=0, le=10, description="Stop automatically after this many seconds"
    )


def _state_only(value: Any) -> Any:
    """`"ON"` (or `true`) for `{"state": "ON"}`: the siren's and the floodlight's short form."""
    plain = on_off(value)
    return {"state": plain} if isinstance(plain, str) else value


def _op_only(value: Any) -> Any:
    return {"op": value} if isinstance(value, str) else value


SirenValue = Annotated[SirenCommand, BeforeValidator(_state_only)]
FloodlightValue = Annotated[FloodlightCommand, BeforeValidator(_state_only)]
PtzValue = Annotated[PtzCommand, BeforeValidator(_op_only)]
