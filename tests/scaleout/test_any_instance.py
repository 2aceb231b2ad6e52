"""Every instance's API serves every camera: state and availability from the shared cache (as
the owner wrote them), and media that needs the camera's session (streams, downloads, live
searches, snapshots taken now) relayed to the owner — one camera session, whichever instance
the client asked."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx

from bridge.api.relay import RELAYED_BY
from bridge.domain.base import utcnow
from bridge.domain.media_paths import snapshot_path
from bridge.simulator import Simulator
from scaleout.conftest import CAMERAS
from scaleout.rig import Fleet, announced, client, token


async def _listed(http: httpx.AsyncClient) -> dict[str, bool]:
    answer = await http.get("/cameras")
    assert answer.status_code == 200, answer.text
    return {entry["id"]: entry["online"] for entry in answer.json()}


async def _eventually(http: httpx.AsyncClient, wanted: dict[str, bool]) -> None:
    seen: dict[str, bool] = {}

    async def check() -> bool:
        nonlocal seen
        seen = await _listed(http)
        return all(seen.get(c) == online for c, online in wanted.items())

    try:
        async with asyncio.timeout(20):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"wanted {wanted}, listed {seen}") from None


async def test_a_non_owner_shows_the_owners_state_and_availability(
    bridges: Fleet, sim: Simulator
) -> None:
    a = await bridges.start("a")
    b = await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    theirs = sorted(split["a"])[0]  # a runs it; ask b
    assert not b.manager.runs(theirs)
    async with client(b, await token(a)) as http:
        await _eventually(http, dict.fromkeys(CAMERAS, True))
        one = (await http.get(f"/cameras/{theirs}")).json()
        assert one["online"] is True
        assert one["capabilities"] is not None  # learnt by the owner, shared
        assert "password" not in one
        await announced(b, "a")
        status = (await http.get(f"/cameras/{theirs}/status")).json()
        assert status["online"] is True
        assert status["polls"] > 0  # the owner's counters: the request went to a
        assert status["last_poll"] is not None
        assert b.manager.runner(theirs).polls == 0
        state = await http.get(f"/cameras/{theirs}/state")
        assert state.status_code == 200, state.text

        await sim.set_fault(theirs, "offline")  # the owner sees it go: so does b
        await _eventually(http, {theirs: False} | dict.fromkeys(set(CAMERAS) - {theirs}, True))
        assert (await http.get(f"/cameras/{theirs}")).json()["online"] is False
        assert (await http.get(f"/cameras/{theirs}/status")).json()["online"] is False

        await sim.set_fault(theirs, "none")
        await _eventually(http, dict.fromkeys(CAMERAS, True))


async def _search(http: httpx.AsyncClient, camera: str) -> list[dict[str, Any]]:
    answer = await http.post(
        "/recordings/search",
        json={
            "camera_id": camera,
            "start": (utcnow() - timedelta(hours=20)).isoformat(),
            "end": utcnow().isoformat(),
        },
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["recordings"]
    return found


async def test_media_asked_of_a_non_owner_is_served_through_the_owner(
    bridges: Fleet, sim: Simulator
) -> None:
    a, b, theirs = await bridges.pair(len(CAMERAS))
    device = sim.devices[theirs]
    api_token = await token(b)
    async with client(b, api_token) as http:
        logins = device.sessions.logins

        # the stream catalogue: the owner's (online)
        catalogue = await http.get(f"/cameras/{theirs}/streams")
        assert catalogue.status_code == 200, catalogue.text
        channel = catalogue.json()["cameras"][0]
        assert channel["online"] is True
        assert a.api is not None
        assert b.api is not None
        flv = next(s["urls"]["flv"] for s in channel["streams"] if s["urls"]["flv"])
        # Its links name `server.public_url` (here each instance's own: port 0); ask b anyway
        flv = flv.replace(str(a.settings.server.public_url), b.api.url)
        assert flv.startswith(b.api.url)

        # live FLV through b (a signed URL made by the owner)
        data = b""
        async with httpx.AsyncClient(timeout=15) as bare, bare.stream("GET", flv) as live:
            assert live.status_code == 200
            assert live.headers["content-type"] == "video/x-flv"
            async for chunk in live.aiter_raw():
                data += chunk
                if len(data) >= 50_000:
                    break
        assert data.startswith(b"FLV\x01")

        # a live search (indexed on the way), then a download with a Range, through b
        found = await _search(http, theirs)
        assert found
        rec = min(found, key=lambda r: r["size"])
        whole = await http.get(f"/recordings/{rec['id']}/download")
        assert whole.status_code == 200, whole.text
        assert len(whole.content) == rec["size"]
        assert whole.headers["content-length"] == str(rec["size"])
        part = await http.get(
            f"/recordings/{rec['id']}/download", headers={"Range": "bytes=10-109"}
        )
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 10-109/{rec['size']}"
        assert part.content == whole.content[10:110]

        # a snapshot taken now
        snap = await http.get(f"/cameras/{theirs}/snapshot")
        assert snap.status_code == 200, snap.text
        assert snap.content.startswith(b"\xff\xd8")

        # one camera session: the owner's; b opened none
        assert device.sessions.logins == logins
        assert not b.manager.runs(theirs)


async def test_a_relay_to_an_owner_that_died_answers_503(bridges: Fleet, sim: Simulator) -> None:
    a, b, theirs = await bridges.pair(len(CAMERAS))
    api_token = await token(b)
    assert a.api is not None
    await a.api.stop()  # a still holds the lease, but its API is gone
    async with client(b, api_token) as http:
        answer = await http.get(f"/cameras/{theirs}/snapshot")
    assert answer.status_code == 503
    assert "(a)" in answer.json()["detail"]
    assert answer.headers["retry-after"] == "5"


async def test_a_kept_file_is_served_by_every_instance(bridges: Fleet, sim: Simulator) -> None:
    """An event's snapshot is written by whichever instance's `event-media` consumer took it,
    in its own data dir: the others ask their peers for a file they do not have."""
    a = await bridges.start("a")
    b = await bridges.start("b")
    await bridges.balanced(len(CAMERAS))
    await announced(b, "a")
    assert a.media is not None
    rel = snapshot_path("cam1", utcnow(), "evt-kept-on-a")
    jpeg = b"\xff\xd8" + bytes(2000)
    await asyncio.to_thread(a.media.event_media.dir.write, rel, jpeg)
    async with client(b, await token(b)) as http:
        answer = await http.get(f"/media/{rel}")
        assert answer.status_code == 200, answer.text
        assert answer.content == jpeg
        assert answer.headers["content-type"] == "image/jpeg"
        gone = await http.get(f"/media/{snapshot_path('cam1', utcnow(), 'evt-nowhere')}")
        assert gone.status_code == 404
        assert "no such media file" in gone.json()["detail"]


async def test_a_relayed_download_streams_and_keeps_the_per_camera_bound(
    bridges: Fleet, sim: Simulator
) -> None:
    """An hour-long recording (144 MB) through a non-owner: one chunk read, the client hangs up,
    and the camera's answer ends at once (nothing was pulled ahead through the relay). The
    per-camera download bound is the owner's, whichever instance the downloads came through."""
    a, b, theirs = await bridges.pair(len(CAMERAS))
    dev = sim.devices[theirs]
    server = sim.server(theirs)
    assert server is not None
    assert a.media is not None
    dev.sdcard.pre_record = 3600.0
    dev.trigger_event("person", True, 0, duration=0.5)
    async with client(b, await token(b)) as http:
        rec: dict[str, Any] | None = None
        async with asyncio.timeout(30):
            while rec is None:
                found = await _search(http, theirs)
                rec = next((r for r in found if r["size"] >= 100_000_000), None)
                await asyncio.sleep(0.2)
        url = f"/recordings/{rec['id']}/download"
        relayed = a.media.downloads.bytes
        async with http.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(rec["size"])
            async for _ in response.aiter_raw():
                break  # one chunk, then hang up
        async with asyncio.timeout(10):
            while server.downloads_active or a.media.downloads.active:
                await asyncio.sleep(0.05)
        assert a.media.downloads.bytes - relayed < rec["size"] // 4

        # two at once through b, a third through a: the owner's bound (2) answers 429
        async with (
            client(a, await token(a)) as direct,
            http.stream("GET", url) as one,
            http.stream("GET", url) as two,
        ):
            assert (one.status_code, two.status_code) == (200, 200)
            third = await direct.get(url)
            assert third.status_code == 429
            fourth = await http.get(url)
            assert fourth.status_code == 429
            assert fourth.headers["retry-after"] == "5"


async def test_a_request_relayed_once_is_answered_where_it_arrived(
    bridges: Fleet, sim: Simulator
) -> None:
    """No relay loop: a request that was relayed already is answered by the instance it reached,
    as for a camera it does not run."""
    _, b, theirs = await bridges.pair(len(CAMERAS))
    marked = {RELAYED_BY: "a"}
    async with client(b, await token(b)) as http:
        catalogue = await http.get(f"/cameras/{theirs}/streams", headers=marked)
        snap = await http.get(f"/cameras/{theirs}/snapshot", headers=marked)
        search = await http.post(
            "/recordings/search",
            headers=marked,
            json={"camera_id": theirs, "start": utcnow().isoformat(), "end": utcnow().isoformat()},
        )
    assert catalogue.status_code == 200
    assert catalogue.json()["cameras"][0]["online"] is False
    assert snap.status_code == 409
    assert search.status_code == 409
    assert "offline" in search.json()["detail"]


async def test_hls_through_a_non_owner_is_the_owners_session(
    bridges: Fleet, sim: Simulator
) -> None:
    """The playlist and its segments asked of b come from a's HLS session (one ffmpeg, on the
    instance that holds the camera's session)."""
    a, b, theirs = await bridges.pair(len(CAMERAS))
    assert a.streams is not None
    assert b.streams is not None
    async with client(b, await token(b)) as http:
        playlist = await http.get(f"/cameras/{theirs}/streams/sub/index.m3u8", timeout=30)
        assert playlist.status_code == 200, playlist.text
        assert playlist.text.startswith("#EXTM3U")
        listed = [int(n) for n in re.findall(r"^(\d+)\.ts", playlist.text, re.MULTILINE)]
        assert listed, playlist.text
        segment = await http.get(f"/cameras/{theirs}/streams/sub/{listed[-1]}.ts")
        assert segment.status_code == 200
        assert segment.content[:1] == b"\x47"  # MPEG-TS sync byte
    assert a.streams.stats()["hls_sessions_started"] >= 1
    assert b.streams.stats()["hls_sessions_started"] == 0


async def test_an_event_clip_asked_of_a_non_owner_is_cut_by_the_owner(
    bridges: Fleet, sim: Simulator
) -> None:
    fast = {"index_after_event": 0.5}  # the recording is indexed soon after the event
    a, b, theirs = await bridges.pair(len(CAMERAS), media=fast)
    assert a.media is not None
    assert b.media is not None
    sim.devices[theirs].trigger_event("vehicle", True, 0, duration=3.0)
    async with client(b, await token(b)) as http:
        ended: dict[str, Any] | None = None
        async with asyncio.timeout(30):
            while ended is None:
                page = (await http.get("/events", params={"camera_id": theirs})).json()
                ended = next(
                    (e for e in page["events"] if e["type"] == "vehicle" and e.get("recording_id")),
                    None,
                )
                await asyncio.sleep(0.2)
        clip = await http.get(f"/events/{ended['event_id']}/clip", timeout=60)
    assert clip.status_code == 200, clip.text
    assert clip.headers["content-type"] == "video/mp4"
    assert clip.content[4:8] == b"ftyp"
    stored = await a.store.get_event(ended["event_id"])
    assert stored is not None
    assert stored.clip is not None
    assert a.media.event_media.dir.resolve(stored.clip) is not None
    assert (a.settings.media.root(a.settings.data_dir) / stored.clip).is_file()  # cut by a
    assert not (b.settings.media.root(b.settings.data_dir) / stored.clip).exists()


async def test_media_between_a_bridge_process_and_an_in_process_one(
    bridges: Fleet, sim: Simulator
) -> None:
    """A real `reolink-bridge run` process and an in-process bridge serve each other's cameras:
    a snapshot and a live search, each way."""
    a = await bridges.start("a")
    bridges.process("c")
    assert a.keeper is not None
    leases = a.keeper.leases

    async def split() -> dict[str, set[str]]:
        held = await leases.holders(CAMERAS)
        found: dict[str, set[str]] = {"a": set(), "c": set()}
        for camera, (holder, _) in held.items():
            found.setdefault(holder, set()).add(camera)
        return found

    async with asyncio.timeout(60):
        while not (len((held := await split())["a"]) == len(held["c"]) == 3 and len(held) == 2):
            await asyncio.sleep(0.2)
    await announced(a, "c")
    c_url = next(e["internal_url"] for e in await leases.directory() if e["instance"] == "c")
    api_token = await token(a)
    headers = {"Authorization": f"Bearer {api_token}"}
    async with (
        client(a, api_token) as via_a,
        httpx.AsyncClient(base_url=c_url + "/api/v1", headers=headers, timeout=30) as via_c,
    ):
        for http, camera in ((via_a, sorted(held["c"])[0]), (via_c, sorted(held["a"])[0])):
            snap = await http.get(f"/cameras/{camera}/snapshot")
            assert snap.status_code == 200, snap.text
            assert snap.content.startswith(b"\xff\xd8")
            assert await _search(http, camera)
