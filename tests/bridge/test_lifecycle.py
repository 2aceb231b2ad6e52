"""The composition root's lifecycle: constructors do no I/O, `start()` names what failed, `stop()`
follows the written `STOP_ORDER` and leaves no task behind, and a cancel during start is clean."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.bridge_rig import FAST_MQTT, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import free_port
from fixtures.simulator import running_simulator

from bridge.app import STOP_ORDER, Bridge
from bridge.config import MqttSettings, Settings, load_settings
from bridge.mqtt.connection import MqttConnection
from bridge.secrets import ENV_KEY, SecretKeyError
from bridge.simulator import Simulator

_IO_EVENTS = frozenset(
    {
        "open",
        "os.mkdir",
        "os.chmod",
        "os.remove",
        "os.rename",
        "os.truncate",
        "os.listdir",
        "os.scandir",
        "socket.bind",
        "socket.connect",
        "socket.getaddrinfo",
        "subprocess.Popen",
        "sqlite3.connect",
        "shutil.rmtree",
    }
)
_recording: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in _IO_EVENTS:
        first = str(args[0]) if args else ""
        if event == "open" and first.endswith((".py", ".pyc", ".so")):
            return  # a lazy import is not the unit's I/O
        _recording[-1].append((event, first))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only inside `no_io()`


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def __enter__(self) -> list[tuple[str, str]]:
        _recording.append(self.events)
        return self.events

    def __exit__(self, *exc: object) -> None:
        _recording.remove(self.events)


def no_io() -> _Recorder:
    """Record every file, socket, subprocess and database access made inside the block."""
    return _Recorder()


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A data dir that cannot exist: its parent is a regular file (even root cannot mkdir it)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    return blocker / "data"


def closed_everywhere(data_dir: Path, **extra: Any) -> Settings:
    """Settings whose every backend is somewhere nobody listens."""
    port = free_port()
    fields: dict[str, Any] = {
        "data_dir": data_dir,
        "mqtt": {"url": f"mqtt://127.0.0.1:{port}"},
        "server": {"host": "127.0.0.1", "port": 0},
        "cameras": [{"id": "cam", "host": "127.0.0.1", "port": port, "password": "pw"}],
    }
    return load_settings(**(fields | extra))


async def tasks_left(grace: float = 2.0) -> set[asyncio.Task[Any]]:
    """The tasks still there besides this one, once those cancelled had up to `grace` seconds
    to finish (aiomqtt cancels its own loop task with `call_soon_threadsafe`, from paho's
    socket callbacks: a few loop turns, more on a loaded machine)."""
    deadline = time.monotonic() + grace
    while True:
        await asyncio.sleep(0.01)
        left = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
        if not left or time.monotonic() > deadline:
            return left


@pytest.mark.parametrize(
    "backends",
    [
        {},
        {
            "redis": {"url": "redis://127.0.0.1:1/0"},
            "database": {"url": "postgresql://u:p@127.0.0.1:1/x"},
        },
    ],
    ids=["embedded", "servers"],
)
async def test_constructing_the_bridge_does_no_io(nowhere: Path, backends: dict[str, Any]) -> None:
    settings = closed_everywhere(nowhere, **backends)
    before = await tasks_left()
    with no_io() as events:
        bridge = Bridge(settings)
    assert events == []
    assert await tasks_left() == before  # nor does it start a task
    assert not nowhere.parent.is_dir()
    assert bridge.started == []


async def test_an_unusable_data_dir_fails_the_start_clearly(
    nowhere: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bridge = Bridge(closed_everywhere(nowhere))
    with pytest.raises(NotADirectoryError) as info:
        async with bridge:
            pass
    assert str(nowhere) in str(info.value)
    assert "while starting the bridge's secret-key" in info.value.__notes__
    assert "cannot start the bridge: secret-key failed" in caplog.text
    assert bridge.started == []
    assert await tasks_left() == set()


async def test_a_bad_secret_key_fails_the_start_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, "not-a-key")
    bridge = Bridge(closed_everywhere(tmp_path / "data"))  # the key is read by start()
    with pytest.raises(SecretKeyError, match=ENV_KEY):
        await bridge.__aenter__()
    assert bridge.stopped == ["secret-key"]
    assert not (tmp_path / "data").exists()  # nothing after the key ran
    assert await tasks_left() == set()


async def test_an_unwritable_spool_fails_the_start_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "spool").write_text("a file where the spool directory goes")
    bridge = Bridge(closed_everywhere(data, mqtt={"enabled": False}, server={"enabled": False}))
    with pytest.raises(FileExistsError) as info:
        await bridge.__aenter__()
    assert str(data / "spool") in str(info.value)
    assert "while starting the bridge's writer" in info.value.__notes__
    assert bridge.stopped == [name for name in STOP_ORDER if name in _STARTED_BEFORE_WRITER]
    assert await tasks_left() == set()


_STARTED_BEFORE_WRITER = {
    "secret-key",
    "instance",
    "store",
    "bus",
    "bus-drain",
    "cache-backend",
    "tasks",
    "registry",
    "cache",
    "writer",
}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"cam1": "floodlight", "cam2": "doorbell"}) as simulator:
        yield simulator


async def test_stop_follows_the_written_order_and_leaves_no_task(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    settings = bridge_settings(sim, mosquitto, "life", tmp_path)
    assert settings.streams.enabled
    assert settings.server.enabled
    bridge = Bridge(settings, mqtt_options=FAST_MQTT)
    async with bridge:
        assert sorted(bridge.started) == sorted(STOP_ORDER)  # every unit of this config
        assert bridge.mqtt is not None
        async with asyncio.timeout(10):
            while not all(runner.online for runner in bridge.manager.runners):
                await asyncio.sleep(0.05)
        assert any(name.startswith("device:") for name in bridge.tasks.running)
        assert "event-writer" in bridge.tasks.running
    assert bridge.stopped == list(STOP_ORDER)
    assert bridge.tasks.running == []
    assert await tasks_left() == set()
    assert bridge.writer.state == "stopped"
    assert bridge.writer.spool.closed


@pytest.mark.parametrize("cancel_after", ["store", "writer", "mqtt", "cameras", "api"])
async def test_a_cancel_during_start_is_clean(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, cancel_after: str
) -> None:
    bridge = Bridge(bridge_settings(sim, mosquitto, "life", tmp_path), mqtt_options=FAST_MQTT)

    async def run() -> None:
        async with bridge:
            await asyncio.Event().wait()

    task = asyncio.create_task(run())
    async with asyncio.timeout(10):
        while cancel_after not in bridge.started:
            await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    started = set(bridge.stopped)
    assert cancel_after in started
    assert bridge.stopped == [name for name in STOP_ORDER if name in started]
    assert bridge.started == []
    assert await tasks_left() == set()
    if "writer" in started:
        assert bridge.writer.spool.closed


def sockets_to(port: int) -> set[str]:
    """This process's TCP sockets whose peer is 127.0.0.1:`port` (any state but TIME_WAIT),
    from /proc: what a leaked paho socket would be."""
    mine = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                mine.add(target[len("socket:[") : -1])
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if inode in mine and int(remote.split(":")[1], 16) == port and state != "06":
            found.add(f"{inode} state {state}")
    return found


async def test_a_stop_at_any_point_of_connecting_leaves_no_task_and_no_socket(
    mosquitto: MosquittoBroker,
) -> None:
    """`MqttConnection.stop()` at 50 points of the first connect (from before paho's connect()
    thread runs to after `online` is out): once stop() returns, no task and no socket to the
    broker are left, at once (no grace period), and a later connection works."""
    settings = MqttSettings(url=mosquitto.url, base_topic=f"t{secrets.token_hex(4)}")
    # How long a whole connect takes here and now (the machine may be loaded).
    connection = MqttConnection(settings, **FAST_MQTT)
    started = time.perf_counter()
    await connection.start()
    async with asyncio.timeout(10):
        await connection.wait_connected()
    span = time.perf_counter() - started
    await connection.stop()
    assert await tasks_left() == set()
    baseline = sockets_to(mosquitto.port)
    assert baseline == set()
    for step in range(50):
        connection = MqttConnection(settings, **FAST_MQTT)
        await connection.start()
        if step < 10:  # the first loop turns: before and around the executor's connect()
            for _ in range(step):
                await asyncio.sleep(0)
        else:  # then spread over (and a little past) a connect
            await asyncio.sleep(span * 1.5 * (step - 10) / 40)
        await connection.stop()
        left = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
        assert left == set(), f"step {step}: {left}"
        assert sockets_to(mosquitto.port) == set(), f"step {step}"
    async with MqttConnection(settings, **FAST_MQTT) as connection, asyncio.timeout(10):
        await connection.wait_connected()


async def test_connect_attempts_that_get_no_connack_leave_no_socket(
    mosquitto: MosquittoBroker,
) -> None:
    """A frozen broker (SIGSTOP: the kernel still accepts the TCP connection, nobody answers)
    makes every attempt end in aiomqtt's CONNACK timeout: each attempt's socket and misc-loop
    task are closed before the next, and stop() leaves nothing."""
    settings = MqttSettings(url=mosquitto.url, base_topic=f"t{secrets.token_hex(4)}")
    options = {"reconnect_min": 0.05, "reconnect_max": 0.1, "connect_timeout": 0.2}
    process = mosquitto._process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        connection = MqttConnection(settings, **options)
        await connection.start()
        open_now: list[int] = []
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            open_now.append(len(sockets_to(mosquitto.port)))
        assert connection.last_error is not None  # attempts were made and timed out
        assert max(open_now) <= 1, open_now  # the attempt under way, never the earlier ones
        await connection.stop()
        assert await tasks_left(grace=0) == set()
        assert sockets_to(mosquitto.port) == set()
    finally:
        process.send_signal(signal.SIGCONT)
