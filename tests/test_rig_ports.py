"""The throwaway servers of the test rigs (tests/fixtures/process.py) on a port another process
listens on: a clear refusal, not the other process's answer taken for theirs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import HOST


def test_a_broker_is_not_started_on_a_port_another_process_listens_on(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind((HOST, 0))
        other.listen()
        broker = MosquittoBroker(tmp_path / "mosquitto", port=other.getsockname()[1])
        try:
            with pytest.raises(RuntimeError, match="taken by another process"):
                broker.start()
            assert not broker.running
        finally:
            broker.kill()  # one started anyway is not left behind
