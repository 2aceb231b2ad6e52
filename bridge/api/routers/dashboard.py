"""What the dashboard needs beyond the MQTT mirror: the camera views, tile thumbnails, the data
dir's use (all `read`), and one attribute set as MQTT's `…/set/<attribute>` (`control`).

- `GET /views`: every camera id the bridge exposes (`bridge.domain.views`): a camera, an NVR
  and each of its channels, with the name, channel, online flag and channel capabilities.
- `GET /cameras/{id}/thumbnail`: a picture for a grid tile. The kept snapshot while it is younger
  than `THUMBNAIL_MAX_AGE`; else a fresh one, taken at most once per camera per
  `THUMBNAIL_MAX_AGE` whoever asks (so a read-only client cannot make a camera work harder than
  its polling does), never from a battery camera (it is not woken: the kept picture is served),
  nor from an offline one. 204 when there is no picture to give.
- `GET /system/storage`: bytes used under `data_dir` per top-level entry, and the disk's size.
- `POST /cameras/{id}/set/{attribute}` `{"value": …}`: what `reolink/<id>/set/<attribute>` does
  with a plain value (`parse_command`, as every face), answered with the `CommandResult` and
  its code's HTTP status, like `POST /cameras/{id}/set`. The dashboard's controls send their
  entity's key and value. The actuator limit applies once, in `dispatch`, where the command is
  known (a safety-off passes it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from bridge.api import responses
from bridge.api.commanding import dispatch, result_response
from bridge.api.deps import Ctx, CurrentPrincipal, State
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.scopes import Control, Read
from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.commands import CommandResult, parse_command
from bridge.domain.errors import CameraOffline, InvalidCommand
from bridge.reolink import ReolinkError

router = APIRouter(tags=["dashboard"])

THUMBNAIL_MAX_AGE = 10.0
"""Seconds a tile's picture stays fresh enough; also the least time between two takes."""
STORAGE_CACHE_SECONDS = 30.0
"""Seconds a measurement of the data dir is reused (walking many snapshot files costs)."""
SQLITE_SUFFIXES = ("", "-wal", "-shm")
"""A SQLite database's files: the database, its write-ahead log and shared memory."""


class ViewInfo(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "nvr_ch0",
                    "device_id": "nvr",
                    "name": "Front Yard",
                    "channel": 0,
                    "is_nvr": False,
                    "parent_id": "nvr",
                    "online": True,
                    "capabilities": None,
                }
            ]
        },
    )
    camera_id: str
    device_id: str
    name: str
    channel: int | None = Field(description="None for an NVR's own view")
    is_nvr: bool
    parent_id: str | None = Field(description="The NVR of an NVR channel")
    online: bool
    capabilities: ChannelCapabilities | None


@router.get("/views", dependencies=[Read], summary="Every camera id: cameras and NVR channels")
async def list_views(ctx: Ctx) -> list[ViewInfo]:
    views: list[ViewInfo] = []
    for runner in ctx.manager.runners:
        for view in runner.views:
            caps = view.capabilities
            views.append(
                ViewInfo(
                    camera_id=view.camera_id,
                    device_id=view.device_id,
                    name=view.name,
                    channel=view.channel,
                    is_nvr=view.is_nvr,
                    parent_id=view.parent_id,
                    online=runner.online and (caps.online if caps is not None else True),
                    capabilities=caps,
                )
            )
    return views


@dataclass
class _Measured:
    at: float
    use: StorageUse


@dataclass
class DashboardState:
    """Per app: when each camera's tile picture was last taken, one lock per camera (many tiles
    asking at once wait for one take), and the last measurement of the data dir."""

    taken: dict[str, float] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    measured: _Measured | None = None


async def dashboard_state(connection: HTTPConnection) -> DashboardState:
    state: DashboardState | None = getattr(connection.app.state, "dashboard", None)
    if state is None:
        state = connection.app.state.dashboard = DashboardState()
    return state


Dashboard = Annotated[DashboardState, Depends(dashboard_state)]


@router.get(
    "/cameras/{camera_id}/thumbnail",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "A JPEG"},
        204: {"description": "No picture: the camera is offline or asleep and none is kept"},
        **responses.NOT_FOUND,
    },
    dependencies=[Read],
    summary="A recent picture for a grid tile (never wakes a battery camera)",
)
async def thumbnail(ctx: Ctx, dashboard: Dashboard, camera_id: CameraIdPath) -> Response:
    runner, view = ctx.manager.resolve(camera_id)  # 404 for an unknown camera
    async with dashboard.locks.setdefault(camera_id, asyncio.Lock()):
        age = time.monotonic() - dashboard.taken.get(camera_id, -THUMBNAIL_MAX_AGE)
        kept = await ctx.cache.get_snapshot(camera_id)
        caps = view.capabilities
        may_take = not (caps is not None and (caps.has("battery") or not caps.online))
        jpeg = kept
        if may_take and (kept is None or age >= THUMBNAIL_MAX_AGE) and runner.online:
            dashboard.taken[camera_id] = time.monotonic()
            try:
                jpeg = await ctx.snapshots.take(camera_id)
            except (CameraOffline, ReolinkError):
                jpeg = kept
    if jpeg is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


class AttributeValue(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"value": "ON"}]})
    value: str | int | float | bool = Field(description="As MQTT's plain payload: ON, 80, Gate")
    transaction: str | None = Field(default=None, max_length=128)


@router.post(
    "/cameras/{camera_id}/set/{attribute}",
    response_model=CommandResult,
    responses=responses.COMMAND,
    dependencies=[Control],
    summary="As MQTT reolink/<camera_id>/set/<attribute> with a plain value",
    description="Answers with the `CommandResult` and the HTTP status of its `code` (200 ok, "
    "422 invalid — an unknown attribute or a bad value —, 404, 409, 429, 502, 504 timeout …).",
)
async def set_attribute(
    state: State,
    camera_id: CameraIdPath,
    attribute: Annotated[str, PathParam(pattern=r"^[a-z_]{1,64}$", examples=["status_led"])],
    body: AttributeValue,
    principal: CurrentPrincipal,
) -> JSONResponse:
    state.ctx.manager.resolve(camera_id)  # 404 for an unknown camera
    try:
        command = parse_command(body.model_dump(), attribute)
    except InvalidCommand as err:
        return result_response(
            CommandResult.failed(camera_id, body.transaction, str(err), err.code)
        )
    return result_response(await dispatch(state, camera_id, command, principal))


class StoragePart(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "database", "bytes": 50_331_648}]}
    )
    name: str = Field(description="A top-level entry of the data dir; 'database': SQLite's files")
    bytes: int


class StorageUse(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "data_dir": "/data",
                    "database": "sqlite",
                    "used_bytes": 52_428_800,
                    "parts": [{"name": "database", "bytes": 50_331_648}],
                    "disk_total_bytes": 500_000_000_000,
                    "disk_free_bytes": 350_000_000_000,
                }
            ]
        },
    )
    data_dir: str
    database: str = Field(description="'sqlite' (its files are in `parts`) or 'postgresql'")
    used_bytes: int = Field(description="Everything under the data dir")
    parts: list[StoragePart] = Field(description="Largest first")
    disk_total_bytes: int
    disk_free_bytes: int


@router.get("/system/storage", dependencies=[Read], summary="What the data dir uses on disk")
async def storage_use(ctx: Ctx, dashboard: Dashboard) -> StorageUse:
    cached = dashboard.measured
    if cached is not None and time.monotonic() - cached.at < STORAGE_CACHE_SECONDS:
        return cached.use
    url = ctx.settings.database_url
    sqlite_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:") else None
    use = await asyncio.to_thread(measure, ctx.settings.data_dir, sqlite_file)
    dashboard.measured = _Measured(time.monotonic(), use)
    return use


def measure(data_dir: Path, sqlite_file: Path | None) -> StorageUse:
    """Sizes under `data_dir`, per top-level entry; the SQLite database's files as 'database'."""
    database: set[str] = set()
    if sqlite_file is not None:
        database = {sqlite_file.name + suffix for suffix in SQLITE_SUFFIXES}
    sizes: dict[str, int] = {}
    if data_dir.is_dir():
        with os.scandir(data_dir) as entries:
            for entry in entries:
                if entry.name in database:
                    name = "database"
                elif entry.is_dir(follow_symlinks=False):
                    name = entry.name
                else:
                    name = "other files"
                sizes[name] = sizes.get(name, 0) + _size(entry)
    if sqlite_file is not None and not sqlite_file.resolve().is_relative_to(data_dir.resolve()):
        sizes["database"] = sum(
            _file_size(Path(f"{sqlite_file}{suffix}")) for suffix in SQLITE_SUFFIXES
        )
    disk = shutil.disk_usage(data_dir if data_dir.exists() else Path.cwd())
    parts = [StoragePart(name=n, bytes=b) for n, b in sorted(sizes.items(), key=lambda i: -i[1])]
    return StorageUse(
        data_dir=str(data_dir),
        database="sqlite" if sqlite_file is not None else "postgresql",
        used_bytes=sum(sizes.values()),
        parts=parts,
        disk_total_bytes=disk.total,
        disk_free_bytes=disk.free,
    )


def _size(entry: os.DirEntry[str]) -> int:
    try:
        if not entry.is_dir(follow_symlinks=False):
            return entry.stat(follow_symlinks=False).st_size
        total = 0
        with os.scandir(entry.path) as children:
            for child in children:
                total += _size(child)
        return total
    except OSError:  # removed while walking, or unreadable: it does not count
        return 0


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
