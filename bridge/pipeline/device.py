"""One task per device: connect, detect capabilities, poll, decide online/offline, reconnect.

A device is a camera or an NVR; it has one client (one connection, one token) whatever its number
of channels, and one batched request per poll tick covers every channel. A slow or dead device only
ever delays itself. Failures are counted; past `failure_threshold` consecutive failures the device
is offline (its views publish offline events) and reconnects with backoff — the circuit breaker:
while open, one connection attempt per backoff period and no polling.

Events arrive pushed over Baichuan where the device allows it (`PushLink`, `Camera.push`): while
push is active, detections are polled only with the slow settings refresh
(`polling.settings_interval`); when it is unavailable the device polls at its interval, and after
every (re)connect one poll reconciles what the gap missed. A battery camera's detections are never
polled (it would wake): they arrive pushed only.

While a view has a detection active, a poll that still sees it publishes `StillActive` at most
every `polling.active_heartbeat_interval` seconds, and `stop()` publishes the last one: after a
crash the next start ends the events left open at that time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from bridge.backoff import Backoff
from bridge.bus.messages import (
    AvailabilityChanged,
    Bus,
    DeviceReady,
    EventRaised,
    StateChanged,
    StillActive,
)
from bridge.config import PollingSettings
from bridge.domain.base import utcnow
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.errors import CameraOffline
from bridge.domain.state import DEVICE_CHANNEL, ChannelState
from bridge.domain.values import OnOff, StorageState
from bridge.domain.views import CameraView, camera_views
from bridge.pipeline.polls import (
    describe,
    detection_caps,
    keep_lost_channels,
    merge,
)
from bridge.pipeline.push import PushClientFactory, default_push_client
from bridge.pipeline.push_side import PushSide
from bridge.pipeline.tracker import OpenEvent, StateTracker
from bridge.reolink import AuthenticationError, CameraRefusedError, ReolinkClient, ReolinkError
from bridge.reolink.network import CameraNetworks
from bridge.tasks import Supervisor, start_task

_LOGGER = logging.getLogger(__name__)

PUSH_HEALTH_FACTOR = 10
"""A camera with push active re-reads its capabilities every 10 health check intervals."""

ClientFactory = Callable[[Camera, float, CameraNetworks | None], ReolinkClient]
"""(camera, timeout, the networks its connections must stay in or None) → its client."""


class _Clock(Protocol):
    def __call__(self) -> datetime: ...


def default_client_factory(
    camera: Camera, timeout: float, networks: CameraNetworks | None
) -> ReolinkClient:
    return ReolinkClient.from_camera(camera, timeout=timeout, networks=networks)


class DeviceRunner(PushSide):
    def __init__(
        self,
        camera: Camera,
        polling: PollingSettings,
        bus: Bus,
        *,
        client_factory: ClientFactory = default_client_factory,
        networks: CameraNetworks | None = None,
        clock: _Clock = utcnow,
        tasks: Supervisor | None = None,
        push_client_factory: PushClientFactory = default_push_client,
    ) -> None:
        self.camera = camera
        self.tasks = tasks
        self.networks = networks
        self.polling = polling
        self.bus = bus
        self._client_factory = client_factory
        self._clock = clock
        self.client: ReolinkClient | None = None
        self.capabilities: Capabilities | None = None
        # Until the device answers, it is one provisional view under its configured id.
        self.views: list[CameraView] = [
            CameraView(camera.id, camera.id, camera.display_name, camera.channel or 0, None)
        ]
        self.trackers = {
            camera.id: StateTracker(camera.id, camera.display_name, camera.channel or 0)
        }
        self._adopting: dict[str, list[OpenEvent]] = {}
        """Open events of views whose tracker does not exist yet (NVR channels, until the
        device answers): adopted when it is made; ended when the device does not answer, or
        answers without that view (`_end_adopting`)."""
        self._availability_announced = False
        self.online = False
        self.failures = 0
        self.last_error: str | None = None
        self.last_poll: datetime | None = None
        self.polls = 0
        self._task: asyncio.Task[None] | None = None
        self._backoff = Backoff(initial=1.0, maximum=60.0)
        self._settings_due = 0.0
        self._settings_spread = False
        self._health_due = 0.0
        self._command_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        """Set: the loop looks again at what is due (with `_poll_now`: a poll)."""
        self._poll_now = False
        self._beats: dict[str, tuple[float, datetime]] = {}
        """Per view with an active detection: (monotonic, poll time) of its last heartbeat."""
        self._poll_caps: Capabilities | None = None
        """`capabilities` without the channels a detection poll must not read (battery)."""
        self.may_poll: Callable[[], bool] = lambda: True
        """Asked before each poll; False skips it (with several instances: the device's lease
        lapsed here, `bridge.pipeline.fence`)."""
        self._setup_push(networks, tasks, push_client_factory)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def interval(self) -> float:
        return self.camera.poll_interval or self.polling.interval

    async def start(self) -> None:
        """Start polling in a task (in the bridge's supervisor, restarted after a bug)."""
        if self._task is None:
            self._task = start_task(self.tasks, f"device:{self.camera.id}", self._run, restart=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self._last_heartbeats()
        await self.push.stop()
        await self._close_client(logout=True)

    def adopt(self, events: list[OpenEvent]) -> None:
        """Before `start`: the events the device's previous owner left open (a take-over); the
        first poll continues or ends each under its own id (`StateTracker.adopt`)."""
        for event in events:
            tracker = self.trackers.get(event.camera_id)
            if tracker is not None:
                tracker.adopt(event)
            else:
                self._adopting.setdefault(event.camera_id, []).append(event)

    def request_refresh(self) -> None:
        """Poll now and re-read settings (after a command, or a `/get`)."""
        self._settings_due = 0.0
        self.poll_soon()

    def poll_soon(self) -> None:
        """Poll now (detections; settings too when due)."""
        self._poll_now = True
        self._wake.set()

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        # Spread many devices over the first interval so their polls do not align.
        await asyncio.sleep(random.uniform(0, min(self.interval, 1.0)))
        while True:
            try:
                await self._connect()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                await self._failed(err, connecting=True)
                await asyncio.sleep(self._backoff.next_delay())
                continue
            self._backoff.reset()
            await self._poll_loop()
            await self._close_client(logout=False)
            await asyncio.sleep(self._backoff.next_delay())

    async def _connect(self) -> None:
        if self.client is None:
            self.client = self._client_factory(self.camera, self.polling.timeout, self.networks)
        capabilities = await self.client.get_capabilities()
        self._adopt(capabilities)
        self.failures = 0
        self._set_online(True)
        self._settings_due = 0.0
        self._settings_spread = True
        self._health_due = time.monotonic() + _spread(self.polling.health_check_interval)
        self._reconcile = True  # the first tick: also what push says of battery cameras
        self.push.start(self._media_port)

    async def _poll_loop(self) -> None:
        next_tick = time.monotonic()
        cadence = self.cadence
        while True:
            self._wake.clear()  # a wake-up during the tick is seen at once
            if self._poll_now:
                self._poll_now = False
                next_tick = time.monotonic()
            polling = time.monotonic() >= next_tick
            try:
                await (self._tick() if polling else self._between_polls())
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if await self._failed(err, connecting=False):
                    return
            now = time.monotonic()
            if polling:
                if self.cadence != cadence:  # push came or went: a phase of its own in the new one
                    cadence = self.cadence
                    next_tick = now + _spread(cadence)
                else:
                    next_tick += cadence
                if next_tick < now:  # overran: skip the missed ticks instead of bursting
                    next_tick = now + cadence
            # between slow polls (push active) health checks and heartbeats still run on time
            due = min(next_tick, self._health_due, self._beat_due())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, due - now)):
                    await self._wake.wait()

    async def _check_health(self) -> None:
        """Read the capabilities again when the health check is due (a change re-announces)."""
        assert self.client is not None
        now_mono = time.monotonic()
        if now_mono < self._health_due:
            return
        self._health_due = now_mono + self._health_interval()
        fresh = await self.client.get_capabilities()
        if fresh != self.capabilities:
            _LOGGER.info("camera %s: capabilities changed; re-announcing", self.camera.id)
            self._adopt(fresh)

    def _health_interval(self) -> float:
        """While push is active a camera's keepalive proves it alive (a dead one falls back to
        polling within one health check), so its capabilities (~10 KB of JSON, the most of push's
        cost at rest) are re-read `PUSH_HEALTH_FACTOR` times less often. An NVR or hub keeps the
        interval: its capabilities say which channels are online."""
        interval = self.polling.health_check_interval
        nvr = self.capabilities is not None and self.capabilities.is_nvr
        return interval * PUSH_HEALTH_FACTOR if self.push.active and not nvr else interval

    async def _tick(self) -> None:
        if not self.may_poll():
            return
        assert self.client is not None
        await self._check_health()
        assert self.capabilities is not None
        caps = self.capabilities
        now_mono = time.monotonic()
        reconcile, self._reconcile = self._reconcile, False
        pushes = self._pushes
        polls = await self.client.poll_detections(self._poll_caps)
        if now_mono >= self._settings_due:
            interval = self.polling.settings_interval
            spread, self._settings_spread = self._settings_spread, False
            self._settings_due = now_mono + (_spread(interval) if spread else interval)
            settings = await self.client.read_settings(caps)
            polls = merge(settings, polls)
        self.polls += 1
        now = self._clock()
        self.last_poll = now
        self._apply(self._unless_pushed(polls, pushes), now)
        if reconcile:
            self._reconcile_pushed(now)

    def _apply(self, polls: dict[int, ChannelState], now: datetime) -> None:
        device = polls.get(DEVICE_CHANNEL)
        nvr = self.capabilities is not None and self.capabilities.is_nvr
        for view in self.views:
            poll = polls.get(view.channel) if view.channel is not None else None
            # Device-wide fields go to the device's own view (the NVR, or the camera itself).
            if device is not None and (view.is_nvr or not nvr):
                poll = device if poll is None else poll.merged(device)
            if poll is None:
                continue
            tracker = self.trackers[view.camera_id]
            changed, events = tracker.apply(poll, now)
            for event in events:
                self.bus.publish(EventRaised(event))
            if changed:
                self.bus.publish(StateChanged(tracker.state))
            self._heartbeat(view.camera_id, tracker.active, now)

    def _heartbeat(self, camera_id: str, active: bool, now: datetime) -> None:
        """Record, at a modest rate, that this view's open events were seen active at `now`."""
        if not active:
            self._beats.pop(camera_id, None)
            return
        mono = time.monotonic()
        last = self._beats.get(camera_id)
        if last is None:  # it just started: the start event says so
            self._beats[camera_id] = (mono, now)
            return
        if mono - last[0] >= self.polling.active_heartbeat_interval:
            self._beats[camera_id] = (mono, now)
            self.bus.publish(StillActive(camera_id, now))
        else:
            self._beats[camera_id] = (last[0], now)

    def _last_heartbeats(self) -> None:
        """Stopping: the last poll that saw each active view, so the next start ends its events
        at that time rather than at the last periodic heartbeat."""
        for camera_id, (_, seen) in self._beats.items():
            self.bus.publish(StillActive(camera_id, seen))
        self._beats.clear()

    async def _failed(self, err: BaseException, *, connecting: bool) -> bool:
        """Count a failure; True when the device is (now) offline and must reconnect."""
        self.failures += 1
        self.last_error = describe(err)
        if isinstance(err, AuthenticationError):
            self._backoff.exhaust()
            _LOGGER.error("camera %s: %s; check its credentials", self.camera.id, self.last_error)
        elif isinstance(err, CameraRefusedError):
            self._backoff.exhaust()
            _LOGGER.error("camera %s: %s; not contacted", self.camera.id, self.last_error)
        elif not isinstance(err, ReolinkError):
            _LOGGER.error("camera %s: unexpected error", self.camera.id, exc_info=err)
        else:
            threshold = self.polling.failure_threshold
            level = logging.WARNING if self.failures == threshold else logging.DEBUG
            _LOGGER.log(
                level, "camera %s: %s (failure %d)", self.camera.id, self.last_error, self.failures
            )
        if connecting or self.failures >= self.polling.failure_threshold:
            self._set_online(False)
            return True
        return False

    # -- state -------------------------------------------------------------------------------

    def _adopt(self, capabilities: Capabilities) -> None:
        first = self.capabilities is None
        if self.capabilities is not None:
            capabilities = keep_lost_channels(self.capabilities, capabilities)
        changed = capabilities != self.capabilities
        self.capabilities = capabilities
        self._poll_caps = detection_caps(capabilities)
        self.views = camera_views(self.camera, capabilities)
        for view in self.views:
            if view.camera_id not in self.trackers:
                self.trackers[view.camera_id] = StateTracker(
                    view.camera_id, view.name, view.channel or 0
                )
                for event in self._adopting.pop(view.camera_id, []):
                    self.trackers[view.camera_id].adopt(event)
            else:
                self.trackers[view.camera_id].camera_name = view.name
            tracker = self.trackers[view.camera_id]
            preset = tracker.state.get("ptz_preset")
            caps = view.capabilities
            deleted = caps is not None and preset is not None and preset not in caps.ptz_presets
            # a deleted preset: the camera is at no preset any more
            if deleted and tracker.update(self._clock(), ptz_preset=None) and not first:
                self.bus.publish(StateChanged(tracker.state))
            if view.capabilities is not None and view.capabilities.has("siren"):
                tracker = self.trackers[view.camera_id]
                if tracker.state.get("siren") is None:  # cannot be read; silent until sounded
                    tracker.update(self._clock(), siren=OnOff.OFF)
        self._mark_sources(publish=not first)
        self._end_adopting(self._clock())  # views the device answered without
        known = {view.camera_id for view in self.views}
        for camera_id in [c for c in self.trackers if c not in known]:
            del self.trackers[camera_id]
        if capabilities.storage:
            disk = capabilities.storage[0]
            storage = StorageState(capacity_mb=disk.capacity_mb, free_mb=disk.free_mb)
            now = self._clock()
            # The disk belongs to the NVR's own view, or to the camera itself.
            owners = [v for v in self.views if v.is_nvr or not capabilities.is_nvr]
            for view in owners:
                tracker = self.trackers[view.camera_id]
                if tracker.set_storage(storage, now) and not first:
                    self.bus.publish(StateChanged(tracker.state))
        if first or changed:
            self.bus.publish(DeviceReady(self.camera, capabilities))
        if not first and changed and self.online:
            self._set_online(True)  # a channel that went (or came back) online

    def _set_online(self, online: bool) -> None:
        self.online = online
        now = self._clock()
        if not online:  # a device that never answered: its channels' adopted events end too
            self._end_adopting(now)
        first, self._availability_announced = not self._availability_announced, True
        for view in self.views:
            tracker = self.trackers[view.camera_id]
            view_online = online and (view.capabilities is None or view.capabilities.online)
            changed, events = tracker.set_online(view_online, now)
            if not changed:
                if first:  # a camera that never answered is announced offline once
                    self.bus.publish(AvailabilityChanged(view.camera_id, view_online))
                    self.bus.publish(StateChanged(tracker.state))
                continue
            self.bus.publish(AvailabilityChanged(view.camera_id, view_online))
            for event in events:
                self.bus.publish(EventRaised(event))
            self.bus.publish(StateChanged(tracker.state))
            if not tracker.active:  # offline ended its detections: nothing left to heartbeat
                self._beats.pop(view.camera_id, None)

    def _end_adopting(self, now: datetime) -> None:
        """End the adopted events still waiting for their view (the device did not answer, or
        answered without that channel) when they were last seen active, as a camera that does
        not answer ends its own (`StateTracker.set_online`). Only the ends are published: the
        view is unknown here, so is its state."""
        pending, self._adopting = self._adopting, {}
        for camera_id, events in pending.items():
            tracker = StateTracker(camera_id, events[0].camera_name, events[0].channel)
            for event in events:
                tracker.adopt(event)
            _, ends = tracker.set_online(False, now)
            for end in ends:
                self.bus.publish(EventRaised(end))

    def rename(self, name: str) -> None:
        self.camera = self.camera.model_copy(update={"name": name.strip()})
        capabilities = self.capabilities
        if capabilities is not None:
            self.capabilities = None  # forces a DeviceReady with the new names
            self._adopt(capabilities)

    def mark_removed(self) -> None:
        """Publish every view offline: the device is being removed."""
        if self.online:
            self._set_online(False)

    async def _close_client(self, *, logout: bool) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if logout:
                async with asyncio.timeout(2.0):
                    await client.logout()
        with contextlib.suppress(Exception):
            await client.aclose()

    # -- for the dispatcher ------------------------------------------------------------------

    def assume(self, camera_id: str, **changes: Any) -> None:
        """Record state the camera cannot report (a sounding siren, a preset) and publish it."""
        tracker = self.trackers.get(camera_id)
        if tracker is not None and tracker.update(self._clock(), **changes):
            self.bus.publish(StateChanged(tracker.state))

    def view(self, camera_id: str) -> CameraView | None:
        return next((v for v in self.views if v.camera_id == camera_id), None)

    def connected_client(self) -> ReolinkClient:
        if not self.camera.enabled:
            raise CameraOffline(f"camera {self.camera.id} is disabled")
        if not self.online or self.client is None:
            raise CameraOffline(f"camera {self.camera.id} is offline")
        return self.client

    @property
    def command_lock(self) -> asyncio.Lock:
        return self._command_lock

    async def refresh(self, *, capabilities: bool = False) -> None:
        """Read detections and settings now and publish what changed (after a command); with
        `capabilities`, read those first (a command changed them: a PTZ preset saved)."""
        if self.client is None or self.capabilities is None or not self.online:
            return
        if capabilities:
            fresh = await self.client.get_capabilities()
            if fresh != self.capabilities:
                self._adopt(fresh)
        caps = self.capabilities
        pushes = self._pushes
        settings = await self.client.read_settings(caps)
        polls = merge(settings, await self.client.poll_detections(self._poll_caps))
        self._apply(self._unless_pushed(polls, pushes), self._clock())


def _spread(interval: float) -> float:
    """The first wait of a slow cadence after a connect: somewhere in its second half, so that
    devices connected together (a bridge start, a network back) do not all read at once every
    interval after (500 cameras reading their settings in one second stall the event loop)."""
    return interval * random.uniform(0.5, 1.0)
