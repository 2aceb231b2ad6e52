"""Per-type camera settings (`/cameras/{id}/config/{type}`) and the snapshot JPEG.

Each type is a slice of the camera state: the feature table's rows with that `config_group`
(`bridge.api.settings_models`). `GET` reads it from the state cache; `PUT` turns the
body into one `Command` over the bus (so MQTT, REST and the rails agree) and, when the
camera took it, stores a versioned copy in `camera_configs`.

Reading needs `read`; `PUT` and taking a snapshot need `control` (the latest snapshot kept,
`cached=true`, is a read).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.api import responses
from bridge.api.commanding import CommandFailed, dispatch, result_payload
from bridge.api.deps import Ctx, CurrentPrincipal, State
from bridge.api.errors import validation_details
from bridge.api.relay import relay_if_elsewhere
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.schemas import (
    ConfigVersion,
)
from bridge.api.scopes import Control, Read, ScopeRule, enforce, scoped
from bridge.api.settings_models import GROUP_ALIASES, config_model, groups
from bridge.domain.commands import Command, CommandResult, CommandStatus, command_body
from bridge.domain.errors import UnknownCamera
from bridge.domain.state import CameraState

router = APIRouter(prefix="/cameras/{camera_id}", tags=["settings"], responses=responses.CAMERA)


class ConfigView(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "front_door",
                    "type": "motion",
                    "version": 3,
                    "config": {"motion_sensitivity": 41},
                    "result": {"status": "ok", "camera_id": "front_door"},
                }
            ]
        },
    )
    camera_id: str
    type: str
    version: int | None = Field(description="The latest stored version; None before any PUT")
    config: dict[str, Any]
    result: CommandResult | None = Field(default=None, description="The PUT's command result")


def _current(state: CameraState | None, model: type[BaseModel]) -> dict[str, Any]:
    data = state.payload() if state is not None else {}
    return {name: data.get(name) for name in model.model_fields}


def _stored_as(ctx: Ctx, camera_id: str, kind: str) -> tuple[str, str]:
    """Where versions are kept: under the device (the store's `cameras` row), an NVR
    channel's with its camera id in the kind (`image:nvr_ch2`)."""
    runner, _ = ctx.manager.resolve(camera_id)
    device_id = runner.camera.id
    return device_id, kind if camera_id == device_id else f"{kind}:{camera_id}"


async def _version(ctx: Ctx, camera_id: str, kind: str) -> int | None:
    history = await ctx.store.camera_config_history(*_stored_as(ctx, camera_id, kind), limit=1)
    return history[0].version if history else None


def _add_type(kind: str, model: type[BaseModel]) -> None:
    async def get_config(ctx: Ctx, camera_id: CameraIdPath) -> ConfigView:
        ctx.manager.resolve(camera_id)
        state = await ctx.cache.get_state(camera_id)
        version = await _version(ctx, camera_id, kind)
        return ConfigView(
            camera_id=camera_id, type=kind, version=version, config=_current(state, model)
        )

    async def put_config(
        state: State, camera_id: CameraIdPath, body: BaseModel, principal: CurrentPrincipal
    ) -> ConfigView:
        ctx = state.ctx
        requested = body.model_dump(mode="json", exclude_none=True)
        try:
            command = Command.model_validate(command_body(requested))
        except ValidationError as err:
            raise HTTPException(422, validation_details(err.errors(include_input=False))) from None
        result = await dispatch(state, camera_id, command, principal)
        if result.status is CommandStatus.ERROR:
            raise CommandFailed(result)
        current = await ctx.cache.get_state(camera_id)
        data = _current(current, model) | requested
        device_id, key = _stored_as(ctx, camera_id, kind)
        version = await ctx.store.save_camera_config(device_id, key, data, who=principal.who)
        return ConfigView(
            camera_id=camera_id,
            type=kind,
            version=version,
            config=data,
            result=CommandResult.model_validate(result_payload(result)),
        )

    async def history(
        ctx: Ctx, camera_id: CameraIdPath, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> list[ConfigVersion]:
        device_id, key = _stored_as(ctx, camera_id, kind)
        versions = await ctx.store.camera_config_history(device_id, key, limit=limit)
        return [
            ConfigVersion(version=v.version, data=v.data, created_at=v.created_at, who=v.who)
            for v in versions
        ]

    put_config.__annotations__["body"] = model  # the type's own schema in the OpenAPI document
    names = [kind, *(alias for alias, group in GROUP_ALIASES.items() if group == kind)]
    for name in names:
        path = f"/config/{name}"
        router.add_api_route(
            path,
            get_config,
            methods=["GET"],
            dependencies=[Read],
            summary=f"Read the {name} settings",
        )
        router.add_api_route(
            path,
            put_config,
            methods=["PUT"],
            summary=f"Change the {name} settings (a command over the bus)",
            responses=responses.ACTUATOR,
            dependencies=[Control],
        )
        router.add_api_route(
            f"{path}/history",
            history,
            methods=["GET"],
            dependencies=[Read],
            summary=f"Stored versions of the {name} settings, newest first",
        )


for _group in groups():
    _add_type(_group, config_model(_group))


CachedSnapshot = Annotated[bool, Query(description="The latest snapshot, if one is kept")]


async def _snapshot_scope(request: Request, cached: CachedSnapshot = False) -> None:
    await enforce(request, "read" if cached else "control")
    if not cached:  # taken now: by the instance that runs the camera (the kept one is shared)
        await relay_if_elsewhere(request, request.path_params["camera_id"])


SnapshotScope = scoped(ScopeRule("control", relaxed="`read` with `cached=true`"))(_snapshot_scope)


@router.get(
    "/snapshot",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "A JPEG"},
        **responses.CONFLICT,
        **responses.BAD_GATEWAY,
        **responses.UNAVAILABLE,
    },
    dependencies=[SnapshotScope],
    summary="A snapshot (JPEG): taken now, or the latest one with cached=true",
)
async def snapshot(ctx: Ctx, camera_id: CameraIdPath, cached: CachedSnapshot = False) -> Response:
    headers = {"Cache-Control": "no-store"}
    if cached:
        jpeg = await ctx.cache.get_snapshot(camera_id)
        if jpeg is None:
            ctx.manager.resolve(camera_id)
            raise UnknownCamera(f"no snapshot of {camera_id!r} is kept")
        return Response(jpeg, media_type="image/jpeg", headers=headers)
    jpeg = await ctx.snapshots.take(camera_id)
    return Response(jpeg, media_type="image/jpeg", headers=headers)
