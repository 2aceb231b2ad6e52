"""The `Store` contract for event media and the recordings index (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_store_contract import at, camera, start

from bridge.domain.recordings import Recording
from bridge.store import InvalidCursor, RecordingQuery, Store

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)


def rec(name: str, minute: int, seconds: int = 30, **kw: object) -> Recording:
    begin = T0 + timedelta(minutes=minute)
    fields: dict[str, object] = {
        "name": name,
        "channel": 0,
        "start": begin,
        "end": begin + timedelta(seconds=seconds),
        "size": 1000 + minute,
        "stream": "main",
        "triggers": (),
    }
    fields.update(kw)
    return Recording.model_validate(fields)


WINDOW = (T0, T0 + timedelta(hours=2))


async def test_sync_is_idempotent_and_marks_dropped_files_gone(store: Store) -> None:
    await store.upsert_camera(camera("nvr"))
    files = [rec("a.mp4", 0), rec("b.mp4", 10, triggers=("person",)), rec("c.mp4", 20)]
    first = await store.sync_recordings("nvr", 0, "main", *WINDOW, files, T0 + timedelta(hours=2))
    assert (first.seen, first.added, first.gone) == (3, 3, 0)
    again = await store.sync_recordings("nvr", 0, "main", *WINDOW, files, T0 + timedelta(hours=3))
    assert (again.seen, again.added, again.gone) == (3, 0, 0)
    page = await store.query_recordings(RecordingQuery(camera_id="nvr"))
    assert [r.name for r in page.recordings] == ["c.mp4", "b.mp4", "a.mp4"]
    b = page.recordings[1]
    assert b.triggers == ("person",)
    assert b.start == T0 + timedelta(minutes=10)
    assert b.duration == 30.0
    assert await store.get_recording(b.id) == b

    # the camera overwrote a.mp4: gone, still in the index on request
    later = await store.sync_recordings(
        "nvr", 0, "main", *WINDOW, files[1:], T0 + timedelta(hours=4)
    )
    assert later.gone == 1
    live = await store.query_recordings(RecordingQuery(camera_id="nvr"))
    assert [r.name for r in live.recordings] == ["c.mp4", "b.mp4"]
    every = await store.query_recordings(RecordingQuery(camera_id="nvr", include_gone=True))
    gone = [r for r in every.recordings if r.gone_at is not None]
    assert [r.name for r in gone] == ["a.mp4"]
    # a file outside the window is not touched by a pass over another window
    other = (T0 + timedelta(minutes=15), T0 + timedelta(hours=2))
    await store.sync_recordings("nvr", 0, "main", *other, [files[2]], T0 + timedelta(hours=5))
    names = [r.name for r in (await store.query_recordings(RecordingQuery())).recordings]
    assert names == ["c.mp4", "b.mp4"]


async def test_channels_and_streams_are_apart_and_filters(store: Store) -> None:
    await store.upsert_camera(camera("nvr"))
    now = T0 + timedelta(hours=3)
    await store.sync_recordings("nvr", 0, "main", *WINDOW, [rec("x.mp4", 0)], now)
    await store.sync_recordings(
        "nvr", 1, "main", *WINDOW, [rec("x.mp4", 5, channel=1, triggers=("vehicle",))], now
    )
    await store.sync_recordings(
        "nvr", 1, "sub", *WINDOW, [rec("xs.mp4", 5, channel=1, stream="sub")], now
    )
    # an empty answer for channel 0's sub stream leaves channel 0's main files alone
    await store.sync_recordings("nvr", 0, "sub", *WINDOW, [], now)
    everything = (await store.query_recordings(RecordingQuery())).recordings
    assert len(everything) == 3
    ch1 = await store.query_recordings(RecordingQuery(camera_id="nvr", channel=1, stream="main"))
    assert [(r.channel, r.name) for r in ch1.recordings] == [(1, "x.mp4")]
    person = await store.query_recordings(RecordingQuery(triggers=["person", "vehicle"]))
    assert [r.channel for r in person.recordings] == [1]
    early = await store.query_recordings(RecordingQuery(until=T0 + timedelta(minutes=1)))
    assert [(r.channel, r.name) for r in early.recordings] == [(0, "x.mp4")]
    late = await store.query_recordings(RecordingQuery(since=T0 + timedelta(minutes=5)))
    assert {r.name for r in late.recordings} == {"x.mp4", "xs.mp4"}
    covering = await store.recording_at("nvr", 1, T0 + timedelta(minutes=5, seconds=10))
    assert covering is not None
    assert covering.name == "x.mp4"
    assert covering.channel == 1
    assert await store.recording_at("nvr", 1, T0 + timedelta(minutes=50)) is None


async def test_keyset_pages(store: Store) -> None:
    await store.upsert_camera(camera("cam"))
    files = [rec(f"f{i:02d}.mp4", i) for i in range(7)]
    await store.sync_recordings("cam", 0, "main", *WINDOW, files, T0 + timedelta(hours=3))
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.query_recordings(RecordingQuery(limit=3, cursor=cursor))
        seen += [r.name for r in page.recordings]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"f{i:02d}.mp4" for i in reversed(range(7))]
    with pytest.raises(InvalidCursor):
        await store.query_recordings(RecordingQuery(cursor="bm90LWEtY3Vyc29y"))
    assert await store.get_recording(10**30) is None
    assert await store.purge_recordings(T0 + timedelta(minutes=3)) == 3
    assert len((await store.query_recordings(RecordingQuery(limit=50))).recordings) == 4


async def test_event_media_paths(store: Store) -> None:
    await store.write_events([start("e1", 0), start("e2", 1)])
    assert await store.set_event_media("e1", "snapshot_path", "snapshots/front_door/x/e1.jpg")
    assert await store.set_event_media("e1", "clip", "clips/front_door/x/e1.mp4")
    assert await store.set_event_media("e1", "recording_id", 7)
    assert not await store.set_event_media("nope", "snapshot_path", "x.jpg")
    with pytest.raises(ValueError, match="media field"):
        await store.set_event_media("e1", "camera_id", "x")  # type: ignore[arg-type]
    e1 = await store.get_event("e1")
    assert e1 is not None
    assert (e1.snapshot_path, e1.clip, e1.recording_id) == (
        "snapshots/front_door/x/e1.jpg",
        "clips/front_door/x/e1.mp4",
        7,
    )
    # the start replayed (a spool) keeps the paths
    await store.write_events([start("e1", 0)])
    again = await store.get_event("e1")
    assert again is not None
    assert again.snapshot_path == "snapshots/front_door/x/e1.jpg"
    cleared = await store.clear_media_paths(["snapshots/front_door/x/e1.jpg", "other.jpg"])
    assert cleared == 1
    after = await store.get_event("e1")
    assert after is not None
    assert after.snapshot_path is None
    assert after.clip == "clips/front_door/x/e1.mp4"
    assert at(0) == after.started_at
