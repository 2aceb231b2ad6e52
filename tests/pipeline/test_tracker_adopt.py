"""A take-over: the new owner's tracker adopts the events the previous owner left open and
continues them (no new start) or ends them under their own ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge.domain.state import ChannelState
from bridge.domain.values import DetectionType, EventPhase, EventType
from bridge.pipeline.tracker import OpenEvent, StateTracker

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def _open(seen: float = 5.0) -> OpenEvent:
    return OpenEvent(
        "front", DetectionType.MOTION, "ev-1", T0, T0 + timedelta(seconds=seen), "Front", 0
    )


def test_a_still_active_detection_continues_the_adopted_event() -> None:
    tracker = StateTracker("front", "Front")
    tracker.adopt(_open())
    tracker.set_online(True, T0 + timedelta(seconds=8))
    _, events = tracker.apply(ChannelState(motion=True), T0 + timedelta(seconds=8))
    assert events == []  # no second start for the same detection
    _, events = tracker.apply(ChannelState(motion=False), T0 + timedelta(seconds=14))
    (end,) = events
    assert (end.event_id, end.phase, end.started_at) == ("ev-1", EventPhase.END, T0)
    assert end.duration == 14.0


def test_a_cleared_detection_ends_the_adopted_event_at_that_poll() -> None:
    tracker = StateTracker("front", "Front")
    tracker.adopt(_open())
    tracker.set_online(True, T0 + timedelta(seconds=8))
    _, events = tracker.apply(ChannelState(motion=False), T0 + timedelta(seconds=8))
    assert [(e.event_id, e.phase, e.duration) for e in events] == [("ev-1", EventPhase.END, 8.0)]


def test_a_camera_that_never_answers_ends_it_when_last_seen() -> None:
    tracker = StateTracker("front", "Front")
    tracker.adopt(_open(seen=5.0))
    changed, events = tracker.set_online(False, T0 + timedelta(seconds=30))
    assert changed
    ends = [e for e in events if e.phase is EventPhase.END]
    assert [(e.event_id, e.type, e.timestamp) for e in ends] == [
        ("ev-1", EventType.MOTION, T0 + timedelta(seconds=5))
    ]
    assert tracker.state.motion is False
