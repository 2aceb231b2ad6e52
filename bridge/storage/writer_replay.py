"""The event writer's replay of its spool into the store, oldest first, and its handling of
poison records (set aside in `<spool>.rejected`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from bridge.storage.records import Item, from_spool, to_spool
from bridge.storage.spool import SpoolBatch
from bridge.storage.writer_batches import WriterBatches, _describe, _transient

# Every part of the writer logs under the writer's one name (`bridge.storage.writer`).
_LOGGER = logging.getLogger("bridge.storage.writer")


class WriterReplay(WriterBatches):
    """The spool into the store; records the store refuses on their own set aside."""

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
