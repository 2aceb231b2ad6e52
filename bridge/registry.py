"""The cameras the bridge owns, persisted: from the config file and added at run time.

At start the config file's cameras are upserted (source `config`; one removed from the file is
removed from the store) and the cameras added at run time (MQTT, REST) are loaded back. Every
change goes to the store first, then to the running manager. Passwords are stored only encrypted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import SecretStr

from bridge.models import Camera
from bridge.pipeline.manager import CameraManager, DuplicateCamera, UnknownCamera
from bridge.secrets import CredentialCipher
from bridge.storage.base import CameraRecord, Store

_LOGGER = logging.getLogger(__name__)


class CameraRegistry:
    def __init__(self, store: Store, cipher: CredentialCipher, manager: CameraManager) -> None:
        self.store = store
        self.cipher = cipher
        self.manager = manager

    async def load(self, configured: Sequence[Camera]) -> list[Camera]:
        """Sync the store with the config file and return every camera to run."""
        stored = {record.id: record for record in await self.store.list_cameras()}
        for record in stored.values():  # a wrong key must stop the start, not overwrite data
            self.cipher.decrypt(record.password_encrypted)
        configured_ids = {camera.id for camera in configured}
        for record in stored.values():
            if record.source == "config" and record.id not in configured_ids:
                await self.store.delete_camera(record.id)
                _LOGGER.info("camera %s is no longer in the config file: removed", record.id)
        cameras: list[Camera] = []
        for camera in configured:
            previous = stored.get(camera.id)
            if previous is not None and previous.source == "runtime":
                _LOGGER.warning(
                    "camera %s is in the config file and was also added at run time: "
                    "the config file wins",
                    camera.id,
                )
            await self.store.upsert_camera(self._record(camera, "config"))
            cameras.append(camera)
        for record in stored.values():
            if record.source == "runtime" and record.id not in configured_ids:
                cameras.append(self._camera(record))
        return cameras

    async def add(self, camera: Camera) -> Camera:
        try:
            self.manager.resolve(camera.id)
        except UnknownCamera:
            pass
        else:
            raise DuplicateCamera(f"camera {camera.id!r} exists already")
        await self.store.upsert_camera(self._record(camera, "runtime"))
        try:
            await self.manager.add(camera)
        except DuplicateCamera:
            await self.store.delete_camera(camera.id)
            raise
        return camera

    async def remove(self, camera_id: str) -> Camera:
        camera = await self.manager.remove(camera_id)
        await self.store.delete_camera(camera_id)
        return camera

    async def rename(self, camera_id: str, name: str) -> Camera:
        camera = await self.manager.rename(camera_id, name)
        record = await self.store.get_camera(camera_id)
        source = record.source if record is not None else "runtime"
        await self.store.upsert_camera(self._record(camera, source))
        return camera

    def _record(self, camera: Camera, source: str) -> CameraRecord:
        return CameraRecord(
            id=camera.id,
            name=camera.name,
            host=camera.host,
            port=camera.port,
            https=camera.https,
            verify_tls=camera.verify_tls,
            username=camera.username,
            password_encrypted=self.cipher.encrypt(camera.password.get_secret_value()),
            channel=camera.channel,
            tags=tuple(camera.tags),
            enabled=camera.enabled,
            poll_interval=camera.poll_interval,
            source="config" if source == "config" else "runtime",
        )

    def _camera(self, record: CameraRecord) -> Camera:
        return Camera(
            id=record.id,
            name=record.name,
            host=record.host,
            port=record.port,
            https=record.https,
            verify_tls=record.verify_tls,
            username=record.username,
            password=SecretStr(self.cipher.decrypt(record.password_encrypted)),
            channel=record.channel,
            tags=list(record.tags),
            enabled=record.enabled,
            poll_interval=record.poll_interval,
        )
