"""The dispatcher's rails, end to end (simulator, Mosquitto, the running bridge): a safety-off
always passes the actuator rate limit, and a repeated command (same transaction, camera, client
and body within a minute) is answered from the first result without reaching the camera again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.bridge_rig import FAST_MQTT, Rig, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from test_commands import command

from bridge.app import Bridge
from bridge.domain.commands import Command
from bridge.simulator import Simulator

RATE = 3


@pytest.fixture
async def limited(sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path) -> AsyncIterator[Rig]:
    """The rig with at most RATE actuator commands a minute per camera."""
    settings = bridge_settings(
        sim, mosquitto, "reolink", tmp_path, safety={"actuator_rate_per_minute": RATE}
    )
    async with (
        Recorder(mosquitto.host, mosquitto.port) as recorder,
        Bridge(settings, mqtt_options=FAST_MQTT, republish_delay=(0.05, 0.1)) as bridge,
    ):
        for device in ("floodlight", "ptz"):
            await recorder.wait_topic(
                f"reolink/{device}/availability", lambda m: m.text == "online"
            )
        yield Rig(sim, mosquitto, bridge, recorder, settings)


async def burst(rig: Rig, camera_id: str, body: dict[str, Any]) -> None:
    """Use up the camera's actuator budget; the next ordinary command is refused."""
    for n in range(RATE):
        tx = f"burst-{camera_id}-{n}"
        response = await command(
            rig, f"reolink/{camera_id}/set", {**body, "transaction": tx}, camera_id, tx
        )
        assert response["status"] == "ok", response
    tx = f"refused-{camera_id}"
    refused = await command(
        rig, f"reolink/{camera_id}/set", {**body, "transaction": tx}, camera_id, tx
    )
    assert refused["status"] == "error"
    assert "rate limit" in refused["error"], refused


@pytest.mark.parametrize(
    ("camera_id", "burst_body", "off", "cmd", "sent"),
    [
        (
            "floodlight",
            {"siren": {"state": "ON", "duration": 30}},
            {"siren": "OFF"},
            "AudioAlarmPlay",
            lambda p: p["manual_switch"] == 0,
        ),
        (
            "floodlight",
            {"floodlight": {"state": "ON", "brightness": 50}},
            {"floodlight": "OFF"},
            "SetWhiteLed",
            lambda p: p["WhiteLed"]["state"] == 0,
        ),
        ("ptz", {"ptz": "left"}, {"ptz": "stop"}, "PtzCtrl", lambda p: p["op"] == "Stop"),
    ],
)
async def test_a_safety_off_passes_the_rate_limit_after_a_burst(
    limited: Rig,
    camera_id: str,
    burst_body: dict[str, Any],
    off: dict[str, Any],
    cmd: str,
    sent: Any,
) -> None:
    await burst(limited, camera_id, burst_body)
    before = len(limited.commands(camera_id, cmd))
    response = await command(
        limited, f"reolink/{camera_id}/set", {**off, "transaction": "off"}, camera_id, "off"
    )
    assert response["status"] == "ok", response
    after = limited.commands(camera_id, cmd)
    assert len(after) == before + 1
    assert sent(after[-1]["param"]), after[-1]
    # The plain-value spelling is the same command.
    attribute, value = next(iter(off.items()))
    plain = await command(limited, f"reolink/{camera_id}/set/{attribute}", value, camera_id)
    assert plain["status"] == "ok", plain
    # Anything else is still refused: the limit itself holds.
    tx = "still-limited"
    again = await command(
        limited, f"reolink/{camera_id}/set", {**burst_body, "transaction": tx}, camera_id, tx
    )
    assert again["status"] == "error"
    assert "rate limit" in again["error"], again


async def test_a_repeated_mqtt_command_is_executed_once(rig: Rig) -> None:
    body = {"status_led": "OFF", "transaction": "1"}
    first = await command(rig, "reolink/doorbell/set", body, "doorbell", "1")
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/doorbell/set", body)  # the client resends it
    second = await rig.mqtt.wait_json(
        "reolink/doorbell/response", lambda r: r.get("transaction") == "1", since=mark
    )
    assert first["status"] == "ok"
    assert second == first
    await asyncio.sleep(0.3)
    assert len(rig.commands("doorbell", "SetPowerLed")) == 1
    # The same id with another body is another command (clients reuse ids like "1").
    other = await command(
        rig, "reolink/doorbell/set", {"status_led": "ON", "transaction": "1"}, "doorbell", "1"
    )
    assert other["status"] == "ok"
    assert len(rig.commands("doorbell", "SetPowerLed")) == 2


async def test_repeats_are_told_apart_by_camera_client_and_body(rig: Rig) -> None:
    dispatcher = rig.bridge.dispatcher

    async def send(
        camera_id: str, body: dict[str, Any], source: str = "rest", who: str | None = "alice"
    ) -> None:
        command = Command.model_validate({**body, "transaction": "7"})
        result = await dispatcher.dispatch(camera_id, command, source=source, who=who)
        assert result.status == "ok", result

    led = {"status_led": "OFF"}
    # Sent at once (a retry racing the first): one execution, both answered.
    await asyncio.gather(send("doorbell", led), send("doorbell", led))
    assert len(rig.commands("doorbell", "SetPowerLed")) == 1
    await send("doorbell", led, who="bob")  # another API principal
    await send("doorbell", led, source="ws")  # another interface
    await send("doorbell", led, source="mqtt", who=None)
    await send("floodlight", led)  # another camera
    await send("doorbell", {"status_led": "ON"})  # another body
    assert len(rig.commands("doorbell", "SetPowerLed")) == 5
    assert len(rig.commands("floodlight", "SetPowerLed")) == 1
    await send("doorbell", led, source="mqtt", who=None)  # a repeat again
    assert len(rig.commands("doorbell", "SetPowerLed")) == 5
    assert dispatcher.recent.repeats == 2


async def test_a_repeat_is_executed_again_after_the_window(rig: Rig) -> None:
    dispatcher = rig.bridge.dispatcher
    dispatcher.recent.window = 0.5
    command = Command.model_validate({"status_led": "OFF", "transaction": "w"})
    await dispatcher.dispatch("doorbell", command, source="mqtt")
    await dispatcher.dispatch("doorbell", command, source="mqtt")
    assert len(rig.commands("doorbell", "SetPowerLed")) == 1
    await asyncio.sleep(0.6)
    await dispatcher.dispatch("doorbell", command, source="mqtt")
    assert len(rig.commands("doorbell", "SetPowerLed")) == 2


async def test_a_repeated_siren_off_is_never_answered_from_the_past(rig: Rig) -> None:
    """ON, OFF, ON again, then the same OFF (same transaction): the siren must go off again."""
    topic = "reolink/floodlight/set"
    for tx, body in (("on-1", {"siren": "ON"}), ("off", {"siren": "OFF"})):
        assert (await command(rig, topic, {**body, "transaction": tx}, "floodlight", tx))[
            "status"
        ] == "ok"
    await command(rig, topic, {"siren": "ON", "transaction": "on-2"}, "floodlight", "on-2")
    await command(rig, topic, {"siren": "OFF", "transaction": "off"}, "floodlight", "off")
    switches = [c["param"]["manual_switch"] for c in rig.commands("floodlight", "AudioAlarmPlay")]
    assert switches == [1, 0, 1, 0]


async def test_a_reused_transaction_after_another_command_is_executed_again(rig: Rig) -> None:
    """LED ON, OFF, ON, all with transaction "1" (clients reuse ids): three commands reach the
    camera and the LED ends ON — the second ON is not answered from the first one's result."""
    topic = "reolink/floodlight/set"
    for state in ("ON", "OFF", "ON"):
        response = await command(
            rig, topic, {"status_led": state, "transaction": "1"}, "floodlight", "1"
        )
        assert response["status"] == "ok", response
    sent = [c["param"]["PowerLed"]["state"] for c in rig.commands("floodlight", "SetPowerLed")]
    assert sent == ["On", "Off", "On"], sent
    assert rig.sim.state("floodlight")["channel_states"][0]["status_led"]["state"] == "On"
    # An immediate retry of the last one is still answered from its result.
    await command(rig, topic, {"status_led": "ON", "transaction": "1"}, "floodlight", "1")
    assert len(rig.commands("floodlight", "SetPowerLed")) == 3


async def test_a_failed_command_is_executed_again_when_retried(rig: Rig) -> None:
    """An error is never kept: a retry after "offline" runs and reaches the camera."""
    topic = "reolink/doorbell/set"
    body = {"status_led": "ON", "transaction": "retry"}
    mark = rig.mqtt.mark()
    await rig.sim.set_fault("doorbell", "offline")
    await rig.mqtt.wait_topic(
        "reolink/doorbell/availability", lambda m: m.text == "offline", since=mark
    )
    failed = await command(rig, topic, body, "doorbell", "retry")
    assert failed["status"] == "error", failed
    mark = rig.mqtt.mark()
    await rig.sim.set_fault("doorbell", "none")
    await rig.mqtt.wait_topic(
        "reolink/doorbell/availability", lambda m: m.text == "online", since=mark, timeout=15
    )
    retried = await command(rig, topic, body, "doorbell", "retry")
    assert retried["status"] == "ok", retried
    assert len(rig.commands("doorbell", "SetPowerLed")) == 1
