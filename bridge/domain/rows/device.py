"""The device itself: snapshots, reboot, storage, the Wi-Fi signal, the event source."""

from __future__ import annotations

from typing import Any

from bridge.domain.command_values import (
    Press,
)
from bridge.domain.feature import Feature, Ha, Kind, WriteContext
from bridge.domain.ha import field_template
from bridge.domain.values import (
    EventSource,
    StorageState,
)


async def _snapshot(ctx: WriteContext, value: bool) -> None:
    ctx.data["snapshot_bytes"] = len(await ctx.take_snapshot())


async def _reboot(ctx: WriteContext, value: bool) -> None:
    await ctx.client.reboot()
    ctx.request_refresh()


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


def _event_source(b: Any) -> dict[str, Any]:
    return {
        "options": [s.value for s in EventSource],
        "value_template": field_template("event_source"),
    }


def _last_snapshot(b: Any) -> dict[str, Any]:
    # The latest snapshot's signed URL on `<base>/<cam>/snapshot/url` (retained): Home Assistant
    # fetches it without credentials; or the raw JPEG topic (`media.snapshot_jpeg_topic`).
    if b.snapshot_jpeg:
        return {"image_topic": b.snapshot_topic, "content_type": "image/jpeg"}
    return {"url_topic": b.snapshot_url_topic}


DEVICE: tuple[Feature, ...] = (
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
        read="wifi",
        actuator=False,
        unit="dBm",
        category="diagnostic",
        ha=Ha(
            device_class="signal_strength",
            state_class="measurement",
            enabled_by_default=False,
            config=lambda b: {"value_template": field_template("wifi_signal")},
        ),
    ),
    Feature(
        key="event_source",
        kind=Kind.SENSOR,
        name="Event source",
        supported=lambda ch: bool(ch.detections),
        field="event_source",
        state=EventSource,
        actuator=False,
        options=[s.value for s in EventSource],
        category="diagnostic",
        ha=Ha(device_class="enum", icon="mdi:access-point-network", config=_event_source),
    ),
)
"""Snapshots, reboot, the disks, the Wi-Fi signal, where the events come from (push or
polling)."""
