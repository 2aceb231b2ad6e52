"""bridge.bus.codec: every bus message survives JSON, in the same shapes MQTT carries."""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bridge.bus.codec import KINDS, CodecError, decode, encode, to_dict
from bridge.bus.messages import (
    AvailabilityChanged,
    BusMessage,
    CommandCompleted,
    DeviceReady,
    DeviceRemoved,
    EventRaised,
    SnapshotTaken,
    StateChanged,
    StillActive,
)
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.commands import CommandResult, CommandStatus
from bridge.domain.events import Event
from bridge.domain.state import CameraState
from bridge.domain.values import (
    DayNight,
    DetectionType,
    DeviceKind,
    EventPhase,
    EventType,
    FloodlightMode,
    IrMode,
    LastEvent,
    OnOff,
    StorageState,
)

CASES_PER_TYPE = 150
ALPHABET = string.ascii_letters + string.digits + ' _-ÄéØ漢🙂"\\/\n\t'


# -- random but valid values of every field --------------------------------------------------


def _text(rng: random.Random, max_len: int = 24) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len)))


def _camera_text(rng: random.Random, max_len: int = 24) -> str:
    """`_text` without the control characters a camera's text fields refuse."""
    return "".join(ch for ch in _text(rng, max_len) if ch.isprintable())


def _slug(rng: random.Random) -> str:
    first = rng.choice(string.ascii_lowercase + string.digits)
    rest = "".join(rng.choice(string.ascii_lowercase + "_-" + string.digits) for _ in range(8))
    return first + rest[: rng.randint(0, 8)]


def _maybe(rng: random.Random, make: Callable[[], Any]) -> Any:
    return None if rng.random() < 0.3 else make()


def _moment(rng: random.Random) -> datetime:
    base = datetime(2020, 1, 1, tzinfo=UTC)
    return base + timedelta(microseconds=rng.randint(0, 10**15))


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    choices: list[Callable[[], Any]] = [
        lambda: rng.randint(-(2**40), 2**40),
        lambda: _text(rng),
        lambda: rng.random() < 0.5,
        lambda: None,
        lambda: round(rng.uniform(-1e6, 1e6), 6),
    ]
    if depth < 2:
        choices.append(lambda: [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))])
        choices.append(
            lambda: {_text(rng, 8): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
        )
    return rng.choice(choices)()


def _state(rng: random.Random) -> CameraState:
    def b() -> bool | None:
        return _maybe(rng, lambda: rng.random() < 0.5)

    def n(low: int = 0, high: int = 255) -> int | None:
        return _maybe(rng, lambda: rng.randint(low, high))

    return CameraState(
        camera_id=_slug(rng),
        online=rng.random() < 0.5,
        motion=b(),
        person=b(),
        vehicle=b(),
        pet=b(),
        face=b(),
        package=b(),
        visitor=b(),
        siren=_maybe(rng, lambda: rng.choice(list(OnOff))),
        floodlight=_maybe(rng, lambda: rng.choice(list(OnOff))),
        floodlight_brightness=n(0, 100),
        floodlight_mode=_maybe(rng, lambda: rng.choice(list(FloodlightMode))),
        ir_lights=_maybe(rng, lambda: rng.choice(list(IrMode))),
        status_led=_maybe(rng, lambda: rng.choice(list(OnOff))),
        day_night=_maybe(rng, lambda: rng.choice(list(DayNight))),
        brightness=n(),
        contrast=n(),
        saturation=n(),
        sharpness=n(),
        hue=n(),
        motion_sensitivity=n(1, 50),
        recording=_maybe(rng, lambda: rng.choice(list(OnOff))),
        push=_maybe(rng, lambda: rng.choice(list(OnOff))),
        email=_maybe(rng, lambda: rng.choice(list(OnOff))),
        ftp=_maybe(rng, lambda: rng.choice(list(OnOff))),
        zoom=n(0, 100),
        ptz_preset=_maybe(rng, lambda: _text(rng)),
        storage=_maybe(
            rng,
            lambda: StorageState(capacity_mb=rng.randint(0, 10**7), free_mb=rng.randint(0, 10**7)),
        ),
        wifi_signal=n(-100, 100),
        last_event=_maybe(
            rng,
            lambda: LastEvent(
                type=rng.choice(list(EventType)),
                phase=rng.choice(list(EventPhase)),
                timestamp=_moment(rng),
                event_id=_text(rng, 36),
            ),
        ),
        updated_at=_moment(rng),
    )


def _event(rng: random.Random) -> Event:
    return Event(
        type=rng.choice(list(EventType)),
        phase=rng.choice(list(EventPhase)),
        camera_id=_slug(rng),
        camera_name=_text(rng),
        channel=rng.randint(0, 255),
        timestamp=_moment(rng),
        started_at=_maybe(rng, lambda: _moment(rng)),
        duration=_maybe(rng, lambda: rng.uniform(0, 86400)),
        data={_text(rng, 8): _json_value(rng) for _ in range(rng.randint(0, 4))},
    )


def _camera(rng: random.Random) -> Camera:
    return Camera(
        id=_slug(rng),
        name=_camera_text(rng),
        host=f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        port=_maybe(rng, lambda: rng.randint(1, 65535)),
        https=rng.random() < 0.5,
        verify_tls=rng.random() < 0.5,
        username=_camera_text(rng, 20) or "admin",
        password=SecretStr(""),
        channel=_maybe(rng, lambda: rng.randint(0, 255)),
        tags=[_camera_text(rng, 10).strip() or "tag" for _ in range(rng.randint(0, 3))],
        enabled=rng.random() < 0.5,
        poll_interval=_maybe(rng, lambda: rng.uniform(0.1, 3600)),
    )


def _capabilities(rng: random.Random) -> Capabilities:
    channels = [
        ChannelCapabilities(
            channel=number,
            name=_text(rng),
            model=_maybe(rng, lambda: _text(rng)),
            online=rng.random() < 0.8,
            ai_types=rng.sample(list(DetectionType), rng.randint(0, 3)),
            siren=rng.random() < 0.5,
            floodlight=rng.random() < 0.5,
            ptz_presets=[_text(rng, 10) for _ in range(rng.randint(0, 3))],
            ptz_preset_ids={_text(rng, 6): rng.randint(0, 64) for _ in range(rng.randint(0, 2))},
            zoom_range=_maybe(rng, lambda: (rng.randint(0, 10), rng.randint(10, 100))),
        )
        for number in range(rng.randint(0, 4))
    ]
    return Capabilities(
        model=_text(rng) or "RLC-810A",
        name=_text(rng),
        serial=_text(rng),
        uid=_text(rng),
        mac=_maybe(rng, lambda: _text(rng, 17)),
        firmware=_text(rng),
        kind=rng.choice(list(DeviceKind)),
        channel_count=max(1, len(channels)),
        channels=channels,
        wifi=rng.random() < 0.5,
    )


def _result(rng: random.Random) -> CommandResult:
    return CommandResult(
        status=rng.choice(list(CommandStatus)),
        camera_id=_maybe(rng, lambda: _slug(rng)),
        data=_maybe(rng, lambda: {_text(rng, 8): _json_value(rng) for _ in range(2)}),
        error=_maybe(rng, lambda: _text(rng)),
        transaction=_maybe(rng, lambda: _text(rng)),
    )


GENERATORS: dict[str, Callable[[random.Random], BusMessage]] = {
    "state_changed": lambda rng: StateChanged(_state(rng)),
    "event_raised": lambda rng: EventRaised(_event(rng)),
    "availability_changed": lambda rng: AvailabilityChanged(_slug(rng), rng.random() < 0.5),
    "device_ready": lambda rng: DeviceReady(_camera(rng), _capabilities(rng)),
    "device_removed": lambda rng: DeviceRemoved(
        _camera(rng), _maybe(rng, lambda: _capabilities(rng))
    ),
    "command_completed": lambda rng: CommandCompleted(
        camera_id=_slug(rng),
        command={_text(rng, 8): _json_value(rng) for _ in range(rng.randint(1, 3))},
        source=rng.choice(["mqtt", "rest", "ws", "ha"]),
        result=_result(rng),
        who=_maybe(rng, lambda: _text(rng)),
    ),
    "still_active": lambda rng: StillActive(
        _slug(rng),
        datetime(2025, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randint(0, 10**13)),
    ),
    "snapshot_taken": lambda rng: SnapshotTaken(
        _slug(rng),
        rng.randbytes(rng.choice([0, 1, 2, 3, 100, 5000])),
        _maybe(rng, lambda: _text(rng)),
        rng.choice([False, True]),
    ),
}


def test_every_message_type_has_a_generator() -> None:
    assert set(GENERATORS) == KINDS
    assert {type(make(random.Random(0))).__name__ for make in GENERATORS.values()} == {
        "StateChanged",
        "EventRaised",
        "AvailabilityChanged",
        "DeviceReady",
        "DeviceRemoved",
        "CommandCompleted",
        "StillActive",
        "SnapshotTaken",
    }


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_round_trip(kind: str) -> None:
    """Property: decode(encode(m)) == m for many random messages of each type."""
    rng = random.Random(f"codec-{kind}")
    for _ in range(CASES_PER_TYPE):
        message = GENERATORS[kind](rng)
        data = encode(message)
        assert decode(data) == message
        assert decode(data.decode()) == message
        assert json.loads(data)["type"] == kind


def test_payloads_are_the_mqtt_json() -> None:
    rng = random.Random(1)
    state, event = _state(rng), _event(rng)
    assert json.loads(encode(StateChanged(state)))["state"] == state.payload()
    assert json.loads(encode(EventRaised(event)))["event"] == event.payload()


def test_snapshot_is_base64() -> None:
    jpeg = b"\xff\xd8\xff\xe0JFIF\x00\xff\xd9"
    data = json.loads(encode(SnapshotTaken("cam", jpeg, "e1")))
    assert base64.b64decode(data["jpeg"]) == jpeg


def test_camera_password_never_encoded() -> None:
    rng = random.Random(2)
    camera = _camera(rng).model_copy(update={"password": SecretStr("s3cret-pässword")})
    for message in (
        DeviceReady(camera, _capabilities(rng)),
        DeviceRemoved(camera, None),
    ):
        data = encode(message)
        assert b"s3cret" not in data
        assert b"password" not in data
        decoded = decode(data)
        assert isinstance(decoded, DeviceReady | DeviceRemoved)
        assert decoded.camera.password.get_secret_value() == ""
        assert decoded.camera == camera.model_copy(update={"password": SecretStr("")})


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"type":"state_changed"}',
        b'{"v":2,"type":"state_changed","state":{}}',
        b'{"v":1,"type":"nope"}',
        b'{"v":1,"type":"state_changed"}',
        b'{"v":1,"type":"state_changed","state":{"online":true}}',
        b'{"v":1,"type":"availability_changed","camera_id":"a","online":"yes"}',
        b'{"v":1,"type":"snapshot_taken","camera_id":"a","jpeg":"***"}',
        b'{"v":1,"type":"command_completed","camera_id":"a","command":[],"source":"x",'
        b'"result":{"status":"ok"}}',
        b'{"v":1,"type":"device_ready","camera":{"id":"a","host":"h"},"capabilities":null}',
    ],
)
def test_garbage_is_a_codec_error(raw: bytes) -> None:
    with pytest.raises(CodecError):
        decode(raw)


def test_to_dict_is_json_ready() -> None:
    rng = random.Random(3)
    for make in GENERATORS.values():
        json.dumps(to_dict(make(rng)))
