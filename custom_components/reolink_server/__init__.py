"""Reolink Server: the cameras of a reolink-server bridge, pushed over its WebSocket."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_TOKEN, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry

from .api import BridgeAuthError, BridgeClient, BridgeError, BridgeScopeError
from .const import DOMAIN, ISSUE_MQTT_DISCOVERY
from .coordinator import ReolinkServerCoordinator
from .devices import register_devices

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LIGHT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SIREN,
    Platform.SWITCH,
]


@dataclass
class ReolinkServerData:
    client: BridgeClient
    coordinator: ReolinkServerCoordinator


type ReolinkServerConfigEntry = ConfigEntry[ReolinkServerData]


async def async_setup_entry(hass: HomeAssistant, entry: ReolinkServerConfigEntry) -> bool:
    client = BridgeClient(
        async_get_clientsession(hass), entry.data[CONF_URL], entry.data[CONF_API_TOKEN]
    )
    try:
        info = await client.info()
        coordinator = ReolinkServerCoordinator(hass, entry, client, info)
        await coordinator.async_load()
    except (BridgeAuthError, BridgeScopeError) as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except BridgeError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="bridge_unreachable",
            translation_placeholders={"error": str(err)},
        ) from err
    coordinator.async_set_updated_data(coordinator.data)
    entry.runtime_data = ReolinkServerData(client, coordinator)
    _check_mqtt_discovery(hass, entry, info.get("mqtt") or {})
    entry.async_on_unload(entry.add_update_listener(_options_updated))
    register_devices(hass, coordinator, coordinator.camera_ids)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_create_background_task(
        hass, coordinator.async_run_push(), f"{DOMAIN} WebSocket {entry.title}"
    )
    return True


def _check_mqtt_discovery(
    hass: HomeAssistant, entry: ReolinkServerConfigEntry, mqtt: dict[str, object]
) -> None:
    """A repair issue while the bridge also publishes MQTT discovery (every camera twice)."""
    issue_id = f"{ISSUE_MQTT_DISCOVERY}_{entry.entry_id}"
    if mqtt.get("discovery", "off") != "off":
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_MQTT_DISCOVERY,
            translation_placeholders={"title": entry.title},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def _options_updated(hass: HomeAssistant, entry: ReolinkServerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: ReolinkServerConfigEntry) -> bool:
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ReolinkServerConfigEntry) -> None:
    ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_MQTT_DISCOVERY}_{entry.entry_id}")


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ReolinkServerConfigEntry, device: DeviceEntry
) -> bool:
    """A device may be removed once the bridge no longer has its camera (stale devices are
    never removed automatically: a camera briefly away keeps its entities)."""
    coordinator = entry.runtime_data.coordinator
    prefix = f"{coordinator.installation_id}_"
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and identifier.removeprefix(prefix) in coordinator.views:
            return False
    return True
