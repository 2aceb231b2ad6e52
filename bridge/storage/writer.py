"""The event writer: the bus's `store` subscriber. It batches events and command records into the
store, and never loses one while the database is away.

    bus ──handler (enqueue only)──▶ bounded queue ──▶ one worker ──▶ write_events / record_commands
                                                          │  ▲
                                         database error   ▼  │ database back: replay, then live
                                                      disk spool

- **One ordered pipeline.** A single worker takes the queue in order, so events keep their order
  (per camera and overall). A batch closes at `batch_size` items or `max_delay` seconds after its
  first item; its events are written with one `write_events`, its commands with one
  `record_commands`.
- **Never blocks the bus.** The bus handler only appends to the writer's own queue (`queue_size`).
  When that is full the handler waits, which backs up the bus's own bounded queue for this
  subscriber only; publishers and the other subscribers never wait.
- **Write-ahead** (`write_ahead`, on by default). Every record passes through the spool (one
  `os.write`: in the kernel, so it survives a killed process; fsync'd in batches as every spool
  write) before anything can acknowledge or announce it; the worker writes the spool to the store
  as in a replay, in batches of what has accumulated (`spooled` and `replayed` count all of them).
  With the `InProcessBus` the writer is the bus's *journal*: `publish()` hands it the message
  before any subscriber sees it, so an event is on disk before MQTT can announce it — nothing
  that reached the broker is missing from the store after a `kill -9`. With a bus that
  acknowledges (Redis Streams, which acknowledges an entry when the handler returns) the handler
  appends to the spool and returns. `write_ahead=False` keeps records in memory until their batch
  is written (what a crash loses; for benchmarks and tests of that path).
- **Database down.** Any error from the store (`StoreUnavailable` above all, or a write slower than
  `write_timeout`) sends the batch to the spool, and from then on every new batch goes to the spool
  too, behind it. The worker retries the spool's oldest batch with jittered exponential backoff
  (`retry_initial` … `retry_max`) — that write is the probe. When it succeeds, the spool is
  replayed in order, each batch acknowledged only after the store took it; what arrives meanwhile
  is appended to the spool behind the rest, so no live batch overtakes a spooled one. Once the
  spool is empty the writer writes live again.
- **Exactly once in effect.** A batch written but not yet acknowledged when the process dies is
  replayed after the restart, and a bus that re-delivers (Redis Streams) hands the same event twice:
  `write_events` is idempotent on `event_id` (+ phase), so the table ends with one row per event.
- **A poison record** (one the store refuses with an error other than "unavailable" or a timeout)
  cannot stall the spool forever: when a batch fails that way its records are written one by
  one, and a record that fails alone while the store takes the others is set aside in
  `<spool>.rejected` (JSON lines), counted in `rejected` and logged. While the database is down
  the retries are one-record probes; a probe refused `poison_attempts` times in a row gets the
  same record-by-record pass over a full batch.
- **A spool that cannot be written** (disk full) is logged as an error; the batch stays in memory
  and the worker takes nothing new from its queue until it is spooled or written, so the queues
  upstream hold (and, past their bounds, drop the oldest, counted) instead of this one growing.

- **Late starts** (several instances): the store refuses a detection `start` from a camera's
  previous owner that arrives after the new owner took the camera over
  (`bridge.storage.fencing`); the writer counts them in `fenced` and logs once per owner. A
  refused event is no error: its batch is written (acknowledged) without it.

Records: events, command audit records, and camera heartbeats (`StillActive`: the store keeps the
latest per camera, where a restart after a crash ends the events left open).

`flush()` waits until everything handed to the writer is in the store (queue, spool and in-flight
batch empty); `backlog_written()` until what an earlier run left in the spool is. `stop()` stops
taking messages, writes what is pending for up to `stop_timeout` seconds, spools the rest, and
closes the spool (a spool left non-empty is replayed at the next start).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from bridge.backoff import Backoff
from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import DEFAULT_QUEUE_SIZE, Bus, BusMessage
from bridge.domain.events import Event
from bridge.storage.records import Item, from_message, from_spool, to_spool
from bridge.storage.spool import Spool, SpoolBatch, SpoolError
from bridge.store import CameraHeartbeat, CommandRecord, Store, StoreUnavailable
from bridge.tasks import Supervisor, start_task

_LOGGER = logging.getLogger(__name__)

OWNER = "store"
_WARN_EVERY = 10.0

WriterState = Literal["live", "spooling", "replaying", "stopped"]


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "write timed out"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _transient(err: BaseException) -> bool:
    """Errors that say "not now" rather than "never": they never make a record poison."""
    return isinstance(err, StoreUnavailable | TimeoutError | ConnectionError | OSError)


# ---------------------------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------------------------


class EventWriter:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        spool: Spool,
        *,
        batch_size: int = 500,
        max_delay: float = 0.2,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        write_timeout: float = 30.0,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        stop_timeout: float = 5.0,
        poison_attempts: int = 3,
        write_ahead: bool | None = None,
        tasks: Supervisor | None = None,
    ) -> None:
        if batch_size < 1 or queue_size < 1:
            raise ValueError("batch_size and queue_size must be at least 1")
        self.store = store
        self.bus = bus
        self.spool = spool
        self.tasks = tasks
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.queue_size = queue_size
        self.write_timeout = write_timeout
        self.stop_timeout = stop_timeout
        self.poison_attempts = max(1, poison_attempts)
        self.write_ahead = True if write_ahead is None else write_ahead
        self.journal = self.write_ahead and isinstance(bus, InProcessBus)
        """The writer is the in-process bus's journal (see the module docstring)."""
        self.rejected_path = spool.path.with_name(spool.path.name + ".rejected")
        # counters
        self.received = 0
        """Events and command records handed over by the bus."""
        self.written = 0
        """Written live (straight from the queue)."""
        self.spooled = 0
        """Appended to the spool."""
        self.replayed = 0
        """Written from the spool."""
        self.failed = 0
        """Store writes that failed (each sends its batch to the spool, or keeps it there)."""
        self.rejected = 0
        """Records the store refused on their own, set aside in `rejected_path`."""
        self.spool_errors = 0
        self.dropped = 0
        """Journaled records dropped from a full memory queue (only while the spool fails)."""
        self.batches = 0
        # state
        self._items: deque[Item] = deque()
        self._held: list[Item] = []  # a batch that neither the store nor the spool took yet
        self._inflight: list[Item] | None = None
        self._signal = asyncio.Event()
        self._not_full = asyncio.Event()
        self._not_full.set()
        self._idle = asyncio.Event()
        self._urgent = False
        self._backoff = Backoff(retry_initial, retry_max)
        self._retry_at = 0.0
        self._down_since: float | None = None
        self._outage_replay = False
        """The database failed since the spool was last empty: its replay is worth a log line."""
        self._last_error = ""
        self._head_seq = 0
        self._head_failures = 0
        self._stopping_at: float | None = None
        self._last_warning = 0.0
        self._subscription: Any = None
        self._accepting = True
        self._task: asyncio.Task[None] | None = None
        self._journaled: deque[tuple[int, Item]] = deque()
        """What the journal spooled, by sequence number: replayed without reading it back."""
        self._backlog_seq = 0
        """The last record an earlier run left in the spool (read by `start()`)."""
        self._acked = asyncio.Event()
        self._started = asyncio.Event()
        self.state: WriterState = "live"
        self.fenced = 0
        """Events the store refused as late ones from a camera's previous owner."""
        self._fenced_owners: set[tuple[str, int]] = set()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the spool, subscribe to the bus and start the worker (a spool left by an earlier
        run goes first). A spool that cannot be opened raises `OSError`/`SpoolError`."""
        if self._task is not None:
            return
        if not self.spool.opened:
            await asyncio.to_thread(self.spool.open)
        if self.spool.pending:
            self._backlog_seq = self.spool.last_seq
            self.state = "replaying"
            _LOGGER.warning(
                "event writer: %d record(s) spooled by a previous run; replaying them first",
                self.spool.pending,
            )
        self._started.set()
        if self.journal:
            assert isinstance(self.bus, InProcessBus)
            self.bus.journal = self
        else:
            self._subscription = self.bus.subscribe(OWNER, self._on_message)
        self._task = start_task(self.tasks, "event-writer", self._run)

    async def flush(self) -> None:
        """Wait until everything handed to the writer so far is in the store.

        Messages still in the bus's own queue are not covered (drain the bus first). While the
        database is away this waits for it: bound it with `asyncio.timeout`.
        """
        if self._task is None or self._task.done():
            raise RuntimeError("the event writer is not running")
        self._kick()
        while True:
            await self._idle.wait()
            if self._is_idle():
                return
            await asyncio.sleep(0.01)

    async def backlog_written(self) -> None:
        """Wait until the records an earlier run left in the spool are in the store (or were
        dropped by its bound); what this run added may still wait. Before `start()` (which
        reads the spool) this waits for it."""
        await self._started.wait()
        while self.spool.acked_seq < self._backlog_seq:
            self._acked.clear()
            await self._acked.wait()

    async def stop(self, write_budget: float | None = None) -> None:
        """Stop taking messages; write what is pending for up to `write_budget` seconds
        (default `stop_timeout`), spool the rest, close the spool."""
        self._accepting = False
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            subscription.close()
            # The Redis subscription finishes the message it is handling (and acknowledges it):
            # let that handler hand its item over before the queue is drained.
            wait_closed = getattr(subscription, "wait_closed", None)
            if wait_closed is not None:
                try:
                    await wait_closed(1.0)
                except Exception:
                    _LOGGER.exception("event writer: closing the bus subscription failed")
        budget = self.stop_timeout if write_budget is None else write_budget
        loop = asyncio.get_running_loop()
        self._stopping_at = loop.time() + budget
        self._kick()
        task, self._task = self._task, None
        if task is not None:
            try:
                # Past the budget the worker only spools (local disk); give that some time too.
                await asyncio.wait_for(asyncio.shield(task), budget + 10.0)
            except TimeoutError:
                _LOGGER.error("event writer: could not spool in time; stopping it")
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            except Exception:
                _LOGGER.exception("event writer failed while stopping")
        left = [*(self._inflight or []), *self._held, *self._items]
        self._inflight, self._held = None, []
        self._items.clear()
        if left:
            try:
                await self.spool.append([to_spool(item) for item in left])
                self.spooled += len(left)
            except SpoolError as err:
                _LOGGER.error("event writer: %d record(s) lost at shutdown: %s", len(left), err)
        await self.spool.close()
        if isinstance(self.bus, InProcessBus) and self.bus.journal is self:
            self.bus.journal = None
        self.state = "stopped"
        if self.spool.pending:
            _LOGGER.warning(
                "event writer stopped with %d record(s) spooled in %s; they are written at the "
                "next start",
                self.spool.pending,
                self.spool.path,
            )

    # ------------------------------------------------------------------ state

    @property
    def queued(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "received": self.received,
            "written": self.written,
            "spooled": self.spooled,
            "replayed": self.replayed,
            "failed": self.failed,
            "rejected": self.rejected,
            "fenced": self.fenced,
            "spool_errors": self.spool_errors,
            "dropped": self.dropped,
            "batches": self.batches,
            "queued": len(self._items),
            "last_error": self._last_error or None,
            "spool": self.spool.stats(),
        }

    def _is_idle(self) -> bool:
        return (
            not self._items and not self._held and self._inflight is None and not self.spool.pending
        )

    def _kick(self) -> None:
        """Cut waits short: close the batch now and retry the database now."""
        self._urgent = True
        self._retry_at = 0.0
        self._signal.set()

    # ------------------------------------------------------------------ bus side

    def record(self, message: BusMessage) -> None:
        """The in-process bus's journal: called inside `publish()`, before any subscriber sees
        the message. Appends to the spool at once; only while something waits in memory (the
        spool failed) does the record queue there too, behind it (order), bounded."""
        item = from_message(message)
        if item is None:
            return
        self.received += 1
        self._idle.clear()
        self._signal.set()
        if not (self._items or self._held or self._inflight is not None):
            try:
                seq = self.spool.append_nowait([to_spool(item)])
            except SpoolError as err:
                self.spool_errors += 1
                self._warn(f"event writer: cannot write ahead to the spool: {err}", error=True)
            else:
                self.spooled += 1
                if len(self._journaled) < self.queue_size:
                    self._journaled.append((seq, item))
                return
        if len(self._items) >= self.queue_size:
            self._items.popleft()
            self.dropped += 1
            self._warn(
                f"event writer: the spool fails and the memory queue is full; dropped the "
                f"oldest record ({self.dropped} so far)",
                error=True,
            )
        self._items.append(item)

    async def _on_message(self, message: BusMessage) -> None:
        if not self._accepting:
            # stopping: a bus that redelivers keeps the message for another consumer or the
            # next start instead of acknowledging what nobody will write
            raise RuntimeError("the event writer is stopping")
        item = from_message(message)
        if item is None:
            return
        if self.write_ahead and await self._write_ahead(item):
            return
        await self._enqueue(item)

    async def _write_ahead(self, item: Item) -> bool:
        """Append to the spool before the bus acknowledges the message. False when the item
        must go through the memory queue instead: something is queued in memory ahead of it
        (order), or the spool cannot be written (then memory is better than nothing)."""
        if self._items or self._held or self._inflight is not None or self.spool.closed:
            return False
        try:
            await self.spool.append([to_spool(item)])
        except SpoolError as err:
            self.spool_errors += 1
            self._warn(f"event writer: cannot write ahead to the spool: {err}", error=True)
            return False
        self.received += 1
        self.spooled += 1
        self._idle.clear()
        self._signal.set()
        return True

    async def _enqueue(self, item: Item) -> None:
        while len(self._items) >= self.queue_size:
            self._not_full.clear()
            await self._not_full.wait()
        self._items.append(item)
        self.received += 1
        self._idle.clear()
        if len(self._items) == 1 or len(self._items) >= self.batch_size:
            self._signal.set()

    def _take(self) -> list[Item]:
        count = min(self.batch_size, len(self._items))
        batch = [self._items.popleft() for _ in range(count)]
        if len(self._items) < self.queue_size:
            self._not_full.set()
        return batch

    async def _wait_signal(self, until: float | None) -> bool:
        """Wait for the signal until the loop time `until` (None: forever). False on timeout."""
        loop = asyncio.get_running_loop()
        if until is not None and until <= loop.time():
            return False
        try:
            async with asyncio.timeout_at(until):
                await self._signal.wait()
        except TimeoutError:
            return False
        return True

    async def _collect(self, until: float | None, *, or_spool: bool = False) -> list[Item]:
        """The next batch: waits for a first item (until `until`, or until the spool has
        records with `or_spool`), then up to `max_delay` for more."""
        loop = asyncio.get_running_loop()
        while not self._items:
            self._signal.clear()
            if self._urgent or self._stopping_at is not None:
                return []
            if or_spool and self.spool.pending:
                return []
            if not await self._wait_signal(until):
                return []
        close_at = loop.time() + self.max_delay
        while len(self._items) < self.batch_size and not self._urgent:
            self._signal.clear()
            if self._stopping_at is not None or not await self._wait_signal(close_at):
                break
        return self._take()

    # ------------------------------------------------------------------ the worker

    async def _run(self) -> None:
        while True:
            try:
                if await self._step():
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not end the writer: log, breathe, go on
                _LOGGER.exception("event writer: unexpected error")
                if self._inflight:
                    self._held, self._inflight = self._inflight, None
                await asyncio.sleep(1.0)

    async def _step(self) -> bool:
        """One turn of the worker; True when it is done (stopping and nothing left to do)."""
        loop = asyncio.get_running_loop()
        while True:
            if self._held:
                if not await self._place_held():
                    await self._pause()
                continue
            if self.spool.pending:
                if self._retry_at <= loop.time() and not self._past_deadline():
                    await self._replay()
                    continue
                # The database is away: what comes in goes behind the spool.
                batch = await self._collect(self._retry_at)
                self._urgent = False
                if batch:
                    await self._to_spool(batch)
                elif self._stopping_at is not None and not self._items:
                    return True
                continue
            if not self._items:
                self._mark_idle()
                if self._stopping_at is not None:
                    return True
            self._urgent = False
            batch = await self._collect(None, or_spool=True)
            if batch:
                await self._write_live(batch)

    def _mark_idle(self) -> None:
        if self._is_idle():
            self._idle.set()
            if self.state != "live":
                self.state = "live"

    def _past_deadline(self) -> bool:
        return (
            self._stopping_at is not None and asyncio.get_running_loop().time() >= self._stopping_at
        )

    async def _pause(self) -> None:
        """Wait out the backoff (or a kick) before trying the held batch again."""
        self._signal.clear()
        until = self._retry_at
        if self._urgent:
            self._urgent = False
            return
        await self._wait_signal(until)

    async def _store_write(self, items: Sequence[Item]) -> None:
        """Events first, then commands and heartbeats; the whole call bounded by the write (or
        stop) timeout."""
        events = [item for item in items if isinstance(item, Event)]
        commands = [item for item in items if isinstance(item, CommandRecord)]
        heartbeats = [item for item in items if isinstance(item, CameraHeartbeat)]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.write_timeout
        if self._stopping_at is not None:
            deadline = min(deadline, self._stopping_at)
        async with asyncio.timeout_at(deadline):
            if events:
                self._refused(await self.store.write_events(events))
            if commands:
                await self.store.record_commands(commands)
            if heartbeats:
                await self.store.record_heartbeats(heartbeats)
        self.batches += 1

    def _refused(self, refused: Sequence[Event] | None) -> None:
        """Count the events the store refused (late, from an older owner); say so once per
        owner (lease and generation)."""
        for event in refused or ():
            self.fenced += 1
            owner = (event.fence.lease, event.fence.generation) if event.fence else ("", 0)
            if owner not in self._fenced_owners:
                self._fenced_owners.add(owner)
                _LOGGER.warning(
                    "camera %s: refused a late %s of event %s from a previous owner "
                    "(generation %d; the camera has changed hands since)",
                    event.camera_id,
                    event.phase.value,
                    event.event_id,
                    owner[1],
                )

    async def _write_live(self, batch: list[Item]) -> None:
        if self._past_deadline():  # stopping: no time left for the database
            await self._to_spool(batch)
            return
        self._inflight = batch
        try:
            await self._store_write(batch)
        except Exception as err:
            self.failed += 1
            self._database_down(err)
            await self._to_spool(batch)
        else:
            self.written += len(batch)
        finally:
            self._inflight = None

    async def _to_spool(self, batch: list[Item]) -> None:
        self._inflight = batch
        try:
            await self.spool.append([to_spool(item) for item in batch])
        except SpoolError as err:
            self.spool_errors += 1
            self._warn(f"event writer: cannot spool {len(batch)} record(s): {err}", error=True)
            self._held = batch
            loop = asyncio.get_running_loop()
            self._retry_at = loop.time() + min(5.0, max(0.5, self._backoff.initial))
        else:
            self.spooled += len(batch)
            if self.state == "live":
                self.state = "spooling"
        finally:
            self._inflight = None

    async def _place_held(self) -> bool:
        """The held batch (the spool failed): into the spool, or straight to the store when the
        spool is empty (order allows it). True once placed."""
        loop = asyncio.get_running_loop()
        if self._retry_at > loop.time() and not self._urgent:
            return False
        batch, self._held = self._held, []
        if not self.spool.pending and not self._past_deadline():
            self._inflight = batch
            try:
                await self._store_write(batch)
            except Exception as err:
                self.failed += 1
                self._database_down(err)
            else:
                self.written += len(batch)
                self._database_up()
                return True
            finally:
                self._inflight = None
        await self._to_spool(batch)
        return not self._held

    def _database_down(self, err: BaseException) -> None:
        loop = asyncio.get_running_loop()
        self._last_error = _describe(err)
        # Backoff.attempts grows without bound and factor**attempts overflows after ~1000
        # failures (hours of outage at the cap): keep it where the cap is reached anyway.
        self._backoff.attempts = min(self._backoff.attempts, 64)
        delay = self._backoff.next_delay()
        self._retry_at = loop.time() + delay
        self._outage_replay = True
        if self._down_since is None:
            self._down_since = time.monotonic()
            _LOGGER.warning(
                "event writer: the database failed (%s); spooling to %s and retrying",
                self._last_error,
                self.spool.path,
            )
        else:
            self._warn(
                f"event writer: the database is still failing ({self._last_error}); "
                f"{self.spool.pending} record(s) spooled, next try in {delay:.1f} s"
            )

    def _database_up(self) -> None:
        self._backoff.reset()
        self._retry_at = 0.0
        if self._down_since is not None:
            _LOGGER.warning(
                "event writer: the database answers again after %.1f s; replaying the spool",
                time.monotonic() - self._down_since,
            )
            self._down_since = None

    def _warn(self, message: str, *, error: bool = False) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY:
            self._last_warning = now
            _LOGGER.log(logging.ERROR if error else logging.WARNING, "%s", message)

    async def _replay(self) -> None:
        """Write the spool to the store, oldest first, until it is empty or the store fails.

        While the database is down each attempt is a probe of one record (a failed attempt
        costs next to nothing, so spooling keeps up with the bus); once it answers, full
        batches follow.
        """
        self.state = "replaying"
        # What waits in memory goes behind the spool first: the queues upstream stay short.
        while self._items and not self._held:
            await self._to_spool(self._take())
        probing = self._down_since is not None
        progressed = False
        size = 1 if probing else self.batch_size
        async with contextlib.aclosing(self.spool.replay(size)) as batches:
            async for batch in batches:
                if self._past_deadline():
                    return
                progressed = True
                items, bad = self._decode(batch)
                try:
                    await self._store_write(items)
                except Exception as err:
                    self.failed += 1
                    self._database_down(err)
                    if not _transient(err):
                        await self._poison(batch, err, probing=probing)
                    return
                self._head_failures = 0
                for record in bad:
                    self._reject(record, "undecodable spool record")
                await self.spool.ack(batch)
                self._acked.set()
                self.replayed += len(items)
                self._database_up()
                if probing:
                    return  # the database answers: the next turn replays in full batches
                # Keep the bus flowing while replaying: new items go behind the spool.
                if self._items and not self._held:
                    await self._to_spool(self._take())
        if not progressed and self.spool.pending:
            _LOGGER.error("event writer: the spool counts records it cannot find; recounting")
            self.spool.recount()
        if not self.spool.pending:
            # Every record passes through the spool (write-ahead): say so only after an outage.
            level = logging.INFO if self._outage_replay else logging.DEBUG
            self._outage_replay = False
            _LOGGER.log(level, "event writer: spool replayed (%d record(s) so far)", self.replayed)

    def _decode(self, batch: SpoolBatch) -> tuple[list[Item], list[dict[str, Any]]]:
        items: list[Item] = []
        bad: list[dict[str, Any]] = []
        known = self._journaled
        for record in batch.records:
            while known and known[0][0] < record.seq:  # written, dropped or re-read already
                known.popleft()
            if known and known[0][0] == record.seq:
                items.append(known.popleft()[1])
                continue
            try:
                items.append(from_spool(record))
            except (ValueError, KeyError, TypeError):
                bad.append({"kind": record.kind, "body": record.body.decode("utf-8", "replace")})
        return items, bad

    async def _poison(self, head: SpoolBatch, err: BaseException, *, probing: bool) -> None:
        """The spool's head failed with a non-transient error: write a full batch from the head
        record by record and set aside the records the store refuses — at once when a full
        batch failed, every `poison_attempts`-th failure when a one-record probe failed.

        A record is set aside only when the store takes other records of the same pass: a store
        that refuses everything (closed, read-only after a failover, a schema mismatch) proves
        nothing about a record, so then the batch stays in the spool and is retried with backoff.
        """
        if head.first_seq != self._head_seq:
            self._head_seq = head.first_seq
            self._head_failures = 0
        self._head_failures += 1
        if probing and self._head_failures < self.poison_attempts:
            return
        self._head_failures = 0
        async with contextlib.aclosing(self.spool.replay(self.batch_size)) as batches:
            batch = await anext(batches, None)
        if batch is None:
            return
        items, bad = self._decode(batch)
        self._warn(
            f"event writer: the store keeps refusing records ({_describe(err)}); "
            f"writing {len(items)} one by one to find the ones it refuses",
            error=True,
        )
        taken = 0
        suspects: list[tuple[Item, BaseException]] = []
        for item in items:
            try:
                await self._store_write([item])
            except Exception as single:
                if _transient(single):
                    self._database_down(single)
                    return  # the database went away: the batch stays in the spool
                suspects.append((item, single))
            else:
                taken += 1
        if suspects and not taken:
            return  # nothing proves the records wrong rather than the store: keep them
        for item, refusal in suspects:
            kind, payload = to_spool(item)
            readable = json.loads(payload) if isinstance(payload, bytes) else payload
            self._reject([kind, readable], _describe(refusal))
        for record in bad:
            self._reject(record, "undecodable spool record")
        self.replayed += taken
        await self.spool.ack(batch)
        self._acked.set()
        self._database_up()

    def _reject(self, record: object, reason: str) -> None:
        self.rejected += 1
        _LOGGER.error(
            "event writer: record refused by the store (%s), set aside in %s",
            reason,
            self.rejected_path,
        )
        line = json.dumps({"reason": reason, "record": record}, default=str)
        try:
            with Path(self.rejected_path).open("a", encoding="utf-8") as file:
                file.write(line + "\n")
        except OSError as write_error:
            _LOGGER.error("event writer: cannot write %s: %s", self.rejected_path, write_error)
