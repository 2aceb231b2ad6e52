"""The bridge and its store: events, command audit and cameras persist; passwords stay encrypted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fixtures.bridge_rig import FAST_MQTT, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.app import Bridge
from bridge.domain.values import EventPhase, EventType
from bridge.secrets import SecretKeyError
from bridge.simulator import Simulator
from bridge.storage.factory import create_store
from bridge.store import EventQuery


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bridge.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


async def test_events_and_commands_land_in_the_store(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, database_url: str
) -> None:
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path, database={"url": database_url})
    async with (
        Recorder(mosquitto.host, mosquitto.port) as mqtt,
        Bridge(settings, mqtt_options=FAST_MQTT) as bridge,
    ):
        await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
        mark = mqtt.mark()
        sim.trigger_event("floodlight", "person", True)
        start = await mqtt.wait_json(
            "reolink/floodlight/event", lambda e: e["type"] == "person", since=mark
        )
        await asyncio.sleep(1.2)
        sim.trigger_event("floodlight", "person", False)
        end = await mqtt.wait_json(
            "reolink/floodlight/event",
            lambda e: e["type"] == "person" and e["phase"] == "end",
            since=mark,
        )
        await mqtt.publish("reolink/floodlight/set", {"ir_lights": "Off", "transaction": "audit-1"})
        await mqtt.wait_json(
            "reolink/floodlight/response", lambda r: r.get("transaction") == "audit-1"
        )
        await mqtt.publish("reolink/floodlight/set/siren", "LOUD")  # malformed: never a command
        await mqtt.publish("reolink/floodlight/set", {"ptz": "left", "transaction": "audit-2"})
        refused = await mqtt.wait_json(
            "reolink/floodlight/response", lambda r: r.get("transaction") == "audit-2"
        )
        assert refused["status"] == "error"
        await bridge.writer.flush()

        stored = await bridge.store.get_event(start["event_id"])
        assert stored is not None
        assert (stored.type, stored.phase) == (EventType.PERSON, EventPhase.END)
        assert stored.camera_id == "floodlight"
        assert stored.duration == pytest.approx(end["duration"], abs=0.01)
        assert stored.duration == pytest.approx(1.2, abs=0.8)
        page = await bridge.store.query_events(
            EventQuery(camera_ids=["floodlight"], types=[EventType.PERSON])
        )
        assert [e.event_id for e in page.events] == [start["event_id"]]

        audit = await bridge.store.list_commands(camera_id="floodlight")
        ok = [r for r in audit if r.transaction == "audit-1"]
        assert len(ok) == 1
        assert (ok[0].source, ok[0].status, ok[0].command["ir_lights"]) == ("mqtt", "ok", "Off")
        (no,) = [r for r in audit if r.transaction == "audit-2"]
        assert (no.status, no.command["ptz"]["op"]) == ("error", "left")
        assert no.error is not None
        assert "not supported" in no.error
        assert not [r for r in audit if "siren" in r.command]


async def test_runtime_cameras_survive_a_restart_encrypted(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, database_url: str
) -> None:
    extra = await sim.add_device("doorbell", device_id="extra")
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path, database={"url": database_url})
    settings = settings.model_copy(
        update={"cameras": [c for c in settings.cameras if c.id != "extra"]}
    )
    async with Recorder(mosquitto.host, mosquitto.port) as mqtt:
        async with Bridge(settings, mqtt_options=FAST_MQTT):
            await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
            await mqtt.publish(
                "reolink/bridge/request/camera/add",
                {"id": "extra", "host": extra.host, "port": extra.port, "password": PASSWORD},
            )
            response = await mqtt.wait_json("reolink/bridge/response/camera/add")
            assert response["status"] == "ok", response
            await mqtt.wait_topic("reolink/extra/availability", lambda m: m.text == "online")

        mark = mqtt.mark()
        async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
            await mqtt.wait_topic(
                "reolink/extra/availability", lambda m: m.text == "online", since=mark
            )
            assert "extra" in {c.id for c in bridge.manager.cameras}
            record = await bridge.store.get_camera("extra")
            assert record is not None
            assert record.source == "runtime"
            assert PASSWORD not in record.password_encrypted
            assert bridge.cipher.decrypt(record.password_encrypted) == PASSWORD
        assert not [m.topic for m in mqtt.messages if PASSWORD.encode() in m.payload]

    if database_url.startswith("sqlite"):
        files = [tmp_path / "bridge.db", *tmp_path.glob("bridge.db-*")]  # noqa: ASYNC240
        raw = b"".join(path.read_bytes() for path in files)
        assert PASSWORD.encode() not in raw


async def test_a_wrong_secret_key_stops_the_start(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path)
    async with Bridge(settings, mqtt_options=FAST_MQTT):
        pass
    monkeypatch.setenv("REOLINK_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretKeyError, match="not the one they were encrypted with"):
        async with Bridge(settings, mqtt_options=FAST_MQTT):
            pass
    monkeypatch.delenv("REOLINK_SECRET_KEY")
    store = create_store(settings)
    await store.open()
    try:
        assert {c.id for c in await store.list_cameras()} == set(sim.devices)  # nothing lost
    finally:
        await store.close()
