"""PTZ: moves and their buttons, presets, zoom and focus, patrol, the guard position."""

from __future__ import annotations

from typing import Any

from bridge.domain.command_values import (
    OnOffValue,
    Percent,
    PresetName,
    Press,
    PtzCommand,
    PtzValue,
)
from bridge.domain.errors import CommandRefused
from bridge.domain.feature import CameraControl, Feature, Ha, Kind, WriteContext
from bridge.domain.ha import jinja_list
from bridge.domain.rows.common import (
    setting_switch,
)
from bridge.domain.values import (
    OnOff,
    PtzOp,
)

ZOOM_OPS = frozenset({PtzOp.ZOOM_IN, PtzOp.ZOOM_OUT, PtzOp.FOCUS_NEAR, PtzOp.FOCUS_FAR})


PATROL_OPS = frozenset({PtzOp.START_PATROL, PtzOp.STOP_PATROL})


async def _ptz(ctx: WriteContext, value: PtzCommand) -> None:
    ctx.cancel("ptz")
    if value.op is PtzOp.STOP:
        await ctx.client.ptz_stop(ctx.channel)
        return
    await ctx.client.ptz(ctx.channel, value.op, value.speed)
    if value.duration is not None:
        channel = ctx.channel

        async def stop(client: CameraControl) -> None:
            await client.ptz_stop(channel)

        ctx.after("ptz", value.duration, stop)


async def _preset(ctx: WriteContext, value: str) -> None:
    await ctx.client.ptz_goto_preset(ctx.channel, value)
    ctx.assume(ptz_preset=value)


async def _zoom(ctx: WriteContext, value: int) -> None:
    caps = ctx.capabilities  # our zoom is a percentage; the camera speaks its own positions
    await ctx.client.set_zoom(ctx.channel, caps.zoom_position(value) if caps else value)


def _ptz_check(ch: Any, value: PtzCommand) -> str | None:
    if value.op in ZOOM_OPS:
        return None if ch.has("zoom") else f"ptz {value.op.value}"
    if value.op in PATROL_OPS:
        return None if ch.has("pan_tilt") or ch.has("ptz_patrol") else f"ptz {value.op.value}"
    return None if ch.has("pan_tilt") else f"ptz {value.op.value}"


def _preset_check(ch: Any, value: str) -> str | None:
    if ch.ptz_presets and value not in ch.ptz_presets:
        raise CommandRefused(f"unknown PTZ preset {value!r}; known: {', '.join(ch.ptz_presets)}")
    return None


def _presets(ch: Any) -> list[str]:
    return list(dict.fromkeys(ch.ptz_presets))


def _preset_config(b: Any) -> dict[str, Any]:
    # A position that is no preset (after a move) reads as unknown.
    return {
        "value_template": (
            "{{ value_json.ptz_preset if value_json.ptz_preset in "
            + jinja_list(_presets(b.channel))
            + " else 'None' }}"
        )
    }


def _ptz_button(op: PtzOp, name: str, icon: str, needs: str) -> Feature:
    return Feature(
        key=f"ptz_{op.value}",
        kind=Kind.BUTTON,
        name=name,
        needs=needs,
        press=("ptz", op.value),
        ha=Ha(icon=icon),
    )


async def _preset_change(ctx: WriteContext, value: str, key: str) -> None:
    await ctx.client.write_feature(ctx.channel, key, value)
    ctx.reread_capabilities()  # the preset list (the select's options) changed


def _preset_command(key: str, name: str) -> Feature:
    """Save or delete a preset: a command (MQTT, REST, the integration's service), no entity."""

    async def write(ctx: WriteContext, value: str) -> None:
        await _preset_change(ctx, value, key)

    return Feature(
        key=key,
        kind=Kind.BUTTON,
        name=name,
        entity=False,
        needs="pan_tilt",
        command=PresetName,
        write=write,
        check=_preset_check if key == "ptz_preset_delete" else None,
    )


PTZ: tuple[Feature, ...] = (
    Feature(
        key="ptz",
        kind=Kind.BUTTON,
        name="PTZ",
        entity=False,
        supported=lambda ch: ch.has("pan_tilt") or ch.has("zoom"),
        command=PtzValue,
        short="op",
        write=_ptz,
        check=_ptz_check,
        safety_off=lambda v: v.op in (PtzOp.STOP, PtzOp.STOP_PATROL),
    ),
    _ptz_button(PtzOp.LEFT, "PTZ left", "mdi:pan-left", "pan_tilt"),
    _ptz_button(PtzOp.RIGHT, "PTZ right", "mdi:pan-right", "pan_tilt"),
    _ptz_button(PtzOp.UP, "PTZ up", "mdi:pan-up", "pan_tilt"),
    _ptz_button(PtzOp.DOWN, "PTZ down", "mdi:pan-down", "pan_tilt"),
    _ptz_button(PtzOp.ZOOM_IN, "PTZ zoom in", "mdi:magnify-plus", "zoom"),
    _ptz_button(PtzOp.ZOOM_OUT, "PTZ zoom out", "mdi:magnify-minus", "zoom"),
    _ptz_button(PtzOp.STOP, "PTZ stop", "mdi:stop", "pan_tilt"),
    Feature(
        key="ptz_preset",
        kind=Kind.SELECT,
        name="PTZ preset",
        supported=lambda ch: bool(ch.ptz_presets),
        field="ptz_preset",
        state=str,
        command=PresetName,
        write=_preset,
        check=_preset_check,
        options=_presets,
        ha=Ha(icon="mdi:map-marker-radius", config=_preset_config),
    ),
    Feature(
        key="zoom",
        kind=Kind.NUMBER,
        name="Zoom",
        needs="zoom",
        field="zoom",
        state=Percent,
        read="zoom",
        command=Percent,
        write=_zoom,
        minimum=0,
        maximum=100,
        step=1,
        unit="%",
        ha=Ha(icon="mdi:magnify"),
    ),
)
"""Moves (a command) and their buttons, going to a preset, the zoom."""


PTZ_EXTRA: tuple[Feature, ...] = (
    _preset_command("ptz_preset_save", "Save PTZ preset"),
    _preset_command("ptz_preset_delete", "Delete PTZ preset"),
    setting_switch("autofocus", "Autofocus", "mdi:focus-auto", needs="autofocus", read="autofocus"),
    Feature(
        key="focus",
        kind=Kind.NUMBER,
        name="Focus",
        needs="focus",
        field="focus",
        state=Percent,
        read="focus",
        command=Percent,
        minimum=0,
        maximum=100,
        step=1,
        unit="%",
        ha=Ha(icon="mdi:image-filter-center-focus-weak"),
    ),
    Feature(
        key="ptz_patrol",
        kind=Kind.SWITCH,
        name="PTZ patrol",
        needs="ptz_patrol",
        field="ptz_patrol",
        state=OnOff,
        read="ptz_patrol",
        command=OnOffValue,
        safety_off=lambda v: v is OnOff.OFF,
        ha=Ha(icon="mdi:map-marker-path"),
    ),
    setting_switch(
        "ptz_guard", "PTZ guard", "mdi:home-import-outline", needs="ptz_guard", read="ptz_guard"
    ),
    Feature(
        key="ptz_guard_goto",
        kind=Kind.BUTTON,
        name="PTZ go to guard",
        needs="ptz_guard",
        command=Press,
        ha=Ha(icon="mdi:home-map-marker"),
    ),
    Feature(
        key="ptz_guard_set",
        kind=Kind.BUTTON,
        name="PTZ set guard position",
        needs="ptz_guard",
        command=Press,
        category="config",
        ha=Ha(icon="mdi:map-marker-plus"),
    ),
)
"""PTZ: preset save/delete (commands), autofocus and focus, patrol, the guard (home) position."""
