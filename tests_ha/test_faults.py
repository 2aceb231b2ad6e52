"""Faults between Home Assistant and the bridge, through a proxy in front of the real bridge
(`faults.FaultyProxy`): WebSocket frames the bridge never sends must not stop push, and 5xx
answers (a crashing bridge, or a reverse proxy whose bridge is down) must give the right Home
Assistant behaviour, never a crash: setup retried, the form's "cannot connect", a failed
command, no picture, unavailable entities while polling fails, all back once it heals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_URL,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.const import CONF_CAMERAS, DOMAIN

from .conftest import until
from .faults import FaultyProxy
from .rig import BridgeRig
from .test_push import entity_id

MALFORMED: list[str | bytes] = [
    "",
    "not json {",
    b"\x00\x01 binary",
    "[" * 100_000 + "]" * 100_000,  # deeper than any JSON parser recurses
    '{"topic": "reolink/legacy", "payload": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "[1, 2]",
    '"reolink/legacy"',
    "null",
    '{"payload": {}}',
    '{"topic": 5, "payload": {}}',
    '{"topic": "reolink/", "payload": {}}',
    '{"topic": "reolink", "payload": {}}',
    '{"topic": "reolink/legacy", "payload": "a string, not a state"}',
    '{"topic": "reolink/legacy/availability", "payload": 7}',
    '{"topic": "reolink/legacy/availability", "payload": {"online": false}}',
    '{"topic": "reolink/legacy/event", "payload": ["motion"]}',
    '{"topic": "reolink/legacy/event", "payload": {}}',
    '{"topic": "reolink/legacy/event", "payload": {"type": [], "phase": {}}}',
    '{"topic": "reolink/legacy/entities", "payload": null}',
    '{"topic": "reolink/legacy/a/b/c/d", "payload": {}}',
    json.dumps({"topic": "reolink/legacy", "payload": {"motion": "maybe", "brightness": "x"}}),
]


@pytest.fixture
async def proxy(running: BridgeRig) -> AsyncIterator[FaultyProxy]:
    async with FaultyProxy(running.url) as faulty:
        yield faulty


async def proxied_entry(
    hass: HomeAssistant, running: BridgeRig, proxy: FaultyProxy, *cameras: str
) -> MockConfigEntry:
    _, token = running.token()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Reolink Server (proxied)",
        unique_id=running.installation_id,
        data={CONF_URL: proxy.url, CONF_API_TOKEN: token},
        options={CONF_CAMERAS: list(cameras)},
    )
    entry.add_to_hass(hass)
    return entry


async def unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_malformed_frames_are_ignored_and_push_goes_on(
    hass: HomeAssistant, running: BridgeRig, proxy: FaultyProxy
) -> None:
    entry = await proxied_entry(hass, running, proxy, "legacy")
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator = entry.runtime_data.coordinator
        await until(lambda: coordinator.connected and proxy.sockets)
        motion = entity_id(hass, running, "binary_sensor", "legacy", "motion")
        await until(lambda: hass.states.get(motion).state == STATE_OFF)  # type: ignore[union-attr]
        for frame in MALFORMED:
            await proxy.send(frame)
        # the last one, a state with the wrong types: no state rather than a wrong one
        await until(lambda: hass.states.get(motion).state == STATE_UNKNOWN)  # type: ignore[union-attr]
        # the same socket, still pushing: a real detection after the garbage arrives
        running.sim_event("legacy", "motion", True)
        await until(lambda: hass.states.get(motion).state == STATE_ON)  # type: ignore[union-attr]
        running.sim_event("legacy", "motion", False)
        await until(lambda: hass.states.get(motion).state == STATE_OFF)  # type: ignore[union-attr]
        assert coordinator.connected
        assert coordinator.reconnects == 0
        assert len(proxy.sockets) == 1
        assert coordinator.online("legacy")  # no malformed availability took it offline
        assert entry.state is ConfigEntryState.LOADED
    finally:
        await unload(hass, entry)


async def test_5xx_at_setup_retries_and_the_form_says_cannot_connect(
    hass: HomeAssistant, running: BridgeRig, proxy: FaultyProxy
) -> None:
    _, token = running.token()
    for path, status in (("/bridge/info", 502), ("/views", 500), ("/cameras", 503)):
        proxy.heal()
        proxy.fail(path, status)
        entry = await proxied_entry(hass, running, proxy, "legacy")
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY, path
        assert f"HTTP {status}" in str(entry.reason)
        assert await hass.config_entries.async_remove(entry.entry_id)
    proxy.heal()
    proxy.fail("/auth/me", 504)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: proxy.url, CONF_API_TOKEN: token}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    proxy.heal()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: proxy.url, CONF_API_TOKEN: token}
    )
    assert result["type"] == "create_entry"
    assert await hass.config_entries.async_remove(result["result"].entry_id)


@pytest.mark.timeout(120)
async def test_5xx_while_running_fails_commands_and_makes_entities_unavailable_until_healed(
    hass: HomeAssistant,
    running: BridgeRig,
    proxy: FaultyProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("custom_components.reolink_server.coordinator.RECONNECT_DELAYS", (0.2,))
    entry = await proxied_entry(hass, running, proxy, "legacy")
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator = entry.runtime_data.coordinator
        await until(lambda: coordinator.connected)
        motion = entity_id(hass, running, "binary_sensor", "legacy", "motion")
        recording = entity_id(hass, running, "switch", "legacy", "recording")
        camera = hass.data["camera"].get_entity(
            entity_id(hass, running, "camera", "legacy", "camera")
        )
        await until(lambda: hass.states.get(motion).state == STATE_OFF)  # type: ignore[union-attr]

        proxy.fail("/cameras/legacy/set", 500)
        with pytest.raises(HomeAssistantError) as failed:
            await hass.services.async_call(
                "switch", "turn_off", {"entity_id": recording}, blocking=True
            )
        assert failed.value.translation_key == "command_failed"
        assert "HTTP 500" in str(failed.value.translation_placeholders)
        proxy.fail("/cameras/legacy/snapshot", 502)
        proxy.fail("/cameras/legacy/thumbnail", 502)
        assert await camera.async_camera_image() is None

        # the bridge goes away behind the proxy: the socket drops, every call answers 502
        proxy.fail("", 502)
        await proxy.close_sockets()
        await until(lambda: not coordinator.connected)
        await coordinator.async_refresh()
        assert isinstance(coordinator.last_exception, UpdateFailed)
        assert "HTTP 502" in str(coordinator.last_exception)
        await until(lambda: hass.states.get(motion).state == STATE_UNAVAILABLE)  # type: ignore[union-attr]
        assert entry.state is ConfigEntryState.LOADED

        proxy.heal()
        await until(lambda: coordinator.connected, timeout=20)
        await until(lambda: hass.states.get(motion).state == STATE_OFF)  # type: ignore[union-attr]
        assert coordinator.update_interval is None  # push again
        assert proxy.answered.get(502, 0) > 1
    finally:
        await unload(hass, entry)
