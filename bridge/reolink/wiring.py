"""The shapes of the camera client's wire mapping of the feature table.

A feature row (`bridge.domain.features`) names a reader group (`read`), a capability flag
(`needs`) and, when it is commandable, its key. The client maps each of them to the wire here:

- `Reader`: a reader group → the request that reads it and the `Parser` of its answer
  (`bridge.reolink.state` sends identical requests of several groups once);
- `Probe`: a capability flag → the requests asked at connect and whether the answers (and
  GetAbility) mean the channel has it, plus any wire ranges it learns
  (`ChannelCapabilities.ranges`);
- `WireWriter`: a feature key → the call that writes a command's value (a row with a command and
  no writer of its own is written through `ReolinkClient.write_feature`).

The mappings of the features themselves live in `bridge.reolink.mapping`, one module per concept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.reolink._json import JsonObject
from bridge.reolink.abilities import Abilities
from bridge.reolink.wire import Reply, Request

if TYPE_CHECKING:
    from bridge.reolink._base import ClientBase

Parser = Callable[[ChannelCapabilities, JsonObject], dict[str, Any]]
"""A channel's capabilities and a reply's `value` → feature fields and their values."""
Reader = Callable[[ChannelCapabilities, Capabilities], tuple[Request, Parser]]
WireWriter = Callable[["ClientBase", int, ChannelCapabilities | None, Any], Awaitable[None]]
"""(client, channel, the channel's capabilities if known, the command's value)."""
Answers = dict[str, Reply]
"""A channel's probe answers, by command."""

WAKING_COMMANDS = frozenset(
    {
        "GetWhiteLed",
        "GetZoomFocus",
        "GetAudioCfg",
        "GetPtzGuard",
        "GetAutoReply",
        "GetPtzTraceSection",
        "GetAiCfg",
        "GetAiAlarm",
        "GetPtzCurPos",
        "GetAudioAlarm",
        "GetAudioAlarmV20",
        "GetDingDongList",
        "GetDingDongCfg",
        "GetPerformance",
        "GetMask",
    }
)
"""Commands that wake a sleeping battery camera (reolink_aio's list): the settings read leaves
them out for a channel that sleeps (its last values stay)."""
SLEEP_GROUP = "sleep"
"""The reader group that tells whether a battery channel sleeps (asked first, wakes nothing)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """How the client learns at connect whether a channel has one capability flag."""

    requests: Callable[[int, Abilities, bool], list[Request]]
    """(channel, GetAbility, V20 firmware) → the requests to ask (none: decided from others')."""
    supported: Callable[[Answers, Abilities, int], bool]
    ranges: Callable[[Answers], dict[str, tuple[int, int]]] = field(default=lambda got: {})
    """Wire ranges learnt from the answers (`ChannelCapabilities.ranges`)."""


def plain(cmd: str, parser: Parser) -> Reader:
    """A reader that sends `cmd` with the channel."""
    return lambda ch, caps: (Request(cmd, {"channel": ch.channel}), parser)


def device(cmd: str, parser: Parser) -> Reader:
    """A reader of a device-wide value (`scope="device"` rows): `cmd` without a channel."""
    return lambda ch, caps: (Request(cmd, {}), parser)


def ok(got: Answers, cmd: str) -> JsonObject:
    """The answer's value if `cmd` was asked and answered, else `{}`."""
    answer = got.get(cmd)
    return answer.value if answer is not None and answer.ok else {}


def answered(got: Answers, cmd: str) -> bool:
    answer = got.get(cmd)
    return answer is not None and answer.ok


def channel_param(channel: int) -> dict[str, Any]:
    return {"channel": channel}
