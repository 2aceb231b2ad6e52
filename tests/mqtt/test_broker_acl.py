"""The broker set-up of docker compose (mosquitto/), run for real: who may publish and read what.

A throwaway Mosquitto runs the repository's `mosquitto.conf` and `acl` (container paths mapped to
a temp dir, the listener moved to a free loopback port) with a password file made by
`mosquitto_passwd -b`. Clients speak MQTT 5, so the broker tells a publisher when it refuses a
message (PUBACK "not authorized"); independently, observers subscribed as users that may read the
topic check that a refused message never arrives and an allowed one does.
"""

from __future__ import annotations

import itertools
import os
import pwd
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import HOST
from fixtures.recorder import Recorder
from fixtures.simulator import running_simulator
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from bridge.app import Bridge
from bridge.config import load_settings
from bridge.domain.camera import Camera
from bridge.simulator import Simulator
from bridge.topics.tree import Topics

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = REPO / "mosquitto"
CONTAINER_CONFIG = "/mosquitto/config/"
CONTAINER_DATA = "/mosquitto/data/"
PASSWORDS = {"bridge": "bridge-pw", "homeassistant": "ha-pw", "admin": "admin-pw"}
NOT_AUTHORIZED = 135
WAIT = 5.0
TOPICS = Topics()  # the defaults the ACL is written for


@dataclass
class RepoBroker(MosquittoBroker):
    """Mosquitto with mosquitto/mosquitto.conf and mosquitto/acl as docker compose mounts them."""

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_dir, data_dir = self.workdir / "config", self.workdir / "data"
        config_dir.mkdir(exist_ok=True)
        data_dir.mkdir(exist_ok=True)
        (config_dir / "acl").write_text((CONF_DIR / "acl").read_text())
        passwd = config_dir / "passwd"
        passwd.touch(mode=0o600)
        for user, password in PASSWORDS.items():
            subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
        text = (CONF_DIR / "mosquitto.conf").read_text()
        text = text.replace(CONTAINER_CONFIG, f"{config_dir}/").replace(
            CONTAINER_DATA, f"{data_dir}/"
        )
        lines = [
            f"listener {self.port} {HOST}" if line.startswith("listener ") else line
            for line in text.splitlines()
        ]
        lines += [f"log_dest file {self.log_file}", "log_type all"]
        if os.geteuid() == 0:  # as root, Mosquitto would switch to the `mosquitto` user
            lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name}")
        config = self.workdir / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return config


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RepoBroker]:
    with RepoBroker(tmp_path / "broker") as running:
        yield running


@dataclass
class Peer:
    """A plain MQTT 5 client (paho, its own network thread) that reports the broker's answers."""

    client: paho.Client
    connack: ReasonCode
    received: list[tuple[str, bytes]] = field(default_factory=list)
    _acks: dict[int, ReasonCode] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    @classmethod
    def connect(cls, broker: MosquittoBroker, user: str | None, password: str | None) -> Peer:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"acl-{user}-{uuid.uuid4().hex[:6]}",
            protocol=paho.MQTTv5,
            reconnect_on_failure=False,
        )
        if user is not None:
            client.username_pw_set(user, password)
        connected = threading.Event()
        answer: list[ReasonCode] = []

        def on_connect(*args: Any) -> None:
            answer.append(args[3])
            connected.set()

        client.on_connect = on_connect
        client.connect(HOST, broker.port)
        client.loop_start()
        assert connected.wait(WAIT), "no CONNACK"
        peer = cls(client, answer[0])
        client.on_publish = peer._on_publish
        client.on_subscribe = peer._on_subscribe
        client.on_message = peer._on_message
        return peer

    def _on_publish(self, client: Any, userdata: Any, mid: int, code: ReasonCode, _: Any) -> None:
        with self._changed:
            self._acks[mid] = code
            self._changed.notify_all()

    def _on_subscribe(
        self, client: Any, userdata: Any, mid: int, codes: list[ReasonCode], _: Any
    ) -> None:
        with self._changed:
            self._acks[mid] = codes[0]
            self._changed.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._changed:
            self.received.append((message.topic, message.payload))
            self._changed.notify_all()

    def _ack(self, mid: int) -> ReasonCode:
        with self._changed:
            assert self._changed.wait_for(lambda: mid in self._acks, WAIT), "no acknowledgement"
            return self._acks.pop(mid)

    def publish(self, topic: str, payload: str) -> ReasonCode:
        """QoS 1: the PUBACK's reason code (135 when the ACL refuses it)."""
        return self._ack(self.client.publish(topic, payload, qos=1).mid)

    def subscribe(self, topic_filter: str) -> ReasonCode:
        return self._ack(self.client.subscribe(topic_filter, qos=1)[1])

    def wait_for(self, payload: bytes) -> None:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(p == payload for _, p in self.received), WAIT
            )
            assert found, f"{payload!r} never arrived"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def peers(broker: RepoBroker) -> Iterator[dict[str, Peer]]:
    connected = {user: Peer.connect(broker, user, password) for user, password in PASSWORDS.items()}
    yield connected
    for peer in connected.values():
        peer.close()


_counter = itertools.count()
SENTINEL_TOPICS = (f"{TOPICS.base}/sentinel", TOPICS.ha_device_config("sentinel"))


def arrived(peers: dict[str, Peer], readers: dict[str, Peer], topic: str, payload: str) -> bool:
    """Whether `payload` on `topic` reached any of `readers`.

    Called after the broker acknowledged the publish. A sentinel the bridge user publishes
    afterwards, once it reached a reader, proves that reader has everything routed before it (a
    broker delivers to one subscriber in order)."""
    sentinel = f"sentinel-{next(_counter)}"
    for sentinel_topic in SENTINEL_TOPICS:
        assert peers["bridge"].publish(sentinel_topic, sentinel).value < 128
    for reader in readers.values():
        reader.wait_for(sentinel.encode())
    return any((topic, payload.encode()) in reader.received for reader in readers.values())


# -- connecting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "password"),
    [(None, None), ("bridge", "wrong"), ("homeassistant", ""), ("nobody", "x")],
)
def test_anonymous_and_wrong_passwords_are_refused(
    broker: RepoBroker, user: str | None, password: str | None
) -> None:
    peer = Peer.connect(broker, user, password)
    try:
        assert peer.connack.is_failure, peer.connack
    finally:
        peer.close()


def test_the_three_users_connect(peers: dict[str, Peer]) -> None:
    assert {user: peer.connack.value for user, peer in peers.items()} == dict.fromkeys(PASSWORDS, 0)


# -- publishing ------------------------------------------------------------------------------

CAMERA_COMMANDS = (TOPICS.set("front"), TOPICS.set("front", "siren"), TOPICS.get("front"))
BRIDGE_REQUEST = TOPICS.bridge_request_filter.replace("#", "camera/add")
DISCOVERY = (TOPICS.ha_device_config("uid1"), TOPICS.ha_entity_config("switch", "uid1"))
BRIDGE_OUTPUTS = (
    TOPICS.state("front"),
    TOPICS.availability("front"),
    TOPICS.event("front"),
    TOPICS.response("front"),
    TOPICS.snapshot("front"),
    TOPICS.bridge_state,
    TOPICS.bridge_info,
    TOPICS.bridge_cameras,
    TOPICS.bridge_response("camera/add"),
)

# What each user may publish; every other topic of ALL_TOPICS is refused.
MAY_PUBLISH = {
    "bridge": {*BRIDGE_OUTPUTS, *DISCOVERY, *CAMERA_COMMANDS, BRIDGE_REQUEST},
    "homeassistant": {*CAMERA_COMMANDS, TOPICS.ha_status},
    "admin": {*CAMERA_COMMANDS, BRIDGE_REQUEST},
}
ALL_TOPICS = (*CAMERA_COMMANDS, BRIDGE_REQUEST, *DISCOVERY, *BRIDGE_OUTPUTS, TOPICS.ha_status)


@pytest.mark.parametrize("user", sorted(PASSWORDS))
def test_each_user_publishes_only_what_the_acl_allows(peers: dict[str, Peer], user: str) -> None:
    # Observers that may read every topic between them: the bridge (reolink/#, HA status) and
    # Home Assistant (discovery) — and the bridge reads bridge requests, which HA may not.
    assert peers["bridge"].subscribe(f"{TOPICS.base}/#").value < 128
    assert peers["bridge"].subscribe(TOPICS.ha_status).value < 128
    assert peers["homeassistant"].subscribe(f"{TOPICS.discovery_prefix}/#").value < 128
    observers = {name: peers[name] for name in ("bridge", "homeassistant")}
    publisher = peers[user]
    for topic in ALL_TOPICS:
        payload = f"{user} -> {topic}"
        code = publisher.publish(topic, payload)
        allowed = topic in MAY_PUBLISH[user]
        assert (code.value != NOT_AUTHORIZED) == allowed, f"{user} publishing {topic}: {code}"
        assert arrived(peers, observers, topic, payload) == allowed, f"{user} -> {topic}"


# -- reading ---------------------------------------------------------------------------------

# Who receives a message on each topic (published by a user allowed to publish it).
MAY_READ = {
    **{
        topic: {"bridge", "homeassistant", "admin"} for topic in (*BRIDGE_OUTPUTS, *CAMERA_COMMANDS)
    },
    **{topic: {"homeassistant"} for topic in DISCOVERY},
    BRIDGE_REQUEST: {"bridge", "admin"},  # a camera/add request carries a camera password
    TOPICS.ha_status: {"bridge", "homeassistant"},
}


def test_each_user_reads_what_it_needs_and_nothing_more(peers: dict[str, Peer]) -> None:
    for peer in peers.values():  # what each would subscribe to; a refused filter is fine
        peer.subscribe(f"{TOPICS.base}/#")
        peer.subscribe(f"{TOPICS.discovery_prefix}/#")
    for topic, readers in MAY_READ.items():
        publisher = next(peers[user] for user, topics in MAY_PUBLISH.items() if topic in topics)
        payload = f"read {topic}"
        assert publisher.publish(topic, payload).value < 128
        got = {user for user in peers if arrived(peers, {user: peers[user]}, topic, payload)}
        assert got == readers, topic


# -- the real bridge and Home Assistant under these rules ------------------------------------


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"front": "floodlight"}, password="cam-pw") as simulator:
        yield simulator


async def test_the_bridge_and_home_assistant_work_under_the_acl(
    broker: RepoBroker, sim: Simulator, tmp_path: Path
) -> None:
    device = sim.devices["front"]
    settings = load_settings(
        data_dir=tmp_path / "data",
        server={"enabled": False},
        mqtt={"url": broker.url, "username": "bridge", "password": PASSWORDS["bridge"]},
        polling={"interval": 0.5},
        cameras=[
            Camera(
                id="front",
                host=device.host,
                port=device.port,
                username=device.username,
                password=device.password,
            )
        ],
    )
    async with (
        Recorder(
            broker.host,
            broker.port,
            (f"{TOPICS.base}/#", f"{TOPICS.discovery_prefix}/#"),
            username="homeassistant",
            password=PASSWORDS["homeassistant"],
        ) as home_assistant,
        Recorder(
            broker.host,
            broker.port,
            (TOPICS.bridge_response("#"),),
            username="admin",
            password=PASSWORDS["admin"],
        ) as admin,
        Bridge(settings, mqtt_options={"reconnect_min": 0.1, "reconnect_max": 0.5}) as bridge,
    ):
        await home_assistant.wait_topic(TOPICS.availability("front"), lambda m: m.text == "online")
        await home_assistant.wait_for(lambda m: m.topic.startswith(TOPICS.discovery_prefix))
        await home_assistant.wait_json(TOPICS.state("front"))
        await home_assistant.publish(TOPICS.set("front", "floodlight"), "ON")
        response = await home_assistant.wait_json(TOPICS.response("front"))
        assert response["status"] == "ok", response
        await home_assistant.wait_json(TOPICS.state("front"), lambda s: s["floodlight"] == "ON")
        await admin.publish(TOPICS.bridge_request_filter.replace("#", "health_check"), {})
        answer = await admin.wait_json(TOPICS.bridge_response("health_check"))
        assert answer["status"] == "ok", answer
        # Home Assistant's own attempt at a bridge request never reaches the bridge: had the
        # broker delivered it, it would have come before the admin's request that follows.
        assert bridge.mqtt is not None
        received = bridge.mqtt.stats().received
        await home_assistant.publish(BRIDGE_REQUEST, {"id": "evil", "host": "127.0.0.1"})
        mark = admin.mark()
        await admin.publish(TOPICS.bridge_request_filter.replace("#", "health_check"), {})
        await admin.wait_json(TOPICS.bridge_response("health_check"), since=mark)
        assert bridge.mqtt.stats().received == received + 1
        assert [camera.id for camera in bridge.manager.cameras] == ["front"]
