"""Battery cameras: battery level and charging, sleep, the PIR sensor."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bridge.domain.command_values import (
    Percent,
)
from bridge.domain.feature import Feature, Ha, Kind
from bridge.domain.rows.common import (
    binary_sensor,
    setting_switch,
)

PirSensitivity = Annotated[int, Field(ge=1, le=100)]


BATTERY: tuple[Feature, ...] = (
    Feature(
        key="battery_level",
        kind=Kind.SENSOR,
        name="Battery",
        needs="battery",
        field="battery_level",
        state=Percent,
        read="battery",
        actuator=False,
        unit="%",
        ha=Ha(device_class="battery", state_class="measurement"),
    ),
    binary_sensor(
        "battery_charging",
        "Charging",
        needs="battery",
        read="battery",
        ha=Ha(device_class="battery_charging"),
    ),
    binary_sensor("sleeping", "Sleeping", needs="battery", read="sleep", ha=Ha(icon="mdi:sleep")),
    setting_switch(
        "pir", "PIR sensor", "mdi:motion-sensor", needs="pir", read="pir", config_group="motion"
    ),
    Feature(
        key="pir_sensitivity",
        kind=Kind.NUMBER,
        name="PIR sensitivity",
        needs="pir",
        field="pir_sensitivity",
        state=int,
        read="pir",
        command=PirSensitivity,
        minimum=1,
        maximum=100,
        step=1,
        category="config",
        config_group="motion",
        ha=Ha(icon="mdi:motion-sensor"),
    ),
)
"""Battery cameras: battery level and charging, sleep, the PIR sensor and its sensitivity."""
