"""The cameras the bridge knows, added and removed at run time, each run by a `DeviceRunner`.

Every camera has a runner, so it is listed; only an enabled camera's runner is started (a disabled
one is never contacted). A camera that is not trusted (anything but the config file's) reaches its
device only through `networks`, the check of `security.camera_networks`.

With several instances (`leases`, a `LeaseKeeper`), a runner is started only while this instance
holds its device's lease (an NVR and its channels are one lease), and `runs()` says False for the
others, so the command dispatcher leaves their commands to the owner. The keeper's `on_change`
is `on_leases`: a lost lease stops its runner first; an acquired one gets a fresh runner (no
state left from an earlier turn) that adopts, from `on_acquired`, the events a previous owner left
open (it continues or ends them under their own ids). Each such runner publishes through a
`FencedBus`: once the lease is no longer valid (renewal failed, or the process was paused past
its TTL) what it publishes is dropped and the runner is stopped; the events it lets through
carry the lease's generation (`EventFence`), so the store refuses their late starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable

from pydantic import ValidationError

from bridge.bus._common import UNREACHABLE
from bridge.bus.messages import (
    Bus,
    BusMessage,
    DeviceAdded,
    DeviceReady,
    DeviceRemoved,
    Subscription,
)
from bridge.config import PollingSettings
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.errors import InvalidCommand, UnknownCamera
from bridge.domain.views import CameraView, camera_views
from bridge.pipeline.device import ClientFactory, DeviceRunner, default_client_factory
from bridge.pipeline.fence import FencedBus
from bridge.pipeline.leases import LeaseKeeper
from bridge.pipeline.tracker import OpenEvent
from bridge.reolink.network import CameraNetworks
from bridge.tasks import Supervisor

_LOGGER = logging.getLogger(__name__)

RUNNER_STOP_TIMEOUT = 10.0
"""Seconds a lost lease's runner gets to stop before the manager goes on without it (its bus is
fenced already: it can publish nothing)."""

DEVICES_OWNER = "devices"
"""The bus consumer (every process sees every message) through which an instance learns the
capabilities of the devices other instances run (so it resolves their NVR channels)."""


class DuplicateCamera(InvalidCommand):
    """A camera with that id exists already."""


class CameraManager:
    def __init__(
        self,
        polling: PollingSettings,
        bus: Bus,
        *,
        client_factory: ClientFactory = default_client_factory,
        networks: CameraNetworks | None = None,
        tasks: Supervisor | None = None,
    ) -> None:
        self.polling = polling
        self.tasks = tasks
        """Where the runners' tasks run (the bridge's supervisor; None: plain tasks)."""
        self.bus = bus
        self.networks = networks
        """Where untrusted cameras may connect; None: anywhere (a bare manager in tests)."""
        self._client_factory = client_factory
        self._runners: dict[str, DeviceRunner] = {}
        self._trusted: set[str] = set()
        self._lock = asyncio.Lock()
        self.leases: LeaseKeeper | None = None
        """Several instances: the lease keeper (set before `start`); None: run every camera."""
        self.on_acquired: Callable[[set[str]], Awaitable[dict[str, list[OpenEvent]]]] | None = None
        """Called with the devices whose lease was just taken, before their runners start:
        the events their previous owner left open, per device, for the new runners to adopt."""
        self._devices: Subscription | None = None
        self.on_foreign_change: Callable[[str], Awaitable[None]] | None = None
        """With leases: a camera was added, changed or removed (by any instance; this one's
        own changes come back too): the registry syncs this manager from the store."""

    @property
    def runners(self) -> list[DeviceRunner]:
        return list(self._runners.values())

    @property
    def cameras(self) -> list[Camera]:
        return [runner.camera for runner in self._runners.values()]

    async def start(self, cameras: Iterable[Camera], *, trusted: Collection[str] = ()) -> None:
        """Add `cameras`; those whose id is in `trusted` (the config file's) are not checked."""
        for camera in cameras:
            await self.add(camera, trusted=camera.id in trusted)
        if self.leases is not None and self._devices is None:
            self._devices = self.bus.subscribe(DEVICES_OWNER, self._on_device)

    def _new_runner(self, camera: Camera) -> DeviceRunner:
        if self.leases is None:
            bus: Bus = self.bus
        else:
            keeper = self.leases
            fence = FencedBus(
                self.bus,
                camera.id,
                keeper.valid,
                on_stale=self._stale,
                instance=lambda: keeper.leases.owner,
                generation=keeper.generation,
            )
            bus = fence
        runner = DeviceRunner(
            camera,
            self.polling,
            bus,
            client_factory=self._client_factory,
            networks=None if camera.id in self._trusted else self.networks,
            tasks=self.tasks,
        )
        if self.leases is not None:
            runner.may_poll = fence.check  # a lapsed lease: not even a poll
        return runner

    @property
    def instance(self) -> str | None:
        """This instance's name with several instances (leases); None with one."""
        return None if self.leases is None else self.leases.leases.owner

    def owns(self, device_id: str) -> bool:
        """This instance may drive the device now (always, without leases)."""
        return self.leases is None or self.leases.valid(device_id)

    async def add(self, camera: Camera, *, trusted: bool = False) -> DeviceRunner:
        async with self._lock:
            if camera.id in self._runners or self._find_view(camera.id) is not None:
                raise DuplicateCamera(f"camera {camera.id!r} exists already")
            if trusted:
                self._trusted.add(camera.id)
            runner = self._new_runner(camera)
            self._runners[camera.id] = runner
            self.bus.publish(DeviceAdded(camera))
            if not camera.enabled:
                _LOGGER.info("camera %s added, disabled: not contacted", camera.id)
            elif self.owns(camera.id):
                await runner.start()
                _LOGGER.info("camera %s added (%s)", camera.id, camera.host)
            else:
                _LOGGER.info("camera %s added; run by the instance holding its lease", camera.id)
            self._want()
            return runner

    async def remove(self, camera_id: str) -> Camera:
        async with self._lock:
            runner = self._runners.pop(camera_id, None)
            if runner is None:
                raise UnknownCamera(f"no camera {camera_id!r}")
            self._trusted.discard(camera_id)
            self._want()
        runner.mark_removed()
        await runner.stop()
        if self.leases is not None:
            with contextlib.suppress(*UNREACHABLE):
                await self.leases.leases.forget_device(camera_id)
        self.bus.publish(DeviceRemoved(runner.camera, runner.capabilities))
        _LOGGER.info("camera %s removed", camera_id)
        return runner.camera

    # -- leases ------------------------------------------------------------------------------

    def _want(self) -> None:
        if self.leases is not None:
            self.leases.want(r.camera.id for r in self._runners.values() if r.camera.enabled)
            self.leases.wake()

    async def on_leases(self, acquired: set[str], lost: set[str]) -> None:
        """The keeper's `on_change`: stop what was lost, start a fresh runner for what was won."""
        async with self._lock:
            stopping = [self._runners[name] for name in sorted(lost) if name in self._runners]
            await asyncio.gather(*(_stop(runner) for runner in stopping))
            for runner in stopping:
                self._renew_runner(runner, idle=True)
            if lost:
                _LOGGER.info("leases: stopped %s", ", ".join(sorted(lost)))
            won = {name for name in acquired if name in self._runners}
            if not won:
                return
            adopted = await self.on_acquired(won) if self.on_acquired is not None else {}
            for name in sorted(won):
                runner = self._renew_runner(self._runners[name])
                runner.adopt(adopted.get(name, []))
                if runner.camera.enabled:
                    await runner.start()
            _LOGGER.info("leases: running %s", ", ".join(sorted(won)))

    def _renew_runner(self, runner: DeviceRunner, *, idle: bool = False) -> DeviceRunner:
        """A fresh runner for the same camera (a stopped one keeps the state of its turn); an
        `idle` one (another instance runs the camera) keeps what the device is (its views)."""
        fresh = self._new_runner(runner.camera)
        if idle and runner.capabilities is not None:
            _observe(fresh, runner.capabilities)
        self._runners[runner.camera.id] = fresh
        return fresh

    async def _on_device(self, message: BusMessage) -> None:
        """Every instance's `DeviceReady`: the owner keeps it in Redis (for instances that start
        later), the others take the device's views from it."""
        if self.leases is None:
            return
        if isinstance(message, DeviceAdded | DeviceRemoved):
            if self.on_foreign_change is not None:
                try:
                    await self.on_foreign_change(message.camera.id)
                except Exception:
                    _LOGGER.exception("camera %s: cannot sync it from the store", message.camera.id)
            return
        if not isinstance(message, DeviceReady):
            return
        name = message.camera.id
        runner = self._runners.get(name)
        if runner is None:
            return
        if self.owns(name):
            with contextlib.suppress(*UNREACHABLE):
                payload = message.capabilities.model_dump_json()
                await self.leases.leases.save_device(name, payload)
        else:
            _observe(runner, message.capabilities)

    async def recall_devices(self) -> None:
        """At start: what the owners of the other devices learnt of them (kept in Redis)."""
        if self.leases is None:
            return
        with contextlib.suppress(*UNREACHABLE):
            saved = await self.leases.leases.devices()
            for name, raw in saved.items():
                runner = self._runners.get(name)
                if runner is None or self.owns(name) or runner.capabilities is not None:
                    continue
                try:
                    _observe(runner, Capabilities.model_validate_json(raw))
                except ValidationError:
                    _LOGGER.warning("leases: unreadable capabilities of %s in Redis", name)

    def _stale(self, name: str) -> None:
        """A fenced runner published after its lease lapsed here: the keeper gives the lease up
        at once (the runner stops) and takes it again if nobody else has it."""
        if self.leases is not None:
            self.leases.forfeit(name)

    async def rename(self, camera_id: str, name: str) -> Camera:
        runner = self._runners.get(camera_id)
        if runner is None:
            raise UnknownCamera(f"no camera {camera_id!r}")
        runner.rename(name)
        return runner.camera

    def runner(self, camera_id: str) -> DeviceRunner:
        runner = self._runners.get(camera_id)
        if runner is None:
            raise UnknownCamera(f"no camera {camera_id!r}")
        return runner

    def runs(self, camera_id: str) -> bool:
        """This process runs the camera (or the NVR channel): its dispatcher executes its
        commands. With leases, only while it holds the device's lease."""
        found = self._find_view(camera_id)
        return found is not None and self.owns(found[0].camera.id)

    def running(self) -> list[str]:
        """The devices this instance runs now (enabled, and its lease held)."""
        return [
            r.camera.id
            for r in self._runners.values()
            if r.camera.enabled and self.owns(r.camera.id)
        ]

    def resolve(self, camera_id: str) -> tuple[DeviceRunner, CameraView]:
        """The runner and view for a camera id (a camera, an NVR, or an NVR channel)."""
        found = self._find_view(camera_id)
        if found is None:
            raise UnknownCamera(f"no camera {camera_id!r}")
        return found

    def _find_view(self, camera_id: str) -> tuple[DeviceRunner, CameraView] | None:
        runner = self._runners.get(camera_id)
        if runner is not None:
            view = runner.view(camera_id)
            if view is not None:
                return runner, view
        for runner in self._runners.values():
            view = runner.view(camera_id)
            if view is not None:
                return runner, view
        return None

    async def stop(self) -> None:
        if self._devices is not None:
            self._devices.close()
            self._devices = None
        runners, self._runners = list(self._runners.values()), {}
        await asyncio.gather(*(runner.stop() for runner in runners), return_exceptions=True)


def _observe(runner: DeviceRunner, capabilities: Capabilities) -> None:
    """An idle runner (another instance runs its device) takes the device's views, so its NVR
    channels resolve here (commands, entities) while nothing here polls it."""
    runner.capabilities = capabilities
    runner.views = camera_views(runner.camera, capabilities)


async def _stop(runner: DeviceRunner) -> None:
    """Stop a runner whose lease goes; never hang the lease round on it."""
    try:
        async with asyncio.timeout(RUNNER_STOP_TIMEOUT):
            await runner.stop()
    except TimeoutError:
        _LOGGER.error("camera %s: its runner did not stop in time", runner.camera.id)
    except Exception:
        _LOGGER.exception("camera %s: stopping its runner failed", runner.camera.id)
