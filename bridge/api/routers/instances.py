"""`GET /bridge/instances`: the bridge instances sharing Redis, and which cameras each runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from bridge.api import responses
from bridge.api.deps import Ctx
from bridge.api.scopes import Read

router = APIRouter(tags=["system"])


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


_LEASE = {"camera_id": "front_door", "lease_age": 312.4, "expires_in": 11.8}
_INSTANCE = {
    "instance": "bridge-1-3fa2c1",
    "alive": True,
    "self": True,
    "last_seen": 1.2,
    "started_at": 1764662400.0,
    "host": "bridge-1",
    "api_url": "http://10.0.0.5:8080",
    "camera_count": 1,
    "cameras": [_LEASE],
}


class CameraLease(BaseModel):
    model_config = _example(_LEASE)
    camera_id: str = Field(description="The device (an NVR's lease covers its channels)")
    lease_age: float | None = Field(description="Seconds since this instance took the lease")
    expires_in: float | None = Field(
        description="Seconds the lease lives without renewal (None: no leases)"
    )


class InstanceInfo(BaseModel):
    model_config = _example(_INSTANCE)
    instance: str
    alive: bool = Field(description="Seen within the lease TTL and not stopped")
    self: bool = Field(description="The instance that answered this request")
    last_seen: float = Field(description="Seconds since it last renewed its leases")
    started_at: float | None = Field(description="Unix time it started")
    host: str | None
    api_url: str | None = Field(description="Its API, as it announces it")
    camera_count: int
    cameras: list[CameraLease]


class BridgeInstances(BaseModel):
    model_config = _example(
        {"leases": True, "lease_ttl": 15.0, "instances": [_INSTANCE], "unassigned": []}
    )
    leases: bool = Field(description="Several instances share the cameras (redis.url is set)")
    lease_ttl: float | None
    instances: list[InstanceInfo]
    unassigned: list[str] = Field(description="Cameras whose lease nobody holds right now")


@router.get(
    "/bridge/instances",
    response_model=BridgeInstances,
    responses=responses.UNAVAILABLE,
    dependencies=[Read],
    summary="The bridge instances, the cameras each runs, their lease ages",
)
async def get_instances(ctx: Ctx) -> JSONResponse:
    if ctx.instances is None:
        return JSONResponse({"detail": "the instance directory is not available"}, 503)
    return JSONResponse(await ctx.instances())
