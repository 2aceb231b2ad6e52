"""Devices and entities equal what the bridge's `/entities` describe, for every profile."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.const import DOMAIN

from .rig import PROFILES, BridgeRig


def expected_entities(rig: BridgeRig) -> dict[str, tuple[str, str, str | None]]:
    """unique_id → (platform, device identifier, entity category) from the bridge itself."""
    iid = rig.installation_id
    expected: dict[str, tuple[str, str, str | None]] = {}
    for view in rig.get("/views"):
        cid = view["camera_id"]
        for desc in rig.get(f"/cameras/{cid}/entities")["entities"]:
            if not desc.get(
                "home_assistant", True
            ):  # the dashboard's (saving and deleting presets)
                continue
            expected[f"{iid}_{cid}_{desc['key']}"] = (
                desc["platform"],
                f"{iid}_{cid}",
                desc.get("category"),
            )
        if not view["is_nvr"]:
            expected[f"{iid}_{cid}_camera"] = ("camera", f"{iid}_{cid}", None)
    return expected


async def test_every_profile_devices_and_entities_equal_the_bridges_description(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    running: BridgeRig,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    expected = expected_entities(running)
    entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    got = {}
    for item in entries:
        device = device_registry.async_get(item.device_id or "")
        assert device is not None
        (identifier,) = device.identifiers
        assert identifier[0] == DOMAIN
        got[item.unique_id] = (
            item.domain,
            identifier[1],
            item.entity_category.value if item.entity_category else None,
        )
    assert got == expected
    views = {v["camera_id"]: v for v in running.get("/views")}
    assert set(PROFILES) <= set(views)
    iid = running.installation_id
    for cid, view in views.items():
        device = device_registry.async_get_device(identifiers={(DOMAIN, f"{iid}_{cid}")})
        assert device is not None, cid
        assert device.manufacturer == "Reolink"
        assert device.name == view["name"]
        assert device.configuration_url == f"{running.url}/?camera={cid}"
        if view["parent_id"]:
            parent = device_registry.async_get_device(
                identifiers={(DOMAIN, f"{iid}_{view['parent_id']}")}
            )
            assert parent is not None
            assert device.via_device_id == parent.id
        else:
            assert device.via_device_id is None
    nvr_channels = [cid for cid, v in views.items() if v["parent_id"] == "nvr"]
    assert len(nvr_channels) == 3
    # every entity has a state, and a camera that is online makes them available
    for item in entries:
        if item.disabled_by is None:
            state = hass.states.get(item.entity_id)
            assert state is not None, item.entity_id
            assert state.state != "unavailable", item.entity_id
