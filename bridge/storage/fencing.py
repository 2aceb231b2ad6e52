"""Owner generations (fencing tokens): the store refuses a late `start` from a previous owner.

With several instances, each camera's runner publishes its events stamped with the generation
its instance got when it took the device's lease (`Event.fence`: the lease name and that
number; `Leases.take`). The store keeps, per device (lease name), the highest generation it has
seen (`device_fences`, migration 0010): the instance that takes a device over records its own
before it adopts the open events (`Store.record_fences`), and every batch of fenced events
raises it to the batch's highest. In the same transaction, a detection `start` of a lower
generation, or an `end` of one that would create its row (its start is not stored), is refused:
it comes from an owner that had the device before the current one adopted its open events (it
waited in that instance's outbox or spool), and the current owner either continues that
detection under its own event or has ended it. An `end` or update of an event the store has is
always accepted, and so are events without a fence (one instance) and instant events.

The backends do the SQL (`SqliteStore.write_events`, `PostgresStore.write_events`); the choice is
made here, in three steps: `batch_tops` (what the batch raises each device to), `late_events`
(given the recorded generations after that raise), `sift` (given which of the late ones'
events the store has already).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from bridge.domain.events import Event
from bridge.domain.values import EventPhase

_DETECTION_PHASES = (EventPhase.START, EventPhase.END)


def _fenced(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e.fence is not None and e.phase in _DETECTION_PHASES]


def batch_tops(events: Sequence[Event]) -> dict[str, int]:
    """Per lease, the highest generation of the batch's fenced detection events."""
    tops: dict[str, int] = {}
    for event in _fenced(events):
        assert event.fence is not None
        lease, generation = event.fence.lease, event.fence.generation
        tops[lease] = max(generation, tops.get(lease, generation))
    return dict(sorted(tops.items()))  # sorted: rows are locked in one order by every writer


def late_events(events: Sequence[Event], recorded: Mapping[str, int]) -> list[Event]:
    """The fenced detection events older than their device's recorded generation."""
    late: list[Event] = []
    for event in _fenced(events):
        assert event.fence is not None
        if event.fence.generation < recorded.get(event.fence.lease, 0):
            late.append(event)
    return late


def sift(
    events: Sequence[Event], late: Sequence[Event], stored: Collection[str]
) -> tuple[list[Event], list[Event]]:
    """(to write, refused): a late event is refused unless its event is stored already
    (`stored`: event ids), which an `end` or a replayed `start` may only complete."""
    refused_ids = {id(e) for e in late if e.event_id not in stored}
    keep = [e for e in events if id(e) not in refused_ids]
    refused = [e for e in events if id(e) in refused_ids]
    return keep, refused
