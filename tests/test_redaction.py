"""No URL password is ever shown: bridge/info (MQTT and REST), check-config, log lines, errors.

The end-to-end test starts `reolink-bridge run` as a user does, with a canary password in
`mqtt.url` (a real Mosquitto that checks it), `database.url` (PostgreSQL) and `redis.url` (a
throwaway Redis that requires it), then looks for the canaries everywhere the bridge shows
something. Each canary's marker sits after a character that naive maskers stop at (`@`, `:`),
so a half-masked password is caught too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fixtures.mosquitto import BrokerFactory
from fixtures.process import free_port
from fixtures.recorder import Recorder
from fixtures.redis import RedisServerFactory

from bridge import logs
from bridge.config import load_settings, redacted
from bridge.redaction import REDACTED, model_secrets, redact, url_secrets

MQTT_PASSWORD = "m@q:canary-mqtt-7f3e"  # written raw in the URL: '@' and ':' inside
PG_PASSWORD = "p@g canary-pg-91ab"  # written percent-encoded (%40, %20) in the URL
REDIS_PASSWORD = ":canary-redis-5c2d@"  # raw, with ':' first and '@' last
MARKERS = ("canary-mqtt-7f3e", "canary-pg-91ab", "canary-redis-5c2d")
ADMIN_PASSWORD = "admin-canary-0b1c"


def assert_clean(text: str, where: str) -> None:
    for marker in (*MARKERS, ADMIN_PASSWORD):
        assert marker not in text, f"{marker!r} shown in {where}:\n{text}"


# -- the URL forms a user might write ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mqtt://user:canary-1@broker:1883", "mqtt://user:***@broker:1883"),
        ("mqtt://:canary-1@broker", "mqtt://:***@broker"),
        ("mqtts://user:c@n@ry-1@broker:8883/", "mqtts://user:***@broker:8883/"),
        ("mqtt://user:c:an:ary-1@broker", "mqtt://user:***@broker"),
        ("mqtt://user:c%40nary-1@broker", "mqtt://user:***@broker"),
        ("mqtt://user:canary-1@[::1]:1883", "mqtt://user:***@[::1]:1883"),
        (
            "postgresql://reolink:canary-1@db:5432/reolink?sslmode=require",
            "postgresql://reolink:***@db:5432/reolink?sslmode=require",
        ),
        (
            "postgresql://db/reolink?user=reolink&password=canary-1&sslmode=verify-full",
            "postgresql://db/reolink?user=reolink&password=***&sslmode=verify-full",
        ),
        ("postgres://user@tenant:canary-1@db/x", "postgres://user@tenant:***@db/x"),
        ("redis://:canary-1@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://default:c@n:ary-1@cache:6380/1", "rediss://default:***@cache:6380/1"),
        ("mqtt://broker:1883", "mqtt://broker:1883"),
        ("postgresql://user@db:5432/x", "postgresql://user@db:5432/x"),
    ],
)
def test_every_url_form_is_masked(url: str, shown: str) -> None:
    assert redact(url) == shown
    for text in (f"cannot reach {url}: refused", repr({"url": url}), json.dumps({"url": url})):
        assert "ary-1" not in redact(text)
        assert "anary-1" not in redact(text)


def test_url_secrets_gives_the_password_as_written_and_decoded() -> None:
    assert url_secrets("postgresql://u:p%40ss%20w@db/x") == ["p%40ss%20w", "p@ss w"]
    assert url_secrets("mqtt://u:a@b:c@h") == ["a@b:c"]
    assert url_secrets("postgresql://db/x?password=s3cret") == ["s3cret"]
    assert url_secrets("mqtt://h:1883") == []


def test_a_driver_echoing_the_password_is_masked_too() -> None:
    url = f"postgresql://u:{quote(PG_PASSWORD)}@db/x"
    message = f'password authentication failed: "{PG_PASSWORD}" for {url}'
    assert_clean(redact(message, url_secrets(url)), "a driver's message")


# -- config: what bridge/info and check-config show -------------------------------------------


def canary_urls(
    mqtt_port: int = 1883, pg: str = "db:5432/reolink", redis_port: int = 6379
) -> dict[str, str]:
    return {
        "REOLINK_MQTT__URL": f"mqtt://bridge:{MQTT_PASSWORD}@127.0.0.1:{mqtt_port}",
        "REOLINK_DATABASE__URL": f"postgresql://postgres:{quote(PG_PASSWORD)}@{pg}?sslmode=disable",
        "REOLINK_REDIS__URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{redis_port}/0",
    }


def test_redacted_settings_show_no_url_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in canary_urls().items():
        monkeypatch.setenv(name, value)
    shown = redacted(load_settings())
    assert_clean(json.dumps(shown), "redacted()")
    assert shown["mqtt"]["url"] == "mqtt://bridge:***@127.0.0.1:1883"
    assert shown["database"]["url"] == "postgresql://postgres:***@db:5432/reolink?sslmode=disable"
    assert shown["redis"]["url"] == "redis://:***@127.0.0.1:6379/0"


def test_check_config_prints_no_url_password(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    urls = canary_urls()
    config.write_text(
        f"mqtt: {{url: '{urls['REOLINK_MQTT__URL']}'}}\n"
        f"database: {{url: '{urls['REOLINK_DATABASE__URL']}'}}\n"
        f"redis: {{url: '{urls['REOLINK_REDIS__URL']}'}}\n"
        f"auth: {{admin_password: '{ADMIN_PASSWORD}'}}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REOLINK_")}
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "check-config", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout + done.stderr, "check-config")
    assert json.loads(done.stdout)["mqtt"]["url"] == "mqtt://bridge:***@127.0.0.1:1883"


# -- logs ----------------------------------------------------------------------------------


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """`logs.configure()` replaces the root handlers and sets levels: undo it for later tests."""
    root = logging.getLogger()
    loggers = [root, *map(logging.getLogger, logs.NOISY_LOGGERS)]
    handlers, levels = list(root.handlers), [logger.level for logger in loggers]
    yield
    root.handlers[:] = handlers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_log_filter_masks_messages_tracebacks_and_configured_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in canary_urls().items():
        monkeypatch.setenv(name, value)
    settings = load_settings(auth={"admin_password": ADMIN_PASSWORD})
    logs.configure("INFO", model_secrets(settings))
    logger = logging.getLogger("bridge.test_redaction")
    logger.info("connecting to %s", settings.mqtt.url)
    logger.warning("store at %s unreachable", settings.database.url)
    logger.info("the admin password is %s", ADMIN_PASSWORD)  # a careless line, masked anyway
    try:
        raise ValueError(f"bad URL {settings.redis.url}")
    except ValueError:
        logger.exception("redis failed")
    output = capsys.readouterr().err
    assert "connecting to mqtt://bridge:***@127.0.0.1:1883" in output
    assert "ValueError: bad URL redis://:***@127.0.0.1:6379/0" in output
    assert_clean(output, "the log output")


# -- a real start: MQTT, REST, log output ---------------------------------------------------


async def test_a_running_bridge_shows_no_url_password(
    mosquitto_factory: BrokerFactory,
    redis_server_factory: RedisServerFactory,
    pg_url: str,
    tmp_path: Path,
) -> None:
    broker = mosquitto_factory(users={"bridge": MQTT_PASSWORD, "observer": "observer-pw"})
    redis = redis_server_factory(password=REDIS_PASSWORD)
    api_port = free_port()
    database = pg_url.split("@", 1)[1]  # host:port/db of a fresh database
    env = {k: v for k, v in os.environ.items() if not k.startswith("REOLINK_")}
    env.update(canary_urls(broker.port, database, redis.port))
    env.update(
        REOLINK_DATA_DIR=str(tmp_path / "data"),
        REOLINK_SERVER__PORT=str(api_port),
        REOLINK_AUTH__ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    async with Recorder(
        broker.host, broker.port, username="observer", password="observer-pw"
    ) as mqtt:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bridge",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            # The bridge authenticated with the canary password: the URL was read right.
            await mqtt.wait_topic("reolink/bridge/state", lambda m: m.text == "online", timeout=30)
            info = await mqtt.wait_json("reolink/bridge/info")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}/api/v1") as http:
                async with asyncio.timeout(20):
                    while True:
                        try:
                            login = await http.post(
                                "/auth/login",
                                json={"username": "admin", "password": ADMIN_PASSWORD},
                            )
                            break
                        except httpx.ConnectError:
                            await asyncio.sleep(0.2)
                assert login.status_code == 200, login.text
                token = login.json()["access_token"]
                rest = await http.get("/bridge/info", headers={"Authorization": f"Bearer {token}"})
            assert rest.status_code == 200
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                output, _ = await process.communicate()
    log = output.decode()
    assert process.returncode == 0, log
    assert info["config"]["mqtt"]["url"] == f"mqtt://bridge:{REDACTED}@127.0.0.1:{broker.port}"
    assert info["config"]["redis"]["url"] == f"redis://:{REDACTED}@127.0.0.1:{redis.port}/0"
    assert rest.json()["config"] == info["config"]
    assert f"MQTT mqtt://bridge:{REDACTED}@127.0.0.1:{broker.port}" in log  # the start line
    assert_clean(json.dumps(info), "the retained reolink/bridge/info")
    assert_clean(rest.text, "GET /bridge/info")
    assert_clean(log, "the log output of a start")
    for message in mqtt.messages:
        assert_clean(message.text, f"MQTT {message.topic}")
