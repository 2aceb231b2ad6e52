"""The HTTP side of one simulated device: its own aiohttp listener.

Routes on the device's port:

* ``GET|POST /cgi-bin/api.cgi`` and ``/api.cgi`` — the Reolink API (``cmd=Snap``,
  ``cmd=Download`` and ``cmd=Playback`` answer binary data),
* ``GET /flv?port=1935&app=bcs&stream=channel0_main.bcs&user=..&password=..`` — HTTP-FLV,
* RTSP on a port of its own (``GetNetPort`` ``rtspPort``): ``bridge.simulator.rtsp``,
* ``/sim/state``, ``/sim/event``, ``/sim/fault``, ``/sim/reset``, ``/sim/channel`` — the
  control API (also on the simulator's control port, which stays up while a device is offline).

Transport faults live here: ``offline`` closes the listening socket (connection refused) and
aborts open connections, ``drop`` aborts each connection, ``slow`` delays, ``garbage`` and
``html`` answer junk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
import weakref
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import control, recordings, wire
from .baichuan import BaichuanServer
from .device import FaultMode, SimulatedDevice
from .media import FlvStreams, MediaCache, live_shape, snapshot_size
from .mp4 import Mp4Clips
from .ports import PortHold
from .rtp import ClipCache
from .rtsp import RtspServer
from .wire import RspCode

_LOGGER = logging.getLogger(__name__)

#: Reolink's Baichuan port on real devices; never an HTTP port of the simulator.
BAICHUAN_PORT = 9000

_STREAM_RE = re.compile(r"^channel(?P<ch>\d+)_(?P<kind>main|sub|ext)\.bcs$")

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
LOGIN_PAGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Reolink</title></head>'
    b'<body><div id="app"></div><script src="/js/index.js"></script></body></html>'
)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (a free port when 0; never 9000)."""
    for _attempt in range(5):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        if sock.getsockname()[1] != BAICHUAN_PORT:
            return sock
        sock.close()
        if port:
            break
    raise OSError(f"refusing to listen on port {BAICHUAN_PORT} (Reolink's Baichuan port)")


class DeviceServer:
    """One device's listener; it can go offline (port refused) and come back."""

    def __init__(
        self,
        device: SimulatedDevice,
        media: MediaCache,
        flv: FlvStreams,
        clips: ClipCache | None = None,
    ) -> None:
        self._port_hold = PortHold()
        self.device = device
        self.media = media
        self.mp4 = Mp4Clips()
        self.downloads_active = 0
        """Download responses being sent now (a test sees a client's disconnect end them)."""
        self.flv = flv
        self.control_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._transports: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flv_tasks: set[asyncio.Task[Any]] = set()
        self._reboot_task: asyncio.Task[None] | None = None
        self.baichuan = BaichuanServer(device)
        self.rtsp = RtspServer(device, clips or ClipCache())
        device.on_reboot = self._on_reboot
        self.app = self._make_app()

    # ---------------------------------------------------------------------------------
    # lifecycle

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        for path in ("/cgi-bin/api.cgi", "/api.cgi"):
            app.router.add_route("GET", path, self._api)
            app.router.add_route("POST", path, self._api)
        app.router.add_get("/flv", self._flv)
        control.add_device_routes(app, lambda: self)
        return app

    async def start(self) -> None:
        """Bind (``device.port``, 0 = a free one) and start answering."""
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._port_hold.release()
        sock = bind_socket(self.device.host, self.device.port)
        self.device.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock, backlog=512)
        try:
            await site.start()
        except BaseException:
            sock.close()
            raise
        self._site = site
        self.device.online = True
        await self.rtsp.listen()
        await self._sync_baichuan()

    async def _sync_baichuan(self) -> None:
        """Open or close the Baichuan port as the device's state and fault say."""
        fault = self.device.fault
        self.baichuan.stalled = fault is FaultMode.BAICHUAN_STALL
        self.baichuan.garbage = fault is FaultMode.BAICHUAN_GARBAGE
        if self._site is None or fault is FaultMode.BAICHUAN_CLOSE:
            await self.baichuan.unlisten()
        else:
            await self.baichuan.listen()

    async def _unlisten(self, spare: asyncio.BaseTransport | None = None) -> None:
        self.device.online = False
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()
        for transport in list(self._transports):
            if transport is not spare:
                transport.abort()  # type: ignore[attr-defined]
        for task in list(self._flv_tasks):
            task.cancel()
        await self.baichuan.unlisten()
        await self.rtsp.unlisten()
        self._port_hold.hold(self.device.host, self.device.port)

    async def stop(self) -> None:
        """Stop for good (connections closed, ffmpeg children of this device killed)."""
        for task in list(self._tasks):
            task.cancel()
        if self._reboot_task is not None:
            self._reboot_task.cancel()
        await self._unlisten()
        await self.baichuan.stop()
        for hold in (self._port_hold, self.baichuan.port_hold, self.rtsp.port_hold):
            hold.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def snapshot_keys(self) -> list[tuple[int, int, int]]:
        """(seed, width, height) of the default main and sub snapshots of every channel."""
        keys = []
        for ch in self.device.channels:
            if ch.online:
                seed = self._snap_seed(ch.index)
                for stream in ("main", "sub"):
                    w, h = snapshot_size(
                        ch.profile.main_size, ch.profile.sub_size, stream, None, None
                    )
                    keys.append((seed, w, h))
        return keys

    def _snap_seed(self, index: int) -> int:
        return int(self.device.serial[:8], 16) + index

    @property
    def listening(self) -> bool:
        return self._site is not None

    async def set_fault(
        self,
        mode: str | FaultMode,
        delay: float | None = None,
        status: int | None = None,
        spare: asyncio.BaseTransport | None = None,
    ) -> None:
        """Apply a fault (``offline`` takes the port down, anything else brings it back).

        ``spare``: the connection carrying this very request (``/sim/fault`` on the device's
        own port), which is left open so that the answer gets out.
        """
        self.device.set_fault(mode, delay, status)
        if self.device.fault is FaultMode.OFFLINE:
            if self._site is not None:
                await self._unlisten(spare)
        elif self._site is None and not self.device.rebooting and self._runner is not None:
            await self._listen()
        elif self._site is not None:
            await self._sync_baichuan()

    def _on_reboot(self) -> None:
        if self._runner is None:
            return
        self.device.rebooting = True
        self._reboot_task = asyncio.get_running_loop().create_task(self._reboot_cycle())

    async def _reboot_cycle(self) -> None:
        try:
            await asyncio.sleep(0.05)  # let the Reboot answer go out first
            await self._unlisten()
            await asyncio.sleep(self.device.reboot_downtime)
        finally:
            self.device.rebooting = False
        if self.device.fault is not FaultMode.OFFLINE and self._runner is not None:
            await self._listen()

    # ---------------------------------------------------------------------------------
    # faults

    async def _fault_response(self, request: web.Request) -> web.StreamResponse | None:
        """A response standing in for the real one, or None to answer normally."""
        dev = self.device
        if request.transport is not None:
            self._transports.add(request.transport)
        fault = dev.fault
        if not dev.online or fault in (FaultMode.DROP, FaultMode.OFFLINE):
            raise _abort(request)
        if fault is FaultMode.SLOW:
            await asyncio.sleep(dev.fault_delay)
            if not dev.online:
                raise _abort(request)
        elif fault is FaultMode.GARBAGE:
            noise = os.urandom(64 + int.from_bytes(os.urandom(1), "big") * 4)
            return web.Response(body=b"\xff\xfe" + noise, content_type=wire.JSON_CONTENT_TYPE)
        elif fault is FaultMode.HTML:
            if dev.fault_status == 200:
                return web.Response(body=LOGIN_PAGE, content_type="text/html")
            return web.Response(body=NGINX_502, status=dev.fault_status, content_type="text/html")
        return None

    # ---------------------------------------------------------------------------------
    # the Reolink API

    async def _api(self, request: web.Request) -> web.StreamResponse:
        fault = await self._fault_response(request)
        if fault is not None:
            return fault
        query = dict(request.query)
        cmd = query.get("cmd", "")
        if cmd in ("Snap", "Download", "Playback"):
            return await self._binary(request, cmd, query)
        body = await request.read() if request.can_read_body else None
        replies = self.device.handle(query, body)
        return _json(replies)

    async def _binary(
        self, request: web.Request, cmd: str, query: dict[str, str]
    ) -> web.StreamResponse:
        dev = self.device
        dev._count_request()
        denied = dev.authenticate(query)
        if denied is not None:
            return _json([wire.error(cmd, denied)])
        dev.count_client(query)
        dev.get_counts[cmd] = dev.get_counts.get(cmd, 0) + 1
        if cmd == "Snap":
            return await self._snap(query)
        return await self._download(request, cmd, query)

    async def _snap(self, query: dict[str, str]) -> web.StreamResponse:
        dev = self.device
        try:
            index = int(query.get("channel", "0"))
        except ValueError:
            return _json([wire.error("Snap", RspCode.PARAM_ERROR)])
        if not 0 <= index < len(dev.channels):
            return _json([wire.error("Snap", RspCode.PARAM_ERROR)])
        ch = dev.channels[index]
        if not ch.online:
            return _json([wire.error("Snap", RspCode.DEVICE_OFFLINE)])
        width = _opt_int(query.get("width"))
        height = _opt_int(query.get("height"))
        stream = query.get("snapType", "main")
        w, h = snapshot_size(ch.profile.main_size, ch.profile.sub_size, stream, width, height)
        jpeg = await self.media.snapshot(self._snap_seed(index), w, h)
        return web.Response(body=jpeg, content_type=wire.JPEG_CONTENT_TYPE)

    async def _download(
        self, request: web.Request, cmd: str, query: dict[str, str]
    ) -> web.StreamResponse:
        dev = self.device
        source = query.get("source", "")
        rec = dev.sdcard.find(source)
        if rec is None or not dev.channels[rec.channel].online:
            return _json([wire.error(cmd, RspCode.FILE_NOT_EXIST)])
        output = query.get("output") or source.rsplit("/", 1)[-1]
        output = output.replace('"', "").replace("/", "_")
        vfile = recordings.VirtualFile(await self.mp4.get(rec.duration), rec.size)
        start, end = 0, rec.size - 1
        status = 200
        headers = {
            "Content-Disposition": f"attachment;filename={output}",
            "Accept-Ranges": "bytes",
        }
        rng = request.headers.get("Range")
        if rng:
            parsed = _parse_range(rng, rec.size)
            if parsed is None:
                headers["Content-Range"] = f"bytes */{rec.size}"
                return web.Response(status=416, headers=headers)
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{rec.size}"
        length = end - start + 1
        resp = web.StreamResponse(status=status, headers=headers)
        resp.content_type = wire.DOWNLOAD_CONTENT_TYPE
        resp.content_length = length
        self.downloads_active += 1
        try:
            await resp.prepare(request)
            for chunk in vfile.chunks(start, length):
                await resp.write(chunk)
            await resp.write_eof()
        except ConnectionError:
            pass  # the client stopped reading
        finally:
            self.downloads_active -= 1
        return resp

    # ---------------------------------------------------------------------------------
    # HTTP-FLV

    async def _flv(self, request: web.Request) -> web.StreamResponse:
        fault = await self._fault_response(request)
        if fault is not None:
            return fault
        dev = self.device
        query = dict(request.query)
        dev._count_request()
        if dev.authenticate(query) is not None:
            return web.Response(status=401, text="unauthorized\n")
        dev.count_client(query)
        stream = query.get("stream", "")
        m = _STREAM_RE.match(stream)
        if m is not None:
            index, kind = int(m["ch"]), m["kind"]
        elif stream == "playback.bcs":
            index, kind = _opt_int(query.get("channel")) or 0, "sub"
        else:
            return web.Response(status=404, text=f"unknown stream {stream!r}\n")
        if not 0 <= index < len(dev.channels) or not dev.channels[index].online:
            return web.Response(status=404, text=f"channel {index} has no camera\n")
        if not self.flv.available():
            return web.Response(
                status=503,
                text="HTTP-FLV needs ffmpeg, which is not installed on the simulator host\n",
            )
        dev.get_counts["flv"] = dev.get_counts.get("flv", 0) + 1
        ch = dev.channels[index]
        w, h, fps, gop = live_shape(ch, kind)
        task = asyncio.current_task()
        if task is not None:
            self._flv_tasks.add(task)
        resp = web.StreamResponse(headers={"Cache-Control": "no-cache"})
        resp.content_type = wire.FLV_CONTENT_TYPE
        try:
            await resp.prepare(request)
            async with contextlib.aclosing(
                self.flv.stream(w, h, fps, gop=gop, audio=ch.profile.audio)
            ) as chunks:
                async for chunk in chunks:
                    await resp.write(chunk)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if task is not None:
                self._flv_tasks.discard(task)
        return resp


class _Aborted(web.HTTPException):
    status_code = 500


def _abort(request: web.Request) -> web.HTTPException:
    """Close the connection without answering (the exception only unwinds the handler)."""
    if request.transport is not None:
        request.transport.abort()
    return _Aborted()


def _json(replies: list[wire.Json]) -> web.Response:
    return web.Response(body=wire.encode(replies), content_type=wire.JSON_CONTENT_TYPE)


def _opt_int(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if m is None or (not m[1] and not m[2]):
        return None
    if not m[1]:
        suffix = int(m[2])
        if suffix == 0:
            return None
        return max(0, size - suffix), size - 1
    start = int(m[1])
    end = int(m[2]) if m[2] else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


ServerGetter = Callable[[], DeviceServer]
