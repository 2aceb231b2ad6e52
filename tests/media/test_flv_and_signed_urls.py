"""The FLV proxy (playable, backpressure against a slow reader, clear errors) and signed URLs
(valid, expired, forged, another camera, stream or scope, a revoked holder)."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from fixtures.api_rig import ApiRig
from media_helpers import bridge_ffmpegs, codecs, frames, probe

from bridge.api.security import Principal, load_jwt_key
from bridge.api.signed_urls import UrlSigner
from bridge.simulator import Simulator


async def _catalogue_urls(rig: ApiRig, camera: str, token: str | None = None) -> dict[str, str]:
    """The signed proxy URLs of each stream of `camera` (`name.flv` / `name.hls` → URL)."""
    body = (await rig.client(token).get(f"/cameras/{camera}/streams")).json()
    found = {}
    for stream in body["cameras"][0]["streams"]:
        for kind in ("flv", "hls"):
            if stream["urls"][kind]:
                found[f"{stream['name']}.{kind}"] = stream["urls"][kind]
    return found


async def _flv_bytes(url: str, size: int, headers: dict[str, str] | None = None) -> bytes:
    data = b""
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream("GET", url, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"] == "video/x-flv"
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= size:
                break
    return data


async def test_the_flv_proxy_passes_a_playable_stream(rig: ApiRig) -> None:
    urls = await _catalogue_urls(rig, "doorbell")
    data = await _flv_bytes(urls["sub.flv"], 300_000)  # no header: the signed URL is enough
    assert data.startswith(b"FLV\x01")
    probed = await probe("pipe:0", stdin=data)
    assert codecs(probed) == {"video": "h264", "audio": "aac"}
    assert frames(probed) >= 10
    bearer = await _flv_bytes(
        f"{rig.url}/cameras/nvr_ch1/streams/sub.flv", 50_000, headers=rig.headers()
    )
    assert bearer.startswith(b"FLV\x01")
    assert bridge_ffmpegs(rig.settings.data_dir) == []  # FLV needs no ffmpeg in the bridge


async def test_a_slow_flv_reader_does_not_make_the_bridge_buffer(rig: ApiRig) -> None:
    """The bridge reads from the camera only as fast as the viewer takes the bytes. The kernel's
    socket buffers (bounded: net.ipv4.tcp_wmem) are shrunk for this viewer so that what the
    bridge itself would hold shows within seconds: while the viewer reads 2 KB a second, the
    bridge pulls little more than that, although the camera produces far more meanwhile (a
    normal viewer of the same stream measures how much)."""
    assert rig.bridge.streams is not None
    stats = rig.bridge.streams.stats
    url = urlsplit(f"{rig.url}/cameras/doorbell/streams/main.flv")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (url.hostname, url.port))
    await _shrink_server_side(sock.getsockname())
    request = f"GET {url.path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {rig.token}\r\n\r\n"
    await loop.sock_sendall(sock, request.encode())
    received = 0
    try:
        assert (await loop.sock_recv(sock, 2048)).startswith(b"HTTP/1.1 200")
        start = stats()["flv_bytes"]
        normal = asyncio.ensure_future(_timed_read(rig, "/cameras/doorbell/streams/main.flv", 8))
        began = time.monotonic()
        while time.monotonic() - began < 8:
            received += len(await loop.sock_recv(sock, 2048))
            await asyncio.sleep(1)
        produced = await normal
        pulled_for_slow = stats()["flv_bytes"] - start - produced
    finally:
        sock.close()
    assert produced > 1_000_000, produced  # what 8 s of this stream weigh
    assert pulled_for_slow - received < 400_000, (pulled_for_slow, received, produced)


async def _shrink_server_side(client: tuple[str, int]) -> None:
    """Give the bridge's end of the connection from `client` a small send buffer."""
    async with asyncio.timeout(5):
        while True:
            for fd in os.listdir("/proc/self/fd"):
                try:
                    dup = socket.socket(fileno=os.dup(int(fd)))
                except OSError:
                    continue
                try:
                    if dup.type == socket.SOCK_STREAM and dup.getpeername() == client:
                        dup.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
                        return
                except OSError:
                    pass
                finally:
                    dup.close()
            await asyncio.sleep(0.05)


async def _timed_read(rig: ApiRig, path: str, seconds: float) -> int:
    total = 0
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream("GET", rig.url + path, headers=rig.headers()) as response,
    ):
        began = time.monotonic()
        async for chunk in response.aiter_raw():
            total += len(chunk)
            if time.monotonic() - began > seconds:
                break
    return total


async def test_a_camera_that_refuses_the_stream_is_a_502(rig: ApiRig, sim: Simulator) -> None:
    assert (await rig.client().get("/cameras/legacy/streams")).status_code == 200  # GetEnc read
    await sim.set_fault("legacy", "html", status=502)
    answer = await rig.client().get("/cameras/legacy/streams/sub.flv")
    assert answer.status_code == 502
    assert answer.json() == {"detail": "camera legacy refused the stream (HTTP 502, text/html)"}


def _signer(rig: ApiRig, offset: float = 0.0) -> UrlSigner:
    """A signer with the bridge's key and a clock `offset` seconds away."""
    key = load_jwt_key(rig.settings.auth, rig.settings.data_dir)
    return UrlSigner(key, rig.api.app.state.api.auth, clock=lambda: time.time() + offset)


async def test_signed_urls_open_only_what_they_were_made_for(rig: ApiRig) -> None:
    urls = await _catalogue_urls(rig, "doorbell")
    hls = urls["sub.hls"]
    token = hls.split("token=")[1]
    async with httpx.AsyncClient(timeout=15) as http:
        valid = await http.get(hls)
        assert valid.status_code == 200
        assert f".ts?token={token}" in valid.text  # segments carry it on
        segment = valid.text.strip().splitlines()[-1]
        assert (await http.get(hls.rsplit("/", 1)[0] + "/" + segment)).status_code == 200

        def url(camera: str, stream: str, signed: str) -> str:
            return f"{rig.url}/cameras/{camera}/streams/{stream}/index.m3u8?token={signed}"

        principal = Principal("admin", "admin")
        app_signer: UrlSigner = rig.api.app.state.url_signer
        assert (
            await http.get(
                url("doorbell", "sub", _signer(rig).sign(principal, "doorbell", "sub", 60)[0])
            )
        ).status_code == 200
        expired, _ = _signer(rig, -3600).sign(principal, "doorbell", "sub", 60)
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        other_scope, _ = app_signer.sign(principal, "doorbell", "sub", 60, scope="snapshot")
        cases = {
            url("doorbell", "sub", expired): (401, "expired"),
            url("doorbell", "sub", forged): (401, "invalid signed URL"),
            url("doorbell", "sub", "rms_garbage"): (401, "invalid signed URL"),
            url("legacy", "sub", token): (403, "for doorbell/sub, not legacy/sub"),
            url("doorbell", "main", token): (403, "for doorbell/sub, not doorbell/main"),
            url("doorbell", "sub", other_scope): (403, "opens 'snapshot'"),
            f"{rig.url}/cameras/doorbell/streams/sub.flv?token={expired}": (401, "expired"),
            f"{rig.url}/cameras/doorbell/streams?token={token}": (401, "invalid token"),
        }
        for target, (status, detail) in cases.items():
            answer = await http.get(target)
            assert answer.status_code == status, (target, answer.text)
            assert detail in answer.json()["detail"]


async def test_revoking_the_token_ends_its_urls_and_its_open_stream(rig: ApiRig) -> None:
    admin = rig.client(rig.admin_jwt)
    made = (await admin.post("/auth/tokens", json={"name": "viewer", "scope": "read"})).json()
    urls = await _catalogue_urls(rig, "doorbell", made["token"])
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(urls["sub.hls"])).status_code == 200
        async with http.stream("GET", urls["sub.flv"]) as flv:
            assert flv.status_code == 200
            chunks = flv.aiter_raw()
            await anext(chunks)
            assert (await admin.delete(f"/auth/tokens/{made['id']}")).status_code == 204
            started = time.monotonic()
            async with asyncio.timeout(5):
                async for _ in chunks:
                    pass  # the stream ends
            assert time.monotonic() - started < 5
        after = await http.get(urls["sub.hls"])
        assert after.status_code == 401
        assert "revoked" in after.json()["detail"]
        bearer_flv = await http.get(
            f"{rig.url}/cameras/doorbell/streams/sub.flv",
            headers={"Authorization": f"Bearer {made['token']}"},
        )
        assert bearer_flv.status_code == 401


@pytest.mark.parametrize("camera", ["doorbell"])
async def test_a_bearer_flv_stream_ends_when_its_token_is_revoked(rig: ApiRig, camera: str) -> None:
    admin = rig.client(rig.admin_jwt)
    made = (await admin.post("/auth/tokens", json={"name": "viewer", "scope": "read"})).json()
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream(
            "GET",
            f"{rig.url}/cameras/{camera}/streams/sub.flv",
            headers={"Authorization": f"Bearer {made['token']}"},
        ) as flv,
    ):
        assert flv.status_code == 200
        chunks = flv.aiter_raw()
        await anext(chunks)
        assert (await admin.delete(f"/auth/tokens/{made['id']}")).status_code == 204
        async with asyncio.timeout(5):
            async for _ in chunks:
                pass
