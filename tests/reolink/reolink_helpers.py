"""Helpers for the camera client tests: simulator lookups, the command log, a -6 counter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bridge.reolink import NotSupportedError, ReolinkClient
from bridge.simulator import SimulatedDevice, Simulator

PASSWORD = "Sim-pass_1"
TIMEOUT = 2.0


def by_profile(sim: Simulator, profile: str) -> SimulatedDevice:
    for dev in sim.devices.values():
        if dev.profile.key == profile:
            return dev
    raise LookupError(profile)


@asynccontextmanager
async def connect(dev: SimulatedDevice, **kw: Any) -> AsyncIterator[ReolinkClient]:
    options: dict[str, Any] = {"timeout": TIMEOUT, **kw}
    async with ReolinkClient(dev.host, dev.port, dev.username, dev.password, **options) as client:
        yield client


def sent(sim: Simulator, dev: SimulatedDevice) -> list[dict[str, Any]]:
    """The state-changing commands the device received (no Login/Logout, no sim:* entries)."""
    skip = {"Login", "Logout"}
    return [
        entry
        for entry in sim.state(dev.id)["commands"]
        if entry["cmd"] not in skip and not entry["cmd"].startswith("sim:")
    ]


def requests(sim: Simulator, dev: SimulatedDevice) -> int:
    """HTTP requests the device has answered so far."""
    count: int = sim.state(dev.id)["requests"]
    return count


def channel_state(sim: Simulator, dev: SimulatedDevice, channel: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = sim.state(dev.id)["channel_states"][channel]
    return state


def ids(cases: list[tuple[str, int]]) -> list[str]:
    return [f"{profile}-ch{channel}" for profile, channel in cases]


async def assert_nothing_sent(
    sim: Simulator, profile: str, action: Callable[[ReolinkClient], Awaitable[object]]
) -> None:
    """`action` raises NotSupportedError and no request reaches the device."""
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        before = requests(sim, dev)
        with pytest.raises(NotSupportedError):
            await action(client)
        assert requests(sim, dev) == before, "an unsupported control reached the device"


class Expiries:
    """Counts the device's -6 "please login first" answers the client saw (the session logs each
    one it acts on): proof that an invisible re-login really happened."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG, logger="bridge.reolink.session")
        self._caplog = caplog

    @property
    def seen(self) -> int:
        return sum("expired on the device" in r.getMessage() for r in self._caplog.records)
