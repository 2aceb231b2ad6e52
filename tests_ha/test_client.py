"""Edges: the API client's errors against the real bridge (and a port with nothing), a camera
added to the bridge at run time, the bridge refusing the token while push reconnects, what the
entities do when the bridge cannot be reached."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from homeassistant.config_entries import SOURCE_ZEROCONF
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.api import (
    BridgeAuthError,
    BridgeClient,
    BridgeCommandError,
    BridgeConnectionError,
    BridgeScopeError,
)
from custom_components.reolink_server.camera import pick_stream
from custom_components.reolink_server.const import DOMAIN
from custom_components.reolink_server.number import ReolinkServerNumber
from custom_components.reolink_server.sensor import ReolinkServerSensor

from .conftest import until
from .rig import BridgeRig, free_port
from .test_push import entity_id


async def test_the_clients_errors(hass: HomeAssistant, running: BridgeRig) -> None:
    session = async_get_clientsession(hass)
    _, token = running.token()
    _, read_only = running.token(scope="read")
    client = BridgeClient(session, running.url, token)
    with pytest.raises(BridgeCommandError, match="day_night: Input should be"):
        await client.set_attribute("floodlight", "day_night", "purple")
    with pytest.raises(BridgeScopeError, match="control"):
        await BridgeClient(session, running.url, read_only).set_attribute(
            "floodlight", "status_led", "ON"
        )
    with pytest.raises(BridgeConnectionError, match="not the bridge's API"):
        await client._json("GET", "/cameras/legacy/thumbnail")
    assert await client.picture("no_such_camera", "thumbnail") is None
    with pytest.raises(BridgeCommandError, match="camera"):
        await client.state("no_such_camera")
    with pytest.raises(BridgeAuthError):
        await BridgeClient(session, running.url, "rbt_wrong").connect()
    simulator = BridgeClient(session, f"http://127.0.0.1:{running.control_port}", token)
    with pytest.raises(BridgeCommandError, match="HTTP 404"):
        await simulator.views()
    with pytest.raises(BridgeConnectionError, match="HTTP 404"):
        await simulator.connect()
    nobody = BridgeClient(session, f"http://127.0.0.1:{free_port()}", token)
    with pytest.raises(BridgeConnectionError):
        await nobody.connect()
    with pytest.raises(BridgeConnectionError):
        await nobody.info()


@pytest.mark.cameras("legacy")
async def test_entities_when_the_bridge_cannot_be_reached(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    coordinator = entry.runtime_data.coordinator
    camera = entity_id(hass, running, "camera", "legacy", "camera")
    component = hass.data["camera"]
    entity = component.get_entity(camera)
    url = await entity.stream_source()
    assert url is not None
    assert not await coordinator._load_entities("no_such_camera")
    entity._stream_expires = entity._stream_expires.replace(year=2000)  # due for a refresh
    coordinator.client = BridgeClient(
        async_get_clientsession(hass), f"http://127.0.0.1:{free_port()}", "rbt_x"
    )
    assert await entity.stream_source() == url  # the last one, while the bridge is away
    assert await entity.async_camera_image() is None
    image = hass.data["image"].get_entity(
        entity_id(hass, running, "image", "legacy", "last_snapshot")
    )
    assert await image.async_image() is None
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            "switch",
            "turn_off",
            {"entity_id": entity_id(hass, running, "switch", "legacy", "recording")},
            blocking=True,
        )
    assert failed.value.translation_key == "command_failed"


async def test_a_refused_token_while_push_reconnects_starts_reauth(
    hass: HomeAssistant, running: BridgeRig
) -> None:
    _, token = running.token()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=running.installation_id,
        data={"url": running.url, "api_token": token},
        options={"cameras": ["legacy"]},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator = entry.runtime_data.coordinator
    await until(lambda: coordinator.connected)
    coordinator.client = BridgeClient(async_get_clientsession(hass), running.url, "rbt_wrong")
    await coordinator.async_run_push()  # returns: the bridge refuses the token
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.cameras("legacy", "extra")
async def test_a_camera_added_to_the_bridge_appears_without_a_reload(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    coordinator = entry.runtime_data.coordinator
    assert "extra" not in coordinator.views
    running.add_camera("extra", "doorbell")
    try:
        ring = await until(lambda: er_id(hass, running, "event", "extra", "doorbell"), timeout=20)
        device = dr.async_get(hass).async_get_device(
            identifiers={(DOMAIN, f"{running.installation_id}_extra")}
        )
        assert device is not None
        assert device.name == "Extra"
        await until(lambda: hass.states.get(ring).state != "unavailable")  # type: ignore[union-attr]
        assert "camera" in {e.split(".")[0] for e in hass.states.async_entity_ids() if "extra" in e}
    finally:
        running.remove_camera("extra")


def er_id(
    hass: HomeAssistant, rig: BridgeRig, platform: str, camera_id: str, key: str
) -> str | None:
    from homeassistant.helpers import entity_registry as er

    return er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{rig.installation_id}_{camera_id}_{key}"
    )


@pytest.mark.cameras("legacy")
async def test_descriptions_the_bridge_may_send(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Shapes no current feature has: an enum sensor with options, a structured value, a
    fractional number."""
    coordinator = entry.runtime_data.coordinator
    coordinator.data.states["legacy"]["storage"] = {"capacity_mb": 1, "free_mb": 1}
    enum = ReolinkServerSensor(
        coordinator,
        "legacy",
        {
            "key": "k",
            "name": "K",
            "device_class": "enum",
            "options": ["a", "b"],
            "state_field": "day_night",
        },
    )
    assert enum.options == ["a", "b"]
    whole = ReolinkServerSensor(
        coordinator, "legacy", {"key": "s", "name": "S", "state_field": "storage"}
    )
    assert whole.native_value == str({"capacity_mb": 1, "free_mb": 1})
    odd = ReolinkServerNumber(
        coordinator, "legacy", {"key": "n", "name": "N", "state_field": "day_night"}
    )
    assert odd.native_value is None
    deep = ReolinkServerSensor(
        coordinator, "legacy", {"key": "d", "name": "D", "value_path": "day_night.x"}
    )
    assert deep.native_value is None
    assert pick_stream({}) == (None, None)
    assert pick_stream({"cameras": [{"streams": [{"name": "main", "hls": False}]}]}) == (None, None)


async def test_zeroconf_over_ipv6_brackets_the_host(hass: HomeAssistant) -> None:
    info = ZeroconfServiceInfo(
        ip_address=ip_address("::1"),
        ip_addresses=[ip_address("::1")],
        port=8080,
        hostname="x.local.",
        type="_reolink-server._tcp.local.",
        name="x._reolink-server._tcp.local.",
        properties={"id": "f" * 32},
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    assert result["description_placeholders"]["url"] == "http://[::1]:8080"
