"""The disk spool on its own: order, acknowledgement, torn tails, the bound, fsync batching."""

# The tests read and damage the spool file directly; blocking on a tmp file is fine here.
# ruff: noqa: ASYNC240

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
from pathlib import Path
from typing import Any

import pytest

from bridge.storage import spool as spool_module
from bridge.storage.spool import Spool, SpoolBatch, SpoolError, SpoolRecord


def events(start: int, count: int, pad: int = 0) -> list[tuple[Any, dict[str, Any]]]:
    return [("event", {"n": n, "pad": "x" * pad}) for n in range(start, start + count)]


async def drain(spool: Spool, batch_size: int = 100, *, ack: bool = True) -> list[SpoolRecord]:
    seen: list[SpoolRecord] = []
    async for batch in spool.replay(batch_size):
        seen.extend(batch.records)
        if ack:
            await spool.ack(batch)
    return seen


def numbers(records: list[SpoolRecord]) -> list[int]:
    return [record.payload["n"] for record in records]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "spool" / "events.spool"


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts os.fsync calls (instrumentation: the real fsync still runs)."""
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


async def test_append_replay_in_order_and_ack_empties_the_file(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    assert spool.pending == 0
    assert await spool.append(events(0, 7)) == 7
    assert await spool.append([("command", {"n": 7, "command": {"siren": "ON"}})]) == 8
    assert spool.pending == 8
    batches: list[SpoolBatch] = []
    async for batch in spool.replay(3):
        batches.append(batch)
        await spool.ack(batch)
    assert [len(b) for b in batches] == [3, 3, 2]
    records = [r for b in batches for r in b.records]
    assert numbers(records) == list(range(8))
    assert [r.seq for r in records] == list(range(1, 9))
    assert records[-1].kind == "command"
    assert records[-1].payload["command"] == {"siren": "ON"}
    assert spool.pending == 0
    assert spool.size == 0
    assert path.stat().st_size == 0
    await spool.close()


async def test_a_batch_not_acknowledged_comes_again(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 10))
    first = [b async for b in spool.replay(4)]
    assert [len(b) for b in first] == [4, 4, 2]  # no ack: nothing removed
    async for batch in spool.replay(4):
        await spool.ack(batch)
        break
    assert spool.pending == 6
    assert numbers(await drain(spool)) == list(range(4, 10))
    await spool.close()


async def test_replay_includes_records_appended_while_it_runs(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 5))
    seen: list[int] = []
    async for batch in spool.replay(5):
        seen.extend(numbers(batch.records))
        await spool.ack(batch)
        if len(seen) < 15:
            await spool.append(events(len(seen), 5))
    assert seen == list(range(15))
    assert spool.pending == 0
    await spool.close()


async def test_restart_replays_what_was_not_acknowledged(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 10))
    async for batch in spool.replay(4):
        await spool.ack(batch)
        break
    await spool.append(events(10, 3))
    await spool.close()

    again = Spool(path, max_bytes=1 << 20).open()
    assert again.pending == 9
    assert again.last_seq == 13
    assert numbers(await drain(again, ack=False)) == list(range(4, 13))
    assert await again.append(events(13, 1)) == 14  # sequence numbers keep growing
    assert numbers(await drain(again)) == list(range(4, 14))
    await again.close()
    assert Spool(path, max_bytes=1 << 20).open().pending == 0


async def test_a_process_that_dies_without_closing_leaves_a_replayable_spool(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20, fsync_every=1000, fsync_interval=60).open()
    await spool.append(events(0, 5))
    # no close(), no fsync: the records are in the kernel, which is what a crash leaves
    assert numbers(await drain(Spool(path, max_bytes=1 << 20).open())) == list(range(5))


async def test_torn_tail_is_cut_and_the_rest_replayed(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 4))
    await spool.close()
    whole = path.read_bytes()
    last_line = whole.rstrip(b"\n").rsplit(b"\n", 1)[1]
    path.write_bytes(whole[: len(whole) - len(last_line) // 2])  # the last write half done

    with caplog.at_level(logging.WARNING):
        again = Spool(path, max_bytes=1 << 20).open()
    assert "torn tail" in caplog.text
    assert again.torn_bytes > 0
    assert again.pending == 3
    assert again.corrupt == 0
    await again.append(events(100, 1))  # appends after the cut are whole lines again
    assert numbers(await drain(again, ack=False)) == [0, 1, 2, 100]
    await again.close()


async def test_garbage_tail_with_newline_and_nul_padding(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 2))
    await spool.close()
    with path.open("ab") as file:
        file.write(b'E 3 deadbeef {"n": 99}\n\0\0\0\0')
    again = Spool(path, max_bytes=1 << 20).open()
    assert again.pending == 2
    assert path.stat().st_size == again.size
    assert numbers(await drain(again, ack=False)) == [0, 1]
    await again.close()


async def test_a_damaged_record_inside_is_skipped_and_counted(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 5))
    await spool.close()
    data = bytearray(path.read_bytes())
    lines = bytes(data).split(b"\n")
    offset = len(lines[0]) + 1 + len(lines[1]) - 3  # inside the JSON of the second record
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    again = Spool(path, max_bytes=1 << 20).open()
    assert again.corrupt == 1
    assert again.pending == 4
    assert numbers(await drain(again)) == [0, 2, 3, 4]
    await again.close()


async def test_nul_bytes_before_a_record_are_ignored(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 1))
    await spool.close()
    path.write_bytes(b"\0" * 16 + path.read_bytes())
    assert numbers(await drain(Spool(path, max_bytes=1 << 20).open())) == [0]


async def test_bound_drops_the_oldest_never_exceeds_max_bytes(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(path, max_bytes=16 * 1024).open()
    with caplog.at_level(logging.WARNING):
        for start in range(0, 2000, 10):
            await spool.append(events(start, 10, pad=50))
            assert spool.size <= spool.max_bytes
            assert path.stat().st_size <= spool.max_bytes
    assert "dropped" in caplog.text
    assert spool.dropped > 0
    assert spool.compactions > 0
    assert spool.dropped + spool.pending == 2000
    kept = numbers(await drain(spool, ack=False))
    assert kept == list(range(2000 - len(kept), 2000))  # the newest, contiguous, in order
    assert spool.size <= spool.capacity + 100
    await spool.close()
    again = Spool(path, max_bytes=16 * 1024).open()  # the drops survive a restart
    assert numbers(await drain(again)) == kept
    await again.close()


async def test_bound_while_replaying(path: Path) -> None:
    """Drops and compactions under a running replay: order kept, nothing delivered twice."""
    spool = Spool(path, max_bytes=8 * 1024).open()
    await spool.append(events(0, 50, pad=40))
    seen: list[int] = []
    appended = 50
    while spool.pending:
        async for batch in spool.replay(7):
            seen.extend(numbers(batch.records))
            if appended < 1000:
                await spool.append(events(appended, 40, pad=40))
                appended += 40
            await spool.ack(batch)
    assert spool.compactions > 0
    assert spool.dropped > 0
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    # records delivered and then dropped before their ack count in both
    assert appended - len(seen) <= spool.dropped
    assert seen[-1] == appended - 1
    await spool.close()


async def test_one_append_bigger_than_the_bound_keeps_its_newest(path: Path) -> None:
    spool = Spool(path, max_bytes=4096).open()
    await spool.append(events(0, 5))
    await spool.append(events(5, 200, pad=20))
    assert spool.size <= 4096
    kept = numbers(await drain(spool, ack=False))
    assert kept == list(range(205 - len(kept), 205))
    assert spool.dropped == 205 - len(kept)
    await spool.close()
    assert numbers(await drain(Spool(path, max_bytes=4096).open())) == kept


async def test_fsync_every_n_records(path: Path, fsyncs: list[int]) -> None:
    spool = Spool(path, max_bytes=1 << 20, fsync_every=10, fsync_interval=3600).open()
    for n in range(25):
        await spool.append(events(n, 1))
    assert len(fsyncs) == 2  # at 10 and 20
    await spool.append(events(25, 30))  # one append of 30: one fsync
    assert len(fsyncs) == 3
    await spool.append(events(55, 1))
    await spool.sync()
    assert len(fsyncs) == 4
    await spool.sync()  # nothing new: no fsync
    assert len(fsyncs) == 4
    await spool.close()
    assert len(fsyncs) == 4


async def test_fsync_after_the_interval(path: Path, fsyncs: list[int]) -> None:
    spool = Spool(path, max_bytes=1 << 20, fsync_every=1000, fsync_interval=0.05).open()
    await spool.append(events(0, 3))
    await spool.append(events(3, 3))
    assert fsyncs == []
    await asyncio.sleep(0.15)
    assert len(fsyncs) == 1  # one for both appends
    await spool.append(events(6, 1))
    await spool.close()  # close syncs what is left
    assert len(fsyncs) == 2


async def test_full_acknowledgement_truncates_fsynced_with_the_next_batch(
    path: Path, fsyncs: list[int]
) -> None:
    spool = Spool(path, max_bytes=1 << 20, fsync_every=1000, fsync_interval=0.05).open()
    await spool.append(events(0, 3))
    await drain(spool)
    assert path.stat().st_size == 0
    assert fsyncs == []  # no fsync inline: with write-ahead this happens at every quiet moment
    await asyncio.sleep(0.15)
    assert len(fsyncs) == 1  # one for the appends and the truncation together
    await spool.close()
    assert len(fsyncs) == 1


async def test_a_failed_write_is_rolled_back_and_raised(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.append(events(0, 3))
    size = spool.size
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 100, hard))  # a "disk" that is full
    try:
        with pytest.raises(SpoolError, match="write failed"):
            await spool.append(events(3, 10, pad=50))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert spool.size == size == path.stat().st_size
    assert spool.pending == 3
    await spool.append(events(3, 1))
    assert numbers(await drain(spool)) == [0, 1, 2, 3]
    await spool.close()


async def test_closed_spool_refuses_appends(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    await spool.close()
    await spool.close()
    with pytest.raises(SpoolError, match="closed"):
        await spool.append(events(0, 1))


async def test_a_stream_that_never_empties_the_file_is_compacted(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With write-ahead the consumer stays just behind the producer: the acknowledged head is
    compacted away long before the bound."""
    monkeypatch.setattr(spool_module, "COMPACT_AFTER", 4096)
    spool = Spool(path, max_bytes=1 << 20).open()
    seen: list[int] = []
    await spool.append(events(0, 5, pad=30))
    appended = 5
    for _ in range(200):
        async for batch in spool.replay(5):
            seen.extend(numbers(batch.records))
            await spool.append(events(appended, 5, pad=30))  # always a step ahead
            appended += 5
            await spool.ack(batch)
            break
        assert spool.size < 8192
    assert spool.compactions > 0
    assert spool.dropped == 0
    assert seen == list(range(len(seen)))
    assert numbers(await drain(spool)) == list(range(len(seen), appended))
    await spool.close()


# ---------------------------------------------------------------------------------------------
# append_nowait: the in-process bus's journal writes from synchronous code


async def test_append_nowait_is_in_the_file_when_it_returns(path: Path) -> None:
    spool = Spool(path, max_bytes=1 << 20).open()
    spool.append_nowait(events(0, 3))
    spool.append_nowait([("heartbeat", {"n": 3})])
    # another process opening the file now (the restart after a kill -9) finds every record
    other = Spool(path, max_bytes=1 << 20).open()
    found = await drain(other, ack=False)
    assert numbers(found) == [0, 1, 2, 3]
    assert [r.kind for r in found] == ["event", "event", "event", "heartbeat"]
    await other.close()
    await spool.close()
    with pytest.raises(SpoolError):
        spool.append_nowait(events(4, 1))


async def test_append_nowait_fsyncs_in_batches(path: Path, fsyncs: list[int]) -> None:
    spool = Spool(path, max_bytes=1 << 20, fsync_every=10, fsync_interval=0.05).open()
    for n in range(25):  # a burst: past fsync_every, one fsync (in a task) covers it all
        spool.append_nowait(events(n, 1))
    assert fsyncs == []
    await asyncio.sleep(0.01)
    assert len(fsyncs) == 1
    spool.append_nowait(events(25, 3))  # fewer than fsync_every: after the interval
    await asyncio.sleep(0.01)
    assert len(fsyncs) == 1
    await asyncio.sleep(0.1)
    assert len(fsyncs) == 2
    await spool.close()


async def test_appends_during_a_compaction_are_kept_in_order(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compaction's copy runs in a thread; whatever is appended meanwhile (without awaiting,
    or by an `append` queued behind it) lands in the new file, numbered in order."""
    copying = asyncio.Event()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_copy = spool_module._copy_range

    def slow_copy(source: int, target: int, start: int, end: int) -> None:
        if loop is not None and not _on_loop(loop):  # the thread's copy: hold it
            loop.call_soon_threadsafe(copying.set)
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result(5)
        real_copy(source, target, start, end)

    monkeypatch.setattr(spool_module, "_copy_range", slow_copy)
    spool = Spool(path, max_bytes=16 * 1024).open()
    await spool.append(events(0, 70, pad=100))  # ~9 KiB
    async for batch in spool.replay(60):
        await spool.ack(batch)  # 0-59 acknowledged: a head that a compaction drops
        break
    task = asyncio.create_task(spool.append(events(70, 60, pad=100)))  # past the bound: compacts
    async with asyncio.timeout(5):
        await copying.wait()
    spool.append_nowait(events(130, 5, pad=100))
    queued = asyncio.create_task(spool.append(events(135, 5, pad=100)))
    await asyncio.sleep(0.01)
    release.set()
    await task
    await queued
    assert spool.compactions == 1
    assert spool.dropped == 0
    assert spool.size <= spool.max_bytes
    expected = [*range(60, 70), *range(130, 135), *range(70, 130), *range(135, 140)]
    assert numbers(await drain(spool, ack=False)) == expected
    await spool.close()
    again = Spool(path, max_bytes=16 * 1024).open()
    assert again.corrupt == 0
    assert numbers(await drain(again)) == expected
    await again.close()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
