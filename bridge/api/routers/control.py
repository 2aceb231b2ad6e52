"""Control: reboot, PTZ, status LED, siren, floodlight — each one `Command` (scope `control`).

The actuator rate limit applies in `dispatch`, where the command is known (a safety-off passes).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from bridge.api import responses
from bridge.api.commanding import run_checked
from bridge.api.deps import CurrentPrincipal, State
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.schemas import PresetRequest, SwitchRequest
from bridge.api.scopes import Control
from bridge.domain.command_values import FloodlightCommand, PtzCommand, SirenCommand
from bridge.domain.commands import Command, CommandResult

router = APIRouter(
    prefix="/cameras/{camera_id}",
    tags=["control"],
    responses=responses.ACTUATOR,
    dependencies=[Control],
)


@router.post("/reboot", response_model=CommandResult, summary="Reboot the camera (or the NVR)")
async def reboot(state: State, camera_id: CameraIdPath, principal: CurrentPrincipal) -> Response:
    return await run_checked(state, camera_id, Command(reboot=True), principal)


@router.post(
    "/ptz/move", response_model=CommandResult, summary="Move (op, speed, optional duration) or stop"
)
async def ptz_move(
    state: State, camera_id: CameraIdPath, move: PtzCommand, principal: CurrentPrincipal
) -> Response:
    return await run_checked(state, camera_id, Command(ptz=move), principal)


@router.post("/ptz/preset", response_model=CommandResult, summary="Go to a PTZ preset by name")
async def ptz_preset(
    state: State, camera_id: CameraIdPath, body: PresetRequest, principal: CurrentPrincipal
) -> Response:
    return await run_checked(state, camera_id, Command(ptz_preset=body.preset), principal)


@router.post("/led", response_model=CommandResult, summary="Turn the status LED on or off")
async def led(
    state: State, camera_id: CameraIdPath, body: SwitchRequest, principal: CurrentPrincipal
) -> Response:
    return await run_checked(state, camera_id, Command(status_led=body.state), principal)


@router.post(
    "/siren",
    response_model=CommandResult,
    summary="Sound the siren (stops by itself) or silence it",
)
async def siren(
    state: State, camera_id: CameraIdPath, body: SirenCommand, principal: CurrentPrincipal
) -> Response:
    return await run_checked(state, camera_id, Command(siren=body), principal)


@router.post(
    "/floodlight", response_model=CommandResult, summary="Floodlight state, brightness and mode"
)
async def floodlight(
    state: State, camera_id: CameraIdPath, body: FloodlightCommand, principal: CurrentPrincipal
) -> Response:
    return await run_checked(state, camera_id, Command(floodlight=body), principal)
