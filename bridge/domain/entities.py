"""What a camera view offers, described for programs that render it: the dashboard and the Home
Assistant custom integration keep no feature list of their own; they render these.

`describe(view, device)` gives one `EntityDescription` per feature row the view has, in table
order. The REST API serves them (`GET /cameras/{id}/entities`), MQTT retains them per camera
(`reolink/<camera_id>/entities`), and `reolink/bridge/cameras` lists them per camera.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.domain.base import DomainModel
from bridge.domain.capabilities import Capabilities
from bridge.domain.feature import Category, Feature, Kind, Scope
from bridge.domain.features import FEATURES
from bridge.domain.rows.detection import event_triggers
from bridge.domain.views import CameraView


class EntityCommand(DomainModel):
    """How to change the entity: `/set/<attribute>` (MQTT, `POST …/set/{attribute}`, WebSocket)
    with a plain value; a button sends `payload`."""

    attribute: str
    payload: str | None = Field(default=None, description="What a button sends")
    on: str | None = Field(default=None, description="A switch's value for on")
    off: str | None = Field(default=None, description="A switch's value for off")


class EntityDescription(DomainModel):
    """One entity of one camera view (see the module doc)."""

    key: str = Field(description="Stable; `unique_id` suffix in Home Assistant")
    kind: Kind
    name: str
    platform: str = Field(description="The Home Assistant platform")
    scope: Scope = Field(description="`device`: belongs to the physical device (reboot, disk)")
    state_field: str | None = Field(
        default=None, description="The field of the camera's state (`reolink/<id>`) it reads"
    )
    value_path: str | None = Field(
        default=None, description="Dotted path to the shown value when not the field itself"
    )
    writable: bool
    command: EntityCommand | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    options: list[str] | None = None
    category: Category | None = None
    device_class: str | None = None
    icon: str | None = None
    state_class: str | None = None
    enabled_by_default: bool = True
    home_assistant: bool = Field(
        default=True,
        description="Home Assistant gets an entity for it (MQTT discovery, the custom "
        "integration); false: only for programs that render this list, like the dashboard "
        "(saving and deleting a PTZ preset)",
    )
    events: Literal["duration", "instant"] | None = Field(
        default=None, description="A detection: raises start/end events, or instant ones"
    )
    triggers: dict[str, str] | None = Field(
        default=None,
        description="An event entity: the bridge's event `type` → the entity's event type "
        "(fired on `start` and `instant`)",
    )

    @classmethod
    def of(cls, row: Feature, view: CameraView) -> EntityDescription:
        command = None
        attribute = row.set_attribute
        if attribute is not None:
            command = EntityCommand(attribute=attribute)
            if row.press is not None:
                command.payload = str(row.press[1])
            elif row.kind is Kind.BUTTON:
                command.payload = "PRESS"
            elif row.kind in (Kind.SWITCH, Kind.LIGHT, Kind.SIREN):
                command.on, command.off = row.switch_values
        return cls(
            key=row.key,
            kind=row.kind,
            name=row.name,
            platform=row.platform,
            scope=row.scope,
            state_field=row.field,
            value_path=row.value_path,
            writable=row.writable,
            command=command,
            unit=row.unit,
            min=row.minimum,
            max=row.maximum,
            step=row.step,
            options=row.options_for(view.capabilities),
            category=row.category,
            device_class=row.ha.device_class,
            icon=row.ha.icon,
            state_class=row.ha.state_class,
            enabled_by_default=row.ha.enabled_by_default,
            home_assistant=row.ha.discovered,
            events=row.events,
            triggers=(
                event_triggers(row.key, view.capabilities)
                if row.kind is Kind.EVENT and view.capabilities is not None
                else None
            ),
        )


def describe(view: CameraView, device: Capabilities | None) -> list[EntityDescription]:
    """The entities of one camera view, in table order (none before the device has answered).

    An NVR's own view has the device's entities; a channel has the channel's; a standalone
    camera has both."""
    if device is None:
        return []
    channel = view.capabilities
    scopes: set[str] = {"device"} if view.is_nvr or channel is None else {"channel"}
    if not device.is_nvr:
        scopes.add("device")
    return [
        EntityDescription.of(row, view)
        for row in FEATURES.rows
        if row.entity and row.scope in scopes and row.available(channel, device)
    ]
