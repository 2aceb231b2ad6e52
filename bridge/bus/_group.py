"""`GroupConsumer`: the default subscription.

The subscription's owner names a consumer *kind* and one consumer group; every
process that subscribes the same kind is one consumer in it, so each entry is handled by one
of them. Per entry: the handler is awaited, then the entry is acknowledged
(`XACK`). A handler that raises leaves the entry unacknowledged; it is delivered again once it
has been idle `claim_idle` seconds (`XAUTOCLAIM`, by this process or another), and after
`max_deliveries` deliveries it is acknowledged without handling, counted as poisoned, logged
and copied to the dead-letter stream. Entries held by a consumer that died are reclaimed the
same way, so a killed process loses nothing: delivery is at-least-once, and handlers must be
idempotent. While a handler runs, the entries this consumer holds are re-claimed every
`claim_idle / 3` seconds (`XCLAIM … JUSTID`), so a live but slow consumer is never robbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from typing import Any

from redis.exceptions import ResponseError

from bridge.bus._common import _LOGGER, UNREACHABLE, id_key
from bridge.bus._subscription import (
    Entry,
    RedisSubscription,
    _b,
    _BlobMissing,
    _entries,
    ensure_group,
)
from bridge.bus.codec import CodecError

_UNREAD_COUNT_LIMIT = 1000
"""Counting dropped entries reads at most this many unread ones inside Redis per check."""
_FAILED_REMEMBERED = 10_000
"""Failed entry ids remembered for `drain()` (an entry waiting for its retry is not 'busy')."""
# How many entries the group (ARGV[1]) never read because MAXLEN trimmed them first:
# entries added - entries the group read - entries still after its last-delivered id.
# Atomic, so exact; nil when Redis cannot say (no stream/group, unknown read counter) or when
# counting the unread tail would cost more than ARGV[2] entries (it is counted another time).
_TRIMMED_UNREAD = """
local function field(list, name)
  for i = 1, #list, 2 do
    if list[i] == name then return list[i + 1] end
  end
  return nil
end
local function older(a, b)
  local a_ms, a_seq = string.match(a, '(%d+)-(%d+)')
  local b_ms, b_seq = string.match(b, '(%d+)-(%d+)')
  a_ms, b_ms = tonumber(a_ms), tonumber(b_ms)
  if a_ms ~= b_ms then return a_ms < b_ms end
  return tonumber(a_seq) < tonumber(b_seq)
end
local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
if info.err then return nil end
local group = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  if field(g, 'name') == ARGV[1] then group = g end
end
if not group then return nil end
local read = field(group, 'entries-read')
if not read then return nil end
local last = field(group, 'last-delivered-id')
local first = field(info, 'first-entry')
local unread
if not first then
  unread = 0
elseif older(last, first[1]) then
  unread = field(info, 'length')
else
  unread = #redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', ARGV[2])
  if unread >= tonumber(ARGV[2]) then return nil end
end
return field(info, 'entries-added') - read - unread
"""


class GroupConsumer(RedisSubscription):
    """One consumer (`consumer`) of the group named after the owner's kind."""

    def __init__(self, *args: Any, consumer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consumer = consumer
        self.group = self.owner
        self._failed: OrderedDict[bytes, None] = OrderedDict()
        self._unacked: list[bytes] = []
        self._trimmed_unread = 0
        self._trimmed_unread_script = self._redis.register_script(_TRIMMED_UNREAD)
        self._next_claim = 0.0
        self._next_expiry = time.monotonic() + self._config.consumer_expiry / 2

    async def _loop(self) -> None:
        keeper = asyncio.get_running_loop().create_task(
            self._keep_alive(), name=f"bus:{self.owner}:keepalive"
        )
        config = self._config
        try:
            while not self.stopping():
                try:
                    now = time.monotonic()
                    if now >= self._next_claim:
                        self._next_claim = now + config.claim_idle / 2
                        await self._reclaim()
                    if now >= self._next_expiry:
                        self._next_expiry = now + config.consumer_expiry / 2
                        await self._expire_consumers()
                    if self.stopping():
                        break
                    response = await self._redis.xreadgroup(
                        self.group,
                        self.consumer,
                        {config.stream: ">"},
                        count=config.batch,
                        block=config.block_ms,
                    )
                    entries = _entries(response)
                    if entries:
                        await self._handle_batch(entries, None)
                except ResponseError as err:
                    if not str(err).startswith("NOGROUP"):
                        _LOGGER.exception("bus subscriber %s: Redis refused", self.owner)
                        await asyncio.sleep(self._backoff.next_delay())
                        continue
                    # Redis lost the group (restarted without persistence, or it was deleted):
                    # whatever is in the stream now was published since; read all of it.
                    _LOGGER.warning(
                        "bus subscriber %s: consumer group gone; recreated from the stream start",
                        self.owner,
                    )
                    await self.create_group(b"0")
                except UNREACHABLE as err:
                    await self._pause(err)
                    continue
                self._ok()
        finally:
            keeper.cancel()

    async def create_group(self, start: bytes) -> None:
        await ensure_group(self._redis, self._config, self.group, start)

    async def _handle_batch(
        self, entries: list[Entry], deliveries: dict[bytes, int] | None
    ) -> None:
        self._held = OrderedDict.fromkeys(entry_id for entry_id, _ in entries)
        try:
            for entry_id, fields in entries:
                if self.stopping():
                    await self._flush_acks()
                    await self._release(list(self._held))
                    return
                delivery = 1 if deliveries is None else deliveries.get(entry_id, 1)
                await self._process(entry_id, fields, delivery)
                self._held.pop(entry_id, None)
            await self._flush_acks()
        finally:
            self._held.clear()

    async def _process(
        self, entry_id: bytes, fields: dict[bytes, bytes] | None, delivery: int
    ) -> None:
        if not fields:  # trimmed away while pending
            self.dropped += 1
            await self._ack(entry_id)
            return
        if delivery > self._config.max_deliveries:
            await self._poison(entry_id, fields, f"delivered {delivery} times")
            return
        try:
            message = await self._decode(fields)
        except CodecError as err:
            await self._poison(entry_id, fields, str(err))
            return
        except _BlobMissing as err:
            self.expired += 1
            _LOGGER.warning(
                "bus subscriber %s: entry %s expired before it was read (%s)",
                self.owner,
                entry_id.decode(),
                err,
            )
            await self._ack(entry_id)
            return
        if await self._call(message, entry_id, delivery):
            self._failed.pop(entry_id, None)
            await self._ack(entry_id)
            self.handled += 1
        else:
            self._failed[entry_id] = None
            while len(self._failed) > _FAILED_REMEMBERED:
                self._failed.popitem(last=False)

    async def _ack(self, entry_id: bytes) -> None:
        """Acknowledge a handled entry: at once (`ack_batch` 1, the default), or with the next
        `ack_batch - 1` others and at the end of each read batch."""
        self._unacked.append(entry_id)
        if len(self._unacked) >= self._config.ack_batch:
            await self._flush_acks()

    async def _flush_acks(self) -> None:
        """Send the acknowledgements, retrying while Redis is away (else the entries would be
        handled again)."""
        while self._unacked:
            try:
                await self._redis.xack(self._config.stream, self.group, *self._unacked)
            except UNREACHABLE as err:
                if self.stopping():
                    return
                await self._pause(err)
                continue
            self._unacked.clear()

    async def _poison(self, entry_id: bytes, fields: dict[bytes, bytes], reason: str) -> None:
        self.poisoned += 1
        self._failed.pop(entry_id, None)
        config = self._config
        _LOGGER.error(
            "bus subscriber %s: entry %s is poison (%s); acknowledged unhandled, copied to %s",
            self.owner,
            entry_id.decode(),
            reason,
            config.dead_letters,
        )
        letter: dict[Any, Any] = {
            b"group": self.group,
            b"entry": entry_id,
            b"reason": reason[:500],
            **fields,
        }
        while True:
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.xadd(
                        config.dead_letters,
                        letter,
                        maxlen=config.dead_letters_maxlen,
                        approximate=True,
                    )
                    pipe.xack(config.stream, self.group, entry_id)
                    await pipe.execute()
            except UNREACHABLE as err:
                if self.stopping():
                    return
                await self._pause(err)
                continue
            return

    async def _reclaim(self) -> None:
        """Take over entries idle longer than `claim_idle`: a dead consumer's, or failed ones."""
        config = self._config
        start: bytes = b"0-0"
        for _ in range(10):  # at most 10 batches per pass; the rest next pass
            next_start, entries, deleted = await self._redis.xautoclaim(
                config.stream,
                self.group,
                self.consumer,
                config.claim_idle_ms,
                start,
                count=config.batch,
            )
            if deleted:
                self.dropped += len(deleted)
                _LOGGER.warning(
                    "bus subscriber %s: %d pending entr(ies) were trimmed before being handled",
                    self.owner,
                    len(deleted),
                )
            if entries:
                self.reclaimed += len(entries)
                _LOGGER.info(
                    "bus subscriber %s: delivering %d entr(ies) again (idle > %.1f s)",
                    self.owner,
                    len(entries),
                    config.claim_idle,
                )
                await self._handle_batch(entries, await self._deliveries(entries))
            if next_start in (b"0-0", "0-0") or self.stopping():
                return
            start = _b(next_start)

    async def _deliveries(self, entries: list[Entry]) -> dict[bytes, int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xpending_range(
                    self._config.stream, self.group, entry_id, entry_id, 1, self.consumer
                )
            results = await pipe.execute()
        counts: dict[bytes, int] = {}
        for rows in results:
            for row in rows:
                counts[_b(row["message_id"])] = int(row["times_delivered"])
        return counts

    async def _release(self, entry_ids: list[bytes]) -> None:
        """Hand entries back (stopping): make them look long idle so any consumer takes them."""
        if not entry_ids:
            return
        with contextlib.suppress(*UNREACHABLE, ResponseError):
            await self._redis.xclaim(
                self._config.stream,
                self.group,
                self.consumer,
                0,
                list[Any](entry_ids),
                idle=self._config.claim_idle_ms * 10,
                justid=True,
            )

    async def _keep_alive(self) -> None:
        """Beside the reading loop, even while a handler runs: claim the held entries again
        now and then ('still alive, still mine'), and notice entries trimmed unread."""
        interval = self._config.claim_idle / 3
        while True:
            await asyncio.sleep(interval)
            held = list(self._held)
            with contextlib.suppress(*UNREACHABLE, ResponseError):
                if held:
                    await self._redis.xclaim(
                        self._config.stream,
                        self.group,
                        self.consumer,
                        0,
                        list[Any](held),
                        justid=True,
                    )
                await self._count_trimmed()

    async def _count_trimmed(self) -> None:
        """Count entries trimmed (MAXLEN) before this group read them: the stream's overflow.
        Exact at each check (one atomic script, `_TRIMMED_UNREAD`), but checks run every
        `claim_idle / 3`: entries trimmed between the last check and the read that catches up
        are not seen (Redis then re-estimates the group's read counter), so `dropped` is a
        lower bound. Every process of the kind counts the group's loss."""
        try:
            lost = await self._trimmed_unread_script(keys=[self._config.stream], args=[self.group])
        except ResponseError:
            return
        if lost is None or int(lost) <= self._trimmed_unread:
            return
        lost = int(lost)
        _LOGGER.warning(
            "bus subscriber %s fell more than %d entries behind: %d trimmed unread so far",
            self.owner,
            self._config.maxlen,
            lost,
        )
        self.dropped += lost - self._trimmed_unread
        self._trimmed_unread = lost

    async def _expire_consumers(self) -> None:
        """Forget consumers that hold nothing and were not seen for `consumer_expiry`."""
        config = self._config
        limit = config.consumer_expiry * 1000
        consumers = await self._redis.xinfo_consumers(config.stream, self.group)
        for consumer in consumers:
            name = _b(consumer["name"]).decode()
            idle = consumer.get("inactive", consumer.get("idle", 0))
            if name != self.consumer and int(consumer["pending"]) == 0 and int(idle) > limit:
                await self._redis.xgroup_delconsumer(config.stream, self.group, name)

    async def settled(self, target: bytes | None) -> bool:
        """Nothing held here, and everything up to `target` delivered and handled or failed."""
        if self._held or self._handling or not self._started.is_set():
            return False
        if target is None:
            return True
        groups = await self._redis.xinfo_groups(self._config.stream)
        group = next((g for g in groups if _b(g["name"]).decode() == self.group), None)
        if group is None or id_key(_b(group["last-delivered-id"])) < id_key(target):
            return False
        pending = await self._redis.xpending_range(
            self._config.stream, self.group, "-", "+", _FAILED_REMEMBERED, self.consumer
        )
        return all(_b(row["message_id"]) in self._failed for row in pending)
