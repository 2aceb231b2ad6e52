"""The simulator's control API (outside Reolink's namespace).

On each device's own port::

    GET  /sim/state                      the device's state and the commands it received
    POST /sim/event   {"type": "motion|person|vehicle|pet|face|package|visitor",
                       "active": true, "channel": 0, "duration": null}
    POST /sim/fault   {"mode": "none|offline|slow|garbage|html|token_expiry|max_sessions|drop|
                               baichuan_close|baichuan_stall|baichuan_garbage",
                       "delay": 5.0, "status": 502}
    POST /sim/channel {"channel": 3, "online": false}    (NVR/hub: plug a camera out or in)
                      {"channel": 0, "battery": 15, "charging": 0}   (battery cameras)
    POST /sim/reset
    POST /sim/recordings {"drop_before": "2026-12-01T08:00:00"}   the SD card overwrites older files
                         (device local time); answers the files left: {"files": [names]}
    POST /sim/clock   {"timezone": "Europe/Berlin"}              the device's time zone (DST rule)

On the simulator's control port (reachable while a device is offline)::

    GET    /sim/devices                   every device's JSON line
    GET    /sim/stats                     every device's counters: requests, Set commands by name,
                                          login sessions with their requests and idle seconds
    POST   /sim/devices {"profile": "ptz", "id": "...", "password": "..."}   add a device
    DELETE /sim/devices/{id}              remove a device
    GET    /sim/devices/{id}/state        and POST .../event, .../fault, .../channel, .../reset
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from .server import DeviceServer

Getter = Callable[[], "DeviceServer"]


class Fleet(Protocol):
    """What the control port needs from the simulator."""

    def server(self, device_id: str) -> DeviceServer | None: ...

    def device_lines(self) -> list[dict[str, Any]]: ...

    def stats(self) -> dict[str, Any]: ...

    async def add_from_request(self, spec: dict[str, Any]) -> dict[str, Any]: ...

    async def remove_device(self, device_id: str) -> None: ...


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.read())
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"invalid JSON: {exc}"}), content_type="application/json"
        ) from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "expected a JSON object"}), content_type="application/json"
        )
    return data


async def state(server: DeviceServer, request: web.Request) -> web.Response:
    snap = server.device.snapshot()
    snap["control_url"] = server.control_url
    snap["baichuan"] = server.baichuan.stats()
    return web.json_response(snap)


async def event(server: DeviceServer, request: web.Request) -> web.Response:
    data = await _body(request)
    kind = data.get("type")
    active = data.get("active", True)
    channel = data.get("channel", 0)
    duration = data.get("duration")
    if not isinstance(kind, str):
        return _error(400, "'type' is required")
    if not isinstance(active, bool):
        return _error(400, "'active' must be true or false")
    if isinstance(channel, bool) or not isinstance(channel, int):
        return _error(400, "'channel' must be an integer")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float)
    ):
        return _error(400, "'duration' must be a number of seconds")
    try:
        server.device.trigger_event(kind, active, channel, duration)
    except ValueError as exc:
        return _error(400, str(exc))
    ch = server.device.channel_snapshot(server.device.channels[channel])
    return web.json_response({"status": "ok", "channel": ch})


async def fault(server: DeviceServer, request: web.Request) -> web.Response:
    data = await _body(request)
    mode = data.get("mode")
    delay = data.get("delay")
    status = data.get("status")
    if not isinstance(mode, str):
        return _error(400, "'mode' is required")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float)):
        return _error(400, "'delay' must be a number of seconds")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        return _error(400, "'status' must be an HTTP status")
    try:
        await server.set_fault(mode, delay, status, spare=request.transport)
    except ValueError as exc:
        return _error(400, str(exc))
    return web.json_response({"status": "ok", "fault": server.device.fault.value})


async def channel(server: DeviceServer, request: web.Request) -> web.Response:
    data = await _body(request)
    index = data.get("channel")
    online = data.get("online")
    battery = data.get("battery")
    charging = data.get("charging")
    usage = "expected {'channel': int, 'online': bool, 'battery': 0..100, 'charging': 0|1|2}"
    if isinstance(index, bool) or not isinstance(index, int):
        return _error(400, usage)
    if online is None and battery is None and charging is None:
        return _error(400, usage)
    if online is not None and not isinstance(online, bool):
        return _error(400, usage)
    for value in (battery, charging):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return _error(400, usage)
    try:
        if battery is not None or charging is not None:
            server.device.set_battery(index, battery, charging)
        if online is not None:
            server.device.set_channel_online(index, online)
    except ValueError as exc:
        return _error(400, str(exc))
    return web.json_response({"status": "ok"})


async def reset(server: DeviceServer, request: web.Request) -> web.Response:
    await server.set_fault("none")
    server.device.reset()
    return web.json_response({"status": "ok"})


async def sd_recordings(server: DeviceServer, request: web.Request) -> web.Response:
    data = await _body(request)
    drop = data.get("drop_before")
    dev = server.device
    if drop is not None:
        try:
            moment = datetime.fromisoformat(str(drop))
        except ValueError:
            return _error(400, "'drop_before' must be an ISO local time")
        dev.sdcard.drop_before(moment.replace(tzinfo=None))
    now = dev.now()
    names = [
        f.name
        for channel in range(len(dev.channels))
        for stream in ("main", "sub")
        for f in dev.sdcard.files(channel, stream, now - timedelta(days=31), now, now)
    ]
    return web.json_response({"status": "ok", "files": names})


async def clock(server: DeviceServer, request: web.Request) -> web.Response:
    data = await _body(request)
    name = data.get("timezone")
    if not isinstance(name, str):
        return _error(400, "'timezone' is required (an IANA name such as Europe/Berlin)")
    try:
        server.device.set_timezone(name)
    except (KeyError, ValueError):
        return _error(400, f"unknown time zone {name!r}")
    return web.json_response({"status": "ok", "timezone": name})


Action = Callable[["DeviceServer", web.Request], Awaitable[web.Response]]
_ACTIONS: dict[str, Action] = {
    "event": event,
    "fault": fault,
    "channel": channel,
    "reset": reset,
    "recordings": sd_recordings,
    "clock": clock,
}


def add_device_routes(app: web.Application, get: Getter) -> None:
    """``/sim/*`` on a device's own port."""

    async def get_state(request: web.Request) -> web.Response:
        return await state(get(), request)

    app.router.add_get("/sim/state", get_state)
    for name, action in _ACTIONS.items():
        app.router.add_post(f"/sim/{name}", _bind(action, get))


def _bind(action: Action, get: Getter) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return await action(get(), request)

    return handler


def make_control_app(fleet: Fleet) -> web.Application:
    """The simulator-wide control listener."""
    app = web.Application()

    def lookup(request: web.Request) -> DeviceServer:
        server = fleet.server(request.match_info["id"])
        if server is None:
            raise web.HTTPNotFound(
                text=json.dumps({"error": f"no device {request.match_info['id']!r}"}),
                content_type="application/json",
            )
        return server

    async def list_devices(request: web.Request) -> web.Response:
        return web.json_response(fleet.device_lines())

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(fleet.stats())

    async def add_device(request: web.Request) -> web.Response:
        try:
            line = await fleet.add_from_request(await _body(request))
        except (ValueError, OSError) as exc:
            return _error(400, str(exc))
        return web.json_response(line, status=201)

    async def remove_device(request: web.Request) -> web.Response:
        lookup(request)
        await fleet.remove_device(request.match_info["id"])
        return web.json_response({"status": "ok"})

    async def get_state(request: web.Request) -> web.Response:
        return await state(lookup(request), request)

    def device_action(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            return await action(lookup(request), request)

        return handler

    app.router.add_get("/sim/devices", list_devices)
    app.router.add_get("/sim/stats", stats)
    app.router.add_post("/sim/devices", add_device)
    app.router.add_delete("/sim/devices/{id}", remove_device)
    app.router.add_get("/sim/devices/{id}/state", get_state)
    for name, action in _ACTIONS.items():
        app.router.add_post(f"/sim/devices/{{id}}/{name}", device_action(action))
    return app
