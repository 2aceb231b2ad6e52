"""`reolink-bridge demo`: a simulated device per profile, the bridge on top, events now and then."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from pathlib import Path
from typing import Any

from bridge.api.security import create_api_token
from bridge.app import Bridge, wait_for_shutdown
from bridge.config import ConfigError, Settings, load_settings
from bridge.domain.camera import Camera
from bridge.mqtt.connection import MqttEndpoint
from bridge.redaction import redact
from bridge.simulator import PROFILE_NAMES, SimulatedDevice, Simulator

_LOGGER = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password"  # the simulated cameras' password, printed on purpose
DEMO_DATA_DIR = Path("data/demo")
DEMO_API_PORT = 8080
EVENT_LENGTH = (2.0, 6.0)
"""Seconds a simulated detection stays active."""


def demo_settings(devices: list[SimulatedDevice], mqtt_url: str | None) -> Settings:
    cameras = [
        Camera(
            id=device.profile.key,
            name=device.name,
            host=device.host,
            port=device.port,
            username=device.username,
            password=device.password,
        )
        for device in devices
    ]
    # The simulated cameras are on loopback, which run-time cameras may not use by default:
    # the demo lets cameras added while it runs be simulated ones too.
    overrides: dict[str, Any] = {
        "cameras": cameras,
        "security": {"camera_networks": ["127.0.0.0/8", "::1/128"]},
    }
    if "REOLINK_AUTH__ADMIN_PASSWORD" not in os.environ:
        # The dashboard's login for this run only (printed); set the variable to choose one.
        overrides["auth"] = {"admin_password": secrets.token_urlsafe(12)}
    if "REOLINK_SERVER__PORT" not in os.environ and not _port_free(DEMO_API_PORT):
        overrides["server"] = {"port": 0}  # 8080 is taken: any free port (printed)
    if "REOLINK_DATA_DIR" not in os.environ:
        overrides["data_dir"] = DEMO_DATA_DIR  # never mixed with a real installation's data
    if mqtt_url:
        overrides["mqtt"] = {"url": mqtt_url}
    return load_settings(**overrides)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _describe(settings: Settings, devices: list[SimulatedDevice]) -> str:
    base = settings.mqtt.base_topic
    lines = ["", "reolink-server demo", "", "Simulated devices:"]
    for device in devices:
        lines.append(
            f"  {device.profile.key:<10} {device.profile.model:<12} http://{device.host}:{device.port}"
            f"  ({len(device.channels)} channel(s))"
        )
    lines.append(f"  login: {devices[0].username} / {DEMO_PASSWORD} (simulated cameras only)")
    broker = MqttEndpoint.from_settings(settings.mqtt)
    lines += [
        "",
        f"MQTT broker: {redact(settings.mqtt.url)}",
        f"  watch:   mosquitto_sub -h {broker.host} -p {broker.port} -v -t '{base}/#'",
        f"  command: mosquitto_pub -h {broker.host} -p {broker.port} -t '{base}/floodlight/set' "
        """-m '{"floodlight": {"state": "ON", "brightness": 80}}'""",
        f"Home Assistant discovery under {settings.mqtt.discovery_prefix}/ "
        f"({settings.mqtt.discovery} mode).",
        "A simulated event fires every few seconds. Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def _dashboard(settings: Settings, url: str) -> str:
    """The first thing the demo says: where the dashboard is and how to sign in."""
    password = settings.auth.admin_password
    login = f"user {settings.auth.admin_username}"
    if password is not None and "REOLINK_AUTH__ADMIN_PASSWORD" not in os.environ:
        login += f", password {password.get_secret_value()} (this run only)"
    elif password is not None:
        login += ", the password in REOLINK_AUTH__ADMIN_PASSWORD"
    return f"\nDashboard: {url}/  ({login})"


async def _events(simulator: Simulator, devices: list[SimulatedDevice], every: float) -> None:
    while True:
        await asyncio.sleep(random.uniform(every * 0.5, every * 1.5))
        device = random.choice(devices)
        channels = [(number, ch) for number, ch in enumerate(device.channels) if ch.online]
        if not channels:
            continue
        number, channel = random.choice(channels)
        kind = random.choice(list(channel.supported_events))
        try:
            simulator.trigger_event(
                device.id, kind, True, number, duration=random.uniform(*EVENT_LENGTH)
            )
        except ValueError as err:
            _LOGGER.debug("demo event skipped: %s", err)
            continue
        _LOGGER.info("demo: %s on %s channel %d", kind, device.profile.key, number)


async def run(mqtt_url: str | None = None, event_every: float = 8.0) -> int:
    async with Simulator(password=DEMO_PASSWORD, control_port=None) as simulator:
        devices = [
            await simulator.add_device(profile, device_id=profile) for profile in PROFILE_NAMES
        ]
        try:
            settings = demo_settings(devices, mqtt_url)
        except ConfigError as err:
            print(f"reolink-bridge demo: {err}")
            return 2
        async with Bridge(settings) as bridge:
            token = await create_api_token(bridge.store, "demo", "admin")
            if bridge.api is not None:
                print(_dashboard(settings, bridge.api.url), flush=True)
            print(_describe(settings, devices), flush=True)
            if bridge.api is not None:
                print(
                    f"REST API: {bridge.api.url}/docs  (token for this run: {token.secret})\n"
                    f"  curl -H 'Authorization: Bearer {token.secret}' "
                    f"{bridge.api.url}/api/v1/cameras/floodlight/state\n"
                    f"  watch: ffplay '{bridge.api.url}/api/v1/cameras/doorbell/stream/hls"
                    f"?token={token.secret}'\n",
                    flush=True,
                )
            events = asyncio.get_running_loop().create_task(
                _events(simulator, devices, event_every)
            )
            try:
                await wait_for_shutdown()
            finally:
                events.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await events
                await bridge.store.revoke_token(token.record.id)
    return 0
