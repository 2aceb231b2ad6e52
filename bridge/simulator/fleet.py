"""``Simulator``: many simulated devices in one process, plus the control listener.

::

    async with Simulator(cameras=3, profiles=["floodlight", "nvr"], password="s3cret") as sim:
        dev = sim.devices["cam-001"]
        sim.trigger_event("cam-001", "person")
        await sim.set_fault("cam-002", "offline")

Devices get consecutive HTTP ports from ``port`` (free ones when ``port`` is 0; never 9000,
Reolink's Baichuan port) and consecutive Baichuan ports from ``baichuan_port`` (free ones when 0);
``GetNetPort`` reports each device's Baichuan port as ``mediaPort``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import Any

from aiohttp import web

from bridge.reolink.baichuan.crypto import Encryption

from .control import make_control_app
from .device import EventType, FaultMode, SimulatedDevice
from .media import FlvStreams, MediaCache
from .profiles import PROFILE_NAMES, get_profile
from .rtp import ClipCache
from .server import BAICHUAN_PORT, DeviceServer, bind_socket

Json = dict[str, Any]


class Simulator:
    """An async context manager running ``cameras`` simulated devices."""

    def __init__(
        self,
        cameras: int = 0,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        profiles: Sequence[str] | None = None,
        username: str = "admin",
        password: str = "password",
        lease_time: float = 3600.0,
        max_sessions: int = 20,
        reboot_downtime: float = 2.0,
        visitor_hold: float = 5.0,
        control_port: int | None = 0,
        id_prefix: str = "cam",
        baichuan_port: int = 0,
    ) -> None:
        if cameras < 0:
            raise ValueError("cameras must not be negative")
        names = list(profiles) if profiles else list(PROFILE_NAMES)
        for name in names:
            get_profile(name)  # fail early on a typo
        self.cameras = cameras
        self.host = host
        self.base_port = port
        self.profile_cycle = names
        self.username = username
        self.password = password
        self.lease_time = lease_time
        self.max_sessions = max_sessions
        self.reboot_downtime = reboot_downtime
        self.visitor_hold = visitor_hold
        self.control_port = control_port
        self.id_prefix = id_prefix
        self.media = MediaCache()
        self.flv = FlvStreams()
        self.clips = ClipCache()
        self._servers: dict[str, DeviceServer] = {}
        self._next_port = port
        self.base_baichuan_port = baichuan_port
        self._next_baichuan_port = baichuan_port
        self._counter = itertools.count(1)
        self._per_profile: dict[str, int] = {}
        self._control_runner: web.AppRunner | None = None
        self._lock = asyncio.Lock()

    # ---------------------------------------------------------------------------------
    # lifecycle

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start the control listener and the initial devices."""
        if self.control_port is not None:
            runner = web.AppRunner(
                make_control_app(self), access_log=None, handle_signals=False, shutdown_timeout=1.0
            )
            await runner.setup()
            sock = bind_socket(self.host, self.control_port)
            self.control_port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
            self._control_runner = runner
        try:
            if self.base_port:
                for i in range(self.cameras):
                    await self.add_device(self.profile_cycle[i % len(self.profile_cycle)])
            else:
                # free ports: start in parallel batches (fast for hundreds of devices)
                batch = 64
                for start in range(0, self.cameras, batch):
                    await asyncio.gather(
                        *(
                            self.add_device(self.profile_cycle[i % len(self.profile_cycle)])
                            for i in range(start, min(self.cameras, start + batch))
                        )
                    )
        except BaseException:
            await self.stop()
            raise
        self.media.warm(
            [key for server in self._servers.values() for key in server.snapshot_keys()]
        )

    async def stop(self) -> None:
        """Stop every device, kill ffmpeg children, close the control listener."""
        servers = list(self._servers.values())
        self._servers.clear()
        await asyncio.gather(*(s.stop() for s in servers), return_exceptions=True)
        await self.flv.close()
        await self.clips.close()
        await self.media.close()
        if self._control_runner is not None:
            await self._control_runner.cleanup()
            self._control_runner = None

    # ---------------------------------------------------------------------------------
    # devices

    @property
    def devices(self) -> Mapping[str, SimulatedDevice]:
        """The running devices by id (read-only view)."""
        return MappingProxyType({k: s.device for k, s in self._servers.items()})

    @property
    def control_url(self) -> str | None:
        """Base URL of the control listener (``.../sim/devices``)."""
        if self._control_runner is None:
            return None
        return f"http://{_url_host(self.host)}:{self.control_port}"

    def device(self, device_id: str) -> SimulatedDevice:
        server = self._servers.get(device_id)
        if server is None:
            raise KeyError(f"no simulated device {device_id!r}")
        return server.device

    def server(self, device_id: str) -> DeviceServer | None:
        return self._servers.get(device_id)

    def _port_in_use(self, port: int) -> bool:
        return port == self.control_port or any(
            port in (s.device.port, s.device.baichuan_port, s.rtsp.port)
            for s in self._servers.values()
        )

    def _take_port(self) -> int:
        """The next consecutive HTTP port (0: a free one)."""
        if not self.base_port:
            return 0
        port = self._next_port
        while port == BAICHUAN_PORT or self._port_in_use(port):
            port += 1
        self._next_port = port + 1
        return port

    def _take_baichuan_port(self, http_port: int) -> int:
        """The next consecutive Baichuan port (0: a free one)."""
        if not self.base_baichuan_port:
            return 0
        port = self._next_baichuan_port
        while port == http_port or self._port_in_use(port):
            port += 1
        self._next_baichuan_port = port + 1
        return port

    async def add_device(
        self,
        profile: str = "floodlight",
        *,
        device_id: str | None = None,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        name: str | None = None,
        lease_time: float | None = None,
        max_sessions: int | None = None,
        baichuan_port: int | None = None,
        baichuan_encryption: str | Encryption | None = None,
    ) -> SimulatedDevice:
        """Start one more device (``port`` None: the next consecutive or a free port).

        ``baichuan_encryption`` ("none", "bc", "aes"): the best encryption its Baichuan login
        accepts instead of the profile's.
        """
        encryption = _encryption(baichuan_encryption)
        prof = get_profile(profile)
        async with self._lock:
            if device_id is None:
                while True:
                    device_id = f"{self.id_prefix}-{next(self._counter):03d}"
                    if device_id not in self._servers:
                        break
            elif device_id in self._servers:
                raise ValueError(f"a device {device_id!r} already exists")
            if port is None:
                port = self._take_port()
            if baichuan_port is None:
                baichuan_port = self._take_baichuan_port(port)
            count = self._per_profile.get(profile, 0) + 1
            self._per_profile[profile] = count
            device = SimulatedDevice(
                device_id,
                prof,
                username=username if username is not None else self.username,
                password=password if password is not None else self.password,
                host=self.host,
                port=port,
                name=name or (prof.default_name if count == 1 else f"{prof.default_name} {count}"),
                lease_time=lease_time if lease_time is not None else self.lease_time,
                max_sessions=max_sessions if max_sessions is not None else self.max_sessions,
                reboot_downtime=self.reboot_downtime,
                visitor_hold=self.visitor_hold,
                baichuan_port=baichuan_port,
                baichuan_encryption=encryption,
            )
            server = DeviceServer(device, self.media, self.flv, self.clips)
            self._servers[device_id] = server
        try:
            await server.start()
        except BaseException:
            self._servers.pop(device_id, None)
            await server.stop()
            raise
        if self.control_url is not None:
            server.control_url = f"{self.control_url}/sim/devices/{device_id}"
        return device

    async def remove_device(self, device_id: str) -> None:
        server = self._servers.pop(device_id, None)
        if server is None:
            raise KeyError(f"no simulated device {device_id!r}")
        await server.stop()

    async def add_from_request(self, spec: Json) -> Json:
        """``POST /sim/devices`` on the control port."""
        allowed = {"profile", "id", "port", "username", "password", "name", "lease_time"}
        allowed |= {"max_sessions", "baichuan_port", "baichuan_encryption"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        device = await self.add_device(
            str(spec.get("profile", "floodlight")),
            device_id=spec.get("id"),
            port=spec.get("port"),
            username=spec.get("username"),
            password=spec.get("password"),
            name=spec.get("name"),
            lease_time=spec.get("lease_time"),
            max_sessions=spec.get("max_sessions"),
            baichuan_port=spec.get("baichuan_port"),
            baichuan_encryption=spec.get("baichuan_encryption"),
        )
        return self.device_line(device.id)

    def device_line(self, device_id: str) -> Json:
        """The CLI's JSON line for a device."""
        server = self._servers[device_id]
        return {**server.device.info(), "control_url": server.control_url}

    def device_lines(self) -> list[Json]:
        return [self.device_line(i) for i in self._servers]

    def stats(self) -> Json:
        """``GET /sim/stats``: each device's counters (who polls it, how often, what was set)."""
        return {
            "devices": {
                device_id: {
                    "online": server.device.online,
                    "requests": server.device.requests,
                    "logins": server.device.sessions.logins,
                    **server.device.counters(),
                }
                for device_id, server in self._servers.items()
            }
        }

    # ---------------------------------------------------------------------------------
    # driving devices from Python

    def trigger_event(
        self,
        device_id: str,
        event: str | EventType,
        active: bool = True,
        channel: int = 0,
        duration: float | None = None,
    ) -> None:
        """Raise (or clear) a detection on a device, as ``POST /sim/event`` does."""
        self.device(device_id).trigger_event(event, active, channel, duration)

    async def set_fault(
        self,
        device_id: str,
        mode: str | FaultMode,
        delay: float | None = None,
        status: int | None = None,
    ) -> None:
        """Apply a fault, as ``POST /sim/fault`` does."""
        server = self._servers.get(device_id)
        if server is None:
            raise KeyError(f"no simulated device {device_id!r}")
        await server.set_fault(mode, delay, status)

    def set_channel_online(self, device_id: str, channel: int, online: bool) -> None:
        self.device(device_id).set_channel_online(channel, online)

    def state(self, device_id: str) -> Json:
        """What ``GET /sim/state`` returns."""
        server = self._servers[device_id]
        snap = server.device.snapshot()
        snap["control_url"] = server.control_url
        snap["baichuan"] = server.baichuan.stats()
        return snap


def _encryption(value: str | Encryption | None) -> Encryption | None:
    if value is None or isinstance(value, Encryption):
        return value
    names = {"none": Encryption.NONE, "bc": Encryption.BC, "aes": Encryption.AES}
    if not isinstance(value, str) or value.lower() not in names:
        raise ValueError(f"baichuan_encryption must be one of {', '.join(names)}, not {value!r}")
    return names[value.lower()]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
