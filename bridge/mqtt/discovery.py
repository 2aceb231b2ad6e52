"""Home Assistant MQTT discovery, built from a device's capabilities. Pure: no I/O.

`Discovery.messages(camera, caps)` gives the retained QoS 1 messages to publish, `removals()` the
discovery topics to clear (empty retained payload) when the camera goes away, and
`retained_topics()` the camera's own retained topics (state, availability, snapshot) that must be
cleared with them. When a camera's capabilities change, `messages(camera, caps, previous=old)`
also removes the components that are gone, and `stale_topics(camera, old, caps)` are the
discovery topics to clear. `entities()` is the same content as a flat list, for tests, docs and
APIs.

One Home Assistant device per camera view (`bridge.domain.views.camera_views`): a camera, or an NVR
plus one device per online channel linked to it with `via_device`. Each entity exists only when the
channel's capabilities say the camera has the feature.

Modes (`mqtt.discovery`):

* ``device`` (default): one `<prefix>/device/<device_unique_id>/config` per view with `device`,
  `origin`, the shared availability, `state_topic` (the camera's state topic, inherited by every
  component that does not name its own) and `components`.
* ``entity``: one `<prefix>/<platform>/<unique_id>/config` per entity, each carrying the full
  device block, origin and availability: for Home Assistant before device discovery (2024.12)
  and for openHAB's Home Assistant discovery.
* ``off``: nothing.

Identity: the device is `reolink_<Capabilities.unique_id>` (UID, else serial, else MAC; never the
address or the name), `_ch<N>` for an NVR channel; an entity's `unique_id` is
`<device id>_<feature key>`. Both `object_id` (Home Assistant before 2025.10) and
`default_entity_id` (`<platform>.<camera_id>_<key>`, 2025.10 on) are sent.

States come from the retained `CameraState` JSON on `<base>/<camera_id>` through `value_template`s;
events from `<base>/<camera_id>/event`; the snapshot image from `<base>/<camera_id>/snapshot/url`.
Commands go to `<base>/<camera_id>/set/<attribute>` with Home Assistant's plain payloads (ON/OFF,
PRESS, an option, a number), except the siren, whose duration needs the `/set` Command JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from bridge import __version__
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.commands import SIREN_MAX_SECONDS
from bridge.domain.values import DayNight, DetectionType, EventType, FloodlightMode, PtzOp
from bridge.domain.views import CameraView, camera_views
from bridge.topics.tree import Topics

DiscoveryMode = Literal["device", "entity", "off"]

ORIGIN_NAME = "reolink-server"
MANUFACTURER = "Reolink"

# Platforms whose schema has no `state_topic`: they must not be given the camera's state topic.
_STATELESS_PLATFORMS = frozenset({"button", "image"})

_DETECTION_INFO: dict[DetectionType, tuple[str, str | None, str | None]] = {
    # kind: (name, device_class, icon)
    DetectionType.MOTION: ("Motion", "motion", None),
    DetectionType.PERSON: ("Person", "occupancy", "mdi:account"),
    DetectionType.VEHICLE: ("Vehicle", "occupancy", "mdi:car"),
    DetectionType.PET: ("Pet", "occupancy", "mdi:dog-side"),
    DetectionType.FACE: ("Face", "occupancy", "mdi:face-recognition"),
    DetectionType.PACKAGE: ("Package", "occupancy", "mdi:package-variant-closed"),
    DetectionType.VISITOR: ("Visitor", "occupancy", "mdi:doorbell"),
}

# Switches over an ON/OFF field of CameraState: (key = capability = state field, name, icon)
_TOGGLES: tuple[tuple[str, str, str], ...] = (
    ("status_led", "Status LED", "mdi:led-on"),
    ("recording", "Record", "mdi:record-rec"),
    ("push", "Push notifications", "mdi:message-badge"),
    ("email", "Email on event", "mdi:email"),
    ("ftp", "FTP upload", "mdi:folder-upload"),
)

_PTZ_MOVES: tuple[tuple[PtzOp, str, str], ...] = (
    (PtzOp.LEFT, "PTZ left", "mdi:pan-left"),
    (PtzOp.RIGHT, "PTZ right", "mdi:pan-right"),
    (PtzOp.UP, "PTZ up", "mdi:pan-up"),
    (PtzOp.DOWN, "PTZ down", "mdi:pan-down"),
)
_PTZ_ZOOMS: tuple[tuple[PtzOp, str, str], ...] = (
    (PtzOp.ZOOM_IN, "PTZ zoom in", "mdi:magnify-plus"),
    (PtzOp.ZOOM_OUT, "PTZ zoom out", "mdi:magnify-minus"),
)

_IMAGE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("brightness", "Image brightness", "mdi:brightness-6"),
    ("contrast", "Image contrast", "mdi:contrast-box"),
    ("saturation", "Image saturation", "mdi:palette"),
    ("sharpness", "Image sharpness", "mdi:image-filter-center-focus"),
    ("hue", "Image hue", "mdi:format-color-fill"),
)

_UNSAFE_ID = re.compile(r"[^a-zA-Z0-9_-]")


def _safe_id(text: str) -> str:
    """Discovery topic ids allow only `[a-zA-Z0-9_-]`."""
    return _UNSAFE_ID.sub("_", text)


def _slug(text: str) -> str:
    """An entity id's object part: lower case, digits and `_`."""
    return re.sub(r"[^a-z0-9_]", "_", text.lower())


@dataclass(frozen=True, slots=True)
class Entity:
    """One Home Assistant entity of one camera view."""

    view: CameraView
    key: str
    """The feature key: component key in device discovery, last part of unique_id/entity id."""
    platform: str
    unique_id: str
    config: dict[str, Any]
    """The component config as sent in device discovery (with `platform`)."""

    @property
    def default_entity_id(self) -> str:
        return str(self.config["default_entity_id"])


# ------------------------------------------------------------------------------------------
# Templates over the CameraState JSON


def _field(name: str) -> str:
    """A field as it is (`ON`/`OFF`, an option, a number); `None` (unknown) when null."""
    return "{{ value_json." + name + " }}"


def _bool_field(name: str) -> str:
    """A boolean field as ON/OFF; `None` (unknown) when null."""
    field = "value_json." + name
    return "{% if " + field + " is none %}None{% elif " + field + " %}ON{% else %}OFF{% endif %}"


def _json_list(values: list[str]) -> str:
    # A JSON array of strings is a valid Jinja list literal.
    return json.dumps(values)


class Discovery:
    """Home Assistant discovery messages for cameras (see the module docstring)."""

    def __init__(
        self,
        topics: Topics,
        mode: DiscoveryMode = "device",
        public_url: str | None = None,
        *,
        support_url: str | None = None,
    ) -> None:
        """`public_url`: how users reach the bridge's dashboard/API; gives each device a
        `configuration_url` (`<public_url>/?camera=<camera_id>`) and, unless `support_url` is
        given, the origin's `support_url`. Never the camera's own address."""
        self.topics = topics
        self.mode: DiscoveryMode = mode
        self.public_url = public_url.rstrip("/") if public_url else None
        origin: dict[str, Any] = {"name": ORIGIN_NAME, "sw_version": __version__}
        support = support_url or self.public_url
        if support:
            origin["support_url"] = support
        self.origin = origin

    # -- identities --------------------------------------------------------------------------

    @staticmethod
    def device_unique_id(caps: Capabilities, view: CameraView) -> str:
        """`reolink_<uid>` for a device, `reolink_<uid>_ch<N>` for a channel of an NVR."""
        base = f"reolink_{_safe_id(caps.unique_id)}"
        if caps.is_nvr and view.channel is not None:
            return f"{base}_ch{view.channel}"
        return base

    # -- public API --------------------------------------------------------------------------

    def messages(
        self, camera: Camera, caps: Capabilities, previous: Capabilities | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """(topic, payload) pairs to publish retained at QoS 1; NVR first, then its channels.

        `previous`: the capabilities last published for this camera, when they changed. In
        device mode, each component that is gone is then sent as `{"platform": …}` alone, which
        is how Home Assistant removes one component of a device (it ignores a component that is
        merely left out). Clear `stale_topics(camera, previous, caps)` as well."""
        if self.mode == "off":
            return []
        gone: dict[str, dict[str, str]] = {}
        if previous is not None and self.mode == "device":
            for e in self.entities(camera, previous):
                gone.setdefault(self.device_unique_id(previous, e.view), {})[e.key] = e.platform
        out: list[tuple[str, dict[str, Any]]] = []
        for view in camera_views(camera, caps):
            entities = self._view_entities(caps, view)
            if self.mode == "device":
                device_id = self.device_unique_id(caps, view)
                payload = self._device_payload(caps, view, entities)
                for key, platform in gone.get(device_id, {}).items():
                    payload["components"].setdefault(key, {"platform": platform})
                out.append((self.topics.ha_device_config(device_id), payload))
            else:
                out.extend(
                    (
                        self.topics.ha_entity_config(e.platform, e.unique_id),
                        self._entity_payload(caps, e),
                    )
                    for e in entities
                )
        return out

    def stale_topics(self, camera: Camera, previous: Capabilities, caps: Capabilities) -> list[str]:
        """Discovery topics published for `previous` that `caps` no longer has (a view that is
        gone, such as an NVR channel gone offline; in entity mode, an entity that is gone):
        clear them with an empty retained payload when the capabilities change."""
        now = set(self.removals(camera, caps))
        return [t for t in self.removals(camera, previous) if t not in now]

    def removals(self, camera: Camera, caps: Capabilities) -> list[str]:
        """The discovery topics to clear (empty retained payload) when the camera is removed.

        Only discovery topics, for the configured mode; the camera's state, availability and
        snapshot topics are `retained_topics()`."""
        if self.mode == "off":
            return []
        if self.mode == "device":
            return [
                self.topics.ha_device_config(self.device_unique_id(caps, view))
                for view in camera_views(camera, caps)
            ]
        return [
            self.topics.ha_entity_config(e.platform, e.unique_id)
            for e in self.entities(camera, caps)
        ]

    def retained_topics(self, camera: Camera, caps: Capabilities) -> list[str]:
        """Every retained non-discovery topic of the device's views (state, availability,
        snapshot URL, raw snapshot): clear them too so a removal leaves nothing behind."""
        topics: list[str] = []
        for view in camera_views(camera, caps):
            cid = view.camera_id
            topics += [
                self.topics.state(cid),
                self.topics.availability(cid),
                self.topics.snapshot_url(cid),
                self.topics.snapshot(cid),
            ]
        return topics

    def entities(self, camera: Camera, caps: Capabilities) -> list[Entity]:
        """Every entity of every view, whatever the mode."""
        return [e for view in camera_views(camera, caps) for e in self._view_entities(caps, view)]

    # -- payloads ----------------------------------------------------------------------------

    def _availability(self, view: CameraView) -> list[dict[str, str]]:
        topics = [self.topics.bridge_state]
        if view.parent_id is not None:
            # An NVR channel is also unavailable when its NVR is.
            topics.append(self.topics.availability(view.parent_id))
        topics.append(self.topics.availability(view.camera_id))
        return [{"topic": t} for t in topics]

    def _device(self, caps: Capabilities, view: CameraView) -> dict[str, Any]:
        device: dict[str, Any] = {"identifiers": [self.device_unique_id(caps, view)]}
        channel = view.capabilities
        is_nvr_channel = caps.is_nvr and view.channel is not None
        if not is_nvr_channel and caps.mac:
            device["connections"] = [["mac", caps.mac.lower()]]
        device["name"] = view.name
        device["manufacturer"] = MANUFACTURER
        if is_nvr_channel:
            model = channel.model if channel and channel.model else None
            firmware = channel.firmware if channel else None
            serial = channel.uid if channel else None
            model_id = None
        else:
            model = caps.model
            firmware = caps.firmware
            serial = caps.serial or caps.uid
            model_id = caps.hardware
        if model:
            device["model"] = model
        if model_id:
            device["model_id"] = model_id
        if firmware:
            device["sw_version"] = firmware
        if serial:
            device["serial_number"] = serial
        if self.public_url:
            device["configuration_url"] = f"{self.public_url}/?camera={view.camera_id}"
        if view.parent_id is not None:
            device["via_device"] = f"reolink_{_safe_id(caps.unique_id)}"
        return device

    def _device_payload(
        self, caps: Capabilities, view: CameraView, entities: list[Entity]
    ) -> dict[str, Any]:
        return {
            "device": self._device(caps, view),
            "origin": dict(self.origin),
            "availability": self._availability(view),
            "availability_mode": "all",
            "state_topic": self.topics.state(view.camera_id),
            "qos": 1,
            "components": {e.key: dict(e.config) for e in entities},
        }

    def _entity_payload(self, caps: Capabilities, entity: Entity) -> dict[str, Any]:
        config = {k: v for k, v in entity.config.items() if k != "platform"}
        if entity.platform not in _STATELESS_PLATFORMS:
            config.setdefault("state_topic", self.topics.state(entity.view.camera_id))
        config["device"] = self._device(caps, entity.view)
        config["origin"] = dict(self.origin)
        config["availability"] = self._availability(entity.view)
        config["availability_mode"] = "all"
        return config

    # -- entities ----------------------------------------------------------------------------

    def _view_entities(self, caps: Capabilities, view: CameraView) -> list[Entity]:
        b = _Builder(self.topics, view, self.device_unique_id(caps, view))
        ch = view.capabilities
        if view.is_nvr or ch is None:
            # The NVR's own view; or a camera whose channel is not known yet.
            if view.is_nvr or not caps.is_nvr:
                b.device_level(caps)
            return b.entities
        b.detections(ch)
        b.actuators(ch)
        b.settings(ch)
        b.ptz(ch)
        b.snapshot(ch)
        if not caps.is_nvr:
            b.device_level(caps)
        return b.entities


class _Builder:
    """The entities of one view, in a stable order."""

    def __init__(self, topics: Topics, view: CameraView, device_id: str) -> None:
        self.topics = topics
        self.view = view
        self.device_id = device_id
        self.cid = view.camera_id
        self.state_topic = topics.state(view.camera_id)
        self.entities: list[Entity] = []

    def set(self, attribute: str | None = None) -> str:
        return self.topics.set(self.cid, attribute)

    def add(self, key: str, platform: str, name: str, **config: Any) -> None:
        unique_id = f"{self.device_id}_{key}"
        object_id = _slug(f"{self.cid}_{key}")
        body: dict[str, Any] = {
            "platform": platform,
            "unique_id": unique_id,
            "object_id": object_id,
            "default_entity_id": f"{platform}.{object_id}",
            "name": name,
        }
        body.update({k: v for k, v in config.items() if v is not None})
        body["qos"] = 1
        self.entities.append(Entity(self.view, key, platform, unique_id, body))

    def device_level(self, caps: Capabilities) -> None:
        """What belongs to the physical device: the NVR's own view, or a standalone camera."""
        if caps.reboot:
            self.add(
                "reboot",
                "button",
                "Reboot",
                device_class="restart",
                entity_category="config",
                command_topic=self.set("reboot"),
                payload_press="PRESS",
            )
        if caps.storage:
            self.add(
                "storage",
                "sensor",
                "Storage used",
                icon="mdi:harddisk",
                unit_of_measurement="%",
                state_class="measurement",
                entity_category="diagnostic",
                suggested_display_precision=1,
                value_template=(
                    "{% set s = value_json.storage %}"
                    "{{ (100 * (1 - s.free_mb / s.capacity_mb)) | round(1)"
                    " if s and s.capacity_mb else 'None' }}"
                ),
                json_attributes_topic=self.state_topic,
                json_attributes_template="{{ (value_json.storage or {}) | tojson }}",
            )
        if caps.wifi:
            self.add(
                "wifi_signal",
                "sensor",
                "Wi-Fi signal",
                icon="mdi:wifi",
                state_class="measurement",
                entity_category="diagnostic",
                value_template=_field("wifi_signal"),
            )

    def detections(self, ch: ChannelCapabilities) -> None:
        for kind in ch.detections:
            name, device_class, icon = _DETECTION_INFO[kind]
            self.add(
                kind.value,
                "binary_sensor",
                name,
                device_class=device_class,
                icon=icon,
                value_template=_bool_field(kind.value),
            )
        event_topic = self.topics.event(self.cid)
        kinds = [k.value for k in ch.detections if k is not DetectionType.VISITOR]
        if kinds:
            # Starts and instants become HA events; an `end` renders nothing, which HA ignores.
            self.add(
                "detection",
                "event",
                "Detection",
                device_class="motion",
                event_types=kinds,
                state_topic=event_topic,
                value_template=(
                    "{% if value_json.phase != 'end' and value_json.type in "
                    + _json_list(kinds)
                    + " %}{{ {'event_type': value_json.type, 'event_id': value_json.event_id,"
                    " 'phase': value_json.phase, 'timestamp': value_json.timestamp} | tojson }}"
                    "{% endif %}"
                ),
            )
        if ch.visitor:
            self.add(
                "doorbell",
                "event",
                "Doorbell",
                device_class="doorbell",
                event_types=["press"],
                state_topic=event_topic,
                value_template=(
                    "{% if value_json.type == 'visitor' and value_json.phase != 'end' %}"
                    "{{ {'event_type': 'press', 'event_id': value_json.event_id,"
                    " 'timestamp': value_json.timestamp} | tojson }}{% endif %}"
                ),
            )
        if ch.detections:
            self.add(
                "last_event",
                "sensor",
                "Last event",
                icon="mdi:history",
                device_class="enum",
                options=[t.value for t in EventType],
                value_template=(
                    "{{ value_json.last_event.type if value_json.last_event else 'None' }}"
                ),
                json_attributes_topic=self.state_topic,
                json_attributes_template="{{ (value_json.last_event or {}) | tojson }}",
            )

    def actuators(self, ch: ChannelCapabilities) -> None:
        if ch.siren:
            # A duration needs the JSON command: {"siren": {"state": "ON", "duration": N}}.
            self.add(
                "siren",
                "siren",
                "Siren",
                icon="mdi:alarm-light",
                command_topic=self.set(),
                command_template=(
                    '{"siren": {"state": "{{ value }}"'
                    "{% if duration is defined and duration %}"
                    ', "duration": {{ [duration | int, ' + str(SIREN_MAX_SECONDS) + "] | min }}"
                    "{% endif %}}}"
                ),
                state_value_template=_field("siren"),
                support_duration=True,
                support_volume_set=False,
            )
        if ch.floodlight:
            light: dict[str, Any] = {
                "icon": "mdi:spotlight-beam",
                "command_topic": self.set("floodlight"),
                "state_value_template": _field("floodlight"),
            }
            if ch.floodlight_brightness:
                light.update(
                    brightness_command_topic=self.set("floodlight_brightness"),
                    brightness_scale=100,
                    brightness_state_topic=self.state_topic,
                    # 0 or null renders empty, which Home Assistant ignores.
                    brightness_value_template="{{ value_json.floodlight_brightness or '' }}",
                )
            self.add("floodlight", "light", "Floodlight", **light)
            self.add(
                "floodlight_mode",
                "select",
                "Floodlight mode",
                icon="mdi:spotlight",
                entity_category="config",
                options=[m.value for m in FloodlightMode],
                command_topic=self.set("floodlight_mode"),
                value_template=_field("floodlight_mode"),
            )
        if ch.ir_lights:
            # Home Assistant's on/off is Reolink's Auto/Off; a forced "On" reads as on.
            self.add(
                "ir_lights",
                "switch",
                "Infrared lights",
                icon="mdi:led-variant-on",
                entity_category="config",
                command_topic=self.set("ir_lights"),
                payload_on="Auto",
                payload_off="Off",
                state_on="ON",
                state_off="OFF",
                value_template=(
                    "{% if value_json.ir_lights is none %}None"
                    "{% elif value_json.ir_lights == 'Off' %}OFF{% else %}ON{% endif %}"
                ),
            )
        for key, name, icon in _TOGGLES:
            if getattr(ch, key):
                self.add(
                    key,
                    "switch",
                    name,
                    icon=icon,
                    entity_category="config",
                    command_topic=self.set(key),
                    value_template=_field(key),
                )

    def settings(self, ch: ChannelCapabilities) -> None:
        if ch.day_night:
            self.add(
                "day_night",
                "select",
                "Day/night mode",
                icon="mdi:theme-light-dark",
                entity_category="config",
                options=[m.value for m in DayNight],
                command_topic=self.set("day_night"),
                value_template=_field("day_night"),
            )
        if ch.md_sensitivity:
            self.add(
                "motion_sensitivity",
                "number",
                "Motion sensitivity",
                icon="mdi:motion-sensor",
                entity_category="config",
                min=1,
                max=50,
                step=1,
                mode="slider",
                command_topic=self.set("motion_sensitivity"),
                value_template=_field("motion_sensitivity"),
            )
        if ch.image_settings:
            for field, name, icon in _IMAGE_SETTINGS:
                self.add(
                    f"image_{field}",
                    "number",
                    name,
                    icon=icon,
                    entity_category="config",
                    enabled_by_default=False,
                    min=0,
                    max=255,
                    step=1,
                    mode="slider",
                    command_topic=self.set(field),
                    value_template=_field(field),
                )

    def ptz(self, ch: ChannelCapabilities) -> None:
        moves = [*(_PTZ_MOVES if ch.pan_tilt else ()), *(_PTZ_ZOOMS if ch.zoom else ())]
        if ch.pan_tilt:
            moves.append((PtzOp.STOP, "PTZ stop", "mdi:stop"))
        for op, name, icon in moves:
            self.add(
                f"ptz_{op.value}",
                "button",
                name,
                icon=icon,
                command_topic=self.set("ptz"),
                payload_press=op.value,
            )
        if ch.ptz_presets:
            presets = list(dict.fromkeys(ch.ptz_presets))
            self.add(
                "ptz_preset",
                "select",
                "PTZ preset",
                icon="mdi:map-marker-radius",
                options=presets,
                command_topic=self.set("ptz_preset"),
                # A position that is no preset (after a move) reads as unknown.
                value_template=(
                    "{{ value_json.ptz_preset if value_json.ptz_preset in "
                    + _json_list(presets)
                    + " else 'None' }}"
                ),
            )
        if ch.zoom:
            self.add(
                "zoom",
                "number",
                "Zoom",
                icon="mdi:magnify",
                min=0,
                max=100,
                step=1,
                mode="slider",
                command_topic=self.set("zoom"),
                value_template=_field("zoom"),
            )

    def snapshot(self, ch: ChannelCapabilities) -> None:
        if not ch.snapshot:
            return
        self.add(
            "snapshot",
            "button",
            "Snapshot",
            icon="mdi:camera",
            command_topic=self.set("snapshot"),
            payload_press="PRESS",
        )
        # Raw JPEG on `<base>/<cam>/snapshot` (retained): Home Assistant needs no credentials to
        # show it. A `url_topic` needs URLs it can fetch unauthenticated (signed URLs, REST API).
        self.add(
            "last_snapshot",
            "image",
            "Last snapshot",
            image_topic=self.topics.snapshot(self.cid),
            content_type="image/jpeg",
        )
