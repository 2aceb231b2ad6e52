"""Fixtures: one real bridge with the simulator for the session, a config entry per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_socket
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Imported before the `hass` fixture puts PHCC's own testing_config/custom_components first.
from custom_components.reolink_server.const import CONF_CAMERAS, DOMAIN

from .rig import BridgeRig


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Home Assistant loads custom_components/ in every test."""


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Every test talks to the real bridge on 127.0.0.1 (pytest-socket allows only that)."""


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeRig]:
    pytest_socket.enable_socket()  # set up before the first test's socket_enabled
    bridge = BridgeRig(Path(tmp_path_factory.mktemp("bridge")))
    try:
        bridge.start()
        yield bridge
    finally:
        bridge.stop()


@pytest.fixture
def running(rig: BridgeRig) -> BridgeRig:
    """The rig, with its bridge running (a test that stopped it may have left it stopped)."""
    if rig.bridge is None or rig.bridge.poll() is not None:
        rig.start_bridge()
    return rig


def entry_for(rig: BridgeRig, token: str, **options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Reolink Server (test)",
        unique_id=rig.installation_id,
        data={CONF_URL: rig.url, CONF_API_TOKEN: token},
        options=options,
    )


@pytest.fixture
async def entry(
    hass: HomeAssistant, running: BridgeRig, request: pytest.FixtureRequest
) -> AsyncIterator[MockConfigEntry]:
    """A loaded entry with a fresh control token; unloaded afterwards. Every camera, or the
    ones a `@pytest.mark.cameras(...)` names (fewer entities: a faster setup)."""
    _, token = running.token()
    marker = request.node.get_closest_marker("cameras")
    options = {CONF_CAMERAS: list(marker.args)} if marker else {}
    config_entry = entry_for(running, token, **options)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await until(lambda: config_entry.runtime_data.coordinator.connected)
    yield config_entry
    if config_entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


async def until(
    probe: Callable[[], Any] | Callable[[], Awaitable[Any]], timeout: float = 10.0
) -> Any:
    """Wait until `probe()` is true (polled every 20 ms); its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = probe()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out; last value {last!r}")
