"""What every command handler shares: the call, the error reply, the command's table entry, and
the checks of a call's parameters (each raising a ``param error`` reply)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridge.simulator import wire
from bridge.simulator.state import ChannelState, Json
from bridge.simulator.wire import RspCode

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


class CommandError(Exception):
    """An error reply (``code 1``) for the current command."""

    def __init__(self, rsp_code: int, detail: str | None = None, *, unknown: bool = False) -> None:
        super().__init__(detail or wire.DETAILS.get(rsp_code, "error"))
        self.rsp_code = rsp_code
        self.detail = detail
        self.unknown = unknown


def param_error(detail: str = "param error") -> CommandError:
    return CommandError(RspCode.PARAM_ERROR, detail)


@dataclass(slots=True)
class Call:
    """One command of a request body."""

    cmd: str
    action: int
    param: Json
    channel: int | None


Handler = Callable[["SimulatedDevice", Call], Json]


@dataclass(frozen=True, slots=True)
class Command:
    handler: Handler
    per_channel: bool
    feature: str | None = None
    changes_state: bool = False


def find_channel(param: Any) -> int | None:
    """``param.channel`` or the ``channel`` of the first nested object (``{"WhiteLed": {...}}``)."""
    if not isinstance(param, dict):
        return None
    ch = param.get("channel")
    if ch is None:
        for inner in param.values():
            if isinstance(inner, dict):
                ch = inner.get("channel")
                if ch is None and isinstance(inner.get("schedule"), dict):
                    ch = inner["schedule"].get("channel")
                break
    if isinstance(ch, bool):
        return None
    if isinstance(ch, int):
        return ch
    if isinstance(ch, str) and ch.isdigit():
        return int(ch)
    return None


def int_in(value: Any, lo: int, hi: int, what: str) -> int:
    """``value`` (an int or a string of digits) as an integer in ``lo..hi``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise param_error(f"{what} must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise param_error(f"{what} must be an integer") from None
    if not lo <= number <= hi:
        raise param_error(f"{what} {number} not in {lo}..{hi}")
    return number


def one_of(value: Any, allowed: set[str] | list[str], what: str) -> str:
    """``value`` if it is one of the ``allowed`` strings."""
    if not isinstance(value, str) or value not in allowed:
        raise param_error(f"{what} {value!r} not one of {sorted(allowed)}")
    return value


def section(call: Call, key: str) -> Json:
    """The call's ``param[key]`` object (``{"WhiteLed": {...}}``); missing: a not-exist reply."""
    value = call.param.get(key)
    if not isinstance(value, dict):
        raise CommandError(RspCode.NOT_EXIST, f"missing {key}")
    return value


def channel_of(dev: SimulatedDevice, call: Call) -> ChannelState:
    """The state of the call's channel (the device has checked it for a per-channel command)."""
    assert call.channel is not None
    return dev.channels[call.channel]
