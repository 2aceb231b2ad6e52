"""The image: day/night, the adjustments (brightness, contrast, …), HDR."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from bridge.domain.command_values import (
    DayNightValue,
    ImageValue,
    any_case,
)
from bridge.domain.feature import Feature, Ha, Kind, WriteContext
from bridge.domain.values import (
    DayNight,
)


class HdrMode(StrEnum):
    """HDR as the firmware has it: off, automatic, on."""

    OFF = "off"
    AUTO = "auto"
    ON = "on"


HdrValue = Annotated[HdrMode, any_case(HdrMode)]


def _image(name: str) -> Any:
    async def write(ctx: WriteContext, value: int) -> None:
        await ctx.client.set_image(ctx.channel, **{name: value})

    return write


def _image_setting(name: str, icon: str) -> Feature:
    return Feature(
        key=f"image_{name}",
        kind=Kind.NUMBER,
        name=f"Image {name}",
        needs="image_settings",
        field=name,
        state=int,
        read="image",
        command=ImageValue,
        write=_image(name),
        attribute=name,
        minimum=0,
        maximum=255,
        step=1,
        category="config",
        config_group="image",
        ha=Ha(icon=icon, enabled_by_default=False),
    )


DAY_NIGHT: tuple[Feature, ...] = (
    Feature(
        key="day_night",
        kind=Kind.SELECT,
        name="Day/night mode",
        needs="day_night",
        field="day_night",
        state=DayNight,
        read="isp",
        command=DayNightValue,
        write=lambda ctx, value: ctx.client.set_day_night(ctx.channel, value),
        options=[m.value for m in DayNight],
        category="config",
        config_group="image",
        ha=Ha(icon="mdi:theme-light-dark"),
    ),
)
"""Colour, black and white, or automatic."""


ADJUSTMENTS: tuple[Feature, ...] = (
    _image_setting("brightness", "mdi:brightness-6"),
    _image_setting("contrast", "mdi:contrast-box"),
    _image_setting("saturation", "mdi:palette"),
    _image_setting("sharpness", "mdi:image-filter-center-focus"),
    _image_setting("hue", "mdi:format-color-fill"),
)
"""Brightness, contrast, saturation, sharpness, hue (0..255)."""


IMAGE_EXTRA: tuple[Feature, ...] = (
    Feature(
        key="hdr",
        kind=Kind.SELECT,
        name="HDR",
        needs="hdr",
        field="hdr",
        state=HdrMode,
        read="hdr",
        command=HdrValue,
        options=[m.value for m in HdrMode],
        category="config",
        config_group="image",
        ha=Ha(icon="mdi:hdr"),
    ),
)
