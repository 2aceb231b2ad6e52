"""`reolink-bridge migrate` and `camera add|list|remove`, run as a user runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PASSWORD = "s3cr#t pw é"


def cli(
    config: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args[:1], "--config", str(config), *args[1:]],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_migrate_and_cameras(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\nsecurity: {{camera_networks: [127.0.0.0/8]}}\n",
        encoding="utf-8",
    )
    first = cli(config, "migrate")
    assert first.returncode == 0, first.stderr
    assert "up 0001" in first.stdout
    assert cli(config, "migrate").stdout.strip() == "the schema is up to date"

    added = cli(
        config,
        "camera",
        "add",
        "gate",
        "--host",
        "127.0.0.9",
        "--tag",
        "outdoor",
        "--password-env",
        "GATE_PW",
        env={"GATE_PW": PASSWORD},
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["tags"] == ["outdoor"]
    again = cli(
        config,
        "camera",
        "add",
        "gate",
        "--host",
        "127.0.0.9",
        "--password-env",
        "GATE_PW",
        env={"GATE_PW": PASSWORD},
    )
    assert again.returncode == 1
    assert "exists already" in again.stderr

    listed = cli(config, "camera", "list")
    assert [c["id"] for c in json.loads(listed.stdout)] == ["gate"]
    assert PASSWORD not in listed.stdout
    with sqlite3.connect(tmp_path / "data" / "reolink.db") as db:
        dump = "\n".join(db.iterdump())
    assert "127.0.0.9" in dump
    assert PASSWORD not in dump

    gone = cli(config, "camera", "remove", "gate", "nope")
    assert gone.returncode == 1
    assert "no such camera: nope" in gone.stderr
    assert json.loads(cli(config, "camera", "list").stdout) == []


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path}\ndatabase: {{url: 'postgresql://u:hunter2@127.0.0.1:1/x'}}\n"
    )
    down = cli(config, "migrate")
    assert down.returncode == 1
    assert "hunter2" not in down.stderr
    assert "Traceback" not in down.stderr
    bad = cli(
        config, "camera", "add", "Bad Id", "--host", "h", "--password-env", "PW", env={"PW": "x"}
    )
    assert bad.returncode == 1
    assert "id" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_camera_add_checks_camera_networks(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\nsecurity: {{camera_networks: [127.0.0.2/32]}}\n",
        encoding="utf-8",
    )
    env = {"PW": PASSWORD}
    for host in ("127.0.0.1", "::ffff:127.0.0.1", "localhost"):
        refused = cli(
            config, "camera", "add", "gate", "--host", host, "--password-env", "PW", env=env
        )
        assert refused.returncode == 1, (host, refused.stdout)
        assert "security.camera_networks" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert json.loads(cli(config, "camera", "list").stdout) == []
    added = cli(
        config, "camera", "add", "gate", "--host", "127.0.0.2", "--password-env", "PW", env=env
    )
    assert added.returncode == 0, added.stderr
    assert [c["host"] for c in json.loads(cli(config, "camera", "list").stdout)] == ["127.0.0.2"]


def test_camera_add_refuses_control_characters_and_too_many_tags(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\nsecurity: {{camera_networks: [127.0.0.0/8]}}\n",
        encoding="utf-8",
    )
    base = ["camera", "add", "gate", "--host", "127.0.0.2", "--password-env", "PW"]
    tags = [arg for n in range(17) for arg in ("--tag", f"t{n}")]
    for extra in (["--name", "Gate\x1b[2J"], ["--tag", "out\x07door"], tags):
        refused = cli(config, *base, *extra, env={"PW": PASSWORD})
        assert refused.returncode == 1, (extra, refused.stdout)
        assert "invalid request" in refused.stderr
    assert json.loads(cli(config, "camera", "list").stdout) == []


def test_camera_add_takes_every_camera_setting_and_list_shows_them(tmp_path: Path) -> None:
    """The options come from the `Camera` model, and `list` shows the API's public shape."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"data_dir: {tmp_path / 'data'}\nsecurity: {{camera_networks: [127.0.0.0/8]}}\n",
        encoding="utf-8",
    )
    added = cli(
        config,
        "camera",
        "add",
        "gate",
        "--host",
        "127.0.0.2",
        "--https",
        "--verify-tls",
        "--no-enabled",
        "--poll-interval",
        "2.5",
        "--password-env",
        "PW",
        env={"PW": PASSWORD},
    )
    assert added.returncode == 0, added.stderr
    shown = json.loads(added.stdout)
    assert (shown["https"], shown["verify_tls"], shown["enabled"], shown["poll_interval"]) == (
        True,
        True,
        False,
        2.5,
    )
    (listed,) = json.loads(cli(config, "camera", "list").stdout)
    assert {key: listed[key] for key in shown} == shown  # every public field, verify_tls too
    assert listed["source"] == "runtime"
    assert "password" not in listed
    assert PASSWORD not in json.dumps(listed)

    bad = cli(
        config,
        "camera",
        "add",
        "slow",
        "--host",
        "127.0.0.2",
        "--poll-interval",
        "0",
        "--password-env",
        "PW",
        env={"PW": PASSWORD},
    )
    assert bad.returncode == 1
    assert "poll_interval" in bad.stderr


def test_camera_add_offers_a_choice_setting_as_choices() -> None:
    """A `Literal` field of `Camera` (`push: auto|on|off`) is an option with its choices; the
    parser is built for every command, so a field it cannot express breaks the whole CLI."""
    import pytest

    from bridge.cli import build_parser

    args = build_parser().parse_args(["camera", "add", "gate", "--host", "h", "--push", "off"])
    assert (args.push, args.baichuan_port) == ("off", None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["camera", "add", "gate", "--host", "h", "--push", "maybe"])
