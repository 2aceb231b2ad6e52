"""The cameras the bridge owns, added and removed at run time, each run by a `DeviceRunner`.

Every camera has a runner, so it is listed; only an enabled camera's runner is started (a disabled
one is never contacted). A camera that is not trusted (anything but the config file's) reaches its
device only through `networks`, the check of `security.camera_networks`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable

from bridge.bus.messages import Bus, DeviceAdded, DeviceRemoved
from bridge.config import PollingSettings
from bridge.domain.camera import Camera
from bridge.domain.errors import InvalidCommand, UnknownCamera
from bridge.domain.views import CameraView
from bridge.pipeline.device import ClientFactory, DeviceRunner, default_client_factory
from bridge.reolink.network import CameraNetworks

_LOGGER = logging.getLogger(__name__)


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
    ) -> None:
        self.polling = polling
        self.bus = bus
        self.networks = networks
        """Where untrusted cameras may connect; None: anywhere (a bare manager in tests)."""
        self._client_factory = client_factory
        self._runners: dict[str, DeviceRunner] = {}
        self._lock = asyncio.Lock()

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

    async def add(self, camera: Camera, *, trusted: bool = False) -> DeviceRunner:
        async with self._lock:
            if camera.id in self._runners or self._find_view(camera.id) is not None:
                raise DuplicateCamera(f"camera {camera.id!r} exists already")
            runner = DeviceRunner(
                camera,
                self.polling,
                self.bus,
                client_factory=self._client_factory,
                networks=None if trusted else self.networks,
            )
            self._runners[camera.id] = runner
            self.bus.publish(DeviceAdded(camera))
            if camera.enabled:
                runner.start()
                _LOGGER.info("camera %s added (%s)", camera.id, camera.host)
            else:
                _LOGGER.info("camera %s added, disabled: not contacted", camera.id)
            return runner

    async def remove(self, camera_id: str) -> Camera:
        async with self._lock:
            runner = self._runners.pop(camera_id, None)
            if runner is None:
                raise UnknownCamera(f"no camera {camera_id!r}")
        runner.mark_removed()
        await runner.stop()
        self.bus.publish(DeviceRemoved(runner.camera, runner.capabilities))
        _LOGGER.info("camera %s removed", camera_id)
        return runner.camera

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
        commands."""
        return self._find_view(camera_id) is not None

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
        runners, self._runners = list(self._runners.values()), {}
        await asyncio.gather(*(runner.stop() for runner in runners), return_exceptions=True)
