"""The feature table: every feature a camera can have, described once.

The state tracker, the command parser and dispatcher, `/set/<attribute>`, MQTT discovery, the
REST control and settings routes and `GET /cameras/{id}/entities` all derive from these rows (see
`bridge.domain.feature.Feature`). The rows live in `bridge.domain.rows`, one module per concept;
adding a feature is one row there, the camera client's wire mapping (`bridge.reolink.mapping`:
its reader group, its probe, its writer) and the simulator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from bridge.domain.feature import Feature
from bridge.domain.rows import audio, battery, detection, device, image, lights, notifications, ptz

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
    "md_enable": False,
    "audio_alarm": False,
    "volume": False,
    "autofocus": False,
    "focus": False,
    "ptz_guard": False,
    "ai_sensitivity": False,
    "hdr": False,
    "pir": False,
}
"""The capability flags of a channel (`ChannelCapabilities.has`) and their defaults. The camera
client sets them from what the device says (GetAbility and the answers to its probes)."""

ROWS: tuple[Feature, ...] = (
    *detection.DETECTIONS,
    *audio.SIREN,
    *lights.LIGHTS,
    *notifications.TOGGLES,
    *image.DAY_NIGHT,
    *detection.MOTION_SENSITIVITY,
    *image.ADJUSTMENTS,
    *ptz.PTZ,
    *device.DEVICE,
    *detection.DETECTION_SETTINGS,
    *audio.AUDIO,
    *image.IMAGE_EXTRA,
    *lights.LIGHTS_EXTRA,
    *ptz.PTZ_EXTRA,
    *battery.BATTERY,
)
"""Every row, in the order the table has always had (commands apply in this order)."""


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
