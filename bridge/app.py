"""The composition root: builds every unit from the settings, starts them, stops them in order.

Constructors only store their collaborators: building a `Bridge` reads no file, opens no socket,
creates no directory and starts no process, so it cannot fail on the environment. Everything
that touches the outside world happens in `start()`, one named step after another (`_steps`);
when a step fails, the error says which one, and the steps already started are stopped again.

Start: secret key → the instance's name → store (migrations) → bus → registry (config file +
cameras added at run time) → bus consumers (cache, event writer, the end of interrupted events,
retention) → MQTT → snapshot lanes → cameras → leases (several instances: the cameras this one
runs) → live streams (ffmpeg left by a previous run killed) → the REST/WebSocket/SSE API. Stop
follows `STOP_ORDER` below, which says why each unit goes where it goes.

With `redis.url` set, several instances share the fleet (docs/scale-out.md): a `LeaseKeeper`
decides which cameras this instance runs (`CameraManager.on_leases`), and a camera taken over has
the events its previous owner left open adopted by its new runner (`adopt_open_events`).

Long-running tasks (retention, interrupted events, the event writer, the snapshot lanes) run in
one `Supervisor` (`bridge.tasks`) owned here: a failure is logged and either restarts the task or
stops the bridge (`run`), as each task was spawned to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from bridge import __version__
from bridge.api.app import create_app
from bridge.api.context import ApiContext
from bridge.api.lockout import warn_if_locked_out
from bridge.api.server import ApiServer, serve
from bridge.api.zeroconf import Announcer, service_info
from bridge.bus._common import UNREACHABLE
from bridge.bus.commands import CommandClient
from bridge.bus.factory import build_bus
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.cache import CacheUnavailable, CacheUpdater, build_cache
from bridge.config import Settings
from bridge.domain.base import utcnow
from bridge.domain.camera import Camera
from bridge.media.recordings import RecordingsMedia
from bridge.media.service import StreamService
from bridge.mqtt.connection import MqttConnection
from bridge.mqtt.service import REPUBLISH_DELAY, MqttService
from bridge.pipeline.device import ClientFactory, default_client_factory
from bridge.pipeline.dispatcher import CommandDispatcher
from bridge.pipeline.instances import (
    instance_name,
    instances_report,
    internal_url,
    owner_of,
    peers_of,
    single_report,
)
from bridge.pipeline.leases import LeaseKeeper, Leases
from bridge.pipeline.manager import CameraManager
from bridge.pipeline.snapshots import Snapshots
from bridge.pipeline.tracker import OpenEvent
from bridge.redaction import redact
from bridge.registry import CameraRegistry
from bridge.reolink.network import CameraNetworks
from bridge.requests import BridgeRequests
from bridge.secrets import SecretKey
from bridge.storage.factory import create_store
from bridge.storage.owners import record_owners
from bridge.storage.recovery import InterruptedEvents, adopt_open_events
from bridge.storage.retention import RetentionTask
from bridge.storage.spool import Spool
from bridge.storage.writer import EventWriter
from bridge.store import Store
from bridge.tasks import Supervisor
from bridge.topics.tree import Topics

_LOGGER = logging.getLogger(__name__)

SPOOL_FILE = "events.spool"
DRAIN_TIMEOUT = 5.0
ADOPT_TIMEOUT = 5.0
"""Seconds a take-over waits for the store to list the events to adopt before ending them."""
"""Seconds the consumers get, at shutdown, to handle what the cameras produced last."""

STOP_ORDER: tuple[str, ...] = (
    # 0. Several instances: hand the cameras over first (their runners stop, then the leases are
    #    released and the others nudged), so the others run them while this one still stops.
    "leases",
    # 1. Nothing new comes in: the API first (no REST/WebSocket command, FLV viewers closed),
    #    the live streams (every ffmpeg killed and reaped), the snapshot lanes, then the cameras
    #    (runners end: no new state, event or command reply) and the dispatcher.
    "api",
    "streams",
    #    Commands already asked on the bus are answered `timeout`; none reaches a camera now.
    "commands",
    "snapshots",
    #    Event media (its snapshot writes and clips) and the recordings indexer end before the
    #    cameras they read from.
    "media",
    "cameras",
    "dispatcher",
    # 2. What the cameras produced last is handled: every consumer drains its bus queue...
    "bus-drain",
    #    ...then MQTT stops taking bus messages (the last states went out) and commands (one
    #    that arrives after `commands` stopped is answered `offline` at once),
    "mqtt-service",
    #    the events reach the store (the writer flushes, or spools what it cannot write),
    "interrupted",
    "writer",
    "retention",
    "cache",
    "registry",  # (holds nothing: the store keeps the cameras)
    #    and nothing supervised is left running.
    "tasks",
    # 3. Say goodbye and close: MQTT publishes `offline` and disconnects, then the bus, the
    #    cache backend and, last, the store (everything above may still have written to it).
    "mqtt",
    "bus",
    "cache-backend",
    "store",
    "instance",
    "secret-key",
)
"""The shutdown order, in one place. `stop()` stops the steps that started, in this order."""


@dataclass(frozen=True)
class Step:
    """One unit's part of the lifecycle: how to start it and how to stop it."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class Bridge:
    """The whole service. `async with Bridge(settings):` runs it; leaving stops it cleanly."""

    def __init__(
        self,
        settings: Settings,
        *,
        client_factory: ClientFactory = default_client_factory,
        mqtt_options: dict[str, Any] | None = None,
        republish_delay: tuple[float, float] = REPUBLISH_DELAY,
    ) -> None:
        self.settings = settings
        self.tasks = Supervisor()
        self.cipher = SecretKey(settings.data_dir)
        self.bus = build_bus(settings)
        self.cache = build_cache(settings)
        self.networks = CameraNetworks(settings.security.camera_networks)
        self.manager = CameraManager(
            settings.polling,
            self.bus,
            client_factory=client_factory,
            networks=self.networks,
            tasks=self.tasks,
        )
        self.instance = settings.instance or ""
        """This instance's name (`instance_name`), settled by the first step."""
        self.started_at = time.time()
        self.keeper: LeaseKeeper | None = None
        if settings.redis.url is not None:
            leases = Leases(
                settings.redis.url,
                settings.redis.key_prefix,
                owner=self.instance or "unnamed",
                ttl=settings.redis.lease_ttl,
            )
            self.keeper = LeaseKeeper(
                leases, on_change=self.manager.on_leases, info=self._instance_info
            )
            self.manager.leases = self.keeper
            self.manager.on_acquired = self._took_over
        self.snapshots = Snapshots(
            self.manager,
            self.bus,
            on_event=settings.events.snapshot_on_event,
            queue_size=settings.media.snapshot_queue,
            tasks=self.tasks,
            media_root=settings.media.root(settings.data_dir),
        )
        self.dispatcher = CommandDispatcher(self.manager, self.bus, settings.safety, self.snapshots)
        self.commands = CommandClient(
            self.bus, timeout=settings.safety.command_timeout, check=self.manager.resolve
        )
        self.commands.serve(self.dispatcher.on_request)
        self.topics = Topics(settings.mqtt.base_topic, settings.mqtt.discovery_prefix)
        self.store: Store = create_store(settings)
        self.registry = CameraRegistry(self.store, self.cipher, self.manager, self.networks)
        self.requests = BridgeRequests(self.registry, self.manager)
        if self.keeper is not None:
            self.manager.on_foreign_change = self.registry.sync
        self.cache_updater = CacheUpdater(self.cache, self.bus)
        spool = Spool(settings.data_dir / "spool" / SPOOL_FILE)  # opened by the writer's start
        self.writer = EventWriter(self.store, self.bus, spool, tasks=self.tasks)
        self.interrupted = InterruptedEvents(self.store, self.writer, tasks=self.tasks)
        self.media = RecordingsMedia(settings, self.manager, self.store, self.bus)
        self.retention = RetentionTask(
            self.store,
            settings.events.retention_days,
            also=[self.media.purge_before],
            tasks=self.tasks,
        )
        self.streams = StreamService(settings, self.manager) if settings.streams.enabled else None
        self.mqtt: MqttConnection | None = None
        self.presence: MqttConnection | None = None
        """Several instances: a second connection whose only job is this instance's own
        `<base>/bridge/<instance>/state` and its last will (one will per connection)."""
        self.mqtt_service: MqttService | None = None
        if settings.mqtt.enabled:
            self.mqtt = MqttConnection(settings.mqtt, **(mqtt_options or {}))
            if self.keeper is not None:
                keeper = self.keeper
                self.mqtt.say_offline = lambda: keeper.instances <= 1  # the last one says it
                self.presence = MqttConnection(settings.mqtt, **(mqtt_options or {}))
            self.mqtt_service = MqttService(
                settings,
                self.mqtt,
                self.bus,
                self.manager,
                self.commands,
                self.requests,
                republish_delay=republish_delay,
            )
        self.api: ApiServer | None = None
        self.announcer: Announcer | None = None
        self.installation_id = ""
        """`Store.installation_id`, read when the store opens."""
        self.cameras: list[Camera] = []
        """The cameras loaded at start (config file and store)."""
        self.started: list[str] = []
        """The steps started (or starting), in order; `stop()` stops these."""
        self.stopped: list[str] = []
        """The steps stopped by the last `stop()`, in order."""

    # -- the steps ---------------------------------------------------------------------------

    def _steps(self) -> list[Step]:
        """Every step, in start order (`STOP_ORDER` gives the stop order)."""
        steps = [
            Step("secret-key", self.cipher.start, self.cipher.stop),
            Step("instance", self._name_instance, _nothing),
            Step("store", self._open_store, self.store.close),
            Step("bus", _nothing, self.bus.aclose),
            Step("bus-drain", _nothing, self._drain_bus),
            Step("cache-backend", _nothing, self.cache.aclose),
            Step("tasks", _nothing, self.tasks.stop),
            Step("registry", self._load_cameras, _nothing),
            Step("cache", self.cache_updater.start, self.cache_updater.stop),
            Step("writer", self.writer.start, self.writer.stop),
            Step("interrupted", self._start_interrupted, self.interrupted.stop),
            Step("retention", self.retention.start, self.retention.stop),
            Step("media", self.media.start, self.media.stop),
            Step("commands", self.commands.start, self.commands.stop),
        ]
        if self.mqtt is not None and self.mqtt_service is not None:
            steps += [
                Step("mqtt-service", self.mqtt_service.start, self.mqtt_service.stop),
                Step("mqtt", self._start_mqtt, self._stop_mqtt),
            ]
        steps += [
            Step("snapshots", self.snapshots.start, self.snapshots.stop),
            Step("dispatcher", _nothing, self.dispatcher.aclose),
            Step("cameras", self._start_cameras, self.manager.stop),
            Step("leases", self._start_leases, self._stop_leases),
        ]
        if self.streams is not None:
            steps.append(Step("streams", self.streams.start, self._stop_streams))
        if self.settings.server.enabled:
            steps.append(Step("api", self._start_api, self._stop_api))
        return steps

    async def _name_instance(self) -> None:
        """Settle the name (it may read or write the data dir's `instance-name`) and give it to
        the units that carry it: lease holder, bus consumer, MQTT client id."""
        self.instance = await asyncio.to_thread(instance_name, self.settings)
        if self.keeper is not None:
            self.keeper.leases.owner = self.instance
        if isinstance(self.bus, RedisStreamsBus) and self.settings.redis.consumer_name is None:
            self.bus.consumer_name = self.instance
        if self.mqtt is not None:
            configured = self.settings.mqtt.client_id
            if configured is None:
                self.mqtt.client_id = f"reolink-bridge-{self.instance}"
            elif self.keeper is not None:  # one configuration, several instances
                self.mqtt.client_id = f"{configured}-{self.instance}"
        if self.presence is not None and self.mqtt is not None:
            self.presence.client_id = f"{self.mqtt.client_id}-presence"
            self.presence.state_topic = self.topics.instance_state(self.instance)
        _LOGGER.info("bridge instance %s", self.instance)

    def _instance_info(self) -> dict[str, Any]:
        """This instance's entry in the instance directory (besides its cameras)."""
        api_url = self.settings.server.public_url or (self.api.url if self.api else None)
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": self.started_at,
            "api_url": api_url,
            "internal_url": internal_url(self.api.host, self.api.port) if self.api else None,
        }

    async def _owner(self, device: str) -> tuple[str, str] | None:
        """The live instance that runs `device` and its internal API URL (media relay)."""
        assert self.keeper is not None
        try:
            return await owner_of(self.keeper.leases, device, self.instance)
        except UNREACHABLE as err:
            raise CacheUnavailable(f"Redis is unreachable: {err}") from err

    async def _peers(self) -> list[tuple[str, str]]:
        """The other live instances and their internal API URLs (kept media elsewhere)."""
        assert self.keeper is not None
        try:
            return await peers_of(self.keeper.leases, self.instance)
        except UNREACHABLE as err:
            raise CacheUnavailable(f"Redis is unreachable: {err}") from err

    async def instances(self) -> dict[str, Any]:
        """`GET /bridge/instances`: the instances and the cameras each runs."""
        if self.keeper is None:
            return single_report(self.instance, self.manager.running(), self.started_at)
        try:
            return await instances_report(
                self.keeper.leases, wanted=self.keeper.wanted, me=self.instance
            )
        except UNREACHABLE as err:
            raise CacheUnavailable(f"Redis is unreachable: {err}") from err

    async def _start_mqtt(self) -> None:
        assert self.mqtt is not None
        await self.mqtt.start()
        if self.presence is not None:
            await self.presence.start()

    async def _stop_mqtt(self) -> None:
        assert self.mqtt is not None
        if self.presence is not None:
            await self.presence.stop()
        await self.mqtt.stop()

    async def _start_leases(self) -> None:
        if self.keeper is not None:
            await self.keeper.start()
            await self.manager.recall_devices()
            self.interrupted.sweep(self._owned_events)

    def _owned_events(self) -> tuple[set[str], set[str]]:
        """The devices this instance runs and the ids of the events their runners have open."""
        devices = set(self.manager.running())
        known = {
            event_id
            for runner in self.manager.runners
            if runner.camera.id in devices
            for tracker in runner.trackers.values()
            for event_id in tracker.open_ids
        }
        return devices, known

    async def _stop_leases(self) -> None:
        if self.keeper is not None:
            await self.keeper.stop()
            await self.keeper.leases.aclose()

    async def _took_over(self, devices: set[str]) -> dict[str, list[OpenEvent]]:
        """Cameras whose lease this instance just took: the events their last owner left open,
        for the new runners to continue. A store that does not answer in time: they are ended,
        interrupted, in the background (and the runners open new ones)."""
        assert self.keeper is not None
        try:
            async with asyncio.timeout(ADOPT_TIMEOUT):
                await self.writer.backlog_written()
                await record_owners(self.store, self.keeper, devices)
                return await adopt_open_events(self.store, devices, utcnow())
        except Exception as err:
            _LOGGER.warning(
                "cannot adopt the open events of %s (%s); ending them instead",
                ", ".join(sorted(devices)),
                err,
            )
        running = {r.camera.id for r in self.manager.runners if r.camera.enabled}
        keeper = self.keeper
        self.interrupted.take_over(
            devices,
            utcnow(),
            running=running,
            record=lambda: record_owners(self.store, keeper, devices),
        )
        return {}

    async def _open_store(self) -> None:
        await self.store.open()
        self.installation_id = await self.store.installation_id()
        if self.mqtt_service is not None:
            self.mqtt_service.installation_id = self.installation_id

    async def _load_cameras(self) -> None:
        self.cameras = await self.registry.load(self.settings.cameras)

    async def _start_interrupted(self) -> None:
        # Before any camera runs: every event that started earlier belongs to a previous run.
        # A camera removed or disabled since is run by nobody: its events are ended too. With
        # leases, the others' are ended by whoever takes each camera (`_took_over`).
        enabled = {c.id for c in self.cameras if c.enabled}
        mine = set() if self.keeper is not None else enabled
        await self.interrupted.start(mine, started_before=utcnow(), running=enabled)

    async def _start_cameras(self) -> None:
        trusted = {camera.id for camera in self.settings.cameras}
        await self.manager.start(self.cameras, trusted=trusted)
        if self.mqtt_service is not None:
            self.mqtt_service.announce()

    async def _drain_bus(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await self.bus.drain()

    async def _stop_streams(self) -> None:
        assert self.streams is not None
        await self.streams.stop()  # every ffmpeg killed and reaped

    async def _start_api(self) -> None:
        await warn_if_locked_out(self.settings, self.store)
        context = ApiContext(
            settings=self.settings,
            store=self.store,
            bus=self.bus,
            cache=self.cache,
            manager=self.manager,
            registry=self.registry,
            commands=self.commands,
            requests=self.requests,
            snapshots=self.snapshots,
            topics=self.topics,
            installation_id=self.installation_id,
            mqtt=self.mqtt,
            streams=self.streams,
            media=self.media,
            instances=self.instances,
            instance=self.instance,
            owner=self._owner if self.keeper is not None else None,
            peers=self._peers if self.keeper is not None else None,
            stats={"writer": self.writer.stats, "media": self.media.stats}
            | ({"streams": self.streams.stats} if self.streams is not None else {})
            | ({"leases": self.keeper.stats} if self.keeper is not None else {}),
        )
        server = self.settings.server
        self.api = await serve(
            create_app(context),
            server.host,
            server.port,
            access_log=server.access_log,
            forwarded_allow_ips=server.forwarded_allow_ips,
        )
        if server.public_url is None and server.port == 0:
            server.public_url = self.api.url  # media links name the port bound (tests, demo)
        if server.zeroconf:
            self.announcer = Announcer(
                service_info(
                    installation_id=self.installation_id,
                    host=server.host,
                    port=self.api.port,
                    version=__version__,
                )
            )
            await self.announcer.start()

    async def _stop_api(self) -> None:
        if self.announcer is not None:
            await self.announcer.stop()
        if self.streams is not None:
            self.streams.close_viewers()  # FLV viewers would hold the API's shutdown up
        if self.api is not None:
            await self.api.stop()

    # -- the lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start every step in order. A failing step's error is logged with the step's name and
        raised as it is (with a note naming the step); the caller then calls `stop()` (as
        `async with` does) to stop what started."""
        if self.started:
            raise RuntimeError("the bridge was started already")
        for step in self._steps():
            self.started.append(step.name)  # a step that fails half-way is stopped too
            try:
                await step.start()
            except Exception as err:
                _LOGGER.error("cannot start the bridge: %s failed: %s", step.name, err)
                err.add_note(f"while starting the bridge's {step.name}")
                raise
        _LOGGER.info(
            "bridge started: %d camera(s), MQTT %s, store %s",
            len(self.manager.cameras),
            redact(self.settings.mqtt.url) if self.settings.mqtt.enabled else "disabled",
            self.settings.database_url.split(":", 1)[0],
        )

    async def stop(self) -> None:
        """Stop the steps that started, in `STOP_ORDER`; one that fails to stop is logged and
        the others still stop."""
        steps = {step.name: step for step in self._steps()}
        assert set(steps) <= set(STOP_ORDER), "every step has its place in STOP_ORDER"
        started = set(self.started)
        self.stopped = []
        for name in STOP_ORDER:
            if name not in started:
                continue
            self.stopped.append(name)
            try:
                await steps[name].stop()
            except Exception:
                _LOGGER.exception("stopping the bridge's %s failed", name)
        self.started = []
        _LOGGER.info("bridge stopped")

    async def __aenter__(self) -> Bridge:
        try:
            await self.start()
        except BaseException:
            with contextlib.suppress(Exception):  # the start's own error is the one to report
                await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def wait_for_shutdown() -> None:
    """Return on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, or until a supervised task fails (then raise its error)."""
    async with Bridge(settings) as bridge:
        shutdown = asyncio.ensure_future(wait_for_shutdown())
        failed = asyncio.ensure_future(bridge.tasks.failed.wait())
        try:
            await asyncio.wait({shutdown, failed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (shutdown, failed):
                waiter.cancel()
            await asyncio.gather(shutdown, failed, return_exceptions=True)
    if bridge.tasks.failure is not None:
        raise bridge.tasks.failure
