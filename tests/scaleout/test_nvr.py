"""An NVR and its channels are one lease; every instance resolves the channels (learnt from the
owner), so a command to a channel through a non-owner reaches the owner and the camera once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fixtures.simulator import running_simulator

from bridge.simulator import Simulator
from scaleout.rig import Fleet, client, token, until


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"nvr": "nvr", "cam0": "floodlight"}) as simulator:
        yield simulator


async def test_a_channel_command_through_a_non_owner(bridges: Fleet, sim: Simulator) -> None:
    await bridges.start("a")
    await bridges.start("b")
    split = await bridges.balanced(2)
    owner, other = ("a", "b") if "nvr" in split["a"] else ("b", "a")
    runner = bridges.bridges[owner].manager.runner("nvr")
    await until(lambda: runner.capabilities is not None, 10)
    channels = [v.camera_id for v in runner.views if not v.is_nvr]
    assert channels, "the simulated NVR has channels"
    non_owner = bridges.bridges[other]
    await until(lambda: all(_resolves(non_owner, c) for c in channels), 10)
    channel = "nvr_ch0" if "nvr_ch0" in channels else channels[0]
    assert not non_owner.manager.runs(channel)
    assert bridges.bridges[owner].manager.runs(channel)
    api_token = await token(non_owner)
    async with client(non_owner, api_token) as http:
        entities = await http.get(f"/cameras/{channel}/entities")
        assert entities.status_code == 200, entities.text
        before = len(_commands(sim, "SetPushV20"))
        answer = await http.post(
            f"/cameras/{channel}/set", json={"push": "OFF", "transaction": "n1"}
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ok", answer.text
    assert len(_commands(sim, "SetPushV20")) == before + 1


def _commands(sim: Simulator, cmd: str) -> list[dict[str, object]]:
    log = sim.state("nvr")["commands"]
    assert isinstance(log, list)
    return [entry for entry in log if entry["cmd"] == cmd]


def _resolves(bridge: object, camera_id: str) -> bool:
    from bridge.app import Bridge
    from bridge.domain.errors import UnknownCamera

    assert isinstance(bridge, Bridge)
    try:
        bridge.manager.resolve(camera_id)
    except UnknownCamera:
        return False
    return True
