"""`push` and `baichuan_port` in the config file, REST, MQTT and the CLI: accepted, stored
(migration 0008), applied; bad values are a clear error (422 over REST)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.api_rig import api_settings, running_api, wait_until
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD, running_simulator

from bridge.cli import build_parser
from bridge.config import ConfigError, load_settings
from bridge.simulator import SimulatedDevice


def _camera(camera_id: str, device: SimulatedDevice, **extra: Any) -> dict[str, Any]:
    return {
        "id": camera_id,
        "host": device.host,
        "port": device.port,
        "password": PASSWORD,
        **extra,
    }


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"push": "sometimes"}, "push"),
        ({"push": 1}, "push"),
        ({"baichuan_port": 0}, "baichuan_port"),
        ({"baichuan_port": 70000}, "baichuan_port"),
        ({"baichuan_port": "nine thousand"}, "baichuan_port"),
    ],
)
def test_the_config_file_refuses_bad_push_settings(
    tmp_path: Path, fields: dict[str, Any], where: str
) -> None:
    config = tmp_path / "config.yaml"
    lines = [f"    {key}: {value!r}".replace("'", '"') for key, value in fields.items()]
    config.write_text("cameras:\n  - id: porch\n    host: 192.168.1.10\n" + "\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config, data_dir=tmp_path)
    assert where in str(err.value)


def test_the_config_file_takes_push_settings(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "cameras:\n"
        '  - {id: porch, host: 192.168.1.10, push: "off"}\n'
        '  - {id: gate, host: 192.168.1.11, push: "on", baichuan_port: 9100}\n'
        "  - {id: yard, host: 192.168.1.12}\n"
        "  - {id: shed, host: 192.168.1.13, push: off}\n"  # YAML: false
    )
    cameras = {c.id: c for c in load_settings(config, data_dir=tmp_path).cameras}
    assert (cameras["porch"].push, cameras["porch"].baichuan_port) == ("off", None)
    assert (cameras["gate"].push, cameras["gate"].baichuan_port) == ("on", 9100)
    assert (cameras["yard"].push, cameras["yard"].baichuan_port) == ("auto", None)
    assert cameras["shed"].push == "off"


def test_the_cli_takes_push_settings() -> None:
    parser = build_parser()
    args = parser.parse_args(["camera", "add", "porch", "--host", "h", "--push", "off"])
    assert args.push == "off"
    args = parser.parse_args(["camera", "add", "porch", "--host", "h", "--baichuan-port", "9100"])
    assert args.baichuan_port == 9100
    with pytest.raises(SystemExit):
        parser.parse_args(["camera", "add", "porch", "--host", "h", "--push", "sometimes"])


async def test_rest_and_mqtt_take_store_and_apply_push_settings(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with running_simulator({"cam": "floodlight"}) as sim:
        settings = api_settings(sim, mosquitto, tmp_path / "data")
        async with (
            Recorder(mosquitto.host, mosquitto.port) as mqtt,
            running_api(sim, settings, recorder=mqtt, wait_online=["cam"]) as rig,
        ):
            porch = await sim.add_device("floodlight", device_id="porch")
            gate = await sim.add_device("doorbell", device_id="gate")
            client = rig.client()

            added = await client.post("/cameras", json=_camera("porch", porch, push="off"))
            assert added.status_code == 201, added.text
            assert (added.json()["push"], added.json()["baichuan_port"]) == ("off", None)
            stored = await rig.bridge.store.get_camera("porch")
            assert stored is not None
            assert (stored.push, stored.baichuan_port) == ("off", None)
            runner = rig.bridge.manager.runner("porch")
            await wait_until(lambda: runner.online)
            assert (await client.get("/cameras/porch/status")).json()["push"]["state"] == "off"

            for bad in ({"push": "sometimes"}, {"push": None}, {"baichuan_port": 0}):
                refused = await client.put("/cameras/porch", json=bad)
                assert refused.status_code == 422, (bad, refused.text)
                assert next(iter(bad)) in refused.text
            refused = await client.post("/cameras", json=_camera("x", porch, push="maybe"))
            assert refused.status_code == 422
            assert "push" in refused.text

            port = porch.baichuan_port
            changed = await client.put("/cameras/porch", json={"push": "on", "baichuan_port": port})
            assert changed.status_code == 200, changed.text
            stored = await rig.bridge.store.get_camera("porch")
            assert stored is not None
            assert (stored.push, stored.baichuan_port) == ("on", port)
            runner = rig.bridge.manager.runner("porch")
            await wait_until(lambda: runner.push.active)
            status = (await client.get("/cameras/porch/status")).json()["push"]
            assert (status["mode"], status["state"], status["port"]) == ("on", "active", port)
            assert status["last_error"] is None

            back = await client.put("/cameras/porch", json={"baichuan_port": None})
            assert back.status_code == 200, back.text
            assert back.json()["baichuan_port"] is None
            assert back.json()["push"] == "on"

            mark = mqtt.mark()
            await mqtt.publish(
                "reolink/bridge/request/camera/add",
                {**_camera("gate", gate, push="off", baichuan_port=9100), "transaction": "g"},
            )
            response = await mqtt.wait_json("reolink/bridge/response/camera/add", since=mark)
            assert response["status"] == "ok", response
            assert (response["data"]["push"], response["data"]["baichuan_port"]) == ("off", 9100)
            stored = await rig.bridge.store.get_camera("gate")
            assert stored is not None
            assert (stored.push, stored.baichuan_port) == ("off", 9100)
            mark = mqtt.mark()
            await mqtt.publish(
                "reolink/bridge/request/camera/add",
                {**_camera("gate2", gate, push="maybe"), "transaction": "g2"},
            )
            response = await mqtt.wait_json("reolink/bridge/response/camera/add", since=mark)
            assert response["status"] == "error"
            assert "push" in response["error"]

            cameras = await mqtt.wait_json(
                "reolink/bridge/cameras", lambda c: any(e["id"] == "gate" for e in c)
            )
            entry = next(e for e in cameras if e["id"] == "gate")
            assert (entry["push"], entry["baichuan_port"]) == ("off", 9100)
            health = (await client.post("/bridge/request/health_check", json={})).json()
            assert health["data"]["cameras"]["porch"]["push"]["mode"] == "on"
