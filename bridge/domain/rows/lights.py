"""Lights: the floodlight, the infrared lights, the status LED and the doorbell LED."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from bridge.domain.command_values import (
    FloodlightCommand,
    FloodlightValue,
    IrModeValue,
    OnOffValue,
    Percent,
    any_case,
)
from bridge.domain.feature import Feature, Ha, Kind, WriteContext
from bridge.domain.ha import field_template
from bridge.domain.rows.common import (
    switch_writer,
)
from bridge.domain.values import (
    FloodlightMode,
    IrMode,
    OnOff,
)


class DoorbellLed(StrEnum):
    """The doorbell's LED modes (the Reolink app's: stay off, auto, on at night, always on)."""

    STAY_OFF = "stay_off"
    AUTO = "auto"
    ON_AT_NIGHT = "on_at_night"
    ALWAYS_ON = "always_on"


DoorbellLedValue = Annotated[DoorbellLed, any_case(DoorbellLed)]


async def _floodlight(ctx: WriteContext, value: FloodlightCommand) -> None:
    await ctx.client.set_floodlight(
        ctx.channel,
        on=None if value.state is None else value.state is OnOff.ON,
        brightness=value.brightness,
        mode=value.mode,
    )


def _floodlight_check(ch: Any, value: FloodlightCommand) -> str | None:
    if value.brightness is not None and not ch.has("floodlight_brightness"):
        return "floodlight brightness"
    return None


def _light_config(b: Any) -> dict[str, Any]:
    light: dict[str, Any] = {
        "command_topic": b.set_topic("floodlight"),
        "state_value_template": field_template("floodlight"),
    }
    if b.has("floodlight_brightness"):
        light.update(
            brightness_command_topic=b.set_topic("floodlight_brightness"),
            brightness_scale=100,
            brightness_state_topic=b.state_topic,
            # 0 or null renders empty, which Home Assistant ignores.
            brightness_value_template="{{ value_json.floodlight_brightness or '' }}",
        )
    return light


def _ir_config(b: Any) -> dict[str, Any]:
    # Home Assistant's on/off is Reolink's Auto/Off; a forced "On" reads as on.
    return {
        "payload_on": IrMode.AUTO.value,
        "payload_off": IrMode.OFF.value,
        "state_on": "ON",
        "state_off": "OFF",
        "value_template": (
            "{% if value_json.ir_lights is none %}None"
            "{% elif value_json.ir_lights == 'Off' %}OFF{% else %}ON{% endif %}"
        ),
    }


LIGHTS: tuple[Feature, ...] = (
    Feature(
        key="floodlight",
        kind=Kind.LIGHT,
        name="Floodlight",
        needs="floodlight",
        field="floodlight",
        state=OnOff,
        read="white_led",
        command=FloodlightValue,
        short="state",
        write=_floodlight,
        check=_floodlight_check,
        safety_off=lambda v: v.state is OnOff.OFF and v.brightness is None and v.mode is None,
        config_group="lights",
        ha=Ha(icon="mdi:spotlight-beam", config=_light_config),
    ),
    Feature(
        key="floodlight_brightness",
        kind=Kind.NUMBER,
        name="Floodlight brightness",
        needs="floodlight_brightness",
        field="floodlight_brightness",
        state=Percent,
        read="white_led",
        via=("floodlight", "brightness"),
        minimum=0,
        maximum=100,
        step=1,
        unit="%",
        config_group="lights",
        ha=Ha(discovered=False),
    ),
    Feature(
        key="floodlight_mode",
        kind=Kind.SELECT,
        name="Floodlight mode",
        needs="floodlight",
        field="floodlight_mode",
        state=FloodlightMode,
        read="white_led",
        via=("floodlight", "mode"),
        options=[m.value for m in FloodlightMode],
        category="config",
        config_group="lights",
        ha=Ha(icon="mdi:spotlight"),
    ),
    Feature(
        key="ir_lights",
        kind=Kind.SWITCH,
        name="Infrared lights",
        needs="ir_lights",
        field="ir_lights",
        state=IrMode,
        read="ir_lights",
        command=IrModeValue,
        write=lambda ctx, value: ctx.client.set_ir_lights(ctx.channel, value),
        switch_values=(IrMode.AUTO.value, IrMode.OFF.value),
        category="config",
        config_group="lights",
        ha=Ha(icon="mdi:led-variant-on", config=_ir_config),
    ),
    Feature(
        key="status_led",
        kind=Kind.SWITCH,
        name="Status LED",
        needs="status_led",
        field="status_led",
        state=OnOff,
        read="power_led",
        command=OnOffValue,
        write=switch_writer("set_status_led"),
        category="config",
        config_group="lights",
        ha=Ha(icon="mdi:led-on"),
    ),
)
"""The floodlight (state, brightness, mode), the infrared lights, the status LED."""


LIGHTS_EXTRA: tuple[Feature, ...] = (
    Feature(
        key="doorbell_led",
        kind=Kind.SELECT,
        name="Doorbell LED",
        needs="status_led",
        supported=lambda ch: ch.status_led_doorbell,
        field="doorbell_led",
        state=DoorbellLed,
        read="doorbell_led",
        command=DoorbellLedValue,
        options=[m.value for m in DoorbellLed],
        category="config",
        config_group="lights",
        ha=Ha(icon="mdi:led-on"),
    ),
)
