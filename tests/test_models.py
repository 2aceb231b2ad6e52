"""The shared models: command parsing is the first line of defence against bad input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bridge.domain.base import new_event_id
from bridge.domain.camera import MAX_TAG_LENGTH, MAX_TAGS, RESERVED_CAMERA_IDS, Camera
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import ResultCode
from bridge.domain.values import DayNight, IrMode, OnOff, PtzOp


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ({"siren": "ON"}, lambda c: c.siren.state is OnOff.ON and c.siren.duration is None),
        ({"siren": {"state": "on", "duration": 10}}, lambda c: c.siren.duration == 10),
        ({"floodlight": "OFF"}, lambda c: c.floodlight.state is OnOff.OFF),
        (
            {"floodlight": {"state": "ON", "brightness": 80}},
            lambda c: c.floodlight.brightness == 80,
        ),
        ({"ptz": {"op": "left", "speed": 32}}, lambda c: c.ptz.op is PtzOp.LEFT),
        ({"ptz": "stop"}, lambda c: c.ptz.op is PtzOp.STOP and c.ptz.speed == 32),
        ({"ptz_preset": "Gate"}, lambda c: c.ptz_preset == "Gate"),
        ({"reboot": True}, lambda c: c.reboot is True),
        ({"reboot": "PRESS"}, lambda c: c.reboot is True),
        ({"ir_lights": "auto"}, lambda c: c.ir_lights is IrMode.AUTO),
        ({"status_led": True}, lambda c: c.status_led is OnOff.ON),
        ({"recording": "off"}, lambda c: c.recording is OnOff.OFF),
        ({"day_night": "black&white"}, lambda c: c.day_night is DayNight.BLACK_WHITE),
        ({"image": {"brightness": 200}}, lambda c: c.image_brightness == 200),
    ],
)
def test_valid_commands(payload: dict[str, object], check: object) -> None:
    command = Command.model_validate({**payload, "transaction": "t-1"})
    assert command.transaction == "t-1"
    assert check(command)  # type: ignore[operator]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"transaction": "only"},
        {"siren": "LOUD"},
        {"siren": {"state": "ON", "duration": 100000}},
        {"floodlight": {"brightness": 101}},
        {"floodlight": {}},
        {"ptz": {"op": "sideways"}},
        {"ptz": {"op": "left", "speed": 0}},
        {"motion_sensitivity": 51},
        {"unknown_attribute": 1},
        {"reboot": False},
        {"image": {"contrast": -1}},
    ],
)
def test_invalid_commands_are_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Command.model_validate(payload)


def test_actions_follow_field_order() -> None:
    command = Command.model_validate({"reboot": True, "siren": "OFF", "ptz_preset": "Gate"})
    assert command.actions() == ["siren", "ptz_preset", "reboot"]


def test_camera_never_shows_its_password() -> None:
    camera = Camera(id="front_door", host="192.0.2.1", password="s3cret#pw")
    assert "s3cret" not in repr(camera)
    assert "s3cret" not in str(camera.public_dict())
    assert "password" not in camera.public_dict()
    assert camera.password.get_secret_value() == "s3cret#pw"


def test_camera_id_is_a_topic_safe_slug() -> None:
    for bad in ["Front Door", "a/b", "a+b", "#", "", "x" * 65]:
        with pytest.raises(ValidationError):
            Camera(id=bad, host="h")


def test_event_ids_are_unique_and_time_ordered() -> None:
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)


def test_command_result_shapes() -> None:
    assert CommandResult.ok("cam", "t").model_dump(mode="json", exclude_none=True) == {
        "status": "ok",
        "code": "ok",
        "camera_id": "cam",
        "transaction": "t",
    }
    failed = CommandResult.failed("cam", None, "boom", ResultCode.OFFLINE)
    assert failed.status == "error"
    assert failed.code == "offline"
    assert failed.error == "boom"


@pytest.mark.parametrize(
    ("attribute", "value", "expected"),
    [
        ("siren", "ON", {"siren": {"state": "ON", "duration": None}}),
        ("floodlight", "off", {"floodlight": {"state": "OFF", "brightness": None, "mode": None}}),
        (
            "floodlight_brightness",
            "80",
            {"floodlight": {"state": None, "brightness": 80, "mode": None}},
        ),
        (
            "floodlight_mode",
            "Night",
            {"floodlight": {"state": None, "brightness": None, "mode": "night"}},
        ),
        ("ptz", "left", {"ptz": {"op": "left", "speed": 32, "duration": None}}),
        ("ptz_preset", "Gate", {"ptz_preset": "Gate"}),
        ("reboot", "PRESS", {"reboot": True}),
        ("snapshot", "PRESS", {"snapshot": True}),
        ("ir_lights", "Off", {"ir_lights": "Off"}),
        ("brightness", " 12 ", {"image_brightness": 12}),
        ("motion_sensitivity", "40", {"motion_sensitivity": 40}),
        ("recording", "ON", {"recording": "ON"}),
    ],
)
def test_plain_attribute_commands(attribute: str, value: str, expected: dict[str, object]) -> None:
    command = Command.from_attribute(attribute, value, transaction="t9")
    dumped = command.model_dump(mode="json", exclude_none=True)
    assert dumped.pop("transaction") == "t9"
    for key, sub in expected.items():
        want = {k: v for k, v in sub.items() if v is not None} if isinstance(sub, dict) else sub
        assert dumped[key] == want


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("warp_drive", "ON"),
        ("siren", "maybe"),
        ("floodlight_brightness", "bright"),
        ("zoom", "101"),
        ("motion_sensitivity", "0"),
        ("reboot", "no"),
        ("channel", "1"),
        ("transaction", "x"),
    ],
)
def test_bad_plain_attribute_commands(attribute: str, value: str) -> None:
    with pytest.raises(ValueError, match=r"attribute|validation error"):
        Command.from_attribute(attribute, value)


def test_zoom_percent_maps_to_the_cameras_range() -> None:
    from bridge.domain.capabilities import ChannelCapabilities

    ch = ChannelCapabilities(channel=0, zoom=True, zoom_range=(0, 33))
    assert [ch.zoom_position(p) for p in (0, 10, 50, 100, 150)] == [0, 3, 16, 33, 33]
    assert [ch.zoom_percent(p) for p in (0, 3, 16, 33, 40)] == [0, 9, 48, 100, 100]
    assert ChannelCapabilities(channel=0).zoom_position(42) == 42


@pytest.mark.parametrize("char", ["\x00", "\t", "\n", "\x1b", "\x7f", "\x85", "\u2028", "\ud800"])
@pytest.mark.parametrize("field", ["name", "username", "tags", "host"])
def test_camera_text_refuses_control_characters(field: str, char: str) -> None:
    value: object = [f"a{char}b"] if field == "tags" else f"a{char}b"
    with pytest.raises(ValidationError) as refused:
        Camera.model_validate({"id": "gate", "host": "127.0.0.2", field: value})
    assert [e["loc"][0] for e in refused.value.errors()] == [field]


def test_camera_tags_are_bounded_and_trimmed() -> None:
    ok = Camera(id="gate", host="h", tags=[f" t{n} " for n in range(MAX_TAGS)])
    assert ok.tags[0] == "t0"
    for tags in (
        [f"t{n}" for n in range(MAX_TAGS + 1)],
        ["x" * (MAX_TAG_LENGTH + 1)],
        [" "],
    ):
        with pytest.raises(ValidationError):
            Camera(id="gate", host="h", tags=tags)


@pytest.mark.parametrize(
    ("host", "stored"),
    [("192.168.1.10", "192.168.1.10"), ("[fd00::10]", "fd00::10"), ("cam-1.lan.", "cam-1.lan.")],
)
def test_camera_host_is_an_address_or_a_name(host: str, stored: str) -> None:
    assert Camera(id="gate", host=host).host == stored


@pytest.mark.parametrize("host", ["cam/x", "user@cam", "cam:80", "-", "a b", "http://cam"])
def test_camera_host_refuses_anything_else(host: str) -> None:
    with pytest.raises(ValidationError):
        Camera(id="gate", host=host)


def test_the_login_target_is_where_and_as_whom_the_password_goes() -> None:
    camera = Camera(id="gate", host="Cam.lan")
    assert camera.login_target == Camera(id="gate", host="cam.lan", port=80).login_target
    for change in ({"host": "other"}, {"port": 81}, {"https": True}, {"username": "x"}):
        assert camera.model_copy(update=change).login_target != camera.login_target
    assert camera.model_copy(update={"tags": ["t"]}).login_target == camera.login_target


def test_a_change_needs_the_password_when_it_sends_it_elsewhere_or_less_checked() -> None:
    checked = Camera(id="gate", host="cam.lan", https=True, verify_tls=True)
    unchecked = checked.model_copy(update={"verify_tls": False})
    assert checked.needs_password_for(unchecked)
    assert not unchecked.needs_password_for(checked)
    assert checked.needs_password_for(checked.model_copy(update={"host": "other"}))
    assert not checked.needs_password_for(checked.model_copy(update={"tags": ["t"]}))


@pytest.mark.parametrize("reserved", sorted(RESERVED_CAMERA_IDS))
def test_a_reserved_camera_id_is_refused(reserved: str) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        Camera(id=reserved, host="cam.lan")
    assert Camera(id=f"{reserved}2", host="cam.lan").id == f"{reserved}2"
