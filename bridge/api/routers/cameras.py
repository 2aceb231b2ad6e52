"""Cameras: the MQTT mirror (`/state`, `/set`), CRUD through the registry, and status.

Reading needs `read`, `/set` needs `control`, changing the cameras needs `admin`.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bridge.api import responses
from bridge.api.commanding import dispatch, result_response
from bridge.api.context import ApiContext
from bridge.api.deps import Actuator, Ctx, CurrentPrincipal, State
from bridge.api.errors import validation_details
from bridge.api.relay import RelayCamera
from bridge.api.schemas import CameraEntities, CameraInfo, CameraStatus, CameraUpdate
from bridge.api.scopes import Admin, Control, Read
from bridge.domain.camera import Camera
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import UnknownCamera
from bridge.domain.state import CameraState
from bridge.pipeline.device import DeviceRunner
from bridge.reports import camera_entry, device_health, device_online, push_status
from bridge.topics.mapping import entities_payload

router = APIRouter(prefix="/cameras", tags=["cameras"], responses=responses.CAMERA)

CameraIdPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="A camera id, or `<nvr_id>_ch<N>` for an NVR channel",
        examples=["front_door"],
    ),
]


def camera_info(runner: DeviceRunner, *, runs: bool, cached: bool | None) -> CameraInfo:
    """The `reolink/bridge/cameras` entry of one device (never its password), with `online`
    as its owner sees it (`cached`: the shared cache's availability, for another's camera)."""
    online = device_online(runner, runs=runs, cached=cached)
    return CameraInfo.model_validate(
        camera_entry(
            runner.camera, runner.capabilities, push_status(runner) if runs else None, online=online
        )
    )


async def _info(ctx: ApiContext, runner: DeviceRunner) -> CameraInfo:
    device = runner.camera.id
    runs = ctx.manager.runs(device)
    cached = None if runs else await ctx.cache.get_availability(device)
    return camera_info(runner, runs=runs, cached=cached)


def _runner(ctx: ApiContext, camera_id: str) -> DeviceRunner:
    runner, _ = ctx.manager.resolve(camera_id)
    return runner


def _device(ctx: ApiContext, camera_id: str) -> DeviceRunner:
    """The device itself (not one of an NVR's channels): the unit CRUD works on."""
    runner = _runner(ctx, camera_id)
    if runner.camera.id != camera_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{camera_id} is a channel of {runner.camera.id}: change the NVR instead",
        )
    return runner


@router.get(
    "", dependencies=[Read], summary="List the configured devices (as reolink/bridge/cameras)"
)
async def list_cameras(ctx: Ctx) -> list[CameraInfo]:
    runners = ctx.manager.runners
    if all(ctx.manager.runs(r.camera.id) for r in runners):
        available: dict[str, bool] = {}
    else:  # some run elsewhere: their owners' word, from the shared cache
        available = await ctx.cache.all_availability()
    return [
        camera_info(r, runs=ctx.manager.runs(r.camera.id), cached=available.get(r.camera.id))
        for r in runners
    ]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**responses.CONFLICT, **responses.RATE_LIMITED},
    dependencies=[Admin, Actuator],
    summary="Add a camera (persisted; the password is stored encrypted)",
)
async def add_camera(ctx: Ctx, camera: Camera) -> CameraInfo:
    await ctx.registry.add(camera)
    return await _info(ctx, ctx.manager.runner(camera.id))


@router.get(
    "/{camera_id}", dependencies=[Read], summary="One device (an NVR channel id gives its NVR)"
)
async def get_camera(ctx: Ctx, camera_id: CameraIdPath) -> CameraInfo:
    return await _info(ctx, _runner(ctx, camera_id))


@router.put(
    "/{camera_id}",
    responses={**responses.CONFLICT, **responses.RATE_LIMITED},
    dependencies=[Admin, Actuator],
    summary="Change a camera (the password is kept when left out, but a new host, port, https "
    "or username needs it)",
)
async def update_camera(ctx: Ctx, camera_id: CameraIdPath, update: CameraUpdate) -> CameraInfo:
    _device(ctx, camera_id)
    changes = update.model_dump(exclude_unset=True)
    if changes.get("password") is None:
        changes.pop("password", None)
    try:
        await ctx.registry.update(camera_id, changes)
    except ValidationError as err:
        raise HTTPException(422, validation_details(err.errors(include_input=False))) from None
    return await _info(ctx, ctx.manager.runner(camera_id))


@router.delete(
    "/{camera_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**responses.CONFLICT, **responses.RATE_LIMITED},
    dependencies=[Admin, Actuator],
    summary="Remove a camera (its retained MQTT topics are cleared)",
)
async def delete_camera(ctx: Ctx, camera_id: CameraIdPath) -> Response:
    _device(ctx, camera_id)
    await ctx.registry.remove(camera_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{camera_id}/entities",
    dependencies=[Read],
    response_model_exclude_none=True,
    summary="What the camera offers, as entities to render (the feature table for this camera)",
    description="The same document as the retained MQTT topic `reolink/<camera_id>/entities`. "
    "Empty until the camera has answered once. An NVR's own id has the NVR's entities (reboot, "
    "disks); each channel `<nvr>_ch<N>` has its camera's.",
)
async def camera_entities(ctx: Ctx, camera_id: CameraIdPath) -> CameraEntities:
    runner, view = ctx.manager.resolve(camera_id)
    return CameraEntities.model_validate(entities_payload(view, runner.capabilities))


@router.get(
    "/{camera_id}/status",
    dependencies=[Read, RelayCamera],  # the owner's counters, from any instance
    summary="Connection status of a camera",
)
async def camera_status(ctx: Ctx, camera_id: CameraIdPath) -> CameraStatus:
    runner, view = ctx.manager.resolve(camera_id)
    caps = runner.capabilities
    channel_caps = view.capabilities
    health = device_health(runner)  # as the health_check bridge request reports the device
    if ctx.manager.runs(camera_id):
        health["online"] = runner.online and (channel_caps.online if channel_caps else True)
    else:  # its owner could not be asked (not announced, gone): its word in the shared cache
        health["online"] = device_online(
            runner, runs=False, cached=await ctx.cache.get_availability(camera_id)
        )
    return CameraStatus(
        **health,
        camera_id=camera_id,
        device_id=runner.camera.id,
        channel=view.channel,
        last_poll=runner.last_poll,
        model=(channel_caps.model if channel_caps and channel_caps.model else None)
        or (caps.model if caps else None),
        firmware=(channel_caps.firmware if channel_caps and channel_caps.firmware else None)
        or (caps.firmware if caps else None),
        capabilities=channel_caps,
    )


# -- the MQTT mirror ----------------------------------------------------------------------------


@router.get(
    "/{camera_id}/state",
    response_model=CameraState,
    dependencies=[Read],
    summary="The retained MQTT payload of reolink/<camera_id>",
)
async def camera_state(ctx: Ctx, camera_id: CameraIdPath) -> Response:
    state = await ctx.cache.get_state(camera_id)
    if state is None:
        ctx.manager.resolve(camera_id)  # 404 for an unknown camera
        raise UnknownCamera(f"no state for camera {camera_id!r} yet")
    body = json.dumps(state.payload(), separators=(",", ":"), ensure_ascii=False)
    return Response(body, media_type="application/json")


@router.post(
    "/{camera_id}/set",
    response_model=CommandResult,
    responses=responses.COMMAND,
    dependencies=[Control],
    summary="The MQTT Command of reolink/<camera_id>/set",
    description="Answers with the `CommandResult` MQTT's `reolink/<camera_id>/response` "
    "carries and the HTTP status of its `code` (200 ok, 404, 409, 422, 429, 502, 504); 429 "
    "past the rate limit, which a safety-off (siren off, PTZ stop, floodlight off) always "
    "passes.",
)
async def set_camera(
    state: State,
    camera_id: CameraIdPath,
    command: Command,
    principal: CurrentPrincipal,
) -> JSONResponse:
    return result_response(await dispatch(state, camera_id, command, principal))
