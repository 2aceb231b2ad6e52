"""Our vocabulary (the enums of `bridge.domain`) ↔ Reolink's wire values, in one place."""

from __future__ import annotations

from typing import Final

from bridge.domain.values import DayNight, DetectionType, FloodlightMode, IrMode, PtzOp
from bridge.reolink.const import SENSITIVITY_INVERT, SENSITIVITY_RANGE

PTZ_OPS: Final[dict[PtzOp, str]] = {
    PtzOp.LEFT: "Left",
    PtzOp.RIGHT: "Right",
    PtzOp.UP: "Up",
    PtzOp.DOWN: "Down",
    PtzOp.LEFT_UP: "LeftUp",
    PtzOp.LEFT_DOWN: "LeftDown",
    PtzOp.RIGHT_UP: "RightUp",
    PtzOp.RIGHT_DOWN: "RightDown",
    PtzOp.ZOOM_IN: "ZoomInc",
    PtzOp.ZOOM_OUT: "ZoomDec",
    PtzOp.FOCUS_FAR: "FocusInc",
    PtzOp.FOCUS_NEAR: "FocusDec",
    PtzOp.STOP: "Stop",
    PtzOp.AUTO: "Auto",
    PtzOp.START_PATROL: "StartPatrol",
    PtzOp.STOP_PATROL: "StopPatrol",
}
"""`PtzCtrl` `op` for each of our PTZ operations."""

PAN_TILT_OPS: Final = frozenset(
    {
        PtzOp.LEFT,
        PtzOp.RIGHT,
        PtzOp.UP,
        PtzOp.DOWN,
        PtzOp.LEFT_UP,
        PtzOp.LEFT_DOWN,
        PtzOp.RIGHT_UP,
        PtzOp.RIGHT_DOWN,
        PtzOp.AUTO,
    }
)
LENS_OPS: Final = frozenset({PtzOp.ZOOM_IN, PtzOp.ZOOM_OUT, PtzOp.FOCUS_FAR, PtzOp.FOCUS_NEAR})
PATROL_OPS: Final = frozenset({PtzOp.START_PATROL, PtzOp.STOP_PATROL})
SPEEDLESS_OPS: Final = PATROL_OPS | {PtzOp.STOP}

FLOODLIGHT_MODES: Final[dict[FloodlightMode, int]] = {
    FloodlightMode.OFF: 0,
    FloodlightMode.AUTO: 1,
    FloodlightMode.NIGHT: 2,
    FloodlightMode.SCHEDULE: 3,
}
"""`WhiteLed.mode` for each floodlight mode (the numbering `FloodlightMode` documents)."""

FLOODLIGHT_MODE_OF: Final = {wire: mode for mode, wire in FLOODLIGHT_MODES.items()}

IR_MODE_OF: Final = {mode.value.lower(): mode for mode in IrMode}
DAY_NIGHT_WIRE: Final = {
    DayNight.AUTO: "Auto",
    DayNight.COLOR: "Color",
    DayNight.BLACK_WHITE: "Black&White",
}
"""Our day/night modes → `Isp.dayNight` as the firmware spells them."""
DAY_NIGHT_OF: Final = {wire.lower(): mode for mode, wire in DAY_NIGHT_WIRE.items()}

STATUS_LED_OFF: Final = frozenset({"off", "keepoff"})
"""`PowerLed.state` / `eDoorbellLightState` values that mean the LED is off."""


def sensitivity_to_wire(value: int) -> int:
    """UI motion sensitivity (1 least … 50 most sensitive) → the device's `sensDef`/`sensitivity`.

    Reolink stores the inverse of what its app shows; like reolink_aio we send `51 - value`.
    """
    low, high = SENSITIVITY_RANGE
    if not low <= value <= high:
        raise ValueError(f"motion sensitivity must be {low}..{high}, not {value}")
    return SENSITIVITY_INVERT - value


def sensitivity_from_wire(value: float) -> int:
    """The device's stored sensitivity → the UI value (inverse of `sensitivity_to_wire`)."""
    low, high = SENSITIVITY_RANGE
    return min(max(round(SENSITIVITY_INVERT - value), low), high)


AI_KEYS: Final[dict[str, DetectionType]] = {
    "people": DetectionType.PERSON,
    "vehicle": DetectionType.VEHICLE,
    "dog_cat": DetectionType.PET,
    "face": DetectionType.FACE,
    "package": DetectionType.PACKAGE,
}
"""Reolink's AI class names → ours (`other` is PIR motion on battery cameras: not an AI type)."""
