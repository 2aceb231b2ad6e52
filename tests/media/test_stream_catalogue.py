"""`GET /cameras/{id}/streams`: what each camera streams (GetEnc), proxied URLs for everyone,
the camera's own URLs (password included) for the admin scope only, built like reolink_aio."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from api_rig import ADMIN_PASSWORD, PASSWORD, ApiRig
from media_helpers import password_forms
from reolink_aio.api import Host
from reolink_aio.enums import ConnectionEnum

from bridge.simulator import Simulator


async def _token(rig: ApiRig, scope: str) -> str:
    made = await rig.client(rig.admin_jwt).post(
        "/auth/tokens", json={"name": scope, "scope": scope}
    )
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


async def test_catalogue_reports_what_get_enc_says(rig: ApiRig, sim: Simulator) -> None:
    client = rig.client()
    doorbell = (await client.get("/cameras/doorbell/streams")).json()
    assert doorbell["camera_id"] == "doorbell"
    (channel,) = doorbell["cameras"]
    enc = sim.devices["doorbell"].channels[0].enc
    streams = {s["name"]: s for s in channel["streams"]}
    assert set(streams) == {"main", "sub"}
    for name in ("main", "sub"):
        reported = enc[f"{name}Stream"]
        got = streams[name]
        assert (got["codec"], got["width"], got["height"]) == (
            reported["vType"],
            reported["width"],
            reported["height"],
        )
        assert got["frame_rate"] == reported["frameRate"]
        assert got["bit_rate_kbps"] == reported["bitRate"]
        assert got["gop_seconds"] == reported["gop"]
        assert got["audio"] is True
        assert got["browser_playable"]
        assert got["flv"]
        assert got["hls"]
        assert f"/cameras/doorbell/streams/{name}.flv?token=rms_" in got["urls"]["flv"]
        assert "/cameras/doorbell/streams/" + name + "/index.m3u8?token=rms_" in got["urls"]["hls"]
    assert channel["default_stream"] == "main"
    assert channel["urls_expire_at"]

    legacy = (await client.get("/cameras/legacy/streams")).json()["cameras"][0]
    assert all(s["audio"] is False for s in legacy["streams"])


async def test_h265_is_said_and_the_h264_sub_stream_is_the_default(rig: ApiRig) -> None:
    client = rig.client()
    channel = (await client.get("/cameras/floodlight/streams")).json()["cameras"][0]
    main = next(s for s in channel["streams"] if s["name"] == "main")
    assert main["codec"] == "h265"
    assert (main["width"], main["height"]) == (3840, 2160)
    assert not main["browser_playable"]
    assert not main["flv"]
    assert not main["hls"]
    assert not main["transcoded"]
    assert "watch the sub stream" in main["note"]
    assert "streams.transcode_h265" in main["note"]  # how to have it anyway
    assert main["urls"]["flv"] is None
    assert main["urls"]["hls"] is None
    assert channel["default_stream"] == "sub"
    refused = await client.get("/cameras/floodlight/streams/main/index.m3u8")
    assert refused.status_code == 409
    assert "H265" in refused.json()["detail"]
    alias = await client.get("/cameras/floodlight/stream/hls", follow_redirects=False)
    assert alias.status_code == 307
    assert alias.headers["location"] == "../streams/sub/index.m3u8"


async def test_an_nvr_lists_each_channel(rig: ApiRig) -> None:
    client = rig.client()
    nvr = (await client.get("/cameras/nvr/streams")).json()
    ids = [c["camera_id"] for c in nvr["cameras"]]
    assert ids == ["nvr_ch0", "nvr_ch1", "nvr_ch2"]
    one = (await client.get("/cameras/nvr_ch1/streams")).json()
    assert [c["camera_id"] for c in one["cameras"]] == ["nvr_ch1"]
    assert one["cameras"][0]["channel"] == 1
    assert "nvr_ch1/streams/sub" in one["cameras"][0]["streams"][1]["urls"]["hls"]
    refused = await client.get("/cameras/nvr/streams/sub.flv")
    assert refused.status_code == 404
    assert "nvr_ch0" in refused.json()["detail"]
    assert (await client.get("/cameras/no_such/streams")).status_code == 404
    assert (await client.get("/cameras/doorbell/streams/fourth.flv")).status_code == 422


@pytest.mark.parametrize("scope", ["read", "control"])
async def test_no_camera_password_below_admin(rig: ApiRig, scope: str) -> None:
    client = rig.client(await _token(rig, scope))
    for camera in ("doorbell", "floodlight", "nvr", "legacy"):
        answer = await client.get(f"/cameras/{camera}/streams")
        assert answer.status_code == 200
        for form in password_forms(PASSWORD):
            assert form not in answer.text
        for channel in answer.json()["cameras"]:
            for stream in channel["streams"]:
                urls = stream["urls"]
                assert urls["rtsp"] is None
                assert urls["rtmp"] is None
                assert urls["camera_flv"] is None
    refused = await client.get("/cameras/doorbell/stream/rtsp")
    assert refused.status_code == 403
    assert "admin" in refused.json()["detail"]


async def test_direct_urls_for_admins_match_reolink_aio(rig: ApiRig, sim: Simulator) -> None:
    dev = sim.devices["doorbell"]
    for token in (rig.token, rig.admin_jwt):
        body = (await rig.client(token).get("/cameras/doorbell/streams")).json()
        streams = {s["name"]: s["urls"] for s in body["cameras"][0]["streams"]}
        assert streams["sub"]["rtsp"]
        assert streams["sub"]["rtmp"]
        assert streams["sub"]["camera_flv"]
    host = Host(
        dev.host,
        dev.username,
        dev.password,
        port=dev.port,
        use_https=False,
        bc_connection=ConnectionEnum.tcp,
        timeout=10,
    )
    try:
        await host.get_host_data()
        for name in ("main", "sub"):
            ours = streams[name]
            assert _same(ours["rtmp"], host.get_rtmp_stream_source(0, name))
            assert _same(ours["camera_flv"], host.get_flv_stream_source(0, name))
            theirs_rtsp = await host.get_rtsp_stream_source(0, name, check=False)
            assert theirs_rtsp is not None
            assert urlsplit(ours["rtsp"]).path == urlsplit(theirs_rtsp).path
            assert urlsplit(ours["rtsp"]).port == urlsplit(theirs_rtsp).port
            rtsp = urlsplit(ours["rtsp"])
            assert (unquote(rtsp.username or ""), unquote(rtsp.password or "")) == (
                dev.username,
                PASSWORD,
            )
    finally:
        await host.logout()
    alias = await rig.client().get("/cameras/doorbell/stream/rtsp", params={"stream": "sub"})
    assert alias.json()["url"] == streams["sub"]["rtsp"]


def _same(ours: str, theirs: str | None) -> bool:
    """The same URL once the query's percent-encoding is undone (reolink_aio sends the password
    raw, which breaks on `&`, `#` or spaces; the bridge encodes it)."""
    assert theirs is not None
    a, b = urlsplit(ours), urlsplit(theirs.replace("#", "%23").replace(" ", "%20"))
    return (a.scheme, a.hostname, a.port, a.path) == (b.scheme, b.hostname, b.port, b.path) and (
        parse_qs(a.query) == parse_qs(b.query)
    )


async def test_direct_urls_use_the_configured_host_not_the_one_the_device_reports(
    rig: ApiRig, sim: Simulator
) -> None:
    # The device reports itself at 127.0.0.1 (GetRtspUrl, GetLocalLink); reached as `localhost`
    # (as through NAT or a port forward), the URLs must name `localhost`.
    camera = {
        "id": "forwarded",
        "host": "localhost",
        "port": sim.devices["legacy"].port,
        "username": "admin",
        "password": PASSWORD,
    }
    added = await rig.client().post("/cameras", json=camera)
    assert added.status_code == 201, added.text
    for _ in range(100):
        answer = await rig.client().get("/cameras/forwarded/streams")
        if answer.status_code == 200 and answer.json()["cameras"][0]["streams"]:
            break
        await asyncio.sleep(0.1)
    urls = answer.json()["cameras"][0]["streams"][0]["urls"]
    for key in ("rtsp", "rtmp", "camera_flv"):
        assert urlsplit(urls[key]).hostname == "localhost", urls[key]
    assert ADMIN_PASSWORD not in answer.text
