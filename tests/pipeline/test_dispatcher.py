"""The command dispatcher on the in-process bus against the simulator: the result codes, the
camera call, the audit message on the bus, the rate limit and its safety exception."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fixtures.pipeline_rig import PipelineRig, online, running_pipeline
from fixtures.simulator import running_simulator

from bridge.bus.messages import AvailabilityChanged, CommandCompleted
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import ResultCode

RATE = 3
"""Actuator commands a camera takes per minute in these tests."""


@pytest.fixture
async def rig() -> AsyncIterator[PipelineRig]:
    devices = {"door": "doorbell", "drive": "floodlight"}
    async with (
        running_simulator(devices) as sim,
        running_pipeline(sim, safety={"actuator_rate_per_minute": RATE}) as rig,
    ):
        await online(rig)
        yield rig


async def send(rig: PipelineRig, camera_id: str, body: dict[str, Any]) -> CommandResult:
    command = Command.model_validate(body)
    return await rig.dispatcher.dispatch(camera_id, command, source="test", who="unit")


async def test_a_command_reaches_the_camera_and_is_announced(rig: PipelineRig) -> None:
    result = await send(rig, "drive", {"status_led": "OFF", "transaction": "t1"})
    assert (result.status, result.code, result.transaction) == ("ok", ResultCode.OK, "t1")
    assert len(rig.commands("drive", "SetPowerLed")) == 1
    audit = await rig.wait_for(CommandCompleted, lambda m: m.camera_id == "drive")
    assert audit.result == result
    assert (audit.source, audit.who) == ("test", "unit")
    assert audit.command == {"status_led": "OFF", "transaction": "t1"}


@pytest.mark.parametrize(
    ("camera_id", "body", "code"),
    [
        ("drive", {"ptz": {"op": "left"}}, ResultCode.NOT_SUPPORTED),
        ("door", {"siren": "ON"}, ResultCode.NOT_SUPPORTED),
        ("nowhere", {"siren": "ON"}, ResultCode.UNKNOWN_CAMERA),
    ],
)
async def test_a_command_that_cannot_run_is_answered_with_its_code(
    rig: PipelineRig, camera_id: str, body: dict[str, Any], code: ResultCode
) -> None:
    before = {
        device_id: len(rig.sim.state(device_id)["commands"]) for device_id in ("door", "drive")
    }
    result = await send(rig, camera_id, body)
    assert (result.status, result.code) == ("error", code)
    assert result.error
    after = {
        device_id: len(rig.sim.state(device_id)["commands"]) for device_id in ("door", "drive")
    }
    assert after == before  # nothing was sent
    audit = await rig.wait_for(CommandCompleted, lambda m: m.camera_id == camera_id)
    assert audit.result.code is code


async def test_an_offline_camera_answers_offline(rig: PipelineRig) -> None:
    await rig.sim.set_fault("drive", "offline")
    await rig.wait_for(AvailabilityChanged, lambda m: m.camera_id == "drive" and not m.online)
    result = await send(rig, "drive", {"siren": "ON"})
    assert result.code is ResultCode.OFFLINE
    assert (await send(rig, "door", {"status_led": "ON"})).code is ResultCode.OK  # the other


async def test_a_camera_failing_the_command_gives_camera_error(rig: PipelineRig) -> None:
    await rig.sim.set_fault("drive", "html", status=502)
    result = await send(rig, "drive", {"siren": "ON"})
    assert result.code is ResultCode.CAMERA_ERROR
    assert "camera error" in (result.error or "")


async def test_the_rate_limit_refuses_actuators_but_never_a_safety_off(rig: PipelineRig) -> None:
    for n in range(RATE):
        assert (await send(rig, "drive", {"siren": "ON", "transaction": f"on{n}"})).code is (
            ResultCode.OK
        )
    limited = await send(rig, "drive", {"siren": "ON", "transaction": "one-too-many"})
    assert limited.code is ResultCode.RATE_LIMITED
    off = await send(rig, "drive", {"siren": "OFF", "transaction": "off"})
    assert off.code is ResultCode.OK  # silencing a siren always gets through
    assert (await send(rig, "door", {"status_led": "ON"})).code is ResultCode.OK  # per camera
    assert len(rig.commands("drive", "AudioAlarmPlay")) == RATE + 1
