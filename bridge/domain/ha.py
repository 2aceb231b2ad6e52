"""Home Assistant's side of a feature row: Jinja templates over the `CameraState` JSON, and what a
row's discovery `config` builder is given. MQTT discovery (`bridge.mqtt.discovery`) builds the
messages; the rows say what is particular to each feature."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bridge.domain.capabilities import ChannelCapabilities


def field_template(name: str) -> str:
    """A field as it is (`ON`/`OFF`, an option, a number); `None` (unknown) when null."""
    return "{{ value_json." + name + " }}"


def bool_template(name: str) -> str:
    """A boolean field as ON/OFF; `None` (unknown) when null."""
    field = "value_json." + name
    return "{% if " + field + " is none %}None{% elif " + field + " %}ON{% else %}OFF{% endif %}"


def jinja_list(values: list[str]) -> str:
    """A JSON array of strings is a valid Jinja list literal."""
    return json.dumps(values)


class DiscoveryContext(Protocol):
    """What a row's discovery `config` builder may use (one camera view)."""

    @property
    def camera_id(self) -> str: ...
    @property
    def state_topic(self) -> str: ...
    @property
    def event_topic(self) -> str: ...
    @property
    def snapshot_topic(self) -> str: ...
    @property
    def snapshot_url_topic(self) -> str: ...
    @property
    def snapshot_jpeg(self) -> bool:
        """The image entity reads the raw JPEG topic instead of the URL topic."""
        ...

    @property
    def channel(self) -> ChannelCapabilities | None: ...
    def set_topic(self, attribute: str | None = None) -> str: ...
    def has(self, key: str) -> bool:
        """Whether this view has the feature row `key` (another entity of the same device)."""
