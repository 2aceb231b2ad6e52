"""The custom integration in a real, headless Home Assistant 2025.4 (from .venv-ha), against a
real bridge and the simulator: installed into the config dir, added through the config-flow API,
its camera's picture served by Home Assistant (`/api/camera_proxy/<entity>`), and with Home
Assistant's `stream` integration (PyAV) the `camera/stream` WebSocket command's HLS playlist is
decoded by ffprobe."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests_ha.rig import BridgeRig

from . import home_assistant as real
from .common import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600), pytest.mark.xdist_group("home-assistant")]


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BridgeRig]:
    monkeypatch.setattr("tests_ha.rig.BRIDGE_PYTHON", Path(sys.executable))
    bridge = BridgeRig(tmp_path / "bridge")
    try:
        bridge.start()
        yield bridge
    finally:
        bridge.stop()


@pytest.fixture
def home_assistant(tmp_path: Path, ha_python: Path) -> Iterator[real.HomeAssistant]:
    config = tmp_path / "ha-config"
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / "reolink_server").symlink_to(
        ROOT / "custom_components" / "reolink_server"
    )
    # the camera/stream command needs Home Assistant's stream integration (PyAV, in .venv-ha)
    hass = real.HomeAssistant(config, extra_config="stream:\n")
    try:
        hass.start()
        hass.onboard()
        yield hass
    finally:
        hass.stop()


def ffprobe_frames(url: str) -> dict[str, Any]:
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-read_intervals",
            "%+#10",
            "-show_entries",
            "stream=codec_name,nb_read_frames",
            "-of",
            "json",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    (stream,) = json.loads(probe.stdout)["streams"]
    return dict(stream)


def test_the_integration_in_a_real_home_assistant(
    home_assistant: real.HomeAssistant, rig: BridgeRig
) -> None:
    hass = home_assistant
    _, token = rig.token()
    flow = hass.http.post("/api/config/config_entries/flow", json={"handler": "reolink_server"})
    assert flow.status_code == 200, flow.text
    assert flow.json()["step_id"] == "user"
    step = hass.http.post(
        f"/api/config/config_entries/flow/{flow.json()['flow_id']}",
        json={"url": "http://127.0.0.1:1", "api_token": token},
    )
    assert step.json()["errors"] == {"base": "cannot_connect"}
    step = hass.http.post(
        f"/api/config/config_entries/flow/{flow.json()['flow_id']}",
        json={"url": rig.url, "api_token": token},
    )
    assert step.json()["type"] == "create_entry", step.json()
    assert step.json()["result"]["state"] == "loaded"

    def doorbell_camera() -> str | None:
        for entity_id, state in hass.states().items():
            if entity_id.startswith("camera.") and state["attributes"].get("friendly_name") == (
                "Doorbell"
            ):
                return entity_id if state["state"] != "unavailable" else None
        return None

    camera = real.wait_for("the doorbell's camera entity", doorbell_camera, timeout=30)
    picture = hass.http.get(f"/api/camera_proxy/{camera}")
    assert picture.status_code == 200, picture.text
    assert picture.headers["content-type"] == "image/jpeg"
    assert picture.content.startswith(b"\xff\xd8")

    rig.sim_event("doorbell", "visitor", True)

    def pressed() -> bool:
        return any(
            e.startswith("event.") and s["attributes"].get("event_type") == "press"
            for e, s in hass.states().items()
        )

    real.wait_for("the doorbell's press", pressed, timeout=10)

    stream = hass.websocket({"type": "camera/stream", "entity_id": camera})
    assert stream["url"].endswith(".m3u8"), stream
    found = ffprobe_frames(hass.base + stream["url"])
    assert found["codec_name"] == "h264"
    assert int(found["nb_read_frames"]) > 0
