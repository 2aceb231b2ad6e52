"""`MqttConnection`: the only place in the bridge that talks to the broker.

Nothing else awaits the broker. `publish()` is synchronous and enqueues into a bounded outbox (see
`bridge.mqtt.outbox` for the policy); `subscribe()` registers a handler that is remembered across
reconnects. A supervisor task owns the connection:

    connect (Last Will: <base>/bridge/state = offline, retained, QoS 1)
      → publish `online` retained (PUBACK awaited)
      → subscribe every registered filter (SUBACK awaited)          → `connected` becomes True
      → start the on-connect hooks (each decides its own delay), then flush the outbox
      … until the connection drops (any MqttError): unacknowledged messages go back to the head of
        the outbox, and the supervisor reconnects after a jittered exponential backoff.

**MQTT 5, or 3.1.1.** The bridge speaks MQTT 5 and subscribes with *retain as published*, so a
handler sees the retain flag of every message as its publisher set it — a retained command
published while the bridge is connected is told from a live one (under MQTT 3.1.1 a broker clears
the flag for live subscribers). A broker that refuses MQTT 5 (CONNACK "unsupported protocol
version") gets 3.1.1 from then on, with a warning: there only messages delivered because of a new
subscription carry the flag. `protocol` says which one is in use.

`stop()` waits (bounded) for the outbox to drain, publishes `offline` retained and disconnects
cleanly, so the broker discards the Last Will. Received messages go through a bounded queue to
handlers that run as tasks with bounded concurrency; a handler that raises is logged with its filter
and counted, and never stops the others.

Credentials come from the settings (or the URL's user-info) and never appear in a log line.
Call it from the event loop's thread only (publish() is not thread-safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.client import MQTT_CLEAN_START_FIRST_ONLY
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from bridge.config import MqttSettings
from bridge.mqtt.client import Client
from bridge.mqtt.message import (
    Handler,
    Message,
    check_publish_topic,
    check_topic_filter,
    encode_payload,
    topic_matches,
)
from bridge.mqtt.outbox import Outbox, OutgoingMessage
from bridge.topics.mapping import Payload
from bridge.topics.tree import Topics

__all__ = ["ConnectHook", "Message", "MqttConnection", "MqttEndpoint", "MqttStats"]

logger = logging.getLogger(__name__)

# paho logs every packet at DEBUG; keep it quiet unless someone turns this logger up on purpose.
_PAHO_LOGGER = logging.getLogger("bridge.mqtt.paho")
_PAHO_LOGGER.setLevel(logging.WARNING)

ONLINE = "online"
OFFLINE = "offline"

# Tunables (constructor arguments default to these).
RECONNECT_MIN = 1.0  # s; a restarting broker is usually back within seconds
RECONNECT_MAX = 30.0  # s; cap of the exponential backoff (full jitter between min and ceiling)
STABLE_AFTER = 10.0  # s; a connection that lived this long resets the backoff
# QoS 1 publishes awaiting PUBACK at once. Loopback, CPU-bound: 16 gives ~1.5-1.8x the rate of 1
# (bench/mqtt_publish.py); over a real network the gain grows with the round trip. It also bounds
# the duplicates a broken connection can cause (at-least-once).
MAX_INFLIGHT = 16
PUBLISH_TIMEOUT = 10.0  # s; a PUBACK later than this means the connection is broken (as HA)
CONNECT_TIMEOUT = 10.0  # s; CONNACK, SUBACK and clean DISCONNECT
MAX_ATTEMPTS = 5  # broken connections a message may ride before it is given up (poison message)
MAX_INCOMING = 1000  # received messages waiting for a handler slot; past it the oldest is dropped
MAX_HANDLERS = 16  # handler tasks running at once
STOP_TIMEOUT = 5.0  # s; drain + offline + disconnect on stop()
WARN_INTERVAL = 10.0  # s; at most one warning per interval for drops and for connection failures
UNSUPPORTED_PROTOCOL = 0x84  # CONNACK reason (paho maps MQTT 3.1.1's return code 1 to it)

ConnectHook = Callable[[], Awaitable[None]]
"""Runs (as a task) after every (re)connect, once `online` is out and subscriptions are active."""


@dataclass(frozen=True, slots=True)
class MqttEndpoint:
    """Where to connect, parsed from `mqtt://` / `mqtts://` URLs. `repr` shows no password."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: MqttSettings) -> MqttEndpoint:
        url = urlsplit(settings.url)
        tls = url.scheme == "mqtts"
        # The settings win over user-info in the URL (`mqtt://user:pass@host`).
        username = settings.username
        if username is None and url.username is not None:
            username = unquote(url.username)
        password = settings.password.get_secret_value() if settings.password else None
        if password is None and url.password is not None:
            password = unquote(url.password)
        return cls(
            host=url.hostname or "127.0.0.1",
            port=url.port or (8883 if tls else 1883),
            tls=tls,
            username=username,
            password=password,
        )

    def __repr__(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        return f"MqttEndpoint({scheme}://{self.host}:{self.port})"

    def __str__(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class MqttStats:
    """Counters for metrics: monotonic totals, and the gauges connected/buffered/inflight."""

    connected: bool
    published: int
    dropped: int
    reconnects: int
    buffered: int
    inflight: int
    received: int
    dropped_incoming: int
    handler_errors: int


@dataclass(slots=True, eq=False)
class _Subscription:
    topic_filter: str
    qos: int
    handler: Handler


class _RateLimited:
    """Counts occurrences; lets a warning through at most once per interval, with the count."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.pending = 0
        self._last = -float("inf")

    def hit(self, count: int = 1) -> int:
        """Add `count`; return the number to report now, or 0 while rate-limited."""
        self.pending += count
        now = time.monotonic()
        if now - self._last < self.interval:
            return 0
        self._last = now
        reported, self.pending = self.pending, 0
        return reported


class _ClosingSSLSocket(ssl.SSLSocket):
    """paho leaves the socket open when the TLS handshake fails (a certificate it refuses)."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


class MqttConnection:
    """The bridge's one MQTT connection, kept alive with backoff; publish never blocks."""

    def __init__(
        self,
        settings: MqttSettings,
        *,
        reconnect_min: float = RECONNECT_MIN,
        reconnect_max: float = RECONNECT_MAX,
        max_inflight: int = MAX_INFLIGHT,
        publish_timeout: float = PUBLISH_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_incoming: int = MAX_INCOMING,
        max_handlers: int = MAX_HANDLERS,
        stop_timeout: float = STOP_TIMEOUT,
        state_topic: str | None = None,
    ) -> None:
        if not 0 < reconnect_min <= reconnect_max:
            raise ValueError("need 0 < reconnect_min <= reconnect_max")
        if max_inflight < 1 or max_incoming < 1 or max_handlers < 1:
            raise ValueError("max_inflight, max_incoming and max_handlers must be at least 1")
        self.settings = settings
        self.topics = Topics(base=settings.base_topic, discovery_prefix=settings.discovery_prefix)
        self.endpoint = MqttEndpoint.from_settings(settings)
        self.client_id = settings.client_id or f"reolink-bridge-{secrets.token_hex(4)}"
        self.state_topic = state_topic or self.topics.bridge_state
        """Where `online` goes on connect and `offline` on stop and as the last will."""
        self.say_offline: Callable[[], bool] = lambda: True
        """Asked at a clean stop: publish `offline` on `state_topic`? (No while other bridge
        instances are alive: `<base>/bridge/state` means "some instance is alive".)"""
        self._reconnect_min = reconnect_min
        self._reconnect_max = reconnect_max
        self._max_inflight = max_inflight
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._tls_context: ssl.SSLContext | None = None
        self._stop_timeout = stop_timeout

        self._outbox = Outbox(settings.max_buffered_messages)
        self._subscriptions: list[_Subscription] = []
        self._hooks: list[ConnectHook] = []
        self._incoming: asyncio.Queue[Message] = asyncio.Queue(max_incoming)
        self._handler_slots = asyncio.Semaphore(max_handlers)
        self._handler_tasks: set[asyncio.Task[None]] = set()

        self._connected = asyncio.Event()
        self._stopping = asyncio.Event()
        self._subscriptions_changed = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._connections = 0
        self.last_error: str | None = None
        self._protocol = aiomqtt.ProtocolVersion.V5

        self._published = 0
        self._dropped = 0
        self._received = 0
        self._dropped_incoming = 0
        self._handler_errors = 0
        self._drop_warning = _RateLimited(WARN_INTERVAL)
        self._incoming_warning = _RateLimited(WARN_INTERVAL)
        self._connect_warning = _RateLimited(WARN_INTERVAL)

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<MqttConnection {self.endpoint} client_id={self.client_id!r} {state}>"

    # ------------------------------------------------------------------ state and counters

    @property
    def connected(self) -> bool:
        """True once `online` is published and subscriptions are active, until the link drops."""
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        """Wait until `connected` (wrap it in `asyncio.timeout`)."""
        await self._connected.wait()

    async def flush(self) -> None:
        """Wait until the outbox is empty and every publish is acknowledged (wrap in a timeout)."""
        await self._outbox.wait_drained()

    @property
    def protocol(self) -> str:
        """The MQTT version in use: "5", or "3.1.1" after a broker refused MQTT 5."""
        return "5" if self._protocol is aiomqtt.ProtocolVersion.V5 else "3.1.1"

    @property
    def published_messages(self) -> int:
        return self._published

    @property
    def dropped_messages(self) -> int:
        """Non-retained messages dropped from the full outbox, plus poison messages given up."""
        return self._dropped

    @property
    def reconnects(self) -> int:
        """Successful connections after the first one."""
        return max(0, self._connections - 1)

    @property
    def buffered_messages(self) -> int:
        return len(self._outbox) + self._outbox.inflight

    def stats(self) -> MqttStats:
        return MqttStats(
            connected=self.connected,
            published=self._published,
            dropped=self._dropped,
            reconnects=self.reconnects,
            buffered=len(self._outbox),
            inflight=self._outbox.inflight,
            received=self._received,
            dropped_incoming=self._dropped_incoming,
            handler_errors=self._handler_errors,
        )

    # ------------------------------------------------------------------ public API

    def publish(
        self, topic: str, payload: Payload = None, *, retain: bool = False, qos: int = 1
    ) -> None:
        """Queue a message; never blocks. None/empty with `retain=True` clears a retained topic."""
        check_publish_topic(topic)
        if qos not in (0, 1, 2):
            raise ValueError(f"invalid QoS {qos}")
        data = encode_payload(payload)
        dropped = self._outbox.put(OutgoingMessage(topic, data, qos, retain))
        if dropped:
            self._count_dropped(len(dropped), "the outbox is full (oldest non-retained first)")

    def clear_retained(self, topic: str) -> None:
        """Remove a retained message from the broker (an empty retained publish)."""
        self.publish(topic, None, retain=True)

    async def subscribe(
        self, topic_filter: str, handler: Handler, *, qos: int = 1
    ) -> Callable[[], None]:
        """Register `handler` for `topic_filter`, kept across reconnects; return an unsubscriber.

        Returns at once: the SUBSCRIBE goes out now if connected, else on the next connect.
        """
        check_topic_filter(topic_filter)
        if qos not in (0, 1, 2):
            raise ValueError(f"invalid QoS {qos}")
        subscription = _Subscription(topic_filter, qos, handler)
        self._subscriptions.append(subscription)
        self._subscriptions_changed.set()

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscriptions.remove(subscription)
                self._subscriptions_changed.set()

        return unsubscribe

    def add_connect_hook(self, hook: ConnectHook) -> Callable[[], None]:
        """Run `hook` after every (re)connect; return a function that removes it."""
        self._hooks.append(hook)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._hooks.remove(hook)

        return remove

    async def start(self) -> None:
        """Start the supervisor and the dispatcher; returns at once, connected or not."""
        if self._supervisor is not None:
            raise RuntimeError("MqttConnection already started")
        if self.endpoint.tls:
            self._tls_context = await asyncio.to_thread(self._make_tls_context)
        self._stopping.clear()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="mqtt-dispatch")
        self._supervisor = asyncio.create_task(self._supervise(), name="mqtt-supervisor")

    async def stop(self) -> None:
        """Drain (bounded), publish `offline` retained, disconnect cleanly; then stop handlers."""
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is None:
            return
        timeout = self._stop_timeout
        self._stopping.set()
        if not self.connected:
            supervisor.cancel()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(supervisor)
        except TimeoutError:
            logger.warning("MQTT: clean shutdown took longer than %.1f s; closing", timeout)
        except asyncio.CancelledError:
            if not supervisor.cancelled():
                raise
        finally:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        left = self.buffered_messages
        if left:
            logger.warning("MQTT: stopped with %d message(s) not delivered", left)
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for task in list(self._handler_tasks):
            task.cancel()
        await asyncio.gather(*self._handler_tasks, return_exceptions=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ connection supervisor

    def _make_tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.tls_ca_file)
        context.sslsocket_class = _ClosingSSLSocket
        if self.settings.tls_insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _new_client(self) -> Client:
        # A fresh paho client per connection: no paho-side session or retry queue can resend a
        # message behind the outbox's back (that would duplicate or reorder). A clean session
        # each time (MQTT 5: clean start, and the session expires when the connection ends).
        v5 = self._protocol is aiomqtt.ProtocolVersion.V5
        client = Client(
            self.endpoint.host,
            self.endpoint.port,
            username=self.endpoint.username,
            password=self.endpoint.password,
            identifier=self.client_id,
            logger=_PAHO_LOGGER,
            will=aiomqtt.Will(self.state_topic, OFFLINE, qos=1, retain=True),
            protocol=self._protocol,
            clean_session=None if v5 else True,
            clean_start=MQTT_CLEAN_START_FIRST_ONLY,
            timeout=self._connect_timeout,
            keepalive=self.settings.keepalive,
            max_inflight_messages=self._max_inflight,
            tls_context=self._tls_context,
        )
        client.pending_calls_threshold = self._max_inflight + 10
        return client

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while not self._stopping.is_set():
            connected_at: float | None = None
            downgraded = False
            client = self._new_client()
            try:
                async with client:
                    connected_at = loop.time()
                    await self._serve(client)
            except* aiomqtt.MqttError as group:
                downgraded = self._refuses_v5(group.exceptions[0])
                if not downgraded:
                    self._connection_failed(group.exceptions[0], connected_at is not None)
            except* Exception as group:  # a bug must not end the service; log it, go on
                logger.error("MQTT: unexpected error", exc_info=group.exceptions[0])
                self.last_error = repr(group.exceptions[0])
            finally:
                self._connected.clear()
                self._requeue_inflight()
                # Also after a cancel while connecting, or a CONNACK that never came.
                await client.aclose()
            if self._stopping.is_set():
                break
            if downgraded:
                continue  # again at once, in MQTT 3.1.1
            if connected_at is not None and loop.time() - connected_at >= STABLE_AFTER:
                attempt = 0
            ceiling = min(self._reconnect_max, self._reconnect_min * 2**attempt)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(random.uniform(self._reconnect_min, ceiling)):
                    await self._stopping.wait()

    def _refuses_v5(self, error: BaseException) -> bool:
        """True (and 3.1.1 from now on) when the broker refused MQTT 5 itself."""
        refused = (
            isinstance(error, MqttConnectError)
            and isinstance(error.rc, ReasonCode)
            and error.rc.value == UNSUPPORTED_PROTOCOL
        )
        if not refused or self._protocol is not aiomqtt.ProtocolVersion.V5:
            return False
        self._protocol = aiomqtt.ProtocolVersion.V311
        logger.warning(
            "MQTT: %s does not speak MQTT 5; using 3.1.1. A retained command published while "
            "the bridge is connected then looks live and is executed (docs/mqtt.md)",
            self.endpoint,
        )
        return True

    def _connection_failed(self, error: BaseException, was_connected: bool) -> None:
        self.last_error = str(error) or type(error).__name__
        if error.__cause__ is not None:  # aiomqtt: "Disconnected during message iteration"
            self.last_error += f" ({error.__cause__})"
        if was_connected:
            logger.warning("MQTT: connection to %s lost: %s", self.endpoint, self.last_error)
        elif count := self._connect_warning.hit():
            logger.warning(
                "MQTT: cannot connect to %s: %s (%d attempt(s); retrying with backoff)",
                self.endpoint,
                self.last_error,
                count,
            )
        else:
            logger.debug("MQTT: cannot connect to %s: %s", self.endpoint, self.last_error)

    async def _serve(self, client: aiomqtt.Client) -> None:
        """One connection: returns on stop(), raises MqttError when the link breaks."""
        self._connections += 1
        await client.publish(
            self.state_topic, ONLINE, qos=1, retain=True, timeout=self._publish_timeout
        )
        active: dict[str, int] = {}
        await self._sync_subscriptions(client, active)
        self.last_error = None
        queued = len(self._outbox)
        logger.info(
            "MQTT: connected to %s as %s%s",
            self.endpoint,
            self.client_id,
            f"; sending {queued} buffered message(s)" if queued else "",
        )
        async with asyncio.TaskGroup() as group:
            # Hook tasks first, then `connected`: a hook's first step runs before anyone waiting
            # in wait_connected() resumes. What hooks publish joins the outbox (one FIFO).
            tasks = [group.create_task(self._run_hook(hook)) for hook in list(self._hooks)]
            self._connected.set()
            await asyncio.sleep(0)
            tasks.append(group.create_task(self._receive(client)))
            tasks.append(group.create_task(self._watch_subscriptions(client, active)))
            tasks.extend(group.create_task(self._send(client)) for _ in range(self._max_inflight))
            await self._stopping.wait()
            await self._shutdown(client)
            for task in tasks:
                task.cancel()

    async def _shutdown(self, client: aiomqtt.Client) -> None:
        budget = self._stop_timeout
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(budget / 2):
                await self._outbox.wait_drained()
        try:
            if self.say_offline():
                await client.publish(
                    self.state_topic, OFFLINE, qos=1, retain=True, timeout=budget / 4
                )
        except aiomqtt.MqttError as err:
            logger.warning("MQTT: could not publish offline on stop: %s", err)
        self._connected.clear()

    def _requeue_inflight(self) -> None:
        requeued, given_up = self._outbox.requeue_inflight(MAX_ATTEMPTS)
        if requeued:
            logger.debug("MQTT: %d unacknowledged message(s) back in the outbox", requeued)
        poison = [m for m in given_up if m.attempts >= MAX_ATTEMPTS]
        for message in poison:
            logger.error(
                "MQTT: giving up on a %d-byte message to %s after %d broken connections",
                len(message.payload),
                message.topic,
                message.attempts,
            )
        if given_up:
            self._count_dropped(len(given_up), "they could not be delivered")

    def _count_dropped(self, count: int, why: str) -> None:
        self._dropped += count
        if reported := self._drop_warning.hit(count):
            logger.warning(
                "MQTT: dropped %d message(s) because %s "
                "(max_buffered_messages=%d; %d dropped in total)",
                reported,
                why,
                self._outbox.max_messages,
                self._dropped,
            )

    async def _run_hook(self, hook: ConnectHook) -> None:
        try:
            await hook()
        except Exception:
            logger.exception("MQTT: on-connect hook %s failed", getattr(hook, "__qualname__", hook))

    async def _send(self, client: aiomqtt.Client) -> None:
        while True:
            message = await self._outbox.take()
            # Nothing awaits between take() and paho's publish: the wire order is the take order.
            await client.publish(
                message.topic,
                message.payload,
                qos=message.qos,
                retain=message.retain,
                timeout=self._publish_timeout,
            )
            self._outbox.done(message)
            self._published += 1

    # ------------------------------------------------------------------ subscriptions

    def _wanted_filters(self) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for sub in self._subscriptions:
            wanted[sub.topic_filter] = max(sub.qos, wanted.get(sub.topic_filter, 0))
        return wanted

    async def _sync_subscriptions(self, client: aiomqtt.Client, active: dict[str, int]) -> None:
        self._subscriptions_changed.clear()
        wanted = self._wanted_filters()
        gone = [f for f in active if f not in wanted]
        if gone:
            await client.unsubscribe(gone, timeout=self._connect_timeout)
            for topic_filter in gone:
                del active[topic_filter]
        new = [(f, qos) for f, qos in wanted.items() if active.get(f) != qos]
        if not new:
            return
        if self._protocol is aiomqtt.ProtocolVersion.V5:
            options = [(f, SubscribeOptions(qos=qos, retainAsPublished=True)) for f, qos in new]
            codes = await client.subscribe(options, timeout=self._connect_timeout)
        else:
            codes = await client.subscribe(new, timeout=self._connect_timeout)
        for (topic_filter, qos), code in zip(new, codes, strict=False):
            refused = code.is_failure if isinstance(code, ReasonCode) else code == 0x80
            if refused:
                logger.warning("MQTT: the broker refused the subscription to %s", topic_filter)
            else:
                active[topic_filter] = qos

    async def _watch_subscriptions(self, client: aiomqtt.Client, active: dict[str, int]) -> None:
        while True:
            await self._subscriptions_changed.wait()
            await self._sync_subscriptions(client, active)

    # ------------------------------------------------------------------ receiving

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for raw in client.messages:
            payload = raw.payload if isinstance(raw.payload, bytes) else str(raw.payload).encode()
            message = Message(raw.topic.value, payload, bool(raw.retain), raw.qos)
            self._received += 1
            if self._incoming.full():
                self._incoming.get_nowait()
                self._dropped_incoming += 1
                if reported := self._incoming_warning.hit():
                    logger.warning(
                        "MQTT: handlers are behind; dropped %d oldest received message(s)",
                        reported,
                    )
            self._incoming.put_nowait(message)

    async def _dispatch(self) -> None:
        while True:
            message = await self._incoming.get()
            matching = [
                s for s in self._subscriptions if topic_matches(s.topic_filter, message.topic)
            ]
            for sub in matching:
                await self._handler_slots.acquire()
                task = asyncio.create_task(self._handle(sub, message))
                self._handler_tasks.add(task)
                task.add_done_callback(self._handler_tasks.discard)

    async def _handle(self, sub: _Subscription, message: Message) -> None:
        try:
            await sub.handler(message)
        except Exception:
            self._handler_errors += 1
            logger.exception(
                "MQTT: handler for %s failed on a message to %s", sub.topic_filter, message.topic
            )
        finally:
            self._handler_slots.release()
