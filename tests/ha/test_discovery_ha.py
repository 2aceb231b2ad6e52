"""Acceptance: Home Assistant 2025.4's own schemas and template engine accept our discovery.

Runs in the bridge's virtualenv and shells out to `.venv-ha/bin/python validate_discovery.py`
(Python 3.13 with `homeassistant==2025.4.4`), which `scripts/ha-venv` creates on first use (about
2 minutes; instant afterwards). Never skipped.

Checks, for every simulator profile (capabilities written by hand in `profiles.py`), in both the
device and the entity discovery mode:

- Home Assistant accepts every payload, and drops no key we send (except `default_entity_id`,
  which 2025.4 does not know yet);
- each view has exactly the entities its profile supports;
- unique ids are unique and stable (they do not change with the camera's id, name or address);
- no payload contains the camera's address or password;
- every state template renders, over real `CameraState` and `Event` payloads, to something the
  platform accepts, and to the expected value for the interesting cases;
- every command Home Assistant can send is accepted by `Command.from_attribute` /
  `Command.model_validate`, means what the entity means, and passes the dispatcher's capability
  check.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bridge.mqtt.discovery import Discovery

from .common import TOPICS, check_commands, problems, samples_for, validate
from .profiles import HOST, PASSWORD, all_profiles, floodlight, nvr

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.xdist_group("ha-discovery-profiles"),
]

PUBLIC_URL = "http://bridge.example:8080"


# ------------------------------------------------------------------------------------------
# One validation run for everything (one Home Assistant start-up instead of one per profile)


@pytest.fixture(scope="module")
def validated(ha_python: Path) -> dict[str, dict[str, Any]]:
    """mode -> profile key -> {"result", "index", "entities"}."""
    out: dict[str, dict[str, Any]] = {}
    for mode in ("device", "entity"):
        discovery = Discovery(TOPICS, mode, PUBLIC_URL)
        messages: list[tuple[str, dict[str, Any]]] = []
        samples: list[dict[str, Any]] = []
        spans: dict[str, tuple[int, int, dict[int, tuple[str, str]], int]] = {}
        for profile in all_profiles():
            profile_messages = discovery.messages(profile.camera, profile.caps)
            profile_samples, index = samples_for(profile.camera, profile.caps)
            spans[profile.key] = (len(messages), len(profile_messages), index, len(samples))
            messages += profile_messages
            samples += profile_samples
        result = validate(ha_python, messages, samples)
        out[mode] = {}
        for profile in all_profiles():
            start, count, index, offset = spans[profile.key]
            out[mode][profile.key] = {
                "messages": messages[start : start + count],
                "results": result["results"][start : start + count],
                "index": {offset + i: what for i, what in index.items()},
                "entities": Discovery(TOPICS, mode, PUBLIC_URL).entities(
                    profile.camera, profile.caps
                ),
            }
    return out


PROFILE_KEYS = [p.key for p in all_profiles()]
PROFILES = {p.key: p for p in all_profiles()}


@pytest.mark.parametrize("mode", ["device", "entity"])
@pytest.mark.parametrize("profile_key", PROFILE_KEYS)
def test_home_assistant_accepts_every_payload(
    validated: dict[str, Any], mode: str, profile_key: str
) -> None:
    data = validated[mode][profile_key]
    found = problems(data["results"])
    assert not found, "\n".join(found)
    entity_count = sum(len(r["entities"]) for r in data["results"])
    assert entity_count == len(data["entities"])
    if mode == "device":
        assert len(data["results"]) == len(PROFILES[profile_key].expected)
    else:
        assert len(data["results"]) == entity_count


@pytest.mark.parametrize("profile_key", PROFILE_KEYS)
def test_entities_are_exactly_what_the_profile_supports(
    validated: dict[str, Any], profile_key: str
) -> None:
    profile = PROFILES[profile_key]
    data = validated["device"][profile_key]
    got: dict[str, set[str]] = {}
    for (topic, payload), result in zip(data["messages"], data["results"], strict=True):
        camera_id = payload["availability"][-1]["topic"].split("/")[1]
        assert topic == f"homeassistant/device/{payload['device']['identifiers'][0]}/config"
        got[camera_id] = {e["key"] for e in result["entities"]}
        assert got[camera_id] == set(payload["components"])
    assert got == profile.expected
    # The entity mode has the same entities, one topic each.
    entity_mode = validated["entity"][profile_key]
    assert sorted(t for t, _ in entity_mode["messages"]) == sorted(
        f"homeassistant/{e.platform}/{e.unique_id}/config" for e in entity_mode["entities"]
    )


def test_unique_ids_are_unique_and_stable(validated: dict[str, Any]) -> None:
    unique_ids = [
        e["unique_id"]
        for profile_key in PROFILE_KEYS
        for r in validated["device"][profile_key]["results"]
        for e in r["entities"]
    ]
    duplicates = [uid for uid, n in Counter(unique_ids).items() if n > 1]
    assert not duplicates
    assert "reolink_95270000abcd1234_siren" in unique_ids
    assert "reolink_95270000nvr84100_ch2_floodlight" in unique_ids
    assert "reolink_95270000nvr84100_reboot" in unique_ids
    # Another id, name and address for the same hardware: the same unique ids and devices.
    discovery = Discovery(TOPICS, "device", PUBLIC_URL)
    for profile in (floodlight(), nvr()):
        moved = profile.camera.model_copy(
            update={"id": "renamed", "name": "Renamed", "host": "10.9.8.7"}
        )
        before = discovery.entities(profile.camera, profile.caps)
        after = discovery.entities(moved, profile.caps)
        assert [e.unique_id for e in before] == [e.unique_id for e in after]
        assert discovery.removals(profile.camera, profile.caps) == discovery.removals(
            moved, profile.caps
        )


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_no_payload_contains_an_address_or_a_password(validated: dict[str, Any], mode: str) -> None:
    for profile_key in PROFILE_KEYS:
        text = json.dumps(validated[mode][profile_key]["messages"], ensure_ascii=False)
        assert HOST not in text
        assert PASSWORD not in text
        assert "password" not in text.lower()


def _renders(data: dict[str, Any], key: str, camera_id: str, template: str) -> dict[str, str]:
    """Sample name -> rendered output for one entity's template."""
    found: dict[str, dict[str, str]] = {}
    for result in data["results"]:
        for entity in result["entities"]:
            uid = entity["unique_id"]
            if entity["key"] != key and not uid.endswith(f"_{key}"):
                continue
            for render in entity["renders"]:
                cid, name = data["index"][render["sample"]]
                if cid == camera_id and render["template"] == template:
                    found.setdefault(uid, {})[name] = render["output"]
    # `_person` also ends `ai_sensitivity_person`: the shortest unique id is the key's own.
    return found[min(found, key=len)] if found else {}


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_states_render_to_what_the_entities_mean(validated: dict[str, Any], mode: str) -> None:
    data = validated[mode]["floodlight"]
    cid = "driveway"

    def renders(key: str, template: str = "value_template") -> dict[str, str]:
        return _renders(data, key, cid, template)

    assert renders("motion") == {"full": "ON", "other": "OFF", "auto": "ON", "empty": "None"}
    assert renders("person")["full"] == "OFF"
    assert renders("siren", "state_value_template") == {
        "full": "ON",
        "other": "OFF",
        "auto": "ON",
        "empty": "None",
    }
    assert renders("floodlight", "state_value_template")["full"] == "ON"
    assert renders("floodlight", "brightness_value_template") == {
        "full": "80",
        "other": "",
        "auto": "80",
        "empty": "",
    }
    assert renders("ir_lights") == {"full": "ON", "other": "OFF", "auto": "ON", "empty": "None"}
    assert renders("status_led")["full"] == "OFF"
    assert renders("day_night")["full"] == "black_white"
    assert renders("motion_sensitivity")["full"] == "41"
    assert renders("image_saturation")["full"] == "255"
    assert renders("storage") == {"full": "50.0", "other": "None", "auto": "50.0", "empty": "None"}
    assert renders("last_event")["full"] == "person"
    attributes = json.loads(renders("last_event", "json_attributes_template")["full"])
    assert attributes["event_id"] == "e1"
    detection = renders("detection")
    assert json.loads(detection["person-start"]) == {
        "event_type": "person",
        "event_id": "person-start",
        "phase": "start",
        "timestamp": "2026-07-01T10:00:00Z",
    }
    assert json.loads(detection["motion-instant"])["event_type"] == "motion"
    # Ends, online/offline and what the camera cannot detect are ignored (empty rendering).
    for name in ("person-end", "motion-end", "online-instant", "face-start", "visitor-start"):
        assert detection[name] == "", name

    ptz = validated[mode]["ptz"]
    preset = _renders(ptz, "ptz_preset", "yard", "value_template")
    assert preset == {"full": "Gate", "other": "None", "auto": "None", "empty": "None"}
    assert _renders(ptz, "zoom", "yard", "value_template")["full"] == "12"

    bell = _renders(validated[mode]["doorbell"], "doorbell", "front_door", "value_template")
    assert json.loads(bell["visitor-instant"])["event_type"] == "press"
    assert json.loads(bell["visitor-start"])["event_type"] == "press"
    assert bell["visitor-end"] == ""
    assert bell["person-start"] == ""
    wifi = _renders(validated[mode]["doorbell_wifi"], "wifi_signal", "back_door", "value_template")
    assert wifi["full"] == "-55"

    # The features added through the table alone.
    assert renders("hdr")["full"] == "auto"
    assert renders("ai_sensitivity_vehicle")["full"] == "40"
    assert renders("motion_detection")["full"] == "ON"
    assert renders("volume")["empty"] == "None"
    hub = validated[mode]["battery"]
    argus = {
        key: _renders(hub, key, "hub_ch0", "value_template")["full"]
        for key in ("battery_level", "battery_charging", "sleeping", "pir", "pir_sensitivity")
    }
    assert argus == {
        "battery_level": "87",
        "battery_charging": "ON",
        "sleeping": "OFF",
        "pir": "ON",
        "pir_sensitivity": "50",
    }
    assert _renders(hub, "wifi_signal", "hub", "value_template")["full"] == "-55"

    nvr_storage = _renders(validated[mode]["nvr"], "storage", "nvr", "value_template")
    assert nvr_storage["full"] == "50.0"
    ch2 = _renders(validated[mode]["nvr"], "siren", "nvr_ch2", "state_value_template")
    assert ch2["full"] == "ON"


# ------------------------------------------------------------------------------------------
# Commands


@pytest.mark.parametrize("mode", ["device", "entity"])
@pytest.mark.parametrize("profile_key", PROFILE_KEYS)
def test_every_command_home_assistant_sends_is_accepted(
    validated: dict[str, Any], mode: str, profile_key: str
) -> None:
    data = validated[mode][profile_key]
    assert check_commands(data["entities"], data["results"]) > 0


def test_home_assistant_accepts_the_removal_of_one_component(ha_python: Path) -> None:
    profile = floodlight()
    channel = profile.caps.channels[0].model_copy(update={"siren": False, "floodlight": False})
    changed = profile.caps.model_copy(update={"channels": [channel]})
    messages = Discovery(TOPICS, "device", PUBLIC_URL).messages(
        profile.camera, changed, previous=profile.caps
    )
    result = validate(ha_python, messages, [])
    found = problems(result["results"])
    assert not found, "\n".join(found)
    removed = {e["key"] for r in result["results"] for e in r["entities"] if e.get("removed")}
    assert removed == {"siren", "floodlight", "floodlight_mode"}
