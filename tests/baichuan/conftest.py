"""Fixtures of the Baichuan tests: a simulator on loopback, and a guard against crashed tasks."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from bc_helpers import PASSWORD

from bridge.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """floodlight, doorbell, nvr and legacy (BC-only Baichuan), in that order."""
    async with Simulator(
        4,
        profiles=["floodlight", "doorbell", "nvr", "legacy"],
        password=PASSWORD,
        visitor_hold=0.6,
        reboot_downtime=0.3,
    ) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Exceptions that escaped a task or callback (asyncio's handler); must stay empty."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    await asyncio.sleep(0.05)
    gc.collect()  # "Task exception was never retrieved" is reported when the task is collected
    await asyncio.sleep(0)
    loop.set_exception_handler(previous)
    assert not errors, errors
