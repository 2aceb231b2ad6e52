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

import re
from dataclasses import dataclass
from typing import Any, Literal

from bridge import __version__
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.feature import Feature, Kind
from bridge.domain.features import FEATURES
from bridge.domain.ha import field_template
from bridge.domain.views import CameraView, camera_views
from bridge.topics.tree import Topics

DiscoveryMode = Literal["device", "entity", "off"]

ORIGIN_NAME = "reolink-server"
MANUFACTURER = "Reolink"

# Platforms whose schema has no `state_topic`: they must not be given the camera's state topic.
_STATELESS_PLATFORMS = frozenset({"button", "image"})

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


class Discovery:
    """Home Assistant discovery messages for cameras (see the module docstring)."""

    def __init__(
        self,
        topics: Topics,
        mode: DiscoveryMode = "device",
        public_url: str | None = None,
        *,
        support_url: str | None = None,
        snapshot_jpeg: bool = False,
    ) -> None:
        """`public_url`: how users reach the bridge's dashboard/API; gives each device a
        `configuration_url` (`<public_url>/?camera=<camera_id>`) and, unless `support_url` is
        given, the origin's `support_url`. Never the camera's own address."""
        self.topics = topics
        self.mode: DiscoveryMode = mode
        self.snapshot_jpeg = snapshot_jpeg
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
        self,
        camera: Camera,
        caps: Capabilities,
        previous: Capabilities | None = None,
        *,
        owner: str | None = None,
    ) -> list[tuple[str, dict[str, Any]]]:
        """(topic, payload) pairs to publish retained at QoS 1; NVR first, then its channels.

        `owner`: the bridge instance that runs the camera (several instances): its own
        `bridge/<owner>/state` stands in the availability for `bridge/state`, so that another
        instance's going away never makes this camera unavailable.

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
                payload = self._device_payload(caps, view, entities, owner)
                for key, platform in gone.get(device_id, {}).items():
                    payload["components"].setdefault(key, {"platform": platform})
                out.append((self.topics.ha_device_config(device_id), payload))
            else:
                out.extend(
                    (
                        self.topics.ha_entity_config(e.platform, e.unique_id),
                        self._entity_payload(caps, e, owner),
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
                self.topics.entities(cid),
            ]
        return topics

    def entities(self, camera: Camera, caps: Capabilities) -> list[Entity]:
        """Every entity of every view, whatever the mode."""
        return [e for view in camera_views(camera, caps) for e in self._view_entities(caps, view)]

    # -- payloads ----------------------------------------------------------------------------

    def _availability(self, view: CameraView, owner: str | None) -> list[dict[str, str]]:
        topics = [self.topics.bridge_state if owner is None else self.topics.instance_state(owner)]
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
        self, caps: Capabilities, view: CameraView, entities: list[Entity], owner: str | None
    ) -> dict[str, Any]:
        return {
            "device": self._device(caps, view),
            "origin": dict(self.origin),
            "availability": self._availability(view, owner),
            "availability_mode": "all",
            "state_topic": self.topics.state(view.camera_id),
            "qos": 1,
            "components": {e.key: dict(e.config) for e in entities},
        }

    def _entity_payload(
        self, caps: Capabilities, entity: Entity, owner: str | None
    ) -> dict[str, Any]:
        config = {k: v for k, v in entity.config.items() if k != "platform"}
        if entity.platform not in _STATELESS_PLATFORMS:
            config.setdefault("state_topic", self.topics.state(entity.view.camera_id))
        config["device"] = self._device(caps, entity.view)
        config["origin"] = dict(self.origin)
        config["availability"] = self._availability(entity.view, owner)
        config["availability_mode"] = "all"
        return config

    # -- entities ----------------------------------------------------------------------------

    def _view_entities(self, caps: Capabilities, view: CameraView) -> list[Entity]:
        b = _Builder(self.topics, view, self.device_unique_id(caps, view), caps)
        b.snapshot_jpeg = self.snapshot_jpeg
        ch = view.capabilities
        if view.is_nvr or ch is None:
            # The NVR's own view; or a camera whose channel is not known yet.
            if view.is_nvr or not caps.is_nvr:
                b.rows("device")
            return b.entities
        b.rows("channel")
        if not caps.is_nvr:
            b.rows("device")
        return b.entities


class _Builder:
    """The entities of one view, in table order (the `DiscoveryContext` of the rows' configs)."""

    def __init__(
        self, topics: Topics, view: CameraView, device_id: str, device: Capabilities
    ) -> None:
        self.topics = topics
        self.view = view
        self.device_id = device_id
        self.device = device
        self.snapshot_jpeg = False
        self.entities: list[Entity] = []
        # A camera's entity ids come from its id (the user chose it); an NVR or Home Hub
        # channel's from the name it is shown with (`nvr_ch0_motion` said nothing).
        self._object_base = view.name if view.parent_id is not None else view.camera_id
        self._present = {
            row.key for row in FEATURES.rows if row.available(view.capabilities, device)
        }

    # -- DiscoveryContext --------------------------------------------------------------------

    @property
    def camera_id(self) -> str:
        return self.view.camera_id

    @property
    def state_topic(self) -> str:
        return self.topics.state(self.view.camera_id)

    @property
    def event_topic(self) -> str:
        return self.topics.event(self.view.camera_id)

    @property
    def snapshot_topic(self) -> str:
        return self.topics.snapshot(self.view.camera_id)

    @property
    def snapshot_url_topic(self) -> str:
        return self.topics.snapshot_url(self.view.camera_id)

    @property
    def channel(self) -> ChannelCapabilities | None:
        return self.view.capabilities

    def set_topic(self, attribute: str | None = None) -> str:
        return self.topics.set(self.view.camera_id, attribute)

    def has(self, key: str) -> bool:
        return key in self._present

    # -- entities ----------------------------------------------------------------------------

    def rows(self, scope: str) -> None:
        for row in FEATURES.rows:
            if row.entity and row.ha.discovered and row.scope == scope and row.key in self._present:
                self.add(row)

    def add(self, row: Feature) -> None:
        unique_id = f"{self.device_id}_{row.key}"
        object_id = _slug(f"{self._object_base}_{row.key}")
        body: dict[str, Any] = {
            "platform": row.platform,
            "unique_id": unique_id,
            "object_id": object_id,
            "default_entity_id": f"{row.platform}.{object_id}",
            "name": row.name,
        }
        hints = {
            "device_class": row.ha.device_class,
            "icon": row.ha.icon,
            "entity_category": row.category,
            "state_class": row.ha.state_class,
            "unit_of_measurement": row.unit,
            "enabled_by_default": False if not row.ha.enabled_by_default else None,
        }
        body.update({key: value for key, value in hints.items() if value is not None})
        body.update(self._kind_config(row))
        if row.ha.config is not None:
            body.update(row.ha.config(self))
        body["qos"] = 1
        self.entities.append(Entity(self.view, row.key, row.platform, unique_id, body))

    def _kind_config(self, row: Feature) -> dict[str, Any]:
        """What the kind gives every row of it; a row's own `ha.config` goes on top."""
        config: dict[str, Any] = {}
        attribute = row.set_attribute
        if attribute is not None and row.kind is not Kind.SIREN:
            config["command_topic"] = self.set_topic(attribute)
        if row.kind is Kind.BUTTON:
            config["payload_press"] = row.press[1] if row.press is not None else "PRESS"
        if row.field is not None and row.kind in _VALUE_KINDS:
            config["value_template"] = field_template(row.field)
        if row.kind is Kind.NUMBER:
            config.update(min=row.minimum, max=row.maximum, step=row.step or 1, mode="slider")
        options = row.options_for(self.view.capabilities)
        if options is not None and row.kind is Kind.SELECT:
            config["options"] = options
        return config


_VALUE_KINDS = frozenset({Kind.SWITCH, Kind.NUMBER, Kind.SELECT, Kind.SENSOR})
"""Kinds whose state is the field as it is (`ON`/`OFF`, a number, an option)."""
