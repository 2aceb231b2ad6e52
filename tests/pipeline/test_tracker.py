"""The state tracker: polls in, state and events out (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge.domain.state import ChannelState
from bridge.domain.values import EventPhase, EventType, IrMode, OnOff
from bridge.pipeline.tracker import StateTracker

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def test_detection_start_and_end_share_an_id_and_measure_the_duration() -> None:
    tracker = StateTracker("front", "Front")
    changed, events = tracker.apply(ChannelState(motion=True, person=False), T0)
    assert changed
    assert [(e.type, e.phase) for e in events] == [(EventType.MOTION, EventPhase.START)]
    start = events[0]
    assert tracker.state.motion is True
    assert tracker.state.person is False
    assert tracker.state.last_event is not None
    assert tracker.state.last_event.event_id == start.event_id

    changed, events = tracker.apply(ChannelState(motion=True), T0 + timedelta(seconds=1))
    assert (changed, events) == (False, [])

    changed, events = tracker.apply(ChannelState(motion=False), T0 + timedelta(seconds=4.5))
    (end,) = events
    assert (end.type, end.phase, end.event_id) == (EventType.MOTION, EventPhase.END, start.event_id)
    assert end.duration == 4.5
    assert end.started_at == T0


def test_visitor_press_is_one_instant_event() -> None:
    tracker = StateTracker("door", "Door")
    _, events = tracker.apply(ChannelState(visitor=True), T0)
    assert [(e.type, e.phase) for e in events] == [(EventType.VISITOR, EventPhase.INSTANT)]
    _, events = tracker.apply(ChannelState(visitor=False), T0 + timedelta(seconds=1))
    assert events == []
    assert tracker.state.visitor is False


def test_unread_fields_keep_their_value() -> None:
    tracker = StateTracker("cam", "Cam")
    tracker.apply(ChannelState(siren=False, floodlight=True, ir_lights=IrMode.AUTO), T0)
    changed, _ = tracker.apply(ChannelState(motion=False), T0)
    assert changed  # motion went from unknown to False
    assert tracker.state.floodlight is OnOff.ON
    assert tracker.state.siren is OnOff.OFF
    assert tracker.state.ir_lights is IrMode.AUTO


def test_offline_ends_active_detections_and_is_an_event() -> None:
    tracker = StateTracker("cam", "Cam")
    tracker.set_online(True, T0)
    tracker.apply(ChannelState(motion=True, vehicle=True), T0)
    changed, events = tracker.set_online(False, T0 + timedelta(seconds=2))
    assert changed
    kinds = [(e.type, e.phase) for e in events]
    assert (EventType.MOTION, EventPhase.END) in kinds
    assert (EventType.VEHICLE, EventPhase.END) in kinds
    assert kinds[-1] == (EventType.OFFLINE, EventPhase.INSTANT)
    assert tracker.state.online is False
    assert tracker.state.motion is False
    changed, events = tracker.set_online(False, T0 + timedelta(seconds=3))
    assert (changed, events) == (False, [])


def test_backoff_stays_capped_after_days_of_failures() -> None:
    from bridge.backoff import Backoff

    backoff = Backoff(initial=1.0, maximum=60.0)
    delays = [backoff.next_delay() for _ in range(5000)]  # ~3.5 days at the cap
    assert max(delays) <= 60.0
    assert min(delays[-100:]) >= 0.5
    backoff.exhaust()
    assert backoff.next_delay() <= 60.0
