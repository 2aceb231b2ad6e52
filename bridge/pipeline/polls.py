"""What a device runner does to what it read: merge reads, keep lost NVR channels, choose what
the detection poll reads, and describe errors in our own words. Pure functions."""

from __future__ import annotations

from bridge.domain.capabilities import Capabilities
from bridge.domain.features import FEATURES
from bridge.domain.state import ChannelState
from bridge.reolink import ReolinkError

DETECTION_FIELDS: frozenset[str] = frozenset(
    row.field for row in FEATURES.rows if row.field is not None and row.events is not None
)
"""The state fields of detections (motion, AI, visitor): what push reports."""


def detection_caps(caps: Capabilities) -> Capabilities:
    """The channels a detection poll reads: never a battery camera's (it sleeps; its events
    arrive only pushed)."""
    if not any(ch.has("battery") for ch in caps.channels):
        return caps
    return caps.model_copy(
        update={"channels": [ch for ch in caps.channels if not ch.has("battery")]}
    )


def without_detections(state: ChannelState) -> ChannelState | None:
    """`state` without its detection fields (a push overtook the poll); None when nothing is
    left."""
    values = {k: v for k, v in state.values.items() if k not in DETECTION_FIELDS}
    return ChannelState(channel=state.channel, **values) if values else None


def keep_lost_channels(old: Capabilities, new: Capabilities) -> Capabilities:
    """An NVR channel that was online and is not now keeps its camera (shown unavailable)
    instead of vanishing from Home Assistant with its history."""
    if not new.is_nvr:
        return new
    before = {c.channel: c for c in old.channels if c.online or c.model}
    channels = [
        before[c.channel].model_copy(update={"online": False})
        if not c.online and not c.model and c.channel in before
        else c
        for c in new.channels
    ]
    return new.model_copy(update={"channels": channels})


def merge(base: dict[int, ChannelState], top: dict[int, ChannelState]) -> dict[int, ChannelState]:
    """Fields read by `top` win; a field `top` did not read keeps `base`'s value."""
    merged = dict(base)
    for channel, state in top.items():
        below = merged.get(channel)
        if below is None:
            merged[channel] = state
            continue
        merged[channel] = below.merged(state)
    return merged


def describe(err: BaseException) -> str:
    """For `last_error` (status, health_check): our own words only. The client's errors never
    quote a reply; anything else may (a parser's message), so only its kind is named."""
    if not isinstance(err, ReolinkError):
        return f"unexpected error ({type(err).__name__}); see the log"
    text = str(err) or type(err).__name__
    return f"{type(err).__name__}: {text}" if text != type(err).__name__ else text
