"""At start, the events a crash (or a stop) left open are ended, marked `interrupted`.

A detection active when the bridge died has a `start` row and never gets its `end`. At start,
once the spool the previous run left is written (`EventWriter.backlog_written`: an `end` still in
it is the real one), each such event of a camera that no live instance runs is ended at the last
time it was seen active — its camera's latest heartbeat (`CameraHeartbeat`: written every
`polling.active_heartbeat_interval` seconds while a detection lasts, and at a clean stop), or its
start when no heartbeat came later. The end carries `{"interrupted": true}` in its data, which
becomes the row's metadata (the REST event shows it). It is written to the store only: MQTT and
the live API never announce it as news.

Which cameras is the caller's to say, as device ids (a device's views are itself and its NVR
channels): `devices`, those this instance is about to run, and `running`, those some live instance
runs (every enabled camera of the registry). An open event is ended when its camera is a view of
one of `devices`, or of none of `running`: a camera removed from the registry (or disabled) is run
by nobody, so nothing else would ever end its events. Today one instance runs every camera and
passes the same set twice. With several instances (leases), the start passes no device and every
enabled camera as running (only removed or disabled cameras' events are ended then), and
`take_over` runs once more for each batch of cameras whose lease the instance takes: their
previous owner (dead, or gone on purpose) left their open events behind. Only events that started
before this instance's start (`started_before`; for a take-over, before the lease was taken) are
candidates, so an event of this run is never taken for one of the last.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta

from bridge.backoff import Backoff
from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.domain.values import DetectionType, EventPhase
from bridge.domain.views import is_view_of
from bridge.pipeline.tracker import OpenEvent
from bridge.storage.writer import EventWriter
from bridge.store import Store, StoredEvent
from bridge.tasks import Supervisor, cancel_task, start_task

_LOGGER = logging.getLogger(__name__)

INTERRUPTED = "interrupted"
"""The data (metadata) key set on an event that a crash or a stop ended."""


def interrupted_end(event: StoredEvent, last_seen: datetime | None) -> Event:
    """The `end` of an open event, at the last time it was seen active (never before its start)."""
    ended = max(event.started_at, last_seen) if last_seen is not None else event.started_at
    return Event(
        event_id=event.event_id,
        type=event.type,
        phase=EventPhase.END,
        camera_id=event.camera_id,
        camera_name=event.camera_name,
        channel=event.channel,
        timestamp=ended,
        started_at=event.started_at,
        duration=round((ended - event.started_at).total_seconds(), 3),
        data={INTERRUPTED: True},
    )


async def close_interrupted(
    store: Store,
    devices: Collection[str],
    started_before: datetime,
    *,
    running: Collection[str],
) -> list[Event]:
    """End the open events that started before `started_before` of `devices`' views and of
    cameras no device in `running` has."""

    def ours(camera_id: str) -> bool:
        if any(is_view_of(camera_id, device) for device in devices):
            return True
        return not any(is_view_of(camera_id, device) for device in running)

    candidates = await store.open_events(started_before)
    stale = [e for e in candidates if ours(e.camera_id)]
    if not stale:
        return []
    seen = await store.heartbeats(sorted({e.camera_id for e in stale}))
    ends = [interrupted_end(e, seen.get(e.camera_id)) for e in stale]
    await store.write_events(ends)
    return ends


async def adopt_open_events(
    store: Store, devices: Collection[str], started_before: datetime
) -> dict[str, list[OpenEvent]]:
    """A take-over: the open events of `devices`' views, per device, for their new runners to
    continue (`DeviceRunner.adopt`) instead of ending them and opening new ones for the same
    detections. An open event that is no detection (none a runner could continue) is ended
    here, interrupted. With leases, the caller records the devices' owner generations first
    (`bridge.storage.owners.record_owners`): from then on the store refuses a late `start` of
    an older owner (`bridge.storage.fencing`), and one written before is among those read
    here."""
    candidates = await store.open_events(started_before)
    owned = {
        e.event_id: (device, e)
        for e in candidates
        for device in devices
        if is_view_of(e.camera_id, device)
    }
    if not owned:
        return {}
    seen = await store.heartbeats(sorted({e.camera_id for _, e in owned.values()}))
    adopted: dict[str, list[OpenEvent]] = {}
    others: list[Event] = []
    for device, event in owned.values():
        last_seen = max(event.started_at, seen.get(event.camera_id, event.started_at))
        try:
            kind = DetectionType(event.type.value)
        except ValueError:
            others.append(interrupted_end(event, last_seen))
            continue
        adopted.setdefault(device, []).append(
            OpenEvent(
                event.camera_id,
                kind,
                event.event_id,
                event.started_at,
                last_seen,
                event.camera_name,
                event.channel,
            )
        )
    if others:
        await store.write_events(others)
    return adopted


STRAY_SWEEP = 15.0
"""Seconds between two looks for stray open events of the cameras an instance runs (leases)."""


async def end_strays(
    store: Store,
    devices: Collection[str],
    known: Collection[str],
    suspects: Collection[str],
    started_before: datetime,
) -> tuple[list[Event], set[str]]:
    """Several instances: an event's `start` may reach the store after the camera's new owner
    adopted its open events (the old owner's outbox or spool flushed late: a Redis restart, a
    paused instance). The store refuses such a start when it carries an older generation than
    the device's recorded one (`bridge.storage.fencing`); one it could not refuse (no fence:
    an instance that stamps none; or written before the take-over's generation was recorded,
    when the take-over could not reach the store) is stray: nobody would ever end it. Each
    owner looks for the open events of its devices' views that none of its runners has open
    (`known`): those seen twice in a row (`suspects`: the previous look's) are ended,
    interrupted, at their camera's last heartbeat. Returns (the ends written, this look's
    suspects)."""
    candidates = await store.open_events(started_before)
    strays = [
        e
        for e in candidates
        if e.event_id not in known and any(is_view_of(e.camera_id, d) for d in devices)
    ]
    stale = [e for e in strays if e.event_id in suspects]
    if not stale:
        return [], {e.event_id for e in strays}
    seen = await store.heartbeats(sorted({e.camera_id for e in stale}))
    ends = [interrupted_end(e, seen.get(e.camera_id)) for e in stale]
    await store.write_events(ends)
    return ends, {e.event_id for e in strays} - {e.event_id for e in stale}


class InterruptedEvents:
    """Runs `close_interrupted` once, in the background, after the writer's backlog; retries
    with backoff while the store fails."""

    def __init__(
        self,
        store: Store,
        writer: EventWriter,
        *,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        tasks: Supervisor | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.tasks = tasks
        self.closed: list[Event] = []
        self.done = asyncio.Event()
        self._backoff = Backoff(retry_initial, retry_max)
        self._task: asyncio.Task[None] | None = None
        self._takeovers: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def start(
        self, devices: Collection[str], started_before: datetime, *, running: Collection[str]
    ) -> None:
        """See `close_interrupted`."""
        self._task = start_task(
            self.tasks,
            "interrupted-events",
            lambda: self._run(frozenset(devices), started_before, frozenset(running)),
        )

    def take_over(
        self,
        devices: Collection[str],
        started_before: datetime,
        *,
        running: Collection[str],
        record: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """End the open events of `devices`, whose lease this instance just took (in the
        background; `running`: every camera some instance runs, left alone), once `record()`
        (leases: `record_owners`, their owner generations) has run."""
        task = start_task(
            self.tasks,
            f"interrupted-takeover:{','.join(sorted(devices))[:60]}",
            lambda: self._run(frozenset(devices), started_before, frozenset(running), record),
        )
        self._takeovers.add(task)
        task.add_done_callback(self._takeovers.discard)

    async def _run(
        self,
        devices: frozenset[str],
        started_before: datetime,
        running: frozenset[str],
        record: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        await self.writer.backlog_written()
        while True:
            try:
                if record is not None:
                    await record()
                closed = await close_interrupted(
                    self.store, devices, started_before, running=running
                )
            except Exception as err:
                delay = self._backoff.next_delay()
                _LOGGER.warning(
                    "cannot end the events a crash left open yet (%s); retrying in %.1f s",
                    err,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            break
        self.closed += closed
        if closed:
            _LOGGER.warning(
                "ended %d event(s) left open by the previous run (interrupted: %s)",
                len(closed),
                ", ".join(sorted({e.camera_id for e in closed})),
            )
        self.done.set()

    def sweep(self, owned: Callable[[], tuple[set[str], set[str]]]) -> None:
        """Several instances: every `STRAY_SWEEP` seconds, end the stray open events of the
        devices this instance runs (`end_strays`); `owned()`: (those devices, the ids of the
        events their runners have open)."""
        self._sweeper = start_task(self.tasks, "stray-events", lambda: self._sweep(owned))

    async def _sweep(self, owned: Callable[[], tuple[set[str], set[str]]]) -> None:
        suspects: set[str] = set()
        while True:
            await asyncio.sleep(STRAY_SWEEP)
            devices, known = owned()
            try:
                ends, suspects = await end_strays(
                    self.store, devices, known, suspects, utcnow() - timedelta(seconds=1)
                )
            except Exception as err:
                _LOGGER.debug("cannot look for stray open events (%s)", err)
                continue
            if ends:
                self.closed += ends
                _LOGGER.warning(
                    "ended %d stray open event(s) (a start that came after a take-over): %s",
                    len(ends),
                    ", ".join(sorted({e.camera_id for e in ends})),
                )

    async def stop(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        await cancel_task(sweeper)
        task, self._task = self._task, None
        await cancel_task(task)
        for takeover in list(self._takeovers):
            await cancel_task(takeover)
