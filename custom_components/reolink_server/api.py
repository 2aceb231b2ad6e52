"""The bridge's REST API (`/api/v1`, a bearer token) and its WebSocket, on an aiohttp session
that Home Assistant shares (inject-websession). No Home Assistant imports here."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import aiohttp

from .const import API_PATH, REQUEST_TIMEOUT, WS_HEARTBEAT

type Json = dict[str, Any]


class BridgeError(Exception):
    """Anything that went wrong talking to the bridge."""


class BridgeConnectionError(BridgeError):
    """The bridge cannot be reached, or answered 5xx / something that is not its API."""


class BridgeAuthError(BridgeError):
    """The token is wrong, revoked or expired (401)."""


class BridgeScopeError(BridgeError):
    """The token's scope is too narrow for this call (403)."""


class BridgeCommandError(BridgeError):
    """The bridge refused a command (unknown camera, unsupported, offline, rate limit…)."""


def normalize_url(url: str) -> str:
    """`http://host:port` without a trailing slash or the API path."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PATH):
        url = url[: -len(API_PATH)]
    return url


class BridgeClient:
    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session = session
        self.url = normalize_url(url)
        self.token = token

    @property
    def api(self) -> str:
        return self.url + API_PATH

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- REST ---------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await self.session.request(
                    method, self.api + path, headers=self.headers, **kwargs
                )
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise BridgeConnectionError(f"{method} {path}: {err or type(err).__name__}") from err
        if response.status == 401:
            raise BridgeAuthError(await _detail(response))
        if response.status == 403:
            raise BridgeScopeError(await _detail(response))
        if response.status >= 500:
            raise BridgeConnectionError(f"{method} {path}: HTTP {response.status}")
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._call(method, path, **kwargs)
        if response.status >= 400:
            raise BridgeCommandError(await _detail(response))
        try:
            return await response.json()
        except (aiohttp.ContentTypeError, ValueError) as err:
            raise BridgeConnectionError(f"{method} {path}: not the bridge's API") from err

    async def info(self) -> Json:
        """`GET /bridge/info`: version, installation id, MQTT discovery mode."""
        info = await self._json("GET", "/bridge/info")
        if not isinstance(info, dict) or not info.get("installation_id"):
            raise BridgeConnectionError("not a Reolink Server bridge (no installation id)")
        return info

    async def get(self, path: str) -> Json:
        """Any JSON object the API serves (`/recordings…`, `/events/{id}`, …)."""
        return cast(Json, await self._json("GET", path))

    async def me(self) -> Json:
        return cast(Json, await self._json("GET", "/auth/me"))

    async def views(self) -> list[Json]:
        """`GET /views`: every camera id (cameras, NVRs and their channels)."""
        return cast(list[Json], await self._json("GET", "/views"))

    async def cameras(self) -> list[Json]:
        """`GET /cameras`: the devices with their capabilities (model, firmware, serial)."""
        return cast(list[Json], await self._json("GET", "/cameras"))

    async def entities(self, camera_id: str) -> list[Json]:
        body = await self._json("GET", f"/cameras/{camera_id}/entities")
        return cast(list[Json], body["entities"])

    async def state(self, camera_id: str) -> Json:
        return cast(Json, await self._json("GET", f"/cameras/{camera_id}/state"))

    async def streams(self, camera_id: str, ttl: int) -> Json:
        return cast(Json, await self._json("GET", f"/cameras/{camera_id}/streams?ttl={ttl}"))

    async def _command(self, path: str, body: Json) -> Json:
        result = cast(Json, await self._json("POST", path, json=body))
        if result.get("status") != "ok":
            raise BridgeCommandError(str(result.get("error") or "the command failed"))
        return result

    async def set_attribute(self, camera_id: str, attribute: str, value: Any) -> Json:
        """`POST /cameras/{id}/set/{attribute}`: what MQTT's `<id>/set/<attribute>` does."""
        return await self._command(f"/cameras/{camera_id}/set/{attribute}", {"value": value})

    async def ptz_move(
        self, camera_id: str, op: str, speed: int | None, duration: float | None
    ) -> Json:
        body: Json = {"op": op}
        if speed is not None:
            body["speed"] = speed
        if duration is not None:
            body["duration"] = duration
        return await self._command(f"/cameras/{camera_id}/ptz/move", body)

    async def ptz_preset(self, camera_id: str, preset: str) -> Json:
        return await self._command(f"/cameras/{camera_id}/ptz/preset", {"preset": preset})

    async def siren(self, camera_id: str, on: bool, duration: int | None = None) -> Json:
        body: Json = {"state": "ON" if on else "OFF"}
        if duration is not None:
            body["duration"] = duration
        return await self._command(f"/cameras/{camera_id}/siren", body)

    async def picture(self, camera_id: str, kind: str) -> bytes | None:
        """A JPEG: `snapshot` (taken now), `cached` (the latest kept one), `thumbnail` (kept
        while young, never waking a battery camera). None when there is none."""
        path = {
            "snapshot": f"/cameras/{camera_id}/snapshot",
            "cached": f"/cameras/{camera_id}/snapshot?cached=true",
            "thumbnail": f"/cameras/{camera_id}/thumbnail",
        }[kind]
        response = await self._call("GET", path)
        if response.status in {204, 404}:
            return None
        if response.status >= 400:
            raise BridgeCommandError(await _detail(response))
        return await response.read()

    # -- WebSocket ----------------------------------------------------------------------------

    async def connect(self) -> aiohttp.ClientWebSocketResponse:
        """`WS /ws/events`: the retained availability and states, then every live message."""
        try:
            return await self.session.ws_connect(
                self.api + "/ws/events",
                headers=self.headers,
                heartbeat=WS_HEARTBEAT,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=REQUEST_TIMEOUT),
            )
        except aiohttp.WSServerHandshakeError as err:
            if err.status == 401:
                raise BridgeAuthError("the token was refused") from err
            raise BridgeConnectionError(f"WebSocket: HTTP {err.status}") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise BridgeConnectionError(f"WebSocket: {err or type(err).__name__}") from err


async def _detail(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json()
    except (aiohttp.ContentTypeError, ValueError):
        return f"HTTP {response.status}"
    # `{"detail": …}` for an API error; a refused command's `CommandResult` has `error`
    detail = (body.get("detail") or body.get("error")) if isinstance(body, dict) else None
    return str(detail) if detail else f"HTTP {response.status}"
