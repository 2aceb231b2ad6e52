"""The topic scheme, built and parsed in one place (DESIGN.md's MQTT table)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bridge.domain.camera import RESERVED_CAMERA_IDS


class CameraTopic(StrEnum):
    """What a topic under `<base>/<camera_id>/…` is for."""

    SET = "set"
    GET = "get"


@dataclass(frozen=True, slots=True)
class ParsedCommandTopic:
    camera_id: str
    kind: CameraTopic
    attribute: str | None = None


@dataclass(frozen=True, slots=True)
class Topics:
    base: str = "reolink"
    discovery_prefix: str = "homeassistant"

    # Bridge
    @property
    def bridge_state(self) -> str:
        return f"{self.base}/bridge/state"

    def instance_state(self, instance: str) -> str:
        """One bridge instance's own `online`/`offline` (its last will), beside `bridge_state`:
        with several instances, that one means "some instance is alive"."""
        return f"{self.base}/bridge/{instance}/state"

    def shared(self, topic_filter: str) -> str:
        """`topic_filter` as an MQTT shared subscription of every instance of this bridge: the
        broker hands each message to one of them (commands are executed once)."""
        group = "reolink-bridge-" + "".join(c if c.isalnum() else "-" for c in self.base)
        return f"$share/{group}/{topic_filter}"

    @property
    def bridge_info(self) -> str:
        return f"{self.base}/bridge/info"

    @property
    def bridge_cameras(self) -> str:
        return f"{self.base}/bridge/cameras"

    @property
    def bridge_event(self) -> str:
        return f"{self.base}/bridge/event"

    @property
    def bridge_request_filter(self) -> str:
        return f"{self.base}/bridge/request/#"

    def bridge_response(self, action: str) -> str:
        return f"{self.base}/bridge/response/{action}"

    def bridge_request_action(self, topic: str) -> str | None:
        prefix = f"{self.base}/bridge/request/"
        return (
            topic[len(prefix) :] if topic.startswith(prefix) and len(topic) > len(prefix) else None
        )

    # Cameras
    def state(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}"

    def availability(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/availability"

    def event(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/event"

    def entities(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/entities"

    def snapshot_url(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/snapshot/url"

    def snapshot(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/snapshot"

    def set(self, camera_id: str, attribute: str | None = None) -> str:
        suffix = f"/{attribute}" if attribute else ""
        return f"{self.base}/{camera_id}/set{suffix}"

    def get(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/get"

    def response(self, camera_id: str) -> str:
        return f"{self.base}/{camera_id}/response"

    @property
    def command_filters(self) -> tuple[str, ...]:
        """What the bridge subscribes to for camera commands."""
        return (*self.set_filters, self.get_filter)

    @property
    def set_filters(self) -> tuple[str, ...]:
        return (f"{self.base}/+/set", f"{self.base}/+/set/+")

    @property
    def get_filter(self) -> str:
        return f"{self.base}/+/get"

    def parse_command(self, topic: str) -> ParsedCommandTopic | None:
        """`<base>/<cam>/set`, `<base>/<cam>/set/<attr>` or `<base>/<cam>/get`; None otherwise."""
        prefix = f"{self.base}/"
        if not topic.startswith(prefix):
            return None
        parts = topic[len(prefix) :].split("/")
        if len(parts) < 2 or not parts[0] or parts[0] in RESERVED_CAMERA_IDS:
            return None
        camera_id, verb, rest = parts[0], parts[1], parts[2:]
        if verb == "set" and not rest:
            return ParsedCommandTopic(camera_id, CameraTopic.SET)
        if verb == "set" and len(rest) == 1 and rest[0]:
            return ParsedCommandTopic(camera_id, CameraTopic.SET, rest[0])
        if verb == "get" and not rest:
            return ParsedCommandTopic(camera_id, CameraTopic.GET)
        return None

    # Home Assistant
    @property
    def ha_status(self) -> str:
        return f"{self.discovery_prefix}/status"

    def ha_device_config(self, device_unique_id: str) -> str:
        return f"{self.discovery_prefix}/device/{device_unique_id}/config"

    def ha_entity_config(self, component: str, unique_id: str) -> str:
        return f"{self.discovery_prefix}/{component}/{unique_id}/config"
