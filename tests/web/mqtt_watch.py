"""What the broker says, for the dashboard's (synchronous) tests: paho in its own thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

import paho.mqtt.client as paho


class MqttWatch:
    """Subscribes to `topic` (wildcards allowed) and keeps every message, retained ones too."""

    def __init__(self, host: str, port: int, topic: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self._client.on_message = self._on_message
        self._client.on_connect = lambda client, *_: client.subscribe(topic)
        self._client.connect(host, port)

    def _on_message(self, _client: object, _userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload))

    def wait(self, predicate: Callable[[str, bytes], bool], timeout: float = 10.0) -> bytes:
        """The first message (so far or to come) for which `predicate(topic, payload)` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for topic, payload in self.messages:
                    if predicate(topic, payload):
                        return payload
            time.sleep(0.05)
        raise TimeoutError(f"no such MQTT message in {timeout} s; seen: {self.messages[-5:]}")

    def seen(self, predicate: Callable[[str, bytes], bool]) -> bool:
        """Whether a message so far satisfies `predicate(topic, payload)`."""
        with self._lock:
            return any(predicate(topic, payload) for topic, payload in self.messages)

    def __enter__(self) -> MqttWatch:
        self._client.loop_start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.disconnect()
        self._client.loop_stop()
