"""Config: YAML + ${VAR} expansion + REOLINK_ env overrides; broken files name field and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bridge.config import ConfigError, load_settings, redacted

GOOD = """\
data_dir: {data_dir}
mqtt:
  base_topic: cams/
  discovery: entity
polling:
  interval: 2
cameras:
  - id: front_door
    name: Front Door
    host: 192.0.2.10
    password: "${{FRONT_PW}}"
    tags: [outdoor]
  - {{id: garage, host: 192.0.2.11, https: true, username: "${{GARAGE_USER:-viewer}}"}}
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(GOOD.format(data_dir=tmp_path / "data"), encoding="utf-8")
    return path


def test_defaults_need_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REOLINK_MQTT__URL", raising=False)
    settings = load_settings()
    assert settings.server.host == "127.0.0.1"
    assert settings.mqtt.url == "mqtt://127.0.0.1:1883"
    assert settings.mqtt.discovery == "device"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.cameras == []


def test_yaml_env_expansion_and_defaults(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONT_PW", "p#ss %word^ é")
    settings = load_settings(config_file)
    front, garage = settings.cameras
    assert front.password.get_secret_value() == "p#ss %word^ é"
    assert front.effective_port == 80
    assert garage.username == "viewer"
    assert garage.effective_port == 443
    assert settings.mqtt.base_topic == "cams"
    assert settings.polling.interval == 2.0


def test_environment_beats_the_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONT_PW", "x")
    monkeypatch.setenv("REOLINK_MQTT__URL", "mqtt://broker.local:1884")
    monkeypatch.setenv("REOLINK_POLLING__INTERVAL", "0.5")
    settings = load_settings(config_file)
    assert settings.mqtt.url == "mqtt://broker.local:1884"
    assert settings.mqtt.discovery == "entity"  # the rest of the section still comes from the file
    assert settings.polling.interval == 0.5


def test_missing_variable_is_named(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONT_PW", raising=False)
    with pytest.raises(ConfigError, match="FRONT_PW"):
        load_settings(config_file)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cameras:\n  - id: a\n    host: h\n    port: 99999\n", ["line 4", "cameras.0.port"]),
        ("mqtt:\n  discovery: sometimes\n", ["line 2", "mqtt.discovery"]),
        ("polling:\n  interval: -1\n", ["line 2", "polling.interval"]),
        ("mqtt:\n  bogus_key: 1\n", ["line 2", "mqtt.bogus_key", "Extra inputs"]),
        ("cameras:\n  - {id: Bad Id!, host: h}\n", ["line 2", "cameras.0.id"]),
        ("cameras:\n  - {id: a, host: h}\n  - {id: a, host: h2}\n", ["cameras", "used twice"]),
        ("mqtt: [unclosed\n", ["line 2", "not valid YAML"]),
        ("- just\n- a list\n", ["top level must be a mapping"]),
    ],
)
def test_broken_files_get_clear_errors(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    for fragment in expected:
        assert fragment in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "missing.yaml")


def test_redacted_keeps_no_secret(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONT_PW", "hunter2-front")
    monkeypatch.setenv("REOLINK_MQTT__PASSWORD", "hunter2-mqtt")
    monkeypatch.setenv("REOLINK_DATABASE__URL", "postgresql://u:hunter2-db@h:5432/d")
    shown = str(redacted(load_settings(config_file)))
    assert "hunter2" not in shown
    assert "postgresql://u:***@h:5432/d" in shown


def test_cli_check_config_reports_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("polling:\n  interval: fast\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "line 2" in done.stderr
    assert "polling.interval" in done.stderr
    assert "Traceback" not in done.stderr
