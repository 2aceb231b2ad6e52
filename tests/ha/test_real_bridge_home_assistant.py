"""The real bridge against the real simulator, seen by a real Home Assistant 2025.4 (issue 9's
Home Assistant polish).

One Mosquitto, one bridge (in process: its real camera client, pipeline, MQTT service and
discovery) polling a simulated doorbell, NVR (channel 0 named "Garden" in the config), Home Hub
with a battery camera and floodlight camera on loopback, and one headless Home Assistant with the
MQTT integration and the logbook, started once for the module. Every check reads Home Assistant
through its REST and WebSocket APIs (`/api/states`, `/api/logbook`, `/api/image_proxy`, the
entity registry).

The tests run in file order: the picture check must come before any event, and the last-event
check must come last (enabling an entity makes Home Assistant reload the MQTT integration 30 s
later; the module is done by then).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures.mosquitto import MosquittoBroker

from bridge.domain.values import AI_TYPES, DetectionType
from bridge.mqtt.discovery import Entity

from .home_assistant import LOGBOOK, HomeAssistant, running_home_assistant, wait_for
from .live_bridge import LiveBridge

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.xdist_group("home-assistant"),
]  # 900: ha_python may build .venv-ha

DEVICES = {"doorbell": "doorbell", "nvr": "nvr", "hub": "battery", "floodlight": "floodlight"}
"""Device (and camera) id -> simulator profile."""
CAMERAS = {"nvr": {"channels": {0: {"name": "Garden"}}}}
AI_KEYS = {kind.value for kind in AI_TYPES} | {DetectionType.VISITOR.value}


@dataclass
class Stack:
    hass: HomeAssistant
    live: LiveBridge
    entities: list[Entity]
    """What the bridge's discovery announces for the cameras as the bridge sees them."""
    started: float

    def ids(self, camera_id: str, *, enabled_only: bool = True) -> set[str]:
        return {
            e.default_entity_id
            for e in self.entities
            if e.view.camera_id == camera_id
            and (not enabled_only or e.config.get("enabled_by_default", True))
        }

    def entity(self, camera_id: str, key: str) -> str:
        [found] = [
            e.default_entity_id
            for e in self.entities
            if e.view.camera_id == camera_id and e.key == key
        ]
        return found


def shows(hass: HomeAssistant, entity_id: str, state: str) -> Callable[[], bool]:
    """A probe for `wait_for`: the entity is in that state."""
    return lambda: (found := hass.state(entity_id)) is not None and found["state"] == state


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, ha_python: Path) -> Iterator[Stack]:
    started = time.monotonic()
    root = tmp_path_factory.mktemp("real-bridge-ha")
    with (
        MosquittoBroker(root / "mosquitto") as broker,
        LiveBridge(broker, root / "bridge", DEVICES, CAMERAS) as live,
        running_home_assistant(root / "ha", LOGBOOK) as hass,
    ):

        def announced() -> list[Entity] | None:
            assert live.bridge is not None
            assert live.bridge.mqtt_service is not None
            discovery = live.bridge.mqtt_service.discovery  # the bridge's own
            runners = live.bridge.manager.runners
            if len(runners) < len(DEVICES) or not all(r.online for r in runners):
                return None
            entities = []
            for runner in runners:
                assert runner.capabilities is not None
                entities += discovery.entities(runner.camera, runner.capabilities)
            return entities

        entities = wait_for("every camera online", lambda: live.call(announced), timeout=30)
        hass.add_mqtt(broker)
        stack = Stack(hass, live, entities, started)
        enabled = {
            e.default_entity_id for e in entities if e.config.get("enabled_by_default", True)
        }

        def all_there() -> bool:
            states = hass.states()
            return all(states.get(i, {}).get("state") not in (None, "unavailable") for i in enabled)

        try:
            wait_for("every entity available in Home Assistant", all_there, timeout=30)
        except AssertionError:
            print(hass.log)
            raise
        print(f"stack up in {time.monotonic() - started:.1f} s")
        yield stack
        print(f"module done in {time.monotonic() - started:.1f} s")


def test_every_image_has_a_picture_before_any_event(stack: Stack) -> None:
    images = sorted(e.default_entity_id for e in stack.entities if e.platform == "image")
    assert len(images) == 6  # doorbell, three NVR channels, the battery camera, floodlight

    def pictured() -> dict[str, dict[str, Any]] | None:
        states = stack.hass.states()
        ready = all(states[i]["state"] not in ("unknown", "unavailable") for i in images)
        return states if ready else None

    # The pictures taken when the cameras came online (each as quick as its camera).
    states = wait_for("a picture in every image entity", pictured, timeout=15)
    assert sorted(i for i in states if i.startswith("image.")) == images
    # No detection happened yet: no event entity has fired.
    events = [i for i in states if i.startswith("event.")]
    assert events
    assert all(states[i]["state"] == "unknown" for i in events), {
        i: states[i]["state"] for i in events
    }
    for image in images:
        picture = stack.hass.image(image)
        assert picture.status_code == 200, (image, picture.status_code)
        assert picture.headers["content-type"] == "image/jpeg", image
        assert picture.content.startswith(b"\xff\xd8"), image


def test_home_assistant_registers_exactly_what_the_bridge_announces(stack: Stack) -> None:
    registry = stack.hass.registry()
    mqtt = {i: e for i, e in registry.items() if e["platform"] == "mqtt"}
    assert set(mqtt) == {e.default_entity_id for e in stack.entities}
    for entity in stack.entities:
        entry = mqtt[entity.default_entity_id]
        assert entry["unique_id"] == entity.unique_id
        enabled = entity.config.get("enabled_by_default", True)
        assert entry["disabled_by"] == (None if enabled else "integration")


def test_ai_detections_have_no_device_class(stack: Stack) -> None:
    states = stack.hass.states()
    seen: set[str] = set()
    for entity in stack.entities:
        if entity.platform != "binary_sensor":
            continue
        attributes = states[entity.default_entity_id]["attributes"]
        if entity.key in AI_KEYS:
            seen.add(entity.key)
            assert "device_class" not in attributes, entity.default_entity_id
        elif entity.key == "motion":
            assert attributes["device_class"] == "motion", entity.default_entity_id
    assert seen == AI_KEYS  # every kind is in the fleet
    detections = [
        e.default_entity_id
        for e in stack.entities
        if e.key in AI_KEYS and e.platform == "binary_sensor"
    ]
    entries = stack.hass.registry_entries(detections)
    assert set(entries) == set(detections)
    for entry in entries.values():
        assert entry["original_device_class"] is None, entry
        assert entry["device_class"] is None, entry


def test_a_doorbell_press_leaves_at_most_three_logbook_lines(stack: Stack) -> None:
    hass = stack.hass
    visitor = stack.entity("doorbell", "visitor")
    ring = stack.entity("doorbell", "doorbell")
    picture = stack.entity("doorbell", "last_snapshot")
    # The picture taken when the doorbell came online is in (it may come after the fixture).
    wait_for("the doorbell's picture", lambda: not shows(hass, picture, "unknown")())
    since = datetime.now(UTC)
    stack.live.trigger("doorbell", "visitor")
    wait_for("the visitor", shows(hass, visitor, "on"))
    # The simulator clears the press by itself (VISITOR_HOLD).
    wait_for("the visitor to go", shows(hass, visitor, "off"), timeout=10)
    ring_state = hass.state(ring)
    assert ring_state is not None
    assert ring_state["state"] != "unknown"
    assert ring_state["attributes"]["event_type"] == "press"
    assert ring_state["attributes"]["friendly_name"] == "Front Door Ring"

    doorbell = stack.ids("doorbell", enabled_only=False)

    def lines() -> list[dict[str, Any]]:
        return [e for e in hass.logbook(since) if e.get("entity_id") in doorbell]

    # The recorder writes in order: once the visitor's end is in, so is everything the press
    # caused before it (the ring, a picture, a sensor).
    def ended() -> list[dict[str, Any]] | None:
        got = lines()
        return got if got and (got[-1]["entity_id"], got[-1]["state"]) == (visitor, "off") else None

    try:
        found = wait_for("the visitor's end in the logbook", ended, timeout=30)
    except AssertionError as err:  # say what the logbook and the recorder hold
        everything = [(e["when"], e.get("entity_id"), e.get("state")) for e in hass.logbook(since)]
        recorder = hass.websocket({"type": "recorder/info"})
        raise AssertionError(f"{err}; since {since}: {everything}; recorder: {recorder}") from None
    said = [(e["when"], e["entity_id"], e.get("state")) for e in found]
    assert len(found) <= 3, said
    assert {e["entity_id"] for e in found} == {visitor, ring}, said
    assert [e.get("state") for e in found if e["entity_id"] == visitor] == ["on", "off"], said
    assert not [e for e in found if e["entity_id"].startswith("sensor.")], said


def test_an_event_shows_its_snapshot_in_the_image_entity(stack: Stack) -> None:
    """Issue 11: a detection → the event's JPEG on disk → its signed URL retained on
    `snapshot/url` → Home Assistant's image entity fetches and shows that very file."""
    hass = stack.hass
    image = stack.entity("floodlight", "last_snapshot")
    person = stack.entity("floodlight", "person")
    wait_for("the floodlight's picture", lambda: not shows(hass, image, "unknown")())
    before = hass.state(image)
    assert before is not None
    bridge = stack.live.bridge
    assert bridge is not None
    folder = bridge.settings.media.root(bridge.settings.data_dir) / "snapshots" / "floodlight"

    def files() -> set[Path]:
        return set(folder.glob("*/*.jpg")) if folder.is_dir() else set()

    old = files()
    stack.live.trigger("floodlight", "person")
    wait_for("person", shows(hass, person, "on"))

    def new_picture() -> bool | None:
        fresh = {f.read_bytes() for f in files() - old}  # the event's (one per event)
        state = hass.state(image)
        if not fresh or state is None or state["state"] == before["state"]:
            return None
        shown = hass.image(image).content
        return (shown.startswith(b"\xff\xd8") and shown in fresh) or None

    wait_for("the new snapshot in the image entity", new_picture, timeout=20)
    stack.live.trigger("floodlight", "person", active=False)
    wait_for("person to end", shows(hass, person, "off"))


def test_a_channel_named_in_the_config_gives_entity_ids_from_that_name(stack: Stack) -> None:
    states = stack.hass.states()
    assert "binary_sensor.garden_motion" in states
    assert states["binary_sensor.garden_motion"]["attributes"]["friendly_name"] == "Garden Motion"
    assert "image.garden_last_snapshot" in states
    # The other channels are named after the camera's own channel name; none by number.
    assert "binary_sensor.back_yard_motion" in states
    assert not [i for i in states if "_ch0_" in i or "_ch1_" in i]
    registry = stack.hass.registry()
    assert registry["binary_sensor.garden_motion"]["unique_id"].endswith("_ch0_motion")


def test_the_battery_camera_shows_its_battery_and_pir_controls(stack: Stack) -> None:
    registry = stack.hass.registry()
    states = stack.hass.states()
    camera = stack.entity("hub_ch0", "motion")
    device_id = registry[camera]["device_id"]
    ids = [i for i, e in registry.items() if e["device_id"] == device_id]
    mine = stack.hass.registry_entries(ids)
    batteries = [
        i
        for i, e in mine.items()
        if i.startswith("sensor.")
        and (e["original_device_class"] or e["device_class"]) == "battery"
    ]
    assert batteries, sorted(mine)
    [battery] = batteries
    assert states[battery]["attributes"]["device_class"] == "battery"
    assert states[battery]["attributes"]["unit_of_measurement"] == "%"
    assert states[battery]["state"] not in ("unknown", "unavailable")
    pir = [i for i in mine if "pir" in i and i.split(".")[0] in ("switch", "number", "select")]
    assert pir, sorted(mine)
    for entity_id in pir:
        if mine[entity_id]["disabled_by"] is None:
            assert states[entity_id]["state"] not in ("unknown", "unavailable"), entity_id


def test_the_last_event_sensor_shows_the_newest_event(stack: Stack) -> None:
    """Must be the module's last test (see the module docstring)."""
    hass = stack.hass
    sensor = stack.entity("floodlight", "last_event")
    assert hass.state(sensor) is None  # off by default
    assert hass.registry()[sensor]["disabled_by"] == "integration"
    hass.enable(sensor)
    hass.reload_mqtt()
    wait_for("the enabled sensor", lambda: hass.state(sensor) is not None, timeout=20)
    person = stack.entity("floodlight", "person")
    vehicle = stack.entity("floodlight", "vehicle")

    stack.live.trigger("floodlight", "person")
    wait_for("person", shows(hass, person, "on"))
    wait_for("the sensor to say person", shows(hass, sensor, "person"))
    stack.live.trigger("floodlight", "vehicle")
    wait_for("vehicle", shows(hass, vehicle, "on"))
    wait_for("the sensor to say vehicle", shows(hass, sensor, "vehicle"))
    stack.live.trigger("floodlight", "person", active=False)
    wait_for("person to end", shows(hass, person, "off"))
    assert shows(hass, sensor, "vehicle")()
    stack.live.trigger("floodlight", "vehicle", active=False)
    wait_for("vehicle to end", shows(hass, vehicle, "off"))
    state = hass.state(sensor)
    assert state is not None
    assert state["state"] == "vehicle"
    assert state["attributes"]["type"] == "vehicle"
    assert state["attributes"]["phase"] == "start"
    assert "online" not in state["attributes"]["options"]
    assert set(state["attributes"]["options"]) == {kind.value for kind in DetectionType}
    print(f"real bridge + Home Assistant: {time.monotonic() - stack.started:.1f} s so far")
