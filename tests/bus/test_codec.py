"""bridge.bus.codec: every bus message survives JSON, in the same shapes MQTT carries."""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from pydantic import SecretStr

from bridge.bus.codec import KIND_OF, KINDS, CodecError, decode, encode, to_dict
from bridge.bus.messages import (
    AvailabilityChanged,
    BusMessage,
    CommandCompleted,
    CommandRequested,
    DeviceAdded,
    DeviceReady,
    DeviceRemoved,
    EventRaised,
    PushChanged,
    SnapshotTaken,
    StateChanged,
    StillActive,
)
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.commands import Command, CommandResult, CommandStatus
from bridge.domain.errors import ResultCode
from bridge.domain.events import Event, EventFence
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
        code=rng.choice(list(ResultCode)),
        camera_id=_maybe(rng, lambda: _slug(rng)),
        data=_maybe(rng, lambda: {_text(rng, 8): _json_value(rng) for _ in range(2)}),
        error=_maybe(rng, lambda: _text(rng)),
        transaction=_maybe(rng, lambda: _text(rng)),
    )


def _command(rng: random.Random) -> Command:
    body: dict[str, Any] = rng.choice(
        [
            {"siren": rng.choice(["ON", "OFF"])},
            {"floodlight": {"state": "ON", "brightness": rng.randint(0, 100)}},
            {"ptz": {"op": rng.choice(["left", "right", "stop"]), "speed": rng.randint(1, 64)}},
            {"ptz_preset": _camera_text(rng) or "Gate"},
            {"status_led": "OFF", "motion_sensitivity": rng.randint(1, 50)},
            {"image": {"brightness": rng.randint(0, 255)}},
        ]
    )
    return Command.model_validate(
        {
            **body,
            "transaction": _maybe(rng, lambda: _text(rng)),
            "channel": _maybe(rng, lambda: rng.randint(0, 255)),
        }
    )


GENERATORS: dict[type[Any], Callable[[random.Random], BusMessage]] = {
    StateChanged: lambda rng: StateChanged(_state(rng)),
    EventRaised: lambda rng: EventRaised(_event(rng)),
    AvailabilityChanged: lambda rng: AvailabilityChanged(_slug(rng), rng.random() < 0.5),
    DeviceAdded: lambda rng: DeviceAdded(_camera(rng)),
    DeviceReady: lambda rng: DeviceReady(
        _camera(rng), _capabilities(rng), _maybe(rng, lambda: _slug(rng))
    ),
    DeviceRemoved: lambda rng: DeviceRemoved(_camera(rng), _maybe(rng, lambda: _capabilities(rng))),
    CommandRequested: lambda rng: CommandRequested(
        request_id=_text(rng, 24),
        camera_id=_slug(rng),
        command=_command(rng),
        source=rng.choice(["mqtt", "rest", "ws", "ha"]),
        who=_maybe(rng, lambda: _text(rng)),
    ),
    CommandCompleted: lambda rng: CommandCompleted(
        camera_id=_slug(rng),
        command={_text(rng, 8): _json_value(rng) for _ in range(rng.randint(1, 3))},
        source=rng.choice(["mqtt", "rest", "ws", "ha"]),
        result=_result(rng),
        who=_maybe(rng, lambda: _text(rng)),
        request_id=_maybe(rng, lambda: _text(rng, 24)),
        repeat=rng.random() < 0.5,
    ),
    StillActive: lambda rng: StillActive(
        _slug(rng),
        datetime(2025, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randint(0, 10**13)),
    ),
    SnapshotTaken: lambda rng: SnapshotTaken(
        _slug(rng),
        rng.randbytes(rng.choice([0, 1, 2, 3, 100, 5000])),
        _maybe(rng, lambda: _text(rng)),
        _maybe(rng, lambda: f"snapshots/{_slug(rng)}/{_slug(rng)}.jpg"),
        event_only=rng.choice([False, True]),
    ),
    PushChanged: lambda rng: PushChanged(
        _slug(rng),
        {
            "mode": rng.choice(["auto", "on", "off"]),
            "state": rng.choice(["active", "connecting", "unavailable", "off"]),
            "since": "2026-12-02T09:00:00+00:00",
            "port": _maybe(rng, lambda: rng.randint(1, 65535)),
            "last_error": _maybe(rng, lambda: _text(rng)),
        },
    ),
}
"""A random valid message of each type. Whatever is missing here, or from the codec, fails
`test_every_type_of_the_union_crosses_the_wire`: the list comes from `BusMessage` itself."""

MESSAGE_TYPES: tuple[type[Any], ...] = get_args(BusMessage)


@pytest.mark.parametrize("kind", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_every_type_of_the_union_crosses_the_wire(kind: type[Any]) -> None:
    """A new message type without an encoder (or without a generator here) fails this test."""
    assert kind in KIND_OF, f"{kind.__name__} has no encoder in bridge.bus.codec"
    assert kind in GENERATORS, f"{kind.__name__} has no generator in this test"
    message = GENERATORS[kind](random.Random(kind.__name__))
    assert type(message) is kind
    assert decode(encode(message)) == message


def test_the_codec_knows_only_the_union() -> None:
    assert set(KIND_OF) == set(MESSAGE_TYPES) == set(GENERATORS)
    assert set(KIND_OF.values()) == KINDS
    assert len(KINDS) == len(MESSAGE_TYPES)


@pytest.mark.parametrize("kind", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_round_trip(kind: type[Any]) -> None:
    """Property: decode(encode(m)) == m for many random messages of each type."""
    rng = random.Random(f"codec-{kind.__name__}")
    for _ in range(CASES_PER_TYPE):
        message = GENERATORS[kind](rng)
        data = encode(message)
        assert decode(data) == message
        assert decode(data.decode()) == message
        assert json.loads(data)["type"] == KIND_OF[kind]


def test_payloads_are_the_mqtt_json() -> None:
    rng = random.Random(1)
    state, event = _state(rng), _event(rng)
    assert json.loads(encode(StateChanged(state)))["state"] == state.payload()
    assert json.loads(encode(EventRaised(event)))["event"] == event.payload()


def test_an_event_carries_its_fence_beside_the_mqtt_json() -> None:
    event = _event(random.Random(2)).model_copy(
        update={"fence": EventFence(lease="nvr", generation=1764684461000)}
    )
    wire = json.loads(encode(EventRaised(event)))["event"]
    assert wire == {**event.payload(), "fence": {"lease": "nvr", "generation": 1764684461000}}
    decoded = decode(encode(EventRaised(event)))
    assert isinstance(decoded, EventRaised)
    assert decoded.event == event
    assert decoded.event.fence == event.fence
    assert "fence" not in event.payload()


def test_snapshot_is_base64() -> None:
    jpeg = b"\xff\xd8\xff\xe0JFIF\x00\xff\xd9"
    data = json.loads(encode(SnapshotTaken("cam", jpeg, "e1")))
    assert base64.b64decode(data["jpeg"]) == jpeg


def test_camera_password_never_encoded() -> None:
    rng = random.Random(2)
    camera = _camera(rng).model_copy(update={"password": SecretStr("s3cret-pässword")})
    for message in (
        DeviceAdded(camera),
        DeviceReady(camera, _capabilities(rng)),
        DeviceRemoved(camera, None),
    ):
        data = encode(message)
        assert b"s3cret" not in data
        assert b"password" not in data
        decoded = decode(data)
        assert isinstance(decoded, DeviceAdded | DeviceReady | DeviceRemoved)
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
        b'{"v":1,"type":"device_added","camera":{"id":"a"}}',
        b'{"v":1,"type":"command_requested","request_id":"r","camera_id":"a",'
        b'"command":{"warp":1},"source":"mqtt"}',
        b'{"v":1,"type":"command_requested","request_id":"r","camera_id":"a",'
        b'"command":{},"source":"mqtt"}',
        b'{"v":1,"type":"command_completed","camera_id":"a","command":{},"source":"x",'
        b'"result":{"status":"ok"},"repeat":"yes"}',
    ],
)
def test_garbage_is_a_codec_error(raw: bytes) -> None:
    with pytest.raises(CodecError):
        decode(raw)


def test_to_dict_is_json_ready() -> None:
    rng = random.Random(3)
    for make in GENERATORS.values():
        json.dumps(to_dict(make(rng)))


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("device_ready", "owner", 5),
        ("device_ready", "owner", ["b1"]),
        ("event_raised", "fence", "b1"),
        ("event_raised", "fence", {"lease": "nvr", "generation": -1}),
        ("event_raised", "fence", {"lease": "nvr", "generation": "late"}),
        ("event_raised", "fence", {"generation": 3}),
    ],
)
def test_a_malformed_owner_or_fence_is_a_codec_error(kind: str, field: str, value: object) -> None:
    """What scale-out adds to a message (the owner of a device, the fence of an event) is
    checked like the rest: a peer that sends garbage gets its entry poisoned, not applied."""
    rng = random.Random(7)
    message = (
        DeviceReady(_camera(rng), _capabilities(rng), "b1")
        if kind == "device_ready"
        else EventRaised(_event(rng))
    )
    data = to_dict(message)
    assert data["type"] == kind
    if kind == "event_raised":
        data["event"][field] = value
    else:
        data[field] = value
    with pytest.raises(CodecError):
        decode(json.dumps(data).encode())
