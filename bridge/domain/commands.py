"""Commands for one camera and their results: the body of `/set` and of `/response`.

A `Command`'s keys are the commandable rows of the feature table (`siren`, `floodlight`,
`ptz`, …), plus `channel` and `transaction`. One parser for every wire form:

- a JSON object (MQTT `/set`, `POST /cameras/{id}/set`, WebSocket `<cam>/set` frames):
  `Command.model_validate(body)`. Besides the row keys it takes a row written through another's
  command by its own key (`{"floodlight_mode": "auto"}` is `{"floodlight": {"mode": "auto"}}`) and
  the group `image` (`{"image": {"brightness": 128}}` sets `image_brightness`);
- a plain value for one attribute (MQTT `/set/<attribute>`, `POST …/set/{attribute}`, WebSocket
  `<cam>/set/<attribute>`): `Command.from_attribute(attribute, text, transaction)`.

Every face goes through `parse_command(payload, attribute)`, which takes either form as it came
off the wire (parsed JSON, or the plain text) and raises `InvalidCommand` with one wording for
every face (`transaction_of(payload)` gives the id to answer a refused payload with).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, ValidationError, model_validator

from bridge.domain.base import DomainModel
from bridge.domain.dynamic import DynamicFields, FieldSpec
from bridge.domain.errors import InvalidCommand, ResultCode
from bridge.domain.feature import Feature
from bridge.domain.features import FEATURES

GROUPS: dict[str, str] = {"image": "image_"}
"""A JSON object of several rows under one key: `image.brightness` is the row `image_brightness`."""

CORE_KEYS = frozenset({"channel", "transaction"})


def _expand(body: dict[str, Any]) -> dict[str, Any]:
    """Groups and rows written through another row's command, as the command keys they set."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in GROUPS and isinstance(value, dict):
            for name, item in value.items():
                out[f"{GROUPS[key]}{name}"] = item
            continue
        row = FEATURES.by_key.get(key)
        if row is not None and row.via is not None and key not in FEATURES.commands:
            target, sub = row.via
            _merge(out, target, {sub: value})
            continue
        _merge(out, key, value)
    return out


def _merge(out: dict[str, Any], key: str, value: Any) -> None:
    """Put `value` under `key`; two parts of one object command (`floodlight: "ON"` and its
    `floodlight_mode`) become one object, a plain value as the row's `short` sub-field."""
    if key not in out:
        out[key] = value
        return
    row = FEATURES.commands.get(key)
    parts = [out[key], value]
    if row is not None and row.short is not None:
        parts = [p if isinstance(p, dict) else {row.short: p} for p in parts]
    if all(isinstance(p, dict) for p in parts):
        out[key] = {**parts[0], **parts[1]}
    else:
        out[key] = value


def command_body(values: dict[str, Any]) -> dict[str, Any]:
    """A `Command` body from state fields and their new values (the REST settings `PUT`)."""
    body: dict[str, Any] = {}
    for field, value in values.items():
        row = FEATURES.fields.get(field)
        if row is None or value is None:
            continue
        if row.via is not None:
            _merge(body, row.via[0], {row.via[1]: value})
        elif row.commandable:
            _merge(body, row.key, value)
    return body


class Command(DynamicFields):
    """One command for one camera (see the module doc). Several keys may be set at once; they
    are applied in table order."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"siren": "ON"},
                {"floodlight": {"state": "ON", "brightness": 80}},
                {"ptz": {"op": "left", "speed": 32}},
                {"ptz_preset": "Gate", "transaction": "abc123"},
            ]
        },
    )

    table_version: ClassVar[Any] = staticmethod(lambda: FEATURES.version)

    channel: int | None = Field(default=None, ge=0, le=255, description="NVR channel override")
    transaction: str | None = Field(default=None, max_length=128)

    @classmethod
    def table_fields(cls) -> FieldSpec:
        return {key: (row.command | None, None) for key, row in FEATURES.commands.items()}

    @classmethod
    def prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        return _expand(data)

    @model_validator(mode="after")
    def _not_empty(self) -> Command:
        if not self.actions():
            raise ValueError("the command sets nothing")
        return self

    @classmethod
    def from_attribute(cls, attribute: str, value: str, transaction: str | None = None) -> Command:
        """The command for `…/set/<attribute>` with a plain value (`ON`, `80`, `Gate`, `PRESS`).

        Raises `InvalidCommand` for an unknown attribute and `ValidationError` for a bad value.
        """
        row = FEATURES.by_attribute.get(attribute)
        if row is None:
            raise InvalidCommand(f"unknown attribute {attribute!r}")
        text = value.strip()
        body: dict[str, Any]
        if row.press is not None:  # a button: any payload presses it
            body = {row.press[0]: row.press[1]}
        elif row.via is not None:
            body = {row.via[0]: {row.via[1]: text}}
        else:
            body = {row.key: text}
        return cls.model_validate({**body, "transaction": transaction})

    def actions(self) -> list[str]:
        """The command keys this command sets, in the order they are applied."""
        values = self.__pydantic_extra__ or {}
        return [key for key in FEATURES.commands if values.get(key) is not None]

    def items(self) -> list[tuple[Feature, Any]]:
        """(row, value) for each key set, in the order they are applied."""
        values = self.__pydantic_extra__ or {}
        return [(FEATURES.commands[key], values[key]) for key in self.actions()]

    @property
    def is_safety_off(self) -> bool:
        """Only stops something (siren off, PTZ stop, floodlight off): no limit may refuse it.

        An owner silencing a siren after a burst of commands must always get through.
        """
        items = self.items()
        return bool(items) and all(
            row.safety_off is not None and row.safety_off(value) for row, value in items
        )

    @property
    def is_actuator(self) -> bool:
        """Moves or changes something (rate-limited per camera); a snapshot is not."""
        return any(row.actuator for row, _ in self.items())


class CommandStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


class CommandResult(DomainModel):
    """The `/response` payload for a command, identical on MQTT, REST and WebSocket."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status: CommandStatus
    code: ResultCode = Field(
        default=ResultCode.OK, description="What happened, for programs; `error` says it in words"
    )
    camera_id: str | None = None
    data: dict[str, Any] | None = None
    error: str | None = None
    transaction: str | None = None

    @classmethod
    def ok(
        cls, camera_id: str | None, transaction: str | None, data: dict[str, Any] | None = None
    ) -> CommandResult:
        return cls(status=CommandStatus.OK, camera_id=camera_id, transaction=transaction, data=data)

    @classmethod
    def failed(
        cls,
        camera_id: str | None,
        transaction: str | None,
        error: str,
        code: ResultCode = ResultCode.INTERNAL,
    ) -> CommandResult:
        return cls(
            status=CommandStatus.ERROR,
            code=code,
            camera_id=camera_id,
            transaction=transaction,
            error=error,
        )


def set_attributes() -> frozenset[str]:
    """Every `/set/<attribute>` name the table knows."""
    return frozenset(FEATURES.by_attribute)


def transaction_of(payload: Any) -> str | None:
    """The `transaction` of a wire payload, if it has a usable one."""
    raw = payload.get("transaction") if isinstance(payload, dict) else None
    return raw if isinstance(raw, str) else None


def plain_value(value: Any) -> str:
    """A `/set/<attribute>` value as the text MQTT carries (`true`/`false` as `ON`/`OFF`)."""
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidCommand("the value must be text, a number or true/false")


def parse_command(payload: Any, attribute: str | None = None) -> Command:
    """The `Command` of one wire form: `/set`'s JSON object (`attribute` None), or the value
    for `/set/<attribute>`: plain (text, a number, true/false) or `{"value": …,
    "transaction": …}`. Raises `InvalidCommand` saying what is wrong (never the value)."""
    try:
        if attribute is None:
            if not isinstance(payload, dict):
                raise InvalidCommand("the command must be a JSON object")
            return Command.model_validate(payload)
        if isinstance(payload, dict):
            if "value" not in payload:
                raise InvalidCommand('a JSON payload on /set/<attribute> needs a "value"')
            return Command.from_attribute(
                attribute, plain_value(payload["value"]), transaction_of(payload)
            )
        return Command.from_attribute(attribute, plain_value(payload))
    except ValidationError as err:
        raise InvalidCommand(explain(err)) from None


def explain(err: ValidationError) -> str:
    """A validation error in words: `invalid command: <where>: <what>; …` (no input echoed)."""
    parts = []
    for item in err.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"]) or "command"
        parts.append(f"{where}: {item['msg']}")
    return "invalid command: " + "; ".join(parts)
