"""Home Assistant discovery: structure, identities, modes, removal (no Home Assistant needed).

tests/ha/test_discovery_ha.py validates the same payloads with Home Assistant's own schemas.
"""

from __future__ import annotations

import json

import pytest
from ha.profiles import HOST, PASSWORD, all_profiles, doorbell, floodlight, legacy, nvr

from bridge import __version__
from bridge.domain.camera import Camera, ChannelSettings
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.commands import Command
from bridge.mqtt.discovery import Discovery
from bridge.topics.tree import CameraTopic, Topics

TOPICS = Topics(base="cams", discovery_prefix="ha")


def test_device_mode_one_message_per_view() -> None:
    profile = floodlight()
    discovery = Discovery(TOPICS, "device", "http://bridge.local:8080/")
    [(topic, payload)] = discovery.messages(profile.camera, profile.caps)
    assert topic == "ha/device/reolink_95270000abcd1234/config"
    assert payload["device"] == {
        "identifiers": ["reolink_95270000abcd1234"],
        "connections": [["mac", "ec:71:db:12:34:56"]],
        "name": "Driveway",
        "manufacturer": "Reolink",
        "model": "RLC-811A",
        "model_id": "IPC_523128M8MP",
        "sw_version": "v3.1.0.2368_23062508",
        "serial_number": "00000000000000",
        "configuration_url": "http://bridge.local:8080/?camera=driveway",
    }
    assert payload["origin"] == {
        "name": "reolink-server",
        "sw_version": __version__,
        "support_url": "http://bridge.local:8080",
    }
    assert payload["availability"] == [
        {"topic": "cams/bridge/state"},
        {"topic": "cams/driveway/availability"},
    ]
    assert payload["availability_mode"] == "all"
    assert payload["qos"] == 1
    assert payload["state_topic"] == "cams/driveway"
    siren = payload["components"]["siren"]
    assert siren["platform"] == "siren"
    assert siren["unique_id"] == "reolink_95270000abcd1234_siren"
    assert siren["object_id"] == "driveway_siren"
    assert siren["default_entity_id"] == "siren.driveway_siren"
    assert siren["command_topic"] == "cams/driveway/set"
    assert siren["support_duration"] is True
    assert payload["components"]["detection"]["state_topic"] == "cams/driveway/event"
    image = payload["components"]["last_snapshot"]
    assert image["url_topic"] == "cams/driveway/snapshot/url"
    assert "image_topic" not in image
    for component in payload["components"].values():
        assert component["qos"] == 1
        assert component["unique_id"].startswith("reolink_95270000abcd1234_")


def test_without_public_url_there_is_no_configuration_or_support_url() -> None:
    profile = floodlight()
    [(_, payload)] = Discovery(TOPICS).messages(profile.camera, profile.caps)
    assert "configuration_url" not in payload["device"]
    assert "support_url" not in payload["origin"]
    assert Discovery(TOPICS, support_url="https://example.org/help").origin["support_url"] == (
        "https://example.org/help"
    )


def test_nvr_channels_are_devices_via_the_nvr() -> None:
    profile = nvr()
    discovery = Discovery(TOPICS)
    messages = dict(discovery.messages(profile.camera, profile.caps))
    assert list(messages) == [
        "ha/device/reolink_95270000nvr84100/config",
        "ha/device/reolink_95270000nvr84100_ch0/config",
        "ha/device/reolink_95270000nvr84100_ch1/config",
        "ha/device/reolink_95270000nvr84100_ch2/config",
    ]
    own = messages["ha/device/reolink_95270000nvr84100/config"]
    assert set(own["components"]) == {"reboot", "storage"}
    assert own["device"]["connections"] == [["mac", "ec:71:db:84:10:00"]]
    assert own["device"]["model"] == "RLN8-410"
    assert "via_device" not in own["device"]
    ch2 = messages["ha/device/reolink_95270000nvr84100_ch2/config"]
    assert ch2["device"]["identifiers"] == ["reolink_95270000nvr84100_ch2"]
    assert ch2["device"]["via_device"] == "reolink_95270000nvr84100"
    assert ch2["device"]["name"] == "Side Gate"
    assert ch2["device"]["model"] == "RLC-811A"
    assert ch2["device"]["serial_number"] == "95270000NVRCH2C3"
    assert "connections" not in ch2["device"]  # the MAC is the NVR's
    assert "model_id" not in ch2["device"]
    assert ch2["availability"] == [
        {"topic": "cams/bridge/state"},
        {"topic": "cams/nvr/availability"},
        {"topic": "cams/nvr_ch2/availability"},
    ]
    assert ch2["components"]["siren"]["unique_id"] == "reolink_95270000nvr84100_ch2_siren"
    assert (
        ch2["components"]["siren"]["default_entity_id"] == "siren.side_gate_siren"
    )  # named as shown
    assert ch2["components"]["siren"]["command_topic"] == "cams/nvr_ch2/set"
    assert "reboot" not in ch2["components"]  # a channel cannot reboot the NVR


def test_a_channel_named_in_the_config_gets_that_name_and_entity_ids_from_it() -> None:
    profile = nvr()
    camera = profile.camera.model_copy(
        update={"channels": {2: ChannelSettings(name="Garden Gate")}}
    )
    discovery = Discovery(TOPICS)
    messages = dict(discovery.messages(camera, profile.caps))
    ch2 = messages["ha/device/reolink_95270000nvr84100_ch2/config"]
    assert ch2["device"]["name"] == "Garden Gate"
    assert ch2["components"]["siren"]["default_entity_id"] == "siren.garden_gate_siren"
    assert ch2["components"]["motion"]["object_id"] == "garden_gate_motion"
    # unique ids stay what they were: renaming never makes a new entity
    assert ch2["components"]["siren"]["unique_id"] == "reolink_95270000nvr84100_ch2_siren"
    ch0 = messages["ha/device/reolink_95270000nvr84100_ch0/config"]
    assert ch0["device"]["name"] == "Front Yard"  # the channel's own name when none is set


def test_a_camera_configured_as_one_nvr_channel() -> None:
    profile = nvr()
    camera = profile.camera.model_copy(update={"id": "gate", "channel": 2, "name": ""})
    [(topic, payload)] = Discovery(TOPICS).messages(camera, profile.caps)
    assert topic == "ha/device/reolink_95270000nvr84100_ch2/config"
    assert "via_device" not in payload["device"]
    assert payload["device"]["name"] == "Side Gate"
    assert payload["availability"][-1] == {"topic": "cams/gate/availability"}
    assert "floodlight" in payload["components"]
    assert "reboot" not in payload["components"]


def test_entity_mode_one_topic_per_entity_with_the_full_content() -> None:
    profile = floodlight()
    device_mode = Discovery(TOPICS, "device")
    entity_mode = Discovery(TOPICS, "entity")
    [(_, device_payload)] = device_mode.messages(profile.camera, profile.caps)
    messages = entity_mode.messages(profile.camera, profile.caps)
    assert len(messages) == len(device_payload["components"])
    for topic, payload in messages:
        key = payload["unique_id"].removeprefix("reolink_95270000abcd1234_")
        component = device_payload["components"][key]
        assert topic == f"ha/{component['platform']}/{payload['unique_id']}/config"
        assert "platform" not in payload
        assert payload["device"] == device_payload["device"]
        assert payload["origin"] == device_payload["origin"]
        assert payload["availability"] == device_payload["availability"]
        assert payload["availability_mode"] == "all"
        for name, value in component.items():
            if name != "platform":
                assert payload[name] == value
        if component["platform"] in ("button", "image"):
            assert "state_topic" not in payload
        else:
            assert payload["state_topic"] == component.get("state_topic", "cams/driveway")


def test_off_mode_publishes_and_removes_nothing() -> None:
    profile = nvr()
    discovery = Discovery(TOPICS, "off")
    assert discovery.messages(profile.camera, profile.caps) == []
    assert discovery.removals(profile.camera, profile.caps) == []
    assert discovery.retained_topics(profile.camera, profile.caps)


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_removals_are_the_published_discovery_topics(mode: str) -> None:
    for profile in all_profiles():
        discovery = Discovery(TOPICS, mode)  # type: ignore[arg-type]
        published = [t for t, _ in discovery.messages(profile.camera, profile.caps)]
        assert discovery.removals(profile.camera, profile.caps) == published


def test_retained_topics_cover_every_view() -> None:
    profile = nvr()
    topics = Discovery(TOPICS).retained_topics(profile.camera, profile.caps)
    for cid in ("nvr", "nvr_ch0", "nvr_ch1", "nvr_ch2"):
        for topic in (
            f"cams/{cid}",
            f"cams/{cid}/availability",
            f"cams/{cid}/snapshot/url",
            f"cams/{cid}/snapshot",
        ):
            assert topic in topics
    assert not any("nvr_ch3" in t for t in topics)  # offline channels have no view


def test_entities_follow_the_capabilities() -> None:
    discovery = Discovery(TOPICS)
    bare = Capabilities(
        model="X",
        uid="U1",
        reboot=False,
        channels=[ChannelCapabilities(channel=0, motion=False, snapshot=False)],
    )
    camera = Camera(id="bare", host=HOST)
    [(_, payload)] = discovery.messages(camera, bare)
    assert payload["components"] == {}
    # Nothing known about the channels yet: only what the device itself has.
    unknown = Capabilities(model="X", uid="U1", channels=[])
    assert [e.key for e in discovery.entities(camera, unknown)] == ["reboot"]
    # A zoom-only camera: zoom buttons and number, no pan/tilt, no stop.
    zoom_only = bare.model_copy(
        update={"channels": [ChannelCapabilities(channel=0, motion=False, zoom=True)]}
    )
    keys = {e.key for e in discovery.entities(camera, zoom_only)}
    assert keys == {"ptz_zoom_in", "ptz_zoom_out", "zoom", "snapshot", "last_snapshot"}
    # Floodlight without brightness: an on/off light.
    light = bare.model_copy(
        update={"channels": [ChannelCapabilities(channel=0, motion=False, floodlight=True)]}
    )
    [(_, payload)] = discovery.messages(camera, light)
    assert "brightness_command_topic" not in payload["components"]["floodlight"]
    # Wi-Fi only when the device has it.
    assert "wifi_signal" in {
        e.key for e in discovery.entities(camera, bare.model_copy(update={"wifi": True}))
    }
    assert "wifi_signal" not in {e.key for e in discovery.entities(camera, bare)}


def test_visitor_gets_a_doorbell_event_and_no_detection_type() -> None:
    profile = doorbell()
    [(_, payload)] = Discovery(TOPICS).messages(profile.camera, profile.caps)
    components = payload["components"]
    assert components["doorbell"]["device_class"] == "doorbell"
    assert components["doorbell"]["event_types"] == ["press"]
    assert components["detection"]["event_types"] == ["motion", "person"]
    assert components["visitor"]["platform"] == "binary_sensor"


def test_legacy_camera_has_no_ai() -> None:
    profile = legacy()
    [(_, payload)] = Discovery(TOPICS).messages(profile.camera, profile.caps)
    assert payload["components"]["detection"]["event_types"] == ["motion"]
    assert not {"person", "vehicle", "siren", "floodlight", "day_night"} & set(
        payload["components"]
    )


def test_ids_are_safe_for_topics_and_entity_ids() -> None:
    caps = Capabilities(model="X", uid="ab:CD/12+#", channels=[ChannelCapabilities(channel=0)])
    camera = Camera(id="front-door", host=HOST)
    [(topic, payload)] = Discovery(TOPICS).messages(camera, caps)
    assert topic == "ha/device/reolink_ab_cd_12__/config"
    motion = payload["components"]["motion"]
    assert motion["unique_id"] == "reolink_ab_cd_12___motion"
    assert motion["object_id"] == "front_door_motion"
    assert motion["default_entity_id"] == "binary_sensor.front_door_motion"


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_no_address_or_password_in_any_payload(mode: str) -> None:
    for profile in all_profiles():
        messages = Discovery(TOPICS, mode).messages(profile.camera, profile.caps)  # type: ignore[arg-type]
        text = json.dumps(messages, ensure_ascii=False)
        assert HOST not in text
        assert PASSWORD not in text


def test_plain_command_payloads_are_accepted() -> None:
    """Buttons, switches, selects and numbers send plain payloads to /set/<attribute>.

    (Templated commands, such as the siren's, are rendered by Home Assistant in tests/ha/.)"""
    checked = 0
    for profile in all_profiles():
        for entity in Discovery(TOPICS).entities(profile.camera, profile.caps):
            config = entity.config
            if "command_topic" not in config or "command_template" in config:
                continue
            payloads = {
                "button": [config.get("payload_press", "PRESS")],
                "switch": [config.get("payload_on", "ON"), config.get("payload_off", "OFF")],
                "select": config.get("options", []),
                "number": [str(config.get("min")), str(config.get("max"))],
                "light": ["ON", "OFF"],
            }[entity.platform]
            parsed = TOPICS.parse_command(config["command_topic"])
            assert parsed is not None
            assert parsed.kind is CameraTopic.SET
            assert parsed.camera_id == entity.view.camera_id
            assert parsed.attribute is not None
            for payload in payloads:
                Command.from_attribute(parsed.attribute, payload)
                checked += 1
            if "brightness_command_topic" in config:
                brightness = TOPICS.parse_command(config["brightness_command_topic"])
                assert brightness is not None
                assert brightness.attribute is not None
                command = Command.from_attribute(brightness.attribute, "100")
                assert command.floodlight is not None
                assert command.floodlight.brightness == 100
    assert checked > 100


def test_a_component_that_is_gone_is_removed_by_platform_alone() -> None:
    profile = floodlight()
    channel = profile.caps.channels[0].model_copy(update={"siren": False})
    changed = profile.caps.model_copy(update={"channels": [channel]})
    discovery = Discovery(TOPICS)
    [(_, payload)] = discovery.messages(profile.camera, changed, previous=profile.caps)
    assert payload["components"]["siren"] == {"platform": "siren"}
    assert discovery.stale_topics(profile.camera, profile.caps, changed) == []
    # Unchanged capabilities: nothing extra.
    [(_, same)] = discovery.messages(profile.camera, profile.caps, previous=profile.caps)
    [(_, plain)] = discovery.messages(profile.camera, profile.caps)
    assert same == plain
    # Entity mode: the entity's own topic is stale.
    entity_mode = Discovery(TOPICS, "entity")
    assert entity_mode.stale_topics(profile.camera, profile.caps, changed) == [
        "ha/siren/reolink_95270000abcd1234_siren/config"
    ]


def test_an_nvr_slot_emptied_leaves_a_stale_device_topic() -> None:
    """A channel whose camera is gone for good (an empty slot: offline, no model) loses its
    device; one that is merely offline keeps it (the runner keeps its last known model)."""
    profile = nvr()
    emptied = [
        c.model_copy(update={"online": False, "model": None}) if c.channel == 1 else c
        for c in profile.caps.channels
    ]
    changed = profile.caps.model_copy(update={"channels": emptied})
    discovery = Discovery(TOPICS)
    assert discovery.stale_topics(profile.camera, profile.caps, changed) == [
        "ha/device/reolink_95270000nvr84100_ch1/config"
    ]
    topics = [t for t, _ in discovery.messages(profile.camera, changed, previous=profile.caps)]
    assert "ha/device/reolink_95270000nvr84100_ch1/config" not in topics

    offline = [
        c.model_copy(update={"online": False}) if c.channel == 1 else c
        for c in profile.caps.channels
    ]
    unplugged = profile.caps.model_copy(update={"channels": offline})
    assert discovery.stale_topics(profile.camera, profile.caps, unplugged) == []


@pytest.mark.parametrize("mode", ["device", "entity"])
def test_with_several_instances_the_owner_state_stands_for_the_bridge_state(mode: str) -> None:
    """Another instance's death must not make this camera unavailable: its availability
    names the instance that runs it, not `bridge/state` (which blinks when one dies)."""
    profile = nvr()
    messages = Discovery(TOPICS, mode).messages(profile.camera, profile.caps, owner="b2")  # type: ignore[arg-type]
    assert messages
    for _, payload in messages:
        topics = [entry["topic"] for entry in payload["availability"]]
        assert topics[0] == "cams/bridge/b2/state"
        assert "cams/bridge/state" not in topics
        assert topics[-1].endswith("/availability")
