"""A feature added as one row of the table, with no other change, is everywhere: its Home Assistant
discovery component, its entry in `/entities`, its `/set/<attribute>` parsing and its dispatch to
the camera (a real bridge, the simulator, a throwaway Mosquitto)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.domain.command_values import OnOffValue
from bridge.domain.commands import Command
from bridge.domain.feature import Feature, Ha, Kind, WriteContext
from bridge.domain.features import FEATURES
from bridge.domain.values import OnOff
from bridge.simulator import Simulator


async def _write_chime(ctx: WriteContext, value: OnOff) -> None:
    # The synthetic feature borrows the status LED's wire call: the point is the plumbing.
    await ctx.client.set_status_led(ctx.channel, value is OnOff.ON)
    ctx.assume(night_chime=value)


NIGHT_CHIME = Feature(
    key="night_chime",
    kind=Kind.SWITCH,
    name="Night chime",
    needs="status_led",
    field="night_chime",
    state=OnOff,
    command=OnOffValue,
    write=_write_chime,
    category="config",
    ha=Ha(icon="mdi:bell-sleep"),
)


@pytest.fixture
async def extended_rig(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> AsyncIterator[ApiRig]:
    with FEATURES.extended(NIGHT_CHIME):
        settings = api_settings(sim, mosquitto, tmp_path / "data")
        async with (
            Recorder(mosquitto.host, mosquitto.port) as recorder,
            running_api(sim, settings, recorder=recorder, wait_online=["floodlight"]) as rig,
        ):
            yield rig


async def test_one_row_gives_discovery_entities_parsing_and_dispatch(
    extended_rig: ApiRig,
) -> None:
    rig = extended_rig
    mqtt = rig.mqtt
    assert mqtt is not None

    # Home Assistant discovery: a component of the camera's device.
    def floodlight_chime(seen: object) -> bool:
        payload = getattr(seen, "json", lambda: None)()
        components = payload.get("components", {}) if isinstance(payload, dict) else {}
        chime = components.get("night_chime", {})
        return chime.get("command_topic") == "reolink/floodlight/set/night_chime"

    discovery = await mqtt.wait_for(
        lambda m: m.topic.startswith("homeassistant/device/") and floodlight_chime(m)
    )
    component = discovery.json()["components"]["night_chime"]
    assert component["platform"] == "switch"
    assert component["name"] == "Night chime"
    assert component["value_template"] == "{{ value_json.night_chime }}"
    assert component["entity_category"] == "config"

    # The entity descriptions; absent where the capability is missing.
    client = rig.client()
    entities = (await client.get("/cameras/floodlight/entities")).json()["entities"]
    chime = next(e for e in entities if e["key"] == "night_chime")
    assert chime["writable"] is True
    assert chime["state_field"] == "night_chime"
    assert chime["command"] == {"attribute": "night_chime", "on": "ON", "off": "OFF"}
    battery = (await client.get("/cameras/battery_ch0/entities")).json()["entities"]
    assert "night_chime" not in {e["key"] for e in battery}

    # `/set/<attribute>` parsing, and the dispatch reaching the camera.
    assert Command.from_attribute("night_chime", "on").items()[0][0] is NIGHT_CHIME
    before = len(rig.commands("floodlight", "SetPowerLed"))
    mark = mqtt.mark()
    await mqtt.publish("reolink/floodlight/set/night_chime", {"value": "ON", "transaction": "c1"})
    response = await mqtt.wait_json(
        "reolink/floodlight/response", lambda p: p.get("transaction") == "c1", since=mark
    )
    assert response["status"] == "ok", response
    assert len(rig.commands("floodlight", "SetPowerLed")) == before + 1
    state = await mqtt.wait_json(
        "reolink/floodlight", lambda p: p.get("night_chime") == "ON", since=mark
    )
    assert state["camera_id"] == "floodlight"
