"""Helpers of the Baichuan tests: clients for simulated devices, event collection, a recording
TCP proxy and a scripted fake device."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from bridge.reolink.baichuan import BaichuanClient, DetectionEvent
from bridge.simulator import SimulatedDevice, Simulator

PASSWORD = "Bc-pass_1"


def by_profile(sim: Simulator, profile: str) -> SimulatedDevice:
    for dev in sim.devices.values():
        if dev.profile.key == profile:
            return dev
    raise LookupError(profile)


def client_for(dev: SimulatedDevice, **options: Any) -> BaichuanClient:
    options.setdefault("password", dev.password)
    options.setdefault("connect_timeout", 5.0)
    options.setdefault("request_timeout", 5.0)
    return BaichuanClient(dev.host, dev.baichuan_port, username=dev.username, **options)


async def next_events(
    client: BaichuanClient, count: int, within: float = 5.0
) -> list[DetectionEvent]:
    """The next `count` events (fails the test after `within` seconds)."""
    events: list[DetectionEvent] = []
    iterator = client.events()
    async with asyncio.timeout(within):
        while len(events) < count:
            events.append(await anext(iterator))
    return events


def bc_logins(dev: SimulatedDevice) -> list[dict[str, Any]]:
    """The Baichuan logins the device saw (ok, encryption)."""
    return [c["param"] for c in dev.command_log if c["cmd"] == "bc:Login"]


class RecordingProxy:
    """A TCP proxy to `target` that keeps what clients sent (one bytes buffer per connection)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.sent: list[bytearray] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> RecordingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record = bytearray()
        self.sent.append(record)
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, keep: bool) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if keep:
                        record.extend(data)
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))


Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class FakeDevice:
    """A TCP listener that runs `script` for each connection (a device that misbehaves)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> FakeDevice:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.script(reader, writer)
        except ConnectionError:
            pass  # the client went away first: fine for a fake device
        finally:
            writer.close()
