"""MqttConnection against a real, throwaway Mosquitto (tests/fixtures/mosquitto.py). No mocks."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from fixtures.mosquitto import BrokerFactory, MosquittoBroker
from fixtures.mqtt311 import Mqtt311Front
from pydantic import SecretStr

from bridge.config import MqttSettings
from bridge.mqtt.connection import Message, MqttConnection, MqttEndpoint

BASE = "t"
STATE = f"{BASE}/bridge/state"
REPO = Path(__file__).resolve().parents[2]


def make_connection(broker: MosquittoBroker, **options: Any) -> MqttConnection:
    """A connection that reconnects fast (tests must not wait for production backoff)."""
    settings_options = {
        key: options.pop(key)
        for key in list(options)
        if key in MqttSettings.model_fields and key != "url"
    }
    settings = MqttSettings(url=options.pop("url", broker.url), base_topic=BASE, **settings_options)
    options = {"reconnect_min": 0.02, "reconnect_max": 0.1, "stop_timeout": 3.0, **options}
    return MqttConnection(settings, **options)


async def eventually(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Poll `predicate` (state of other tasks and of the broker) until true, or TimeoutError."""
    async with asyncio.timeout(within):
        while not predicate():
            await asyncio.sleep(0.01)


class Recorder:
    """A handler that records what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def payloads(self) -> list[bytes]:
        return [m.payload for m in self.messages]


@asynccontextmanager
async def observer(
    broker: MosquittoBroker, *filters: str, **client_options: Any
) -> AsyncIterator[Recorder]:
    """An independent aiomqtt client, subscribed to `filters` (QoS 1), recording as Messages."""
    recorder = Recorder()
    async with aiomqtt.Client(broker.host, broker.port, **client_options) as client:
        if filters:
            await client.subscribe([(f, 1) for f in filters])

        async def read() -> None:
            async for m in client.messages:
                payload = m.payload if isinstance(m.payload, bytes) else b""
                recorder.messages.append(Message(m.topic.value, payload, m.retain, m.qos))

        reader = asyncio.create_task(read())
        try:
            yield recorder
        finally:
            reader.cancel()


async def retained(
    broker: MosquittoBroker, topic_filter: str, settle: float = 0.3
) -> dict[str, bytes]:
    """What the broker holds as retained under `topic_filter`."""
    async with observer(broker, topic_filter) as seen:
        await asyncio.sleep(settle)
    return {m.topic: m.payload for m in seen.messages if m.retain}


# ---------------------------------------------------------------------------------------------
# Birth, Last Will, clean stop


async def test_online_on_connect_offline_on_clean_stop(mosquitto: MosquittoBroker) -> None:
    async with observer(mosquitto, STATE) as seen:
        connection = make_connection(mosquitto)
        async with connection:
            async with asyncio.timeout(5):
                await connection.wait_connected()
            assert connection.connected
            await eventually(lambda: seen.payloads == [b"online"])
        assert not connection.connected
        await eventually(lambda: seen.payloads == [b"online", b"offline"])
    assert await retained(mosquitto, STATE) == {STATE: b"offline"}


BRIDGE_PROCESS = """
import asyncio, sys
from bridge.config import MqttSettings
from bridge.mqtt.connection import MqttConnection

async def main():
    connection = MqttConnection(MqttSettings(url=sys.argv[1], base_topic="t"))
    await connection.start()
    await connection.wait_connected()
    print("connected", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_last_will_when_the_bridge_dies(mosquitto: MosquittoBroker) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BRIDGE_PROCESS,
        mosquitto.url,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(20):
            assert await process.stdout.readline() == b"connected\n"
        assert await retained(mosquitto, STATE) == {STATE: b"online"}
        async with observer(mosquitto, STATE) as seen:
            await eventually(lambda: seen.payloads == [b"online"])
            process.send_signal(signal.SIGKILL)  # no DISCONNECT: the broker sends the Will
            await eventually(lambda: seen.payloads == [b"online", b"offline"])
            assert seen.messages[-1].retain is False  # a live delivery, though stored as retained
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert await retained(mosquitto, STATE) == {STATE: b"offline"}


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_starts_without_a_broker_and_stops_quickly(
    mosquitto: MosquittoBroker, caplog: pytest.LogCaptureFixture
) -> None:
    await mosquitto.astop()
    connection = make_connection(mosquitto)
    await connection.start()
    connection.publish("t/x", "queued")
    await asyncio.sleep(0.2)
    assert not connection.connected
    assert connection.last_error is not None
    assert "refused" in connection.last_error.lower()
    started = time.perf_counter()
    await connection.stop()
    assert time.perf_counter() - started < 0.5
    assert any("1 message(s) not delivered" in r.getMessage() for r in caplog.records)


async def test_broker_comes_later(mosquitto: MosquittoBroker) -> None:
    await mosquitto.astop()
    async with make_connection(mosquitto) as connection:
        connection.publish("t/x", "queued", retain=True)
        await asyncio.sleep(0.1)
        await mosquitto.astart()
        async with asyncio.timeout(5):
            await connection.wait_connected()
            await connection.flush()
        assert connection.reconnects == 0  # the first connection is not a reconnect
    assert await retained(mosquitto, "t/x") == {"t/x": b"queued"}


async def test_stop_drains_the_backlog_before_offline(mosquitto: MosquittoBroker) -> None:
    async with observer(mosquitto, "t/#") as seen:
        async with make_connection(mosquitto) as connection:
            async with asyncio.timeout(5):
                await connection.wait_connected()
            for i in range(300):
                connection.publish("t/ev", str(i))
        await eventually(lambda: len(seen.messages) == 302)
    assert seen.payloads == [b"online", *(str(i).encode() for i in range(300)), b"offline"]


# ---------------------------------------------------------------------------------------------
# Publish and subscribe


async def test_round_trip_json_and_retained_clear(mosquitto: MosquittoBroker) -> None:
    received = Recorder()
    async with make_connection(mosquitto) as connection, observer(mosquitto, "t/out/#") as seen:
        await connection.subscribe("t/in/+", received)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        connection.publish("t/out/text", "héllo")
        connection.publish("t/out/json", {"siren": "ON", "n": [1, 2], "ü": None})
        connection.publish("t/out/list", [1, "a"])
        connection.publish("t/out/raw", b"\x00\xff")
        await eventually(lambda: len(seen.messages) == 4)
        assert seen.payloads == [
            "héllo".encode(),
            '{"siren":"ON","n":[1,2],"ü":null}'.encode(),
            b'[1,"a"]',
            b"\x00\xff",
        ]
        assert seen.messages[1].json() == {"siren": "ON", "n": [1, 2], "ü": None}

        async with aiomqtt.Client(mosquitto.host, mosquitto.port) as other:
            await other.publish("t/in/cmd", b'{"siren":"ON"}', qos=1)
        await eventually(lambda: len(received.messages) == 1)
        assert received.messages[0] == Message("t/in/cmd", b'{"siren":"ON"}', False, 1)

        connection.publish("t/out/state", {"motion": True}, retain=True)
        async with asyncio.timeout(5):
            await connection.flush()
        assert await retained(mosquitto, "t/out/state") == {"t/out/state": b'{"motion":true}'}
        connection.clear_retained("t/out/state")
        async with asyncio.timeout(5):
            await connection.flush()
        assert await retained(mosquitto, "t/out/state") == {}
        assert connection.published_messages == 6


async def test_publish_refuses_wildcards_and_odd_payloads(mosquitto: MosquittoBroker) -> None:
    connection = make_connection(mosquitto)
    for topic in ("t/+/x", "t/#", "", "a\0b"):
        with pytest.raises(ValueError, match="topic"):
            connection.publish(topic, "x")
    with pytest.raises(TypeError):
        connection.publish("t/x", 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="QoS"):
        connection.publish("t/x", "x", qos=3)
    with pytest.raises(ValueError, match="#"):
        await connection.subscribe("t/#/x", Recorder())
    assert connection.buffered_messages == 0


async def test_default_client_id_is_unique(mosquitto: MosquittoBroker) -> None:
    first, second = make_connection(mosquitto), make_connection(mosquitto)
    assert first.client_id.startswith("reolink-bridge-")
    assert first.client_id != second.client_id
    assert make_connection(mosquitto, client_id="mine").client_id == "mine"


async def test_subscribe_and_unsubscribe_while_connected(mosquitto: MosquittoBroker) -> None:
    late = Recorder()
    async with make_connection(mosquitto) as connection:
        async with asyncio.timeout(5):
            await connection.wait_connected()
        unsubscribe = await connection.subscribe("t/late", late)
        await eventually(lambda: connection.stats().connected)
        # The SUBSCRIBE goes out in the background; publish until the first copy comes back.
        async with asyncio.timeout(5):
            while not late.messages:
                connection.publish("t/late", "1")
                await asyncio.sleep(0.05)
        unsubscribe()
        await asyncio.sleep(0.2)
        count = len(late.messages)
        connection.publish("t/late", "2")
        async with asyncio.timeout(5):
            await connection.flush()
        await asyncio.sleep(0.2)
        assert len(late.messages) == count


# ---------------------------------------------------------------------------------------------
# Broker restart: nothing lost, nothing duplicated, states latest, hooks again


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_broker_restart_loses_nothing(mosquitto_factory: BrokerFactory) -> None:
    broker = mosquitto_factory(persistence=True)
    # An independent subscriber with a persistent session: the broker queues for it while it is
    # away, and (persistence on) across the restart.
    session = {"identifier": "observer-1", "clean_session": False}
    async with observer(broker, "t/+/event", **session):
        pass
    hooks = 0

    async def on_connect() -> None:
        nonlocal hooks
        hooks += 1

    cameras = [f"cam{i}" for i in range(20)]
    async with make_connection(broker) as connection:
        connection.add_connect_hook(on_connect)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        for i in range(100):
            connection.publish(f"t/{cameras[i % 20]}/event", {"seq": i})
        for camera in cameras:
            connection.publish(f"t/{camera}", {"v": 0}, retain=True)
        async with asyncio.timeout(5):
            await connection.flush()

        await broker.astop()
        await eventually(lambda: not connection.connected)
        started = time.perf_counter()
        for i in range(100, 500):
            connection.publish(f"t/{cameras[i % 20]}/event", {"seq": i})
            if i % 20 == 0:
                for camera in cameras:
                    connection.publish(f"t/{camera}", {"v": i}, retain=True)
        assert time.perf_counter() - started < 0.5  # publish() never waits for the broker
        assert connection.buffered_messages == 400 + 20  # states coalesced per topic
        await asyncio.sleep(0.3)  # a few failed reconnects
        assert not connection.connected

        await broker.astart()
        async with asyncio.timeout(10):
            await connection.wait_connected()
            await connection.flush()
        assert hooks == 2
        assert connection.reconnects == 1
        assert connection.dropped_messages == 0

    async with observer(broker, **session) as seen:  # the session still holds the subscription
        await eventually(lambda: len(seen.messages) >= 500)
        await asyncio.sleep(0.3)  # would catch duplicates
    assert [m.json()["seq"] for m in seen.messages] == list(range(500))
    assert await retained(broker, "t/+") == {f"t/{camera}": b'{"v":480}' for camera in cameras}


async def test_broker_stops_mid_flush_unacknowledged_are_resent(
    mosquitto_factory: BrokerFactory,
) -> None:
    """In-flight publishes when the link breaks go back to the head: at least once, in order."""
    broker = mosquitto_factory(persistence=True)
    session = {"identifier": "observer-2", "clean_session": False}
    async with observer(broker, "t/ev", **session):
        pass
    total = 3000
    async with make_connection(broker, max_buffered_messages=total) as connection:
        async with asyncio.timeout(5):
            await connection.wait_connected()
        for i in range(total):
            connection.publish("t/ev", str(i))
        await eventually(lambda: connection.published_messages >= 300)
        await broker.astop()  # while the outbox is flushing, with publishes in flight
        assert connection.published_messages < total
        await broker.astart()
        async with asyncio.timeout(10):
            await connection.flush()
        assert connection.reconnects == 1
        assert connection.dropped_messages == 0
    async with observer(broker, **session) as seen:
        await eventually(lambda: len({m.payload for m in seen.messages}) == total, within=10)
        await asyncio.sleep(0.2)
    received = [int(m.payload) for m in seen.messages]
    first_seen = list(dict.fromkeys(received))
    assert first_seen == list(range(total))  # nothing lost, first copies in order
    assert len(received) - total <= 16  # duplicates only from the in-flight window


async def test_retained_store_wiped_then_online_again(mosquitto: MosquittoBroker) -> None:
    """persistence false: a restart loses retained messages; the bridge says online again."""
    hooks = 0

    async def on_connect() -> None:
        nonlocal hooks
        hooks += 1

    async with make_connection(mosquitto) as connection:
        connection.add_connect_hook(on_connect)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        await mosquitto.akill()
        await eventually(lambda: not connection.connected)
        await mosquitto.astart()
        async with asyncio.timeout(5):
            await connection.wait_connected()
        await eventually(lambda: hooks == 2)
        assert await retained(mosquitto, STATE) == {STATE: b"online"}


async def test_online_first_then_backlog_and_hooks(mosquitto: MosquittoBroker) -> None:
    connection = make_connection(mosquitto)
    for i in range(3):
        connection.publish("t/backlog", str(i))  # before start: buffered

    async def hook() -> None:
        assert connection.connected
        connection.publish("t/hook", "republished", retain=True)

    connection.add_connect_hook(hook)
    async with observer(mosquitto, "t/#") as seen, connection:
        await eventually(lambda: len(seen.messages) == 5)
    # The hook's publishes join the outbox behind the backlog (one FIFO keeps per-topic order).
    assert [(m.topic, m.payload) for m in seen.messages[:5]] == [
        (STATE, b"online"),
        ("t/backlog", b"0"),
        ("t/backlog", b"1"),
        ("t/backlog", b"2"),
        ("t/hook", b"republished"),
    ]


async def test_overflow_drops_oldest_and_warns_once(
    mosquitto: MosquittoBroker, caplog: pytest.LogCaptureFixture
) -> None:
    received = Recorder()
    async with make_connection(mosquitto, max_buffered_messages=10) as connection:
        await connection.subscribe("t/ev", received)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        await mosquitto.astop()
        await eventually(lambda: not connection.connected)
        with caplog.at_level(logging.WARNING, logger="bridge.mqtt.connection"):
            for i in range(25):
                connection.publish("t/ev", str(i))
        assert connection.dropped_messages == 15
        assert connection.buffered_messages == 10
        drops = [r for r in caplog.records if "dropped" in r.getMessage()]
        assert len(drops) == 1
        assert drops[0].levelno == logging.WARNING
        await mosquitto.astart()
        await eventually(lambda: len(received.messages) == 10)
        await asyncio.sleep(0.2)
    assert received.payloads == [str(i).encode() for i in range(15, 25)]


# ---------------------------------------------------------------------------------------------
# Receiving


async def test_retain_flag_is_reported_faithfully(mosquitto_factory: BrokerFactory) -> None:
    broker = mosquitto_factory(persistence=True)
    async with aiomqtt.Client(broker.host, broker.port) as other:
        await other.publish("t/cam/set", "ON", qos=1, retain=True)  # a stale, retained command
    commands = Recorder()
    async with make_connection(broker) as connection:
        await connection.subscribe("t/+/set", commands)
        await eventually(lambda: len(commands.messages) == 1)
        assert commands.messages[0] == Message("t/cam/set", b"ON", retain=True, qos=1)
        assert connection.protocol == "5"
        async with aiomqtt.Client(broker.host, broker.port) as other:
            # live, yet retained: MQTT 5's retain-as-published keeps the flag
            await other.publish("t/cam/set", "OFF", qos=1, retain=True)
            await other.publish("t/cam/set", "PRESS", qos=1)
        await eventually(lambda: len(commands.messages) == 3)
        assert [(m.payload, m.retain) for m in commands.messages[1:]] == [
            (b"OFF", True),
            (b"PRESS", False),
        ]
        await broker.arestart()  # on reconnect the broker replays the retained command
        await eventually(lambda: len(commands.messages) == 4)
        assert (commands.messages[3].payload, commands.messages[3].retain) == (b"OFF", True)


async def test_a_broker_that_refuses_mqtt5_gets_3_1_1(
    mosquitto_factory: BrokerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    mosquitto = mosquitto_factory(persistence=True)
    commands = Recorder()
    async with (
        Mqtt311Front(mosquitto) as front,
        # the door accepts while the broker restarts: a short CONNACK wait keeps retries quick
        make_connection(mosquitto, url=front.url, connect_timeout=1.0) as connection,
    ):
        await connection.subscribe("t/+/set", commands)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        assert connection.protocol == "3.1.1"
        assert front.refused == 1
        assert any("does not speak MQTT 5" in r.getMessage() for r in caplog.records)
        async with observer(mosquitto, "t/out") as seen:
            connection.publish("t/out", "hello")
            async with aiomqtt.Client(mosquitto.host, mosquitto.port) as other:
                await other.publish("t/cam/set", "ON", qos=1, retain=True)
                await other.publish("t/cam/set", "PRESS", qos=1)
            await eventually(lambda: len(commands.messages) == 2 and bool(seen.messages))
        assert seen.payloads == [b"hello"]
        # The documented limit: under 3.1.1 a live retained message cannot be told from a live one.
        assert [(m.payload, m.retain) for m in commands.messages] == [
            (b"ON", False),
            (b"PRESS", False),
        ]
        await mosquitto.arestart()  # reconnects stay on 3.1.1; the stale command is flagged
        await eventually(lambda: len(commands.messages) == 3)
        assert (commands.messages[2].payload, commands.messages[2].retain) == (b"ON", True)
        assert front.refused == 1


async def test_raising_handler_and_garbage_payloads(
    mosquitto: MosquittoBroker, caplog: pytest.LogCaptureFixture
) -> None:
    good = Recorder()

    async def bad(message: Message) -> None:
        raise RuntimeError(f"boom on {message.topic}")

    garbage = b"\xff\xfe\x00\xc3("
    async with make_connection(mosquitto) as connection:
        await connection.subscribe("t/in/#", bad)
        await connection.subscribe("t/in/#", good)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        async with aiomqtt.Client(mosquitto.host, mosquitto.port) as other:
            await other.publish("t/in/a", garbage, qos=1)
            for i in range(5):
                await other.publish("t/in/b", str(i), qos=1)
        await eventually(lambda: len(good.messages) == 6)
        await eventually(lambda: connection.stats().handler_errors == 6)
        assert good.messages[0].payload == garbage
        assert good.messages[0].text is None
        assert good.payloads[1:] == [str(i).encode() for i in range(5)]
        assert connection.connected
    failures = [r for r in caplog.records if "handler for t/in/# failed" in r.getMessage()]
    assert len(failures) == 6
    assert failures[0].exc_info is not None


async def test_a_slow_handler_does_not_block_others(mosquitto: MosquittoBroker) -> None:
    fast = Recorder()
    release = asyncio.Event()

    async def slow(message: Message) -> None:
        await release.wait()

    async with make_connection(mosquitto, max_handlers=4) as connection:
        await connection.subscribe("t/slow", slow)
        await connection.subscribe("t/fast", fast)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        connection.publish("t/slow", "1")
        connection.publish("t/slow", "2")
        for i in range(20):
            connection.publish("t/fast", str(i))
        await eventually(lambda: len(fast.messages) == 20)
        release.set()


async def test_incoming_queue_is_bounded(
    mosquitto: MosquittoBroker, caplog: pytest.LogCaptureFixture
) -> None:
    release = asyncio.Event()
    seen = Recorder()

    async def stuck(message: Message) -> None:
        await seen(message)
        await release.wait()

    async with make_connection(mosquitto, max_handlers=1, max_incoming=5) as connection:
        await connection.subscribe("t/in", stuck)
        async with asyncio.timeout(5):
            await connection.wait_connected()
        for i in range(20):
            connection.publish("t/in", str(i))
        await eventually(lambda: connection.stats().received == 20)
        await asyncio.sleep(0.05)
        # One is in the stuck handler, one waits for its slot, 5 queued; the rest dropped oldest.
        assert connection.stats().dropped_incoming == 13
        release.set()
        await eventually(lambda: len(seen.messages) == 7)
    assert seen.payloads[-5:] == [str(i).encode() for i in range(15, 20)]
    assert any("dropped 1" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------------------------
# Credentials and TLS


async def test_password_never_logged(
    mosquitto_factory: BrokerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "Canary-pässword-3f9a"
    broker = mosquitto_factory(users={"bridge": canary})
    caplog.set_level(logging.DEBUG)
    logging.getLogger("bridge.mqtt.paho").setLevel(logging.DEBUG)
    try:
        good = make_connection(broker, username="bridge", password=SecretStr(canary))
        in_url = make_connection(broker, url=f"mqtt://bridge:{canary}@127.0.0.1:{broker.port}")
        wrong = make_connection(broker, username="bridge", password=SecretStr(canary + "x"))
        async with good, in_url, wrong:
            async with asyncio.timeout(5):
                await good.wait_connected()
                await in_url.wait_connected()
            good.publish("t/x", "1")
            async with asyncio.timeout(5):
                await good.flush()
            await eventually(lambda: wrong.last_error is not None)
            assert not wrong.connected
            texts = [repr(c) + str(c.endpoint) + repr(c.endpoint) for c in (good, in_url, wrong)]
            assert all(canary not in text for text in texts)
            assert "not authorized" in (wrong.last_error or "").lower()
    finally:
        logging.getLogger("bridge.mqtt.paho").setLevel(logging.WARNING)
    assert any("cannot connect" in r.getMessage() for r in caplog.records)
    assert any(r.name == "bridge.mqtt.paho" for r in caplog.records)  # paho did log, at DEBUG
    assert canary not in caplog.text
    assert canary not in broker.log()


def test_endpoint_from_settings() -> None:
    endpoint = MqttEndpoint.from_settings(
        MqttSettings(url="mqtts://u%40x:p%3Aw@broker.lan", password=None)
    )
    assert (endpoint.host, endpoint.port, endpoint.tls) == ("broker.lan", 8883, True)
    assert (endpoint.username, endpoint.password) == ("u@x", "p:w")
    assert str(endpoint) == "mqtts://broker.lan:8883"
    assert "p:w" not in repr(endpoint)
    override = MqttEndpoint.from_settings(
        MqttSettings(url="mqtt://a:b@[::1]:1884", username="c", password=SecretStr("d"))
    )
    assert (override.host, override.port, override.username, override.password) == (
        "::1",
        1884,
        "c",
        "d",
    )
    assert str(override) == "mqtt://[::1]:1884"


async def test_tls(mosquitto_factory: BrokerFactory) -> None:
    broker = mosquitto_factory(tls=True)
    assert broker.tls_files is not None
    private_ca = make_connection(broker, tls_ca_file=broker.tls_files.ca_cert)
    insecure = make_connection(broker, tls_insecure=True)
    system_ca = make_connection(broker)  # the system's CAs do not know the throwaway CA
    async with private_ca, insecure, system_ca:
        async with asyncio.timeout(5):
            await private_ca.wait_connected()
            await insecure.wait_connected()
        await eventually(lambda: system_ca.last_error is not None)
        assert "certificate verify failed" in (system_ca.last_error or "")
        assert not system_ca.connected
