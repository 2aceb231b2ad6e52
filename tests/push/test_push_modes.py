"""`push: off` never opens the Baichuan port, `push: on` warns while push fails, an explicit
`baichuan_port` wins over the reported one, a wrong password is the HTTP client's
AuthenticationError, and a battery camera's events arrive pushed only (never polled)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.simulator import PASSWORD
from push_helpers import battery_rig, push_rig

from bridge.reolink import AuthenticationError, ReolinkClient

DETECTION_READS = ("GetEvents", "GetMdState", "GetAiState")


async def test_push_off_never_opens_the_baichuan_port(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with push_rig(
        mosquitto,
        tmp_path,
        {"cam": "floodlight"},
        camera={"push": "off"},
        polling={"interval": 0.3},
    ) as rig:
        runner = rig.runner("cam")
        await rig.wait_state("cam", "event_source", "polling")
        mark = rig.mqtt.mark()
        await rig.sim_event("cam", "person")
        await rig.wait_state("cam", "person", True, mark)
        polls = runner.polls
        while runner.polls < polls + 3:
            await asyncio.sleep(0.05)
        assert runner.push.status()["mode"] == "off"
        assert runner.push.status()["state"] == "off"
        assert runner.cadence == 0.3
        assert rig.sim.state("cam")["baichuan"]["connections"] == 0
        assert rig.bc_logins("cam") == 0


async def test_push_on_warns_while_push_fails_and_polling_delivers(
    mosquitto: MosquittoBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with push_rig(
        mosquitto, tmp_path, {"cam": "floodlight"}, camera={"push": "on"}, polling={"interval": 0.3}
    ) as rig:
        runner = rig.runner("cam")
        await rig.wait_state("cam", "event_source", "push")
        mark = rig.mqtt.mark()
        with caplog.at_level(logging.INFO, logger="bridge.pipeline"):
            await rig.sim_fault("cam", "baichuan_close")
            await rig.wait_state("cam", "event_source", "polling", mark)
            await rig.sim_event("cam", "person")
            await rig.wait_state("cam", "person", True, mark)
        warnings = [
            r
            for r in caplog.records
            if r.levelno == logging.WARNING and "Baichuan push unavailable" in r.getMessage()
        ]
        assert warnings, caplog.text
        assert PASSWORD not in caplog.text
        status = runner.push.status()
        assert (status["mode"], status["state"]) == ("on", "unavailable")
        assert status["last_error"].startswith("BaichuanConnectionClosed")


async def test_an_explicit_baichuan_port_wins_over_the_reported_one(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with push_rig(
        mosquitto,
        tmp_path,
        {"cam": "floodlight"},
        camera={"baichuan_port": closed},
        polling={"interval": 0.3},
    ) as rig:
        runner = rig.runner("cam")
        await rig.wait_state("cam", "event_source", "polling")
        async with asyncio.timeout(10):
            while runner.push.last_error is None:
                await asyncio.sleep(0.05)
        assert runner.push.port == closed
        assert runner.push.last_error.startswith("BaichuanConnectionClosed")
        assert rig.sim.state("cam")["baichuan"]["connections"] == 0

        reported = rig.sim.device("cam").baichuan_port
        fixed = runner.camera.model_copy(update={"baichuan_port": reported})
        mark = rig.mqtt.mark()
        await rig.bridge.manager.remove("cam")
        await rig.bridge.manager.add(fixed, trusted=True)
        await rig.wait_state("cam", "event_source", "push", mark)
        assert rig.runner("cam").push.port == reported


async def test_a_wrong_password_is_the_same_authentication_error_as_http(
    mosquitto: MosquittoBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with push_rig(mosquitto, tmp_path, {"cam": "floodlight"}) as rig:
        runner = rig.runner("cam")
        await rig.wait_state("cam", "event_source", "push")
        rig.sim.device("cam").password = "changed on the device"
        mark = rig.mqtt.mark()
        with caplog.at_level(logging.INFO, logger="bridge.pipeline"):
            await rig.sim_fault("cam", "baichuan_close")  # push must log in again
            await rig.sim_fault("cam", "none")
            async with asyncio.timeout(20):
                while not (runner.push.last_error or "").startswith("AuthenticationError"):
                    await asyncio.sleep(0.05)
        await rig.wait_state("cam", "event_source", "polling", mark)
        assert runner.push.status()["state"] == "unavailable"
        assert any(
            r.levelno == logging.WARNING and "AuthenticationError" in r.getMessage()
            for r in caplog.records
        )
        # HTTP with the same credentials: the same error class
        with pytest.raises(AuthenticationError):
            async with ReolinkClient.from_camera(runner.camera, timeout=5.0) as client:
                await client.get_capabilities()
        assert PASSWORD not in caplog.text


async def test_a_battery_camera_gets_events_pushed_and_is_never_polled_for_them(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    # the health check re-reads the capabilities (whose probes include GetEvents): not here
    async with battery_rig(mosquitto, tmp_path, health_check_interval=60) as rig:
        before = {cmd: rig.gets("hub", cmd) for cmd in DETECTION_READS}
        mark = rig.mqtt.mark()
        await rig.sim_event("hub", "person")
        start = await rig.mqtt.wait_json(
            f"{rig.base}/hub_ch0/event", lambda e: e["phase"] == "start", since=mark, timeout=5
        )
        assert start["type"] == "person"
        await rig.sim_event("hub", "person", False)
        await rig.mqtt.wait_json(
            f"{rig.base}/hub_ch0/event", lambda e: e["phase"] == "end", since=mark, timeout=5
        )
        runner = rig.runner("hub")
        polls = runner.polls
        while runner.polls < polls + 2:  # slow refreshes (settings) went on meanwhile
            await asyncio.sleep(0.05)
        assert {cmd: rig.gets("hub", cmd) for cmd in DETECTION_READS} == before

        # Without push the battery camera has no event source: still never polled for them.
        mark = rig.mqtt.mark()
        await rig.sim_fault("hub", "baichuan_close")
        await rig.wait_state("hub_ch0", "event_source", "none", mark)
        polls = runner.polls
        while runner.polls < polls + 5:
            await asyncio.sleep(0.05)
        assert {cmd: rig.gets("hub", cmd) for cmd in DETECTION_READS} == before
