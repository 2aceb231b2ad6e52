"""`POST /cameras/test`: try a camera's address and credentials without adding it (a dry run).

The settings page's "Test the connection" button. The address is checked against
`security.camera_networks` first, as for a camera added at run time (the same guard: a name is
resolved once and the connection goes to a checked address); then the bridge logs in and reads
the device's information and capabilities, and logs out. Nothing is stored or started.

The answer is always 200 with `ok` and, when it failed, the `stage` that failed (`address`,
`connect`, `login`, `read`) and a message that never quotes the device's reply. Editing a camera,
the form may leave the password out and name the camera (`camera_id`): its stored password is
used while the login target (host, port, https, username) is unchanged, the rule of `PUT
/cameras/{id}` — a stored password is never sent to another address.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bridge.api import responses
from bridge.api.deps import Actuator, Ctx
from bridge.api.errors import validation_details
from bridge.api.scopes import Admin
from bridge.domain.camera import CameraHost, CameraPassword, CameraUsername
from bridge.domain.capabilities import Capabilities
from bridge.reolink import ReolinkClient
from bridge.reolink.errors import (
    AuthenticationError,
    CameraConnectionError,
    CameraRefusedError,
    ReolinkError,
)
from bridge.reolink.network import AddressRefused

router = APIRouter(prefix="/cameras", tags=["cameras"])

TEST_TIMEOUT = 4.0
"""Seconds one request to the camera may take during a test."""
TEST_DEADLINE = 9.0
"""Seconds the whole test may take (resolving, login, device info, capabilities, logout)."""

Stage = Literal["address", "connect", "login", "read"]


class CameraTest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"host": "192.168.1.20", "username": "admin", "password": "secret"},
                {"camera_id": "front_door", "host": "192.168.1.20", "username": "admin"},
            ]
        },
    )
    host: CameraHost
    port: int | None = Field(default=None, ge=1, le=65535)
    https: bool = False
    verify_tls: bool = False
    username: CameraUsername = "admin"
    password: CameraPassword | None = Field(
        default=None, description="Left out: the stored password of `camera_id` (same target)"
    )
    camera_id: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="A configured camera whose stored password the test may use",
    )


_CHANNEL: dict[str, Any] = {"channel": 0, "name": "Driveway", "model": "RLC-811A", "online": True}
_DEVICE: dict[str, Any] = {
    "model": "RLC-811A",
    "name": "Driveway",
    "firmware": "v3.1.0.2368_23062508",
    "kind": "camera",
    "channels": [_CHANNEL],
}


class FoundChannel(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CHANNEL]})
    channel: int
    name: str
    model: str | None
    online: bool


class FoundDevice(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_DEVICE]})
    model: str
    name: str
    firmware: str
    kind: str = Field(description="`camera`, `nvr`, …")
    channels: list[FoundChannel]


class CameraTestResult(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "ok": True,
                    "stage": None,
                    "error": None,
                    "address": "192.168.1.20:80",
                    "seconds": 0.4,
                    "device": _DEVICE,
                },
                {
                    "ok": False,
                    "stage": "login",
                    "error": "login failed: wrong username or password",
                    "address": "192.168.1.20:80",
                    "seconds": 0.2,
                    "device": None,
                },
            ]
        },
    )
    ok: bool
    stage: Stage | None = Field(description="What failed: the address check, connecting, …")
    error: str | None
    address: str = Field(description="host:port tried")
    seconds: float
    device: FoundDevice | None


@router.post(
    "/test",
    responses={**responses.NOT_FOUND, **responses.RATE_LIMITED},
    dependencies=[Admin, Actuator],
    summary="Try an address and credentials without adding the camera (dry run)",
    description="Always 200 with `ok`; a failure names its `stage` and why. The address must "
    "be in `security.camera_networks`, as for a camera added at run time.",
)
async def test_camera(ctx: Ctx, body: CameraTest) -> CameraTestResult:
    port = body.port or (443 if body.https else 80)
    address = f"{body.host}:{port}"
    password = _password(ctx, body)
    started = time.monotonic()

    def result(
        stage: Stage | None, error: str | None, found: Capabilities | None = None
    ) -> CameraTestResult:
        return CameraTestResult(
            ok=stage is None,
            stage=stage,
            error=error,
            address=address,
            seconds=round(time.monotonic() - started, 3),
            device=_device(found) if found is not None else None,
        )

    networks = ctx.registry.networks
    try:
        async with asyncio.timeout(TEST_DEADLINE):
            try:
                await networks.check(body.host, port)
            except AddressRefused as err:
                return result("address", str(err))
            client = ReolinkClient(
                body.host,
                port,
                body.username,
                password,
                https=body.https,
                verify_tls=body.verify_tls,
                timeout=TEST_TIMEOUT,
                networks=networks,
            )
            async with client:
                found = await client.get_capabilities()
    except TimeoutError:
        return result("connect", f"no complete answer within {TEST_DEADLINE:g} s")
    except AuthenticationError as err:
        return result("login", str(err))
    except CameraRefusedError as err:
        return result("address", str(err))
    except CameraConnectionError as err:
        return result("connect", str(err))
    except ReolinkError as err:
        return result("read", str(err))
    return result(None, None, found)


def _password(ctx: Ctx, body: CameraTest) -> str:
    if body.password is not None:
        return body.password.get_secret_value()
    if body.camera_id is None:
        raise _password_needed("needed, or a camera_id whose stored password to use")
    runner, _ = ctx.manager.resolve(body.camera_id)  # 404 for an unknown camera
    stored = runner.camera
    tried = stored.model_copy(
        update={
            "host": body.host,
            "port": body.port,
            "https": body.https,
            "verify_tls": body.verify_tls,
            "username": body.username,
            "password": SecretStr(""),
        }
    )
    if stored.needs_password_for(tried):
        raise _password_needed(f"needed to try another address or username than {stored.id}'s")
    return stored.password.get_secret_value()


def _password_needed(why: str) -> HTTPException:
    """A 422 shaped as the validation errors are (`detail`: a list, on `password`)."""
    problem = {"loc": ["body", "password"], "msg": why, "type": "missing"}
    return HTTPException(422, validation_details([problem]))


def _device(found: Capabilities) -> FoundDevice:
    return FoundDevice(
        model=found.model,
        name=found.name,
        firmware=found.firmware,
        kind=found.kind.value,
        channels=[
            FoundChannel(channel=c.channel, name=c.name, model=c.model, online=c.online)
            for c in found.channels
        ],
    )
