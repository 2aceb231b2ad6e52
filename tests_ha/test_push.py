"""Push: the bridge's WebSocket feeds states and events; the bridge away → unavailable, back →
available without a reload; unload and reload leave nothing behind."""

from __future__ import annotations

import time

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.const import DOMAIN

from .conftest import until
from .rig import BridgeRig


def entity_id(hass: HomeAssistant, rig: BridgeRig, platform: str, camera_id: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{rig.installation_id}_{camera_id}_{key}"
    )
    assert found is not None, (platform, camera_id, key)
    return found


@pytest.mark.cameras("floodlight")
async def test_a_detection_reaches_the_binary_sensor_and_the_event_entity_within_a_second(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    person = entity_id(hass, running, "binary_sensor", "floodlight", "person")
    detection = entity_id(hass, running, "event", "floodlight", "detection")
    assert hass.states.get(person).state == STATE_OFF  # type: ignore[union-attr]
    started = time.monotonic()
    running.sim_event("floodlight", "person", True)
    await until(lambda: hass.states.get(person).state == STATE_ON, timeout=1.0)  # type: ignore[union-attr]
    event = await until(
        lambda: (
            (s := hass.states.get(detection)) and s.attributes.get("event_type") == "person" and s
        ),
        timeout=1.0,
    )
    assert time.monotonic() - started < 1.0
    assert event.attributes["phase"] == "start"
    assert event.attributes["event_id"]
    running.sim_event("floodlight", "person", False)
    await until(lambda: hass.states.get(person).state == STATE_OFF, timeout=2.0)  # type: ignore[union-attr]


@pytest.mark.cameras("doorbell")
async def test_a_doorbell_press_fires_the_event_entity(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    ring = entity_id(hass, running, "event", "doorbell", "doorbell")
    state = hass.states.get(ring)
    assert state is not None
    assert state.attributes["event_types"] == ["press"]
    assert state.attributes["device_class"] == "doorbell"
    before = state.state
    running.sim_event("doorbell", "visitor", True)
    pressed = await until(
        lambda: (s := hass.states.get(ring)) and s.state != before and s, timeout=1.0
    )
    assert pressed.attributes["event_type"] == "press"


@pytest.mark.cameras("ptz", "nvr")
async def test_the_bridge_away_makes_entities_unavailable_and_back_available_again(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    running: BridgeRig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("custom_components.reolink_server.coordinator.RECONNECT_DELAYS", (0.2,))
    coordinator = entry.runtime_data.coordinator
    motion = entity_id(hass, running, "binary_sensor", "ptz", "motion")
    camera = entity_id(hass, running, "camera", "nvr_ch1", "camera")
    assert hass.states.get(motion).state == STATE_OFF  # type: ignore[union-attr]
    running.stop_bridge()
    await until(lambda: hass.states.get(motion).state == STATE_UNAVAILABLE)  # type: ignore[union-attr]
    assert hass.states.get(camera).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert not coordinator.connected
    assert coordinator.update_interval == coordinator.poll_interval  # polls while down
    running.start_bridge()
    await until(lambda: coordinator.connected, timeout=20)
    await until(lambda: hass.states.get(motion).state == STATE_OFF)  # type: ignore[union-attr]
    assert hass.states.get(camera).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert coordinator.update_interval is None  # push again: no polling
    assert coordinator.reconnects == 1
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.cameras("legacy")
async def test_a_camera_offline_on_the_bridge_is_unavailable(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    coordinator = entry.runtime_data.coordinator
    coordinator.on_frame("reolink/legacy/availability", "offline")
    await hass.async_block_till_done()
    motion = entity_id(hass, running, "binary_sensor", "legacy", "motion")
    await until(lambda: hass.states.get(motion).state == STATE_UNAVAILABLE)  # type: ignore[union-attr]
    coordinator.on_frame("reolink/legacy/availability", "online")
    await until(lambda: hass.states.get(motion).state != STATE_UNAVAILABLE)  # type: ignore[union-attr]
    # frames the integration ignores: other bases, the bridge's own, unknown shapes
    for topic, payload in (
        ("other/legacy", {}),
        ("reolink/bridge/event", {"type": "camera_added"}),
        ("reolink/legacy/snapshot", "x"),
        ("reolink/legacy/entities", {"entities": []}),
    ):
        coordinator.on_frame(topic, payload)


@pytest.mark.cameras("ptz")
async def test_unload_and_reload_leave_nothing_behind(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    coordinator = entry.runtime_data.coordinator
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not coordinator._event_listeners or not any(coordinator._event_listeners.values())
    assert not coordinator._camera_listeners
    assert not coordinator._listeners
    for item in entities:
        state = hass.states.get(item.entity_id)
        assert state is None or state.state == STATE_UNAVAILABLE
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await until(lambda: entry.runtime_data.coordinator.connected)
    after = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {e.unique_id for e in after} == {e.unique_id for e in entities}
    motion = entity_id(hass, running, "binary_sensor", "ptz", "motion")
    assert hass.states.get(motion).state == STATE_OFF  # type: ignore[union-attr]
