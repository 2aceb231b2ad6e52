"""The config flow against the real bridge: user, errors (and recovering from each), duplicates,
zeroconf with the record the bridge's announcer builds, reauth after a revoked token,
reconfigure, options."""

from __future__ import annotations

from ipaddress import ip_address
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.const import CONF_CAMERAS, CONF_POLL_INTERVAL, DOMAIN

from .conftest import entry_for, until
from .rig import BridgeRig, free_port


@pytest.fixture
def no_setup() -> object:
    """Pure flow tests: the entry is made, not set up."""
    with patch("custom_components.reolink_server.async_setup_entry", return_value=True) as mock:
        yield mock


async def test_user_flow_recovers_from_each_error_and_creates_the_entry(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, token = running.token()
    _, read_only = running.token(scope="read")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    for url, secret, error in (
        (f"http://127.0.0.1:{free_port()}", token, "cannot_connect"),
        (running.url, "rbt_not-a-token", "invalid_auth"),
        (running.url, read_only, "read_only"),
        ("http://127.0.0.1:1/", token, "cannot_connect"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: url, CONF_API_TOKEN: secret}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: running.api + "/", CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == running.installation_id
    assert result["data"] == {CONF_URL: running.url, CONF_API_TOKEN: token}
    assert result["title"] == f"Reolink Server (127.0.0.1:{running.port})"


async def test_a_url_that_is_not_the_bridge_is_unknown(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, token = running.token()
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: running.url + "/nothing", CONF_API_TOKEN: token}
    )
    assert result["errors"] == {"base": "unknown"}


async def test_the_same_bridge_twice_is_already_configured(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, token = running.token()
    existing = entry_for(running, token)
    existing.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"http://localhost:{running.port}", CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def announced(running: BridgeRig) -> ZeroconfServiceInfo:
    """Home Assistant's view of the record the bridge's announcer builds."""
    record = running.zeroconf_record()
    addresses = [ip_address(a) for a in record["addresses"]]
    return ZeroconfServiceInfo(
        ip_address=addresses[0],
        ip_addresses=addresses,
        port=record["port"],
        hostname=record["hostname"],
        type=record["type"],
        name=record["name"],
        properties=record["properties"],
    )


async def test_zeroconf_offers_the_bridge_and_a_token_adds_it(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    info = announced(running)
    assert info.type == "_reolink-server._tcp.local."
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    progress = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert progress[0]["context"]["title_placeholders"] == {"url": running.url}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "rbt_wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    _, token = running.token()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == running.installation_id
    assert result["data"][CONF_URL] == running.url


async def test_zeroconf_updates_the_url_of_a_known_bridge(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, token = running.token()
    existing = MockConfigEntry(
        domain=DOMAIN,
        unique_id=running.installation_id,
        data={CONF_URL: f"http://127.0.0.1:{free_port()}", CONF_API_TOKEN: token},
    )
    existing.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=announced(running)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert existing.data[CONF_URL] == running.url


async def test_zeroconf_without_an_id_is_not_a_bridge(hass: HomeAssistant) -> None:
    info = ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        port=80,
        hostname="x.local.",
        type="_reolink-server._tcp.local.",
        name="x._reolink-server._tcp.local.",
        properties={},
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_a_bridge"


async def test_zeroconf_of_another_bridge_at_that_address_is_refused(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    info = announced(running)
    info.properties["id"] = "0" * 32  # a stale record: the bridge there has another id
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    _, token = running.token()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


async def test_reauth_after_the_token_is_revoked_on_the_bridge(
    hass: HomeAssistant, running: BridgeRig
) -> None:
    token_id, token = running.token()
    entry = entry_for(running, token)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await until(lambda: entry.runtime_data.coordinator.connected)
    running.revoke(token_id)  # the bridge closes the WebSocket (1008): reauth starts
    flows = await until(lambda: hass.config_entries.flow.async_progress_by_handler(DOMAIN))
    (flow,) = flows
    assert flow["context"]["source"] == "reauth"
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_TOKEN: token}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    _, fresh = running.token()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_TOKEN: fresh}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_TOKEN] == fresh
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await until(lambda: entry.runtime_data.coordinator.connected)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_setup_with_a_revoked_token_starts_reauth(
    hass: HomeAssistant, running: BridgeRig
) -> None:
    token_id, token = running.token()
    running.revoke(token_id)
    entry = entry_for(running, token)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"


async def test_setup_while_the_bridge_is_away_retries(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={CONF_URL: f"http://127.0.0.1:{free_port()}", CONF_API_TOKEN: "rbt_x"},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_reconfigure_changes_the_url_and_token(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, old = running.token()
    away = f"http://127.0.0.1:{free_port()}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=running.installation_id,
        data={CONF_URL: away, CONF_API_TOKEN: old},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: away, CONF_API_TOKEN: old}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    _, new = running.token()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: running.url, CONF_API_TOKEN: new}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_URL: running.url, CONF_API_TOKEN: new}


async def test_reconfigure_to_another_bridge_is_refused(
    hass: HomeAssistant, running: BridgeRig, no_setup: object
) -> None:
    _, token = running.token()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="another-bridge",
        data={CONF_URL: running.url, CONF_API_TOKEN: token},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: running.url, CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


@pytest.mark.cameras("legacy")
async def test_options_choose_cameras_and_the_poll_interval(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    registry = er.async_get(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    choices = {
        o["value"]
        for o in result["data_schema"].schema[CONF_CAMERAS].config["options"]  # type: ignore[index]
    }
    assert choices == {"floodlight", "ptz", "doorbell", "legacy", "nvr", "battery"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_CAMERAS: ["nvr", "doorbell"], CONF_POLL_INTERVAL: 12}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator
    assert coordinator.poll_interval.total_seconds() == 12
    assert sorted(coordinator.camera_ids) == ["doorbell", "nvr", "nvr_ch0", "nvr_ch1", "nvr_ch2"]
    iid = running.installation_id
    assert registry.async_get_entity_id("camera", DOMAIN, f"{iid}_nvr_ch1_camera") is not None


async def test_options_of_an_entry_that_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="not-loaded",
        data={CONF_URL: f"http://127.0.0.1:{free_port()}", CONF_API_TOKEN: "rbt_x"},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    options = result["data_schema"].schema[CONF_CAMERAS].config["options"]  # type: ignore[index]
    assert options == []
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_POLL_INTERVAL: 60}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_CAMERAS: [], CONF_POLL_INTERVAL: 60}
