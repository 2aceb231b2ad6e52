from __future__ import annotations

import pytest

from bridge.topics.tree import CameraTopic, ParsedCommandTopic, Topics


def test_round_trip() -> None:
    topics = Topics(base="cams")
    assert topics.parse_command(topics.set("front")) == ParsedCommandTopic("front", CameraTopic.SET)
    assert topics.parse_command(topics.set("front", "siren")) == ParsedCommandTopic(
        "front", CameraTopic.SET, "siren"
    )
    assert topics.parse_command(topics.get("front")) == ParsedCommandTopic("front", CameraTopic.GET)
    assert topics.bridge_request_action("cams/bridge/request/camera/add") == "camera/add"


@pytest.mark.parametrize(
    "topic",
    [
        "cams/front",
        "cams/front/event",
        "cams/front/set/a/b",
        "cams/bridge/set",
        "other/front/set",
        "cams//set",
        "cams/front/set/",
        "cams/front/get/x",
    ],
)
def test_not_commands(topic: str) -> None:
    assert Topics(base="cams").parse_command(topic) is None


def test_bridge_request_needs_an_action() -> None:
    assert Topics().bridge_request_action("reolink/bridge/request/") is None
    assert Topics().bridge_request_action("reolink/front/set") is None
