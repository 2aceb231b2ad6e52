"""The instance name (setting, environment, kept in the data dir) and `reolink-bridge status`."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bridge.cli import main
from bridge.config import ConfigError, load_settings
from bridge.pipeline.instances import NAME_FILE, instance_name
from bridge.pipeline.leases import LeaseKeeper, Leases


def test_the_name_is_made_once_and_kept_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    first = instance_name(settings)
    host = socket.gethostname().split(".")[0][:10]
    assert first.startswith(host[:5]) or first.startswith("bridge-")
    assert (tmp_path / "data" / NAME_FILE).read_text().strip() == first
    assert instance_name(load_settings(data_dir=tmp_path / "data")) == first  # a restart
    other = instance_name(load_settings(data_dir=tmp_path / "other"))
    assert other != first  # another data dir, another instance


def test_the_setting_and_the_environment_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert instance_name(load_settings(data_dir=tmp_path, instance="bridge-7")) == "bridge-7"
    monkeypatch.setenv("REOLINK_INSTANCE", "from-env")
    assert instance_name(load_settings(data_dir=tmp_path)) == "from-env"
    assert not (tmp_path / NAME_FILE).exists()
    monkeypatch.setenv("REOLINK_INSTANCE", "no/slashes")
    with pytest.raises(ConfigError, match="instance"):
        load_settings(data_dir=tmp_path)


async def test_status_lists_the_instances_from_redis(
    redis_url: str, redis_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keepers = []
    for name in ("one", "two"):
        keeper = LeaseKeeper(Leases(redis_url, redis_prefix, owner=name, ttl=5.0))
        keeper.want({"cam0", "cam1", "cam2"})
        await keeper.tick()
        keepers.append(keeper)
    await keepers[0].tick()  # one saw two join: it gives its surplus up
    await keepers[1].tick()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"redis: {{url: '{redis_url}', key_prefix: '{redis_prefix}', lease_ttl: 5}}\n"
    )
    try:
        assert await _cli(["status", "--config", str(config), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        held = {i["instance"]: {c["camera_id"] for c in i["cameras"]} for i in report["instances"]}
        assert held.keys() == {"one", "two"}
        assert held["one"] | held["two"] == {"cam0", "cam1", "cam2"}
        assert not held["one"] & held["two"]
        assert all(i["alive"] for i in report["instances"])
        assert await _cli(["status", "--config", str(config)]) == 0
        text = capsys.readouterr().out
        assert "2 instance(s)" in text
        assert "cam0" in text
        assert "one  alive" in text
    finally:
        for keeper in keepers:
            await keeper.stop()
            await keeper.leases.aclose()
    assert await _cli(["status", "--config", str(config), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert not any(i["alive"] for i in after["instances"])  # stopped: listed, not alive
    assert all(i["cameras"] == [] for i in after["instances"])


async def _cli(argv: list[str]) -> int:
    """`main(argv)` in a thread (it runs its own event loop)."""
    import asyncio

    return await asyncio.to_thread(main, argv)
