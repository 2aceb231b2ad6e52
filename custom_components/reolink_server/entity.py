"""The base entity, devices, and building a platform's entities from the bridge's descriptions
(`GET /cameras/{id}/entities`): the integration keeps no feature list of its own."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import BridgeCommandError, BridgeError, Json
from .const import DOMAIN
from .coordinator import ReolinkServerCoordinator
from .devices import device_info

type Factory = Callable[[ReolinkServerCoordinator, str, Json], Entity | None]

CATEGORIES = {"config": EntityCategory.CONFIG, "diagnostic": EntityCategory.DIAGNOSTIC}


class ReolinkServerEntity(CoordinatorEntity[ReolinkServerCoordinator]):
    """An entity of one camera view. Available while the bridge answers (the WebSocket is up
    or the last poll worked) and says the camera is online."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, key: str) -> None:
        super().__init__(coordinator)
        self.camera_id = camera_id
        self._attr_unique_id = f"{coordinator.installation_id}_{camera_id}_{key}"
        self._attr_device_info = device_info(coordinator, camera_id)

    @property
    def available(self) -> bool:
        return super().available and self.coordinator.online(self.camera_id)

    @property
    def state_payload(self) -> Json:
        return self.coordinator.data.states.get(self.camera_id) or {}


class DescribedEntity(ReolinkServerEntity):
    """An entity rendered from one entity description."""

    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc["key"])
        self.desc = desc
        self._attr_name = desc["name"]
        self._attr_entity_category = CATEGORIES.get(desc.get("category") or "")
        self._attr_entity_registry_enabled_default = bool(desc.get("enabled_by_default", True))
        if desc.get("icon"):
            self._attr_icon = desc["icon"]

    @property
    def bridge_value(self) -> Any:
        """The value the description points at: `value_path` or `state_field` in the state."""
        path = self.desc.get("value_path") or self.desc.get("state_field")
        if not path:
            return None
        value: Any = self.state_payload
        for part in path.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    @property
    def command(self) -> Json:
        return self.desc.get("command") or {}

    async def async_send(self, value: Any) -> None:
        """`POST /cameras/{id}/set/{attribute}` with a plain value."""
        client = self.coordinator.client
        await run_command(client.set_attribute(self.camera_id, self.command["attribute"], value))


async def run_command(call: Coroutine[Any, Any, Json]) -> Json:
    """A command's result; the bridge's refusal as a translated Home Assistant error."""
    try:
        return await call
    except BridgeCommandError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="command_refused",
            translation_placeholders={"error": str(err)},
        ) from err
    except BridgeError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_failed",
            translation_placeholders={"error": str(err)},
        ) from err


def matches(desc: Json, platform: str) -> bool:
    """An entity of `platform` that Home Assistant gets (not the dashboard's preset forms)."""
    return bool(desc.get("platform") == platform and desc.get("home_assistant", True))


@callback
def async_setup_described(
    coordinator: ReolinkServerCoordinator,
    async_add_entities: AddEntitiesCallback,
    platform: str,
    factory: Callable[[ReolinkServerCoordinator, str, Json], Entity | None],
) -> Callable[[], None]:
    """Add the entities of `platform` for every camera, now and when a camera appears; the
    unsubscribe callback for `entry.async_on_unload`."""

    def build(camera_id: str) -> list[Entity]:
        return [
            entity
            for desc in coordinator.entities.get(camera_id, [])
            if matches(desc, platform)
            and (entity := factory(coordinator, camera_id, desc)) is not None
        ]

    @callback
    def add(camera_id: str) -> None:
        if entities := build(camera_id):
            async_add_entities(entities)

    async_add_entities([e for camera_id in coordinator.camera_ids for e in build(camera_id)])
    return coordinator.async_listen_cameras(add)


def described[E: DescribedEntity](cls: type[E]) -> Factory:
    def make(coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> Entity | None:
        return cls(coordinator, camera_id, desc)

    return make
