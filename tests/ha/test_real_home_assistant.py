"""End to end with a real, headless Home Assistant 2025.4 (from .venv-ha) and a real Mosquitto.

Home Assistant runs on 127.0.0.1 and a free port with a throwaway config dir; it is onboarded and
given the MQTT integration through its HTTP API. The test publishes the discovery and the state of
one floodlight camera (what the bridge publishes), then checks through `/api/states` that every
entity appears with the right state, that availability, events and snapshots work, and that the
commands Home Assistant sends for its services are commands the bridge accepts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import free_port

from bridge.domain.commands import Command
from bridge.domain.values import IrMode, OnOff
from bridge.mqtt.discovery import Discovery
from bridge.simulator.media import FALLBACK_JPEG

from .common import TOPICS, parse_command, state_samples
from .home_assistant import HomeAssistant, running_home_assistant, wait_for
from .profiles import battery, floodlight

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.xdist_group("home-assistant")]


class Bridge:
    """Plays the bridge's part on the broker: publishes, and records the commands it gets."""

    def __init__(self, broker: MosquittoBroker) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fake-bridge")
        self.commands: list[tuple[str, str, bool]] = []
        self.lock = threading.Lock()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(f"{TOPICS.base}/+/set", qos=1)
        self.client.subscribe(f"{TOPICS.base}/+/set/+", qos=1)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.commands.append((message.topic, message.payload.decode(), bool(message.retain)))

    def publish(self, topic: str, payload: Any, retain: bool = True) -> None:
        text = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        self.client.publish(topic, text, qos=1, retain=retain).wait_for_publish(5)

    def take_commands(self, count: int) -> list[tuple[str, str, bool]]:
        def enough() -> bool:
            with self.lock:
                return len(self.commands) >= count

        wait_for(f"{count} command(s)", enough, timeout=10)
        time.sleep(0.3)  # nothing more should come
        with self.lock:
            taken, self.commands = self.commands, []
        return taken

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def home_assistant(tmp_path: Path, ha_python: Path) -> Iterator[HomeAssistant]:
    with running_home_assistant(tmp_path / "ha-config") as hass:
        yield hass


class SnapshotServer:
    """What the bridge's signed snapshot URLs answer (`/api/v1/media/…?sig=`): JPEGs by path."""

    def __init__(self) -> None:
        files: dict[str, bytes] = {}
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, jpeg: bytes) -> str:
        self.files[path] = jpeg
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def snapshots() -> Iterator[SnapshotServer]:
    server = SnapshotServer()
    yield server
    server.close()


@pytest.fixture
def bridge(mosquitto: MosquittoBroker) -> Iterator[Bridge]:
    fake = Bridge(mosquitto)
    yield fake
    fake.close()


def test_a_real_home_assistant_shows_the_camera(
    home_assistant: HomeAssistant,
    mosquitto: MosquittoBroker,
    bridge: Bridge,
    snapshots: SnapshotServer,
) -> None:
    started = time.monotonic()
    profile = floodlight()
    cid = profile.camera.id
    discovery = Discovery(TOPICS, "device", "http://bridge.example:8080")
    full = state_samples(cid)[0].payload()

    # What the bridge has retained on the broker before Home Assistant connects.
    bridge.publish(TOPICS.bridge_state, "online")
    bridge.publish(TOPICS.availability(cid), "online")
    bridge.publish(TOPICS.state(cid), full)
    for topic, payload in discovery.messages(profile.camera, profile.caps):
        bridge.publish(topic, payload)
    home_assistant.add_mqtt(mosquitto)

    entities = discovery.entities(profile.camera, profile.caps)
    expected_ids = {e.default_entity_id for e in entities}
    # Entities disabled by default are registered but have no state.
    enabled_ids = {
        e.default_entity_id for e in entities if e.config.get("enabled_by_default", True)
    }
    assert enabled_ids != expected_ids

    def all_entities() -> set[str] | None:
        missing = enabled_ids - set(home_assistant.states())
        return None if missing else enabled_ids

    wait_for("every discovered entity", all_entities, timeout=30)
    bridge.publish(TOPICS.state(cid), full)  # again, now that every entity listens
    # the latest event snapshot's signed URL (retained): the image entity's url_topic
    first = snapshots.add(f"/api/v1/media/snapshots/{cid}/2026-12-02/e1.jpg?sig=a", FALLBACK_JPEG)
    bridge.publish(TOPICS.snapshot_url(cid), first)

    expected_states = {
        "binary_sensor.driveway_motion": "on",
        "binary_sensor.driveway_person": "off",
        "binary_sensor.driveway_vehicle": "on",
        "binary_sensor.driveway_pet": "off",
        "siren.driveway_siren": "on",
        "light.driveway_floodlight": "on",
        "select.driveway_floodlight_mode": "auto",
        "switch.driveway_ir_lights": "on",
        "switch.driveway_status_led": "off",
        "switch.driveway_recording": "on",
        "switch.driveway_push": "off",
        "switch.driveway_email": "on",
        "switch.driveway_ftp": "off",
        "select.driveway_day_night": "black_white",
        "number.driveway_motion_sensitivity": "41",
        "sensor.driveway_storage": "50.0",
        "button.driveway_reboot": "unknown",
        "button.driveway_snapshot": "unknown",
        "event.driveway_detection": "unknown",
    }

    def settled() -> dict[str, dict[str, Any]] | None:
        states = home_assistant.states()
        wrong = {
            entity_id: states.get(entity_id, {}).get("state")
            for entity_id, state in expected_states.items()
            if states.get(entity_id, {}).get("state") != state
        }
        image = states.get("image.driveway_last_snapshot", {}).get("state")
        return None if wrong or image in (None, "unknown") else states

    try:
        states = wait_for("the states", settled, timeout=20)
    except AssertionError:
        print(home_assistant.log)
        raise
    light = states["light.driveway_floodlight"]["attributes"]
    assert light["brightness"] == 204  # 80 % of 255
    assert states["sensor.driveway_storage"]["attributes"]["unit_of_measurement"] == "%"
    # AI detections have no device class (Home Assistant shows on/off, not "occupancy").
    assert "device_class" not in states["binary_sensor.driveway_person"]["attributes"]
    assert states["binary_sensor.driveway_motion"]["attributes"]["device_class"] == "motion"
    assert "sensor.driveway_last_event" not in states  # diagnostic, off by default
    # Home Assistant fetched the URL; a new event's snapshot URL shows the new picture
    proxy = "/api/image_proxy/image.driveway_last_snapshot"
    assert home_assistant.http.get(proxy).content == FALLBACK_JPEG
    shown = states["image.driveway_last_snapshot"]["state"]
    newer = FALLBACK_JPEG + b"new event"
    bridge.publish(
        TOPICS.snapshot_url(cid),
        snapshots.add(f"/api/v1/media/snapshots/{cid}/2026-12-02/e2.jpg?sig=b", newer),
    )

    def new_picture() -> bool | None:
        state = home_assistant.states()["image.driveway_last_snapshot"]["state"]
        return (state != shown and home_assistant.http.get(proxy).content == newer) or None

    wait_for("the new snapshot", new_picture, timeout=20)
    assert states["binary_sensor.driveway_motion"]["attributes"]["friendly_name"] == (
        "Driveway Motion"
    )
    # Exactly the discovered entities, nothing else from MQTT.
    mqtt_entities = home_assistant.http.post(
        "/api/template", json={"template": "{{ integration_entities('mqtt') | list | tojson }}"}
    )
    assert set(json.loads(mqtt_entities.text)) == enabled_ids
    # The entity registry: every entity, the disabled ones too, with our unique ids.
    registry = {
        entry["entity_id"]: entry
        for entry in home_assistant.websocket({"type": "config/entity_registry/list"})
        if entry["platform"] == "mqtt"
    }
    assert set(registry) == expected_ids
    for entity in entities:
        entry = registry[entity.default_entity_id]
        assert entry["unique_id"] == entity.unique_id
        enabled = entity.config.get("enabled_by_default", True)
        assert entry["disabled_by"] == (None if enabled else "integration")
    # One device, named and described as discovered.
    device = home_assistant.http.post(
        "/api/template",
        json={
            "template": "{% set d = device_id('switch.driveway_recording') %}"
            "{{ {'entities': device_entities(d), 'name': device_attr(d, 'name'),"
            " 'model': device_attr(d, 'model'), 'sw': device_attr(d, 'sw_version'),"
            " 'manufacturer': device_attr(d, 'manufacturer')} | tojson }}"
        },
    ).json()
    assert set(device.pop("entities")) == enabled_ids
    assert device == {
        "name": "Driveway",
        "model": "RLC-811A",
        "sw": "v3.1.0.2368_23062508",
        "manufacturer": "Reolink",
    }

    # Events: a start becomes an HA event with its type; an end is ignored.
    event = {
        "event_id": "ev-1",
        "type": "vehicle",
        "phase": "start",
        "camera_id": cid,
        "camera_name": "Driveway",
        "channel": 0,
        "timestamp": "2026-07-01T10:00:00Z",
        "started_at": None,
        "duration": None,
        "data": {},
    }
    bridge.publish(TOPICS.event(cid), event, retain=False)
    fired = wait_for(
        "the detection event",
        lambda: (
            (s := home_assistant.states()["event.driveway_detection"])["state"] != "unknown" and s
        ),
    )
    assert fired["attributes"]["event_type"] == "vehicle"
    assert fired["attributes"]["event_id"] == "ev-1"
    bridge.publish(TOPICS.event(cid), {**event, "phase": "end", "event_id": "ev-2"}, retain=False)
    time.sleep(0.5)
    after = home_assistant.states()["event.driveway_detection"]
    assert after["state"] == fired["state"]
    assert after["attributes"]["event_id"] == "ev-1"

    # Availability: the camera going offline makes its entities unavailable, and back.
    bridge.publish(TOPICS.availability(cid), "offline")
    wait_for(
        "unavailable",
        lambda: home_assistant.states()["switch.driveway_status_led"]["state"] == "unavailable",
    )
    bridge.publish(TOPICS.availability(cid), "online")
    bridge.publish(TOPICS.bridge_state, "offline")
    time.sleep(0.3)
    assert home_assistant.states()["switch.driveway_status_led"]["state"] == "unavailable"
    bridge.publish(TOPICS.bridge_state, "online")
    wait_for(
        "available again",
        lambda: home_assistant.states()["switch.driveway_status_led"]["state"] == "off",
    )

    # Commands: what Home Assistant sends is what the bridge accepts.
    def sent(count: int, camera: str = cid) -> list[Command]:
        commands = []
        for topic, payload, retained in bridge.take_commands(count):
            assert not retained, topic
            camera_id, command = parse_command(topic, payload)
            assert camera_id == camera
            commands.append(command)
        return commands

    home_assistant.call("siren", "turn_on", entity_id="siren.driveway_siren", duration=5)
    [siren] = sent(1)
    assert siren.siren is not None
    assert (siren.siren.state, siren.siren.duration) == (OnOff.ON, 5)
    home_assistant.call(
        "light", "turn_on", entity_id="light.driveway_floodlight", brightness_pct=50
    )
    brightness, on = sent(2)
    assert brightness.floodlight is not None
    assert brightness.floodlight.brightness == 50
    assert on.floodlight is not None
    assert on.floodlight.state is OnOff.ON
    home_assistant.call("switch", "turn_off", entity_id="switch.driveway_ir_lights")
    [ir] = sent(1)
    assert ir.ir_lights is IrMode.OFF
    home_assistant.call(
        "select", "select_option", entity_id="select.driveway_day_night", option="color"
    )
    [day_night] = sent(1)
    assert day_night.day_night == "color"
    home_assistant.call(
        "number", "set_value", entity_id="number.driveway_motion_sensitivity", value=30
    )
    [sensitivity] = sent(1)
    assert sensitivity.motion_sensitivity == 30
    home_assistant.call("button", "press", entity_id="button.driveway_reboot")
    [reboot] = sent(1)
    assert reboot.reboot is True

    # A battery camera on a Home Hub: battery (device class battery), charging, PIR controls.
    hub = battery()
    for view_id in ("hub", "hub_ch0"):
        bridge.publish(TOPICS.availability(view_id), "online")
        bridge.publish(TOPICS.state(view_id), state_samples(view_id)[0].payload())
    for topic, payload in discovery.messages(hub.camera, hub.caps):
        bridge.publish(topic, payload)
    argus = {
        "sensor.backyard_argus_battery_level": "87",
        "binary_sensor.backyard_argus_battery_charging": "on",
        "binary_sensor.backyard_argus_sleeping": "off",
        "switch.backyard_argus_pir": "on",
        "number.backyard_argus_pir_sensitivity": "50",
        "switch.backyard_argus_motion_detection": "on",
        "number.backyard_argus_volume": "70",
    }

    def argus_settled() -> dict[str, dict[str, Any]] | None:
        states = home_assistant.states()
        ok = all(states.get(e, {}).get("state") == v for e, v in argus.items())
        return states if ok else None

    states = wait_for("the battery camera", argus_settled, timeout=30)
    level = states["sensor.backyard_argus_battery_level"]["attributes"]
    assert (level["device_class"], level["unit_of_measurement"]) == ("battery", "%")
    charging = states["binary_sensor.backyard_argus_battery_charging"]["attributes"]
    assert charging["device_class"] == "battery_charging"
    assert "sensor.hub_wifi_signal" not in states  # Wi-Fi signal: off by default
    home_assistant.call("switch", "turn_off", entity_id="switch.backyard_argus_pir")
    home_assistant.call(
        "number", "set_value", entity_id="number.backyard_argus_pir_sensitivity", value=30
    )
    pir, pir_sensitivity = sent(2, camera="hub_ch0")
    assert (pir.get("pir"), pir_sensitivity.get("pir_sensitivity")) == (OnOff.OFF, 30)

    # Capabilities change (the siren is gone): its entity goes, the others stay.
    channel = profile.caps.channels[0].model_copy(update={"siren": False})
    changed = profile.caps.model_copy(update={"channels": [channel]})
    for topic, payload in discovery.messages(profile.camera, changed, previous=profile.caps):
        bridge.publish(topic, payload)
    wait_for(
        "the siren to go",
        lambda: "siren.driveway_siren" not in home_assistant.states(),
    )
    assert enabled_ids - {"siren.driveway_siren"} <= set(home_assistant.states())
    registry = home_assistant.websocket({"type": "config/entity_registry/list"})
    assert "siren.driveway_siren" not in {entry["entity_id"] for entry in registry}

    # Removal: an empty retained discovery payload removes the device's entities.
    for topic in discovery.removals(profile.camera, profile.caps):
        bridge.publish(topic, "")
    wait_for(
        "the entities to go",
        lambda: not expected_ids & set(home_assistant.states()),
    )
    print(f"real Home Assistant round trip: {time.monotonic() - started:.1f} s after start-up")
