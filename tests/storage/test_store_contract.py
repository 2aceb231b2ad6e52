"""The `Store` contract: one suite, run unchanged on SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fixtures.process import free_port

from bridge.domain.base import new_event_id
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage.postgres import PostgresStore
from bridge.storage.sqlite import SqliteStore
from bridge.store import (
    ApiTokenRecord,
    CameraHeartbeat,
    CameraRecord,
    CommandRecord,
    EventQuery,
    InvalidCursor,
    Store,
    StoredEvent,
    StoreError,
    StoreUnavailable,
)

T0 = datetime.now(UTC).replace(microsecond=123456) - timedelta(hours=2)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def camera(camera_id: str = "front_door", **changes: Any) -> CameraRecord:
    fields: dict[str, Any] = {
        "id": camera_id,
        "name": "Front Door",
        "host": "192.168.1.10",
        "port": 80,
        "https": False,
        "username": "admin",
        "password_encrypted": "gAAAAA-fernet-token",
        "tags": ("outdoor", "gate"),
        "source": "config",
    }
    fields.update(changes)
    return CameraRecord(**fields)


def start(event_id: str, when: float, kind: EventType = EventType.PERSON, **kw: Any) -> Event:
    return Event(
        event_id=event_id,
        type=kind,
        phase=EventPhase.START,
        camera_id=kw.pop("camera_id", "front_door"),
        camera_name=kw.pop("camera_name", "Front Door"),
        timestamp=at(when),
        **kw,
    )


def end(event_id: str, started: float, ended: float, kind: EventType = EventType.PERSON) -> Event:
    return Event(
        event_id=event_id,
        type=kind,
        phase=EventPhase.END,
        camera_id="front_door",
        camera_name="Front Door",
        timestamp=at(ended),
        started_at=at(started),
        duration=ended - started,
    )


def instant(event_id: str, when: float, kind: EventType = EventType.ONLINE, **kw: Any) -> Event:
    return Event(
        event_id=event_id,
        type=kind,
        phase=EventPhase.INSTANT,
        camera_id=kw.pop("camera_id", "front_door"),
        timestamp=at(when),
        **kw,
    )


async def all_events(store: Store, **filters: Any) -> list[StoredEvent]:
    found: list[StoredEvent] = []
    cursor = None
    while True:
        page = await store.query_events(EventQuery(limit=1000, cursor=cursor, **filters))
        found.extend(page.events)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


# ---------------------------------------------------------------------------------------------
# Cameras
# ---------------------------------------------------------------------------------------------


async def test_camera_crud(store: Store) -> None:
    assert await store.get_camera("front_door") is None
    await store.upsert_camera(camera())
    await store.upsert_camera(
        camera("back_yard", name="Back Yard", channel=2, https=True, verify_tls=True)
    )
    back = await store.get_camera("back_yard")
    assert back is not None
    assert (back.https, back.verify_tls) == (True, True)
    got = await store.get_camera("front_door")
    assert got is not None
    assert (got.name, got.host, got.port, got.https, got.username) == (
        "Front Door",
        "192.168.1.10",
        80,
        False,
        "admin",
    )
    assert got.password_encrypted == "gAAAAA-fernet-token"
    assert got.tags == ("outdoor", "gate")
    assert got.source == "config"
    assert got.enabled is True
    assert got.verify_tls is False
    assert got.created_at is not None
    assert got.updated_at is not None
    assert [c.id for c in await store.list_cameras()] == ["back_yard", "front_door"]

    await store.upsert_camera(
        camera(name="Front Door 2", port=None, group="house", poll_interval=2.5, enabled=False)
    )
    changed = await store.get_camera("front_door")
    assert changed is not None
    assert (changed.name, changed.port, changed.group, changed.poll_interval) == (
        "Front Door 2",
        None,
        "house",
        2.5,
    )
    assert changed.enabled is False
    assert changed.created_at == got.created_at
    assert changed.updated_at is not None
    assert changed.updated_at >= got.updated_at

    assert await store.delete_camera("front_door") is True
    assert await store.delete_camera("front_door") is False
    assert await store.get_camera("front_door") is None
    assert [c.id for c in await store.list_cameras()] == ["back_yard"]


async def test_camera_push_settings_are_kept(store: Store) -> None:
    """Migration 0008: `push` (default auto) and `baichuan_port` (default none: the device's)."""
    await store.upsert_camera(camera())
    got = await store.get_camera("front_door")
    assert got is not None
    assert (got.push, got.baichuan_port) == ("auto", None)
    await store.upsert_camera(camera(push="off", baichuan_port=9100))
    got = await store.get_camera("front_door")
    assert got is not None
    assert (got.push, got.baichuan_port) == ("off", 9100)
    await store.upsert_camera(camera(push="on"))
    [listed] = await store.list_cameras()
    assert (listed.push, listed.baichuan_port) == ("on", None)


async def test_camera_status_and_discovered_fields(store: Store) -> None:
    await store.upsert_camera(camera())
    seen = at(10)
    caps = {"model": "RLC-811A", "channels": [{"channel": 0, "ai_types": ["person"]}]}
    await store.update_camera_status(
        "front_door",
        status="online",
        last_seen=seen,
        model="RLC-811A",
        firmware="v3.1",
        capabilities=caps,
    )
    got = await store.get_camera("front_door")
    assert got is not None
    assert (got.status, got.last_seen, got.model, got.firmware) == (
        "online",
        seen,
        "RLC-811A",
        "v3.1",
    )
    assert got.capabilities == caps

    # None keeps what is known; the config upsert does not wipe what the camera told us.
    await store.update_camera_status("front_door", status="offline")
    await store.upsert_camera(camera(name="Renamed"))
    got = await store.get_camera("front_door")
    assert got is not None
    assert (got.name, got.status, got.last_seen, got.model) == (
        "Renamed",
        "offline",
        seen,
        "RLC-811A",
    )
    assert got.capabilities == caps
    await store.update_camera_status("nobody", status="online")  # unknown camera: nothing happens
    assert await store.get_camera("nobody") is None


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


async def test_start_then_end_completes_the_row(store: Store) -> None:
    await store.write_events([start("e1", 0, data={"zone": "gate"})])
    row = await store.get_event("e1")
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == (
        EventPhase.START,
        at(0),
        None,
        None,
    )
    assert row.metadata == {"zone": "gate"}
    assert (row.camera_id, row.camera_name, row.type, row.channel) == (
        "front_door",
        "Front Door",
        EventType.PERSON,
        0,
    )

    await store.write_events([end("e1", 0, 12.5)])
    row = await store.get_event("e1")
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == (
        EventPhase.END,
        at(0),
        at(12.5),
        12.5,
    )
    assert row.metadata == {"zone": "gate"}
    assert len(await all_events(store)) == 1


async def test_instant_rows_and_column_fields(store: Store) -> None:
    data = {"severity": "high", "snapshot_path": "snap/e.jpg", "clip": "rec/1.mp4", "score": 0.9}
    await store.write_events(
        [instant("i1", 1, EventType.VISITOR, data=data), instant("i2", 2, EventType.OFFLINE)]
    )
    row = await store.get_event("i1")
    assert row is not None
    assert (row.phase, row.ended_at, row.duration) == (EventPhase.INSTANT, None, None)
    assert (row.severity, row.snapshot_path, row.clip) == ("high", "snap/e.jpg", "rec/1.mp4")
    assert row.metadata == {"score": 0.9}
    assert row.acknowledged is False
    assert [e.event_id for e in await all_events(store)] == ["i2", "i1"]


async def test_same_batch_twice_is_one_write(store: Store) -> None:
    batch = [
        start("a", 0),
        end("a", 0, 3),
        start("b", 1, EventType.MOTION),
        instant("c", 2),
        start("d", 4),
    ]
    await store.write_events(batch)
    first = await all_events(store)
    await store.write_events(batch)
    await store.write_events(list(reversed(batch)))
    assert await all_events(store) == first
    assert [(e.event_id, e.phase) for e in first] == [
        ("d", EventPhase.START),
        ("c", EventPhase.INSTANT),
        ("b", EventPhase.START),
        ("a", EventPhase.END),
    ]


async def test_end_before_its_start(store: Store) -> None:
    await store.write_events([end("late", 5, 9)])
    row = await store.get_event("late")
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == (
        EventPhase.END,
        at(5),
        at(9),
        4,
    )
    await store.write_events([start("late", 5, data={"zone": "porch"})])
    row = await store.get_event("late")
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == (
        EventPhase.END,
        at(5),
        at(9),
        4,
    )
    assert row.metadata == {"zone": "porch"}
    # The same inside one batch, in both orders.
    await store.write_events([end("x", 10, 11), start("x", 10)])
    await store.write_events([start("y", 12), end("y", 12, 14)])
    for event_id, duration in (("x", 1), ("y", 2)):
        row = await store.get_event(event_id)
        assert row is not None
        assert (row.phase, row.duration) == (EventPhase.END, duration)
    assert len(await all_events(store)) == 3


async def test_end_replayed_changes_nothing(store: Store) -> None:
    await store.write_events([start("r", 0), end("r", 0, 5)])
    before = await store.get_event("r")
    await store.acknowledge_event("r", "alice")
    await store.write_events([end("r", 0, 5)])
    await store.write_events([start("r", 0)])
    after = await store.get_event("r")
    assert after is not None
    assert before is not None
    assert (after.phase, after.ended_at, after.duration) == (before.phase, before.ended_at, 5)
    assert after.acknowledged is True


async def test_end_without_started_at_finds_its_start(store: Store) -> None:
    await store.write_events([start("s", 3)])
    bare_end = Event(
        event_id="s",
        type=EventType.PERSON,
        phase=EventPhase.END,
        camera_id="front_door",
        timestamp=at(8),
    )
    await store.write_events([bare_end])
    row = await store.get_event("s")
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == (
        EventPhase.END,
        at(3),
        at(8),
        5,
    )
    # An end whose start nobody saw is kept as an ended row of its own.
    orphan = Event(
        type=EventType.MOTION,
        phase=EventPhase.END,
        camera_id="front_door",
        timestamp=at(20),
        duration=2.0,
    )
    await store.write_events([orphan, orphan])
    row = await store.get_event(orphan.event_id)
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at) == (EventPhase.END, at(18), at(20))


async def test_order_within_a_batch(store: Store) -> None:
    ids = [new_event_id() for _ in range(300)]
    batch: list[Event] = []
    for n, event_id in enumerate(ids):
        batch.append(start(event_id, n * 0.5))
        if n % 3 == 0:
            batch.append(end(event_id, n * 0.5, n * 0.5 + 0.25))
    await store.write_events(batch)  # large enough for PostgreSQL's COPY path
    rows = await all_events(store)
    assert [r.event_id for r in rows] == list(reversed(ids))
    assert {r.event_id for r in rows if r.phase is EventPhase.END} == set(ids[::3])
    assert all(r.duration == 0.25 for r in rows if r.phase is EventPhase.END)
    await store.write_events(batch)
    assert await all_events(store) == rows


async def test_concurrent_batches(store: Store) -> None:
    batches = [[start(f"c{b}-{n}", b * 100 + n) for n in range(40)] for b in range(8)]
    await asyncio.gather(*(store.write_events(batch) for batch in batches))
    await asyncio.gather(*(store.write_events(batch) for batch in batches))
    assert len(await all_events(store)) == 320


async def seed(store: Store) -> list[Event]:
    """137 events over 3 cameras and 3 types, some sharing a timestamp, a few acknowledged."""
    rng = random.Random(7)
    events = []
    for n in range(137):
        events.append(
            instant(
                f"ev{n:03d}",
                (n // 2) * 10.0,  # pairs share started_at: the cursor must break ties by id
                rng.choice([EventType.MOTION, EventType.PERSON, EventType.VEHICLE]),
                camera_id=["front_door", "back_yard", "garage"][n % 3],
            )
        )
    rng.shuffle(events)
    await store.write_events(events[:60])
    await store.write_events(events[60:])
    for event in events[::5]:
        await store.acknowledge_event(event.event_id, "bob")
    return events


def newest_first(events: list[Event]) -> list[str]:
    return [
        e.event_id for e in sorted(events, key=lambda e: (e.timestamp, e.event_id), reverse=True)
    ]


async def test_keyset_pagination_has_no_duplicates_or_gaps(store: Store) -> None:
    events = await seed(store)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await store.query_events(EventQuery(limit=50, cursor=cursor))
        pages += 1
        seen.extend(e.event_id for e in page.events)
        if page.next_cursor is None:
            break
        assert len(page.events) == 50
        cursor = page.next_cursor
    assert pages == 3
    assert seen == newest_first(events)
    exact = await store.query_events(EventQuery(limit=137))
    assert exact.next_cursor is None
    assert len(exact.events) == 137


async def test_every_filter_and_their_combinations(store: Store) -> None:
    events = await seed(store)
    acked = {e.event_id for e in events[::5]}

    async def ids(**filters: Any) -> list[str]:
        found = []
        cursor = None
        while True:
            page = await store.query_events(EventQuery(limit=7, cursor=cursor, **filters))
            found.extend(e.event_id for e in page.events)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def expect(predicate: Any) -> list[str]:
        return newest_first([e for e in events if predicate(e)])

    assert await ids(camera_ids=["garage"]) == expect(lambda e: e.camera_id == "garage")
    assert await ids(camera_ids=["garage", "back_yard"]) == expect(
        lambda e: e.camera_id in ("garage", "back_yard")
    )
    assert await ids(types=[EventType.PERSON]) == expect(lambda e: e.type is EventType.PERSON)
    assert await ids(types=[EventType.PERSON, EventType.VEHICLE]) == expect(
        lambda e: e.type in (EventType.PERSON, EventType.VEHICLE)
    )
    assert await ids(since=at(200), until=at(400)) == expect(
        lambda e: at(200) <= e.timestamp < at(400)
    )
    assert await ids(acknowledged=True) == expect(lambda e: e.event_id in acked)
    assert await ids(acknowledged=False) == expect(lambda e: e.event_id not in acked)
    combined = await ids(
        camera_ids=["front_door"],
        types=[EventType.MOTION, EventType.PERSON],
        since=at(100),
        until=at(600),
        acknowledged=False,
    )
    assert combined == expect(
        lambda e: (
            e.camera_id == "front_door"
            and e.type in (EventType.MOTION, EventType.PERSON)
            and at(100) <= e.timestamp < at(600)
            and e.event_id not in acked
        )
    )
    assert combined
    assert await ids(camera_ids=["nobody"]) == []
    assert await ids(types=[EventType.FACE]) == []


async def test_bad_cursor(store: Store) -> None:
    with pytest.raises(InvalidCursor):
        await store.query_events(EventQuery(cursor="not a cursor!"))
    with pytest.raises(ValueError, match="cursor"):
        await store.query_events(EventQuery(cursor="bm9wZQ"))


async def test_acknowledge(store: Store) -> None:
    await store.write_events([start("a1", 0)])
    assert await store.acknowledge_event("missing", "alice") is None
    row = await store.acknowledge_event("a1", "alice")
    assert row is not None
    assert row.acknowledged is True
    assert row.acknowledged_by == "alice"
    assert row.acknowledged_at is not None
    again = await store.acknowledge_event("a1", "bob")  # the first acknowledgement stands
    assert again is not None
    assert (again.acknowledged_by, again.acknowledged_at) == ("alice", row.acknowledged_at)
    await store.write_events([end("a1", 0, 2)])
    done = await store.get_event("a1")
    assert done is not None
    assert (done.phase, done.acknowledged, done.acknowledged_by) == (EventPhase.END, True, "alice")


async def test_purge(store: Store) -> None:
    old = [instant(f"old{n}", -86400 * 40 - n) for n in range(30)]
    recent = [start(f"new{n}", n) for n in range(10)]
    await store.write_events(old + recent)
    assert await store.purge_events(at(-86400)) == 30
    assert {e.event_id for e in await all_events(store)} == {f"new{n}" for n in range(10)}
    assert await store.purge_events(at(-86400)) == 0
    assert await store.purge_events(at(5)) == 5


async def test_open_events(store: Store) -> None:
    await store.write_events(
        [
            start("a", 0),
            start("b", 10, camera_id="garage"),
            start("done", 5),
            end("done", 5, 7),
            instant("press", 3, EventType.VISITOR),
            start("late", 100),
        ]
    )
    opened = await store.open_events(at(50))
    assert [(e.event_id, e.camera_id) for e in opened] == [("a", "front_door"), ("b", "garage")]
    assert opened[0].phase is EventPhase.START
    assert opened[0].started_at == at(0)
    assert [e.event_id for e in await store.open_events(at(1000))] == ["a", "b", "late"]
    assert await store.open_events(at(0)) == []


async def test_heartbeats_keep_the_latest(store: Store) -> None:
    assert await store.heartbeats(["front_door"]) == {}
    await store.record_heartbeats(
        [
            CameraHeartbeat("front_door", at(10)),
            CameraHeartbeat("garage", at(3)),
            CameraHeartbeat("front_door", at(12)),
            CameraHeartbeat("front_door", at(11)),  # an older one in the same batch
        ]
    )
    await store.record_heartbeats([CameraHeartbeat("garage", at(1))])  # older: ignored
    assert await store.heartbeats(["front_door", "garage", "nobody"]) == {
        "front_door": at(12),
        "garage": at(3),
    }
    await store.record_heartbeats([CameraHeartbeat("garage", at(20))])
    assert await store.heartbeats(["garage"]) == {"garage": at(20)}
    assert await store.heartbeats([]) == {}
    await store.record_heartbeats([])


# ---------------------------------------------------------------------------------------------
# Command audit, configuration versions, tokens
# ---------------------------------------------------------------------------------------------


async def test_command_audit(store: Store) -> None:
    await store.record_commands(
        [
            CommandRecord("front_door", "mqtt", {"siren": {"state": "ON"}}, "ok", transaction="t1"),
            CommandRecord(
                "garage", "rest", {"reboot": True}, "error", error="camera offline", who="alice"
            ),
            CommandRecord("front_door", "ws", {"ptz": {"op": "left"}}, "ok", at=at(5)),
        ]
    )
    await store.record_commands([])
    rows = await store.list_commands()
    assert [r.command for r in rows] == [
        {"ptz": {"op": "left"}},
        {"reboot": True},
        {"siren": {"state": "ON"}},
    ]
    assert all(r.id is not None and r.at is not None for r in rows)
    ids = [r.id for r in rows]
    assert ids == sorted(ids, reverse=True)
    assert rows[0].at == at(5)
    failed = rows[1]
    assert (failed.source, failed.status, failed.error, failed.who) == (
        "rest",
        "error",
        "camera offline",
        "alice",
    )
    assert rows[2].transaction == "t1"
    front = await store.list_commands("front_door")
    assert [r.source for r in front] == ["ws", "mqtt"]
    assert [r.source for r in await store.list_commands(limit=1)] == ["ws"]
    assert rows[0].id is not None
    older = await store.list_commands(before_id=rows[0].id)
    assert [r.source for r in older] == ["rest", "mqtt"]


async def test_config_versions(store: Store) -> None:
    await store.upsert_camera(camera())
    await store.upsert_camera(camera("garage"))
    assert await store.save_camera_config("front_door", "image", {"brightness": 128}) == 1
    assert await store.save_camera_config("front_door", "image", {"brightness": 90}, "alice") == 2
    assert await store.save_camera_config("front_door", "osd", {"name": "x"}) == 1
    assert await store.save_camera_config("garage", "image", {"brightness": 1}) == 1
    versions = await asyncio.gather(
        *(store.save_camera_config("garage", "ptz", {"n": n}) for n in range(5))
    )
    assert sorted(versions) == [1, 2, 3, 4, 5]
    history = await store.camera_config_history("front_door", "image")
    assert [(h.version, h.data, h.who) for h in history] == [
        (2, {"brightness": 90}, "alice"),
        (1, {"brightness": 128}, None),
    ]
    assert history[0].created_at is not None
    assert [h.version for h in await store.camera_config_history("garage", "ptz", limit=2)] == [
        5,
        4,
    ]
    assert await store.camera_config_history("front_door", "nothing") == []
    with pytest.raises(StoreError):
        await store.save_camera_config("nobody", "image", {})


async def test_tokens(store: Store) -> None:
    created = at(0)
    await store.add_token(ApiTokenRecord("t1", "Home Assistant", "hash-1", created))
    await store.add_token(ApiTokenRecord("t2", "script", "hash-2", at(1), scope="read"))
    with pytest.raises(StoreError):
        await store.add_token(ApiTokenRecord("t3", "dup", "hash-1", at(2)))
    found = await store.find_token("hash-1")
    assert found == ApiTokenRecord("t1", "Home Assistant", "hash-1", created)
    assert found.scope == "admin"
    assert [t.scope for t in await store.list_tokens()] == ["admin", "read"]
    assert await store.find_token("nope") is None
    assert [t.id for t in await store.list_tokens()] == ["t1", "t2"]
    await store.touch_token("t1", at(30))
    touched = await store.find_token("hash-1")
    assert touched is not None
    assert touched.last_used_at == at(30)
    assert await store.revoke_token("t1") is True
    assert await store.revoke_token("t1") is False
    assert await store.revoke_token("nope") is False
    revoked = await store.find_token("hash-1")
    assert revoked is not None
    assert revoked.revoked_at is not None
    other = await store.find_token("hash-2")
    assert other is not None
    assert other.revoked_at is None


ODD = "Façade 🚪 «Tür» 'quote\" ; DROP TABLE events; -- \\ % _ \t"


async def test_unicode_and_odd_names(store: Store) -> None:
    await store.upsert_camera(camera("odd-cam_1", name=ODD, tags=("außen", "🌧", "")))
    got = await store.get_camera("odd-cam_1")
    assert got is not None
    assert (got.name, got.tags) == (ODD, ("außen", "🌧", ""))
    event_id = "id with spaces/ünïcode 'q'"
    await store.write_events(
        [start(event_id, 0, camera_id="odd-cam_1", camera_name=ODD, data={"note": ODD, "ü": [1]})]
    )
    page = await store.query_events(EventQuery(camera_ids=["odd-cam_1"]))
    assert [e.event_id for e in page.events] == [event_id]
    assert page.events[0].camera_name == ODD
    assert page.events[0].metadata == {"note": ODD, "ü": [1]}
    await store.record_commands(
        [CommandRecord("odd-cam_1", "cli", {"ptz_preset": ODD}, "ok", who=ODD)]
    )
    assert (await store.list_commands("odd-cam_1"))[0].command == {"ptz_preset": ODD}
    assert await store.save_camera_config("odd-cam_1", ODD, {ODD: ODD}) == 1
    assert (await store.camera_config_history("odd-cam_1", ODD))[0].data == {ODD: ODD}
    await store.add_token(ApiTokenRecord("tok", ODD, "h", at(0)))
    assert (await store.list_tokens())[0].name == ODD


async def test_reopen_keeps_everything(store: SqliteStore | PostgresStore) -> None:
    await store.upsert_camera(camera())
    await store.write_events([start("k", 0)])
    await store.close()
    await store.open()
    assert await store.get_camera("front_door") is not None
    assert await store.get_event("k") is not None


# ---------------------------------------------------------------------------------------------
# Unreachable PostgreSQL
# ---------------------------------------------------------------------------------------------


async def test_postgres_unavailable_without_the_password() -> None:
    secret = "s3cr3t-Pässword"
    url = f"postgresql://reolink:{secret}@127.0.0.1:{free_port()}/reolink"  # nothing listens
    store = PostgresStore(url)
    with pytest.raises(StoreUnavailable) as caught:
        await store.open()
    message = str(caught.value)
    assert secret not in message
    assert secret not in repr(store)
    assert "postgresql://reolink:***@127.0.0.1" in message
    with pytest.raises(StoreError, match="not open"):
        await store.get_event("x")
    from bridge.storage.migrate import migrate

    with pytest.raises(StoreUnavailable) as caught:
        await migrate(url)
    assert secret not in str(caught.value)
    assert caught.value.__cause__ is None or secret not in str(caught.value.__cause__)


async def test_postgres_server_restart_is_survived(pg_server: Any) -> None:
    """A stopped server gives StoreUnavailable; once it is back the same store works again."""
    store = PostgresStore(pg_server.url, pool_size=3)
    await store.open()
    try:
        await store.write_events([start("before", 0)])
        await pg_server.astop()
        with pytest.raises(StoreUnavailable):
            await store.write_events([start("during", 1)])
        with pytest.raises(StoreUnavailable):
            await store.get_event("before")
        await pg_server.astart()
        await store.write_events([start("after", 2)])  # stale pooled connections are replaced
        assert {e.event_id for e in await all_events(store)} == {"before", "after"}
    finally:
        await store.close()


async def test_installation_id_is_made_once_and_kept(store: Store) -> None:
    first = await store.installation_id()
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert await store.installation_id() == first
