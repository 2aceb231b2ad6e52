"""The feature table: every feature a camera can have, described once.

The state tracker, the command parser and dispatcher, `/set/<attribute>`, MQTT discovery, the
REST control and settings routes and `GET /cameras/{id}/entities` all derive from these rows (see
`bridge.domain.feature.Feature`). Adding a feature is one row here, the camera client's wire
mapping (its reader group, its call, its capability flag) and the simulator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from bridge.domain.command_values import (
    SIREN_MAX_SECONDS,
    DayNightValue,
    FloodlightCommand,
    FloodlightValue,
    ImageValue,
    IrModeValue,
    OnOffValue,
    Percent,
    PresetName,
    Press,
    PtzCommand,
    PtzValue,
    Sensitivity,
    SirenCommand,
    SirenValue,
)
from bridge.domain.errors import CommandRefused
from bridge.domain.feature import CameraControl, Feature, Ha, Kind, WriteContext
from bridge.domain.ha import bool_template, field_template, jinja_list
from bridge.domain.values import (
    AI_TYPES,
    DayNight,
    DetectionType,
    FloodlightMode,
    IrMode,
    LastEvent,
    OnOff,
    PtzOp,
    StorageState,
)

CAPABILITY_FLAGS: dict[str, bool] = {
    "motion": True,
    "visitor": False,
    "siren": False,
    "floodlight": False,
    "floodlight_brightness": False,
    "ir_lights": False,
    "status_led": False,
    "pan_tilt": False,
    "zoom": False,
    "ptz_patrol": False,
    "image_settings": False,
    "day_night": False,
    "md_sensitivity": False,
    "recording": False,
    "email": False,
    "push": False,
    "ftp": False,
    "snapshot": True,
    "battery": False,
}
"""The capability flags of a channel (`ChannelCapabilities.has`) and their defaults. The camera
client sets them from what the device says (GetAbility and the answers to its probes)."""

ZOOM_OPS = frozenset({PtzOp.ZOOM_IN, PtzOp.ZOOM_OUT, PtzOp.FOCUS_NEAR, PtzOp.FOCUS_FAR})
PATROL_OPS = frozenset({PtzOp.START_PATROL, PtzOp.STOP_PATROL})


# ---------------------------------------------------------------------------------------------
# Writers: a value of a row's command → the camera client's call
# ---------------------------------------------------------------------------------------------


async def _siren(ctx: WriteContext, value: SirenCommand) -> None:
    if value.state is OnOff.OFF:
        ctx.cancel("siren")
        await ctx.client.set_siren(ctx.channel, False)
        ctx.assume(siren=OnOff.OFF)
        return
    limit = ctx.siren_max_seconds
    duration = value.duration or limit
    if duration > limit:
        raise CommandRefused(f"siren duration {duration} s exceeds the maximum of {limit} s")
    # The client silences the siren after `duration` (and at once if it closes).
    await ctx.client.set_siren(ctx.channel, True, duration)
    ctx.assume(siren=OnOff.ON)

    async def stopped(client: CameraControl) -> None:
        ctx.assume(siren=OnOff.OFF)

    # Just after the client's own stop timer, so the state follows the camera.
    ctx.after("siren", duration + 0.2, stopped)
    ctx.data["siren_off_in"] = duration


async def _floodlight(ctx: WriteContext, value: FloodlightCommand) -> None:
    await ctx.client.set_floodlight(
        ctx.channel,
        on=None if value.state is None else value.state is OnOff.ON,
        brightness=value.brightness,
        mode=value.mode,
    )


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


async def _snapshot(ctx: WriteContext, value: bool) -> None:
    ctx.data["snapshot_bytes"] = len(await ctx.take_snapshot())


async def _reboot(ctx: WriteContext, value: bool) -> None:
    await ctx.client.reboot()
    ctx.request_refresh()


def _image(name: str) -> Any:
    async def write(ctx: WriteContext, value: int) -> None:
        await ctx.client.set_image(ctx.channel, **{name: value})

    return write


def _switch(call: str) -> Any:
    async def write(ctx: WriteContext, value: OnOff) -> None:
        await getattr(ctx.client, call)(ctx.channel, value is OnOff.ON)

    return write


# ---------------------------------------------------------------------------------------------
# Value checks: what a channel cannot take although it has the feature
# ---------------------------------------------------------------------------------------------


def _floodlight_check(ch: Any, value: FloodlightCommand) -> str | None:
    if value.brightness is not None and not ch.has("floodlight_brightness"):
        return "floodlight brightness"
    return None


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


# ---------------------------------------------------------------------------------------------
# Home Assistant configs that the kind alone does not give
# ---------------------------------------------------------------------------------------------


def _detection_event_types(ch: Any) -> list[str]:
    return [k.value for k in ch.detections if k is not DetectionType.VISITOR]


def _detection_event(b: Any) -> dict[str, Any]:
    kinds = _detection_event_types(b.channel)
    # Starts and instants become HA events; an `end` renders nothing, which HA ignores.
    return {
        "event_types": kinds,
        "state_topic": b.event_topic,
        "value_template": (
            "{% if value_json.phase != 'end' and value_json.type in "
            + jinja_list(kinds)
            + " %}{{ {'event_type': value_json.type, 'event_id': value_json.event_id,"
            " 'phase': value_json.phase, 'timestamp': value_json.timestamp} | tojson }}"
            "{% endif %}"
        ),
    }


def _doorbell_event(b: Any) -> dict[str, Any]:
    return {
        "event_types": ["press"],
        "state_topic": b.event_topic,
        "value_template": (
            "{% if value_json.type == 'visitor' and value_json.phase != 'end' %}"
            "{{ {'event_type': 'press', 'event_id': value_json.event_id,"
            " 'timestamp': value_json.timestamp} | tojson }}{% endif %}"
        ),
    }


def _last_event(b: Any) -> dict[str, Any]:
    return {
        "options": [t.value for t in DetectionType],
        "value_template": "{{ value_json.last_event.type if value_json.last_event else 'None' }}",
        "json_attributes_topic": b.state_topic,
        "json_attributes_template": "{{ (value_json.last_event or {}) | tojson }}",
    }


def _siren_config(b: Any) -> dict[str, Any]:
    # A duration needs the JSON command: {"siren": {"state": "ON", "duration": N}}.
    return {
        "command_topic": b.set_topic(),
        "command_template": (
            '{"siren": {"state": "{{ value }}"'
            "{% if duration is defined and duration %}"
            ', "duration": {{ [duration | int, ' + str(SIREN_MAX_SECONDS) + "] | min }}"
            "{% endif %}}}"
        ),
        "state_value_template": field_template("siren"),
        "support_duration": True,
        "support_volume_set": False,
    }


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


def _storage_config(b: Any) -> dict[str, Any]:
    return {
        "suggested_display_precision": 1,
        "value_template": (
            "{% set s = value_json.storage %}"
            "{{ (100 * (1 - s.free_mb / s.capacity_mb)) | round(1)"
            " if s and s.capacity_mb else 'None' }}"
        ),
        "json_attributes_topic": b.state_topic,
        "json_attributes_template": "{{ (value_json.storage or {}) | tojson }}",
    }


def _last_snapshot(b: Any) -> dict[str, Any]:
    # The latest event snapshot's signed URL on `<base>/<cam>/snapshot/url` (retained): Home
    # Assistant fetches it without credentials; or the raw JPEG topic (`media.snapshot_jpeg_topic`).
    if b.snapshot_jpeg:
        return {"image_topic": b.snapshot_topic, "content_type": "image/jpeg"}
    return {"url_topic": b.snapshot_url_topic}


# ---------------------------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------------------------

_DETECTION_ICONS: dict[DetectionType, str | None] = {
    DetectionType.MOTION: None,
    DetectionType.PERSON: "mdi:account",
    DetectionType.VEHICLE: "mdi:car",
    DetectionType.PET: "mdi:dog-side",
    DetectionType.FACE: "mdi:face-recognition",
    DetectionType.PACKAGE: "mdi:package-variant-closed",
    DetectionType.VISITOR: "mdi:doorbell",
}


def _ai(kind: DetectionType) -> Any:
    return lambda ch: kind in ch.ai_types


def _bool_config(field: str) -> Any:
    return lambda b: {"value_template": bool_template(field)}


def _detection(kind: DetectionType) -> Feature:
    return Feature(
        key=kind.value,
        kind=Kind.BINARY_SENSOR,
        name=kind.value.capitalize(),
        needs="motion" if kind is DetectionType.MOTION else None,
        supported=_ai(kind) if kind in AI_TYPES else None,
        field=kind.value,
        state=bool,
        read="detections",
        fast=True,
        events="duration",
        actuator=False,
        ha=Ha(
            # AI detections have no device class (on/off), as Home Assistant's own Reolink
            # integration: "occupancy" made the logbook say "Person detected occupancy".
            device_class="motion" if kind is DetectionType.MOTION else None,
            icon=_DETECTION_ICONS[kind],
            config=_bool_config(kind.value),
        ),
    )


def _toggle(key: str, name: str, icon: str, read: str) -> Feature:
    return Feature(
        key=key,
        kind=Kind.SWITCH,
        name=name,
        needs=key,
        field=key,
        state=OnOff,
        read=read,
        command=OnOffValue,
        write=_switch(f"set_{key}"),
        category="config",
        config_group="recording" if key == "recording" else "notifications",
        ha=Ha(icon=icon),
    )


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


def _ptz_button(op: PtzOp, name: str, icon: str, needs: str) -> Feature:
    return Feature(
        key=f"ptz_{op.value}",
        kind=Kind.BUTTON,
        name=name,
        needs=needs,
        press=("ptz", op.value),
        ha=Ha(icon=icon),
    )


ROWS: tuple[Feature, ...] = (
    *(_detection(kind) for kind in DetectionType if kind is not DetectionType.VISITOR),
    Feature(
        key="visitor",
        kind=Kind.BINARY_SENSOR,
        name="Visitor",
        needs="visitor",
        field="visitor",
        state=bool,
        read="detections",
        fast=True,
        events="instant",
        actuator=False,
        ha=Ha(icon="mdi:doorbell", config=_bool_config("visitor")),
    ),
    Feature(
        key="detection",
        kind=Kind.EVENT,
        name="Detection",
        supported=lambda ch: bool(_detection_event_types(ch)),
        actuator=False,
        ha=Ha(device_class="motion", config=_detection_event),
    ),
    Feature(
        key="doorbell",
        kind=Kind.EVENT,
        name="Ring",
        needs="visitor",
        actuator=False,
        ha=Ha(device_class="doorbell", config=_doorbell_event),
    ),
    Feature(
        key="last_event",
        kind=Kind.SENSOR,
        name="Last event",
        supported=lambda ch: bool(ch.detections),
        field="last_event",
        state=LastEvent,
        value_path="last_event.type",
        actuator=False,
        category="diagnostic",
        # Off by default: it changes with every detection, which the binary sensors and the
        # event entities already tell (a doorbell press would otherwise log a fourth line).
        ha=Ha(
            device_class="enum",
            icon="mdi:history",
            enabled_by_default=False,
            config=_last_event,
        ),
    ),
    Feature(
        key="siren",
        kind=Kind.SIREN,
        name="Siren",
        needs="siren",
        field="siren",
        state=OnOff,
        command=SirenValue,
        short="state",
        write=_siren,
        safety_off=lambda v: v.state is OnOff.OFF,
        ha=Ha(icon="mdi:alarm-light", config=_siren_config),
    ),
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
        write=_switch("set_status_led"),
        category="config",
        config_group="lights",
        ha=Ha(icon="mdi:led-on"),
    ),
    _toggle("recording", "Record", "mdi:record-rec", "rec"),
    _toggle("push", "Push notifications", "mdi:message-badge", "push"),
    _toggle("email", "Email on event", "mdi:email", "email"),
    _toggle("ftp", "FTP upload", "mdi:folder-upload", "ftp"),
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
    Feature(
        key="motion_sensitivity",
        kind=Kind.NUMBER,
        name="Motion sensitivity",
        needs="md_sensitivity",
        field="motion_sensitivity",
        state=int,
        read="md_alarm",
        command=Sensitivity,
        write=lambda ctx, value: ctx.client.set_motion_sensitivity(ctx.channel, value),
        minimum=1,
        maximum=50,
        step=1,
        category="config",
        config_group="motion",
        ha=Ha(icon="mdi:motion-sensor"),
    ),
    _image_setting("brightness", "mdi:brightness-6"),
    _image_setting("contrast", "mdi:contrast-box"),
    _image_setting("saturation", "mdi:palette"),
    _image_setting("sharpness", "mdi:image-filter-center-focus"),
    _image_setting("hue", "mdi:format-color-fill"),
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
    Feature(
        key="snapshot",
        kind=Kind.BUTTON,
        name="Snapshot",
        needs="snapshot",
        command=Press,
        write=_snapshot,
        actuator=False,
        ha=Ha(icon="mdi:camera"),
    ),
    Feature(
        key="last_snapshot",
        kind=Kind.IMAGE,
        name="Last snapshot",
        needs="snapshot",
        actuator=False,
        ha=Ha(config=_last_snapshot),
    ),
    Feature(
        key="reboot",
        kind=Kind.BUTTON,
        name="Reboot",
        scope="device",
        device_supported=lambda caps: caps.reboot,
        command=Press,
        write=_reboot,
        device_command=True,
        category="config",
        ha=Ha(device_class="restart"),
    ),
    Feature(
        key="storage",
        kind=Kind.SENSOR,
        name="Storage used",
        scope="device",
        device_supported=lambda caps: bool(caps.storage),
        field="storage",
        state=StorageState,
        value_path="storage.used_percent",
        actuator=False,
        unit="%",
        category="diagnostic",
        ha=Ha(icon="mdi:harddisk", state_class="measurement", config=_storage_config),
    ),
    Feature(
        key="wifi_signal",
        kind=Kind.SENSOR,
        name="Wi-Fi signal",
        scope="device",
        device_supported=lambda caps: caps.wifi,
        field="wifi_signal",
        state=int,
        actuator=False,
        category="diagnostic",
        ha=Ha(
            icon="mdi:wifi",
            state_class="measurement",
            config=lambda b: {"value_template": field_template("wifi_signal")},
        ),
    ),
)


class FeatureTable:
    """The rows and their lookups; `extended()` adds rows for a while (tests)."""

    def __init__(self, rows: Sequence[Feature], flags: dict[str, bool]) -> None:
        self._rows: tuple[Feature, ...] = ()
        self._flags = dict(flags)
        self.version = 0
        self._set(tuple(rows))

    def _set(self, rows: tuple[Feature, ...]) -> None:
        keys = [row.key for row in rows]
        if len(keys) != len(set(keys)):
            raise ValueError("feature keys must be unique")
        self._rows = rows
        self.by_key = {row.key: row for row in rows}
        self.commands = {row.key: row for row in rows if row.commandable}
        self.by_attribute: dict[str, Feature] = {}
        for row in rows:  # `/set/<attribute>` takes a row's attribute and, if other, its key
            if row.command is not None or row.via is not None:
                self.by_attribute[row.attribute or row.key] = row
        for row in rows:
            if row.writable:
                self.by_attribute.setdefault(row.key, row)
        self.fields = {row.field: row for row in rows if row.field is not None}
        self.version += 1

    @property
    def rows(self) -> tuple[Feature, ...]:
        return self._rows

    @property
    def flags(self) -> dict[str, bool]:
        return dict(self._flags)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._rows)

    def __getitem__(self, key: str) -> Feature:
        return self.by_key[key]

    @contextlib.contextmanager
    def extended(self, *rows: Feature, flags: dict[str, bool] | None = None) -> Iterator[None]:
        """The table with `rows` (and capability `flags`) added, until the block ends."""
        before, before_flags = self._rows, self._flags
        self._flags = {**self._flags, **(flags or {})}
        self._set((*before, *rows))
        try:
            yield
        finally:
            self._flags = before_flags
            self._set(before)


FEATURES = FeatureTable(ROWS, CAPABILITY_FLAGS)
"""The table. Everything that lists, shows or changes a camera feature reads it."""
