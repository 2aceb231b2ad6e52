"""The cameras the bridge owns, persisted: from the config file and added at run time.

At start the config file's cameras are upserted (source `config`; one removed from the file is
removed from the store) and the cameras added at run time (MQTT, REST, WebSocket, CLI) are loaded
back. Every change goes to the store first, then to the running manager. Passwords are stored only
encrypted. The rules of a change live here, so every interface follows them:

* a camera added or changed at run time must be in `security.camera_networks`;
* changing where or as whom a camera logs in (`Camera.login_target`), or turning its certificate
  check off, needs its password again (`Camera.needs_password_for`);
* a config-file camera can only be renamed here (the file is the operator's).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import SecretStr, ValidationError

from bridge.domain.camera import Camera
from bridge.domain.errors import CommandRefused, InvalidCommand, UnknownCamera
from bridge.pipeline.manager import CameraManager, DuplicateCamera
from bridge.reolink.network import AddressRefused, CameraNetworks
from bridge.secrets import Cipher
from bridge.store import CameraRecord, Store

_LOGGER = logging.getLogger(__name__)


class CameraRejected(InvalidCommand):
    """The camera cannot be added or changed like this; the message says why and `field` which
    field is at fault (REST: 422, as a validation error of that field)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class ConfigFileCamera(CommandRefused, ValueError):
    """The camera comes from the config file: only its name can change at run time (REST: 409)."""


class CameraRegistry:
    def __init__(
        self,
        store: Store,
        cipher: Cipher,
        manager: CameraManager,
        networks: CameraNetworks,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.manager = manager
        self.networks = networks

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
            await self.store.upsert_camera(camera_record(camera, self.cipher, "config"))
            cameras.append(camera)
        for record in stored.values():
            if record.source == "runtime" and record.id not in configured_ids:
                try:
                    cameras.append(self._camera(record))
                except ValidationError as err:  # stored before a rule was tightened: kept
                    _LOGGER.error(
                        "camera %s in the store is not valid (%s): not started; change or "
                        "remove it (`reolink-bridge camera remove %s`)",
                        record.id,
                        "; ".join(
                            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
                        ),
                        record.id,
                    )
        return cameras

    async def add(self, camera: Camera) -> Camera:
        try:
            self.manager.resolve(camera.id)
        except UnknownCamera:
            pass
        else:
            raise DuplicateCamera(f"camera {camera.id!r} exists already")
        await self._check_address(camera)
        await self.store.upsert_camera(camera_record(camera, self.cipher, "runtime"))
        try:
            await self.manager.add(camera)
        except DuplicateCamera:
            await self.store.delete_camera(camera.id)
            raise
        return camera

    async def update(self, camera_id: str, changes: Mapping[str, Any]) -> Camera:
        """Apply `changes` (field → new value; a left-out password is kept) to a device.

        Raises `pydantic.ValidationError` for values the model refuses, `CameraRejected` for a
        change the rules refuse, `ConfigFileCamera` for a config-file camera (name excepted).
        """
        current = self.manager.runner(camera_id).camera
        if not changes:
            return current
        if set(changes) == {"name"}:
            return await self.rename(camera_id, changes["name"] or "")
        await self._refuse_config_file(camera_id, "only its name can be changed at run time")
        camera = Camera.model_validate({**current.model_dump(), **changes})
        if current.needs_password_for(camera) and "password" not in changes:
            raise CameraRejected(
                "changing host, port, https or username, or turning verify_tls off, needs the "
                "camera's password again",
                field="password",
            )
        await self._check_address(camera)
        await self.store.upsert_camera(camera_record(camera, self.cipher, "runtime"))
        await self.manager.remove(camera_id)
        await self.manager.add(camera)
        return camera

    async def remove(self, camera_id: str) -> Camera:
        self.manager.runner(camera_id)  # UnknownCamera first
        await self._refuse_config_file(camera_id, "remove it from the file")
        await self.store.delete_camera(camera_id)  # first: other instances sync from the store
        return await self.manager.remove(camera_id)

    async def sync(self, camera_id: str) -> None:
        """Another instance added, changed or removed `camera_id` (several instances share the
        store): make this instance's manager agree with the store."""
        record = await self.store.get_camera(camera_id)
        try:
            current: Camera | None = self.manager.runner(camera_id).camera
        except UnknownCamera:
            current = None
        if record is None:
            if current is not None:
                await self.manager.remove(camera_id)
            return
        try:
            camera = self._camera(record)
        except ValidationError:
            return  # load() says why at the next start
        if current is not None and current.model_dump() == camera.model_dump():
            return
        if current is not None:
            await self.manager.remove(camera_id)
        with contextlib.suppress(DuplicateCamera):
            await self.manager.add(camera, trusted=record.source == "config")
        _LOGGER.info("camera %s: taken up from the store (changed by another instance)", camera_id)

    async def rename(self, camera_id: str, name: str) -> Camera:
        current = self.manager.runner(camera_id).camera
        Camera.model_validate({**current.model_dump(), "name": name})  # the name's own rules
        camera = await self.manager.rename(camera_id, name)
        record = await self.store.get_camera(camera_id)
        source = record.source if record is not None else "runtime"
        await self.store.upsert_camera(camera_record(camera, self.cipher, source))
        return camera

    async def _check_address(self, camera: Camera) -> None:
        await check_address(self.networks, camera)

    async def _refuse_config_file(self, camera_id: str, what_instead: str) -> None:
        record = await self.store.get_camera(camera_id)
        if record is not None and record.source == "config":
            raise ConfigFileCamera(
                f"camera {camera_id!r} comes from the config file: {what_instead}"
            )

    def _camera(self, record: CameraRecord) -> Camera:
        password = SecretStr(self.cipher.decrypt(record.password_encrypted))
        return Camera.model_validate({**camera_fields(record), "password": password})


async def check_address(networks: CameraNetworks, camera: Camera) -> None:
    """The run-time cameras' address rule: `CameraRejected` (on `host`) unless the camera's host
    is, and resolves only, in `security.camera_networks`."""
    try:
        await networks.check(camera.host, camera.effective_port)
    except AddressRefused as err:
        raise CameraRejected(str(err), field="host") from None


def camera_fields(record: CameraRecord) -> dict[str, Any]:
    """The `Camera` fields a stored record holds: every one but the password."""
    fields = {name: getattr(record, name) for name in Camera.model_fields if name != "password"}
    fields["tags"] = list(record.tags)
    return fields


def camera_record(
    camera: Camera, cipher: Cipher, source: Literal["config", "runtime"]
) -> CameraRecord:
    """The stored form of a camera: its password encrypted."""
    return CameraRecord(
        id=camera.id,
        name=camera.name,
        host=camera.host,
        port=camera.port,
        https=camera.https,
        verify_tls=camera.verify_tls,
        username=camera.username,
        password_encrypted=cipher.encrypt(camera.password.get_secret_value()),
        channel=camera.channel,
        channels={str(n): c.model_dump(mode="json") for n, c in camera.channels.items()},
        tags=tuple(camera.tags),
        enabled=camera.enabled,
        poll_interval=camera.poll_interval,
        push=camera.push,
        baichuan_port=camera.baichuan_port,
        source=source,
    )
