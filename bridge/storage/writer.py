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
import logging

from bridge.bus.inprocess import InProcessBus
from bridge.storage.records import to_spool
from bridge.storage.spool import SpoolError
from bridge.storage.writer_replay import WriterReplay
from bridge.storage.writer_state import WriterState
from bridge.tasks import start_task

__all__ = ["OWNER", "EventWriter", "WriterState"]

_LOGGER = logging.getLogger(__name__)

OWNER = "store"


class EventWriter(WriterReplay):
    """The bus's `store` subscriber (see the module docstring): its lifecycle and its worker.

    The parts it is built from: `writer_state` (settings, counters, `stats()`), `writer_intake`
    (the bus side), `writer_batches` (batches to the store or the spool), `writer_replay` (the
    spool into the store, poison records).
    """

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

    async def _pause(self) -> None:
        """Wait out the backoff (or a kick) before trying the held batch again."""
        self._signal.clear()
        until = self._retry_at
        if self._urgent:
            self._urgent = False
            return
        await self._wait_signal(until)
