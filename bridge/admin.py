"""Offline administration from the command line: schema migrations, stored cameras, API tokens.

`camera add|remove` change the store; a running bridge picks the change up at its next start
(use the MQTT or REST bridge request `camera/add` to change a running bridge). A camera added here
is a run-time camera like any other: its host must be in `security.camera_networks`, and a camera
of the config file is removed from the file, not here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from bridge.api.security import DEFAULT_TOKEN_SCOPE, create_api_token
from bridge.config import Settings
from bridge.domain.camera import Camera
from bridge.registry import CameraRejected, camera_fields, camera_record, check_address
from bridge.reolink.network import CameraNetworks
from bridge.requests import explain
from bridge.secrets import load_cipher
from bridge.storage.factory import open_store
from bridge.storage.migrate import run_migrate
from bridge.store import ApiTokenRecord, CameraRecord, TokenScope


class AdminError(Exception):
    """A command-line action failed; the message is for the user."""


async def migrate(settings: Settings, target: int | None) -> list[str]:
    return await run_migrate(settings, target)


async def camera_list(settings: Settings) -> list[dict[str, object]]:
    store = await open_store(settings)
    try:
        records = await store.list_cameras()
    finally:
        await store.close()
    return [_public(record) for record in records]


async def camera_add(settings: Settings, fields: dict[str, object]) -> dict[str, object]:
    try:
        camera = Camera.model_validate(fields)
    except ValidationError as err:
        raise AdminError(explain(err)) from None
    try:
        await check_address(CameraNetworks(settings.security.camera_networks), camera)
    except CameraRejected as err:
        raise AdminError(str(err)) from None
    cipher = load_cipher(settings.data_dir)
    store = await open_store(settings)
    try:
        if await store.get_camera(camera.id) is not None:
            raise AdminError(f"camera {camera.id!r} exists already")
        await store.upsert_camera(camera_record(camera, cipher, "runtime"))
    finally:
        await store.close()
    return camera.public_dict()


async def camera_remove(settings: Settings, camera_ids: Sequence[str]) -> list[str]:
    """Forget the run-time cameras among `camera_ids`; name the ids that are not (all at once)."""
    missing: list[str] = []
    configured: list[str] = []
    store = await open_store(settings)
    try:
        for camera_id in camera_ids:
            record = await store.get_camera(camera_id)
            if record is None:
                missing.append(camera_id)
            elif record.source == "config":
                configured.append(camera_id)
            else:
                await store.delete_camera(camera_id)
    finally:
        await store.close()
    problems = [f"no such camera: {', '.join(missing)}"] if missing else []
    if configured:
        problems.append(f"in the config file (remove them there): {', '.join(configured)}")
    if problems:
        raise AdminError("; ".join(problems))
    return list(camera_ids)


def _public(record: CameraRecord) -> dict[str, object]:
    """The camera as the API shows it (`Camera.public_dict`), plus what only the store knows.
    Built without validation: a record stored before a rule was tightened is still listed."""
    camera = Camera.model_construct(**camera_fields(record))
    return {
        **camera.public_dict(),
        "source": record.source,
        "model": record.model,
        "status": record.status,
    }


# -- API tokens (`reolink-bridge token create|list|revoke`) -------------------------------------


def _public_token(record: ApiTokenRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "scope": record.scope,
        "created_at": record.created_at.isoformat(),
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


async def token_create(
    settings: Settings, name: str, scope: TokenScope | None = None
) -> dict[str, Any]:
    """The new token with its secret (shown once); `DEFAULT_TOKEN_SCOPE` unless told."""
    store = await open_store(settings)
    try:
        token = await create_api_token(store, name, scope or DEFAULT_TOKEN_SCOPE)
    finally:
        await store.close()
    return {**_public_token(token.record), "token": token.secret}


async def token_list(settings: Settings) -> list[dict[str, Any]]:
    store = await open_store(settings)
    try:
        return [_public_token(record) for record in await store.list_tokens()]
    finally:
        await store.close()


async def token_revoke(settings: Settings, token_id: str) -> bool:
    store = await open_store(settings)
    try:
        return await store.revoke_token(token_id)
    finally:
        await store.close()


def dumps(value: object) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)
