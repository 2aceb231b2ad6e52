"""H.265 main streams with `streams.transcode_h265` on: HLS re-encoded to H.264 from the
camera's RTSP (the simulator's, real H.265), through the loopback relay that keeps the password
off ffmpeg's command line. (With it off — the default — see test_stream_catalogue.)"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest
from fixtures.api_rig import ApiRig
from fixtures.process import free_port
from fixtures.simulator import PASSWORD
from media_helpers import (
    IDLE_TIMEOUT,
    bridge_ffmpegs,
    codecs,
    command_line,
    command_lines,
    frames,
    password_forms,
    probe,
    wait_for,
)

from bridge.media.errors import UpstreamFailed
from bridge.media.rtsp_relay import open_relay
from bridge.reolink import rtsp
from bridge.simulator import Simulator
from bridge.simulator.rtp import ClipCache
from bridge.simulator.rtsp import clip_key

PLAYLIST = "/cameras/floodlight/streams/main/index.m3u8"
START_TIMEOUT = 20.0


@pytest.fixture
def streams_settings() -> dict[str, object]:
    # the simulator renders its H.265 clip when first asked, and the bridge re-encodes: allow
    # more than the remux's start
    return {
        "idle_timeout": IDLE_TIMEOUT,
        "max_sessions": 4,
        "transcode_h265": True,
        "start_timeout": START_TIMEOUT,
    }


@pytest.fixture
async def h265_clip(sim: Simulator) -> None:
    """The simulator renders a clip the first time a process asks for it: for the H.265 main
    stream a few seconds of libx265, and on a loaded machine (beside another pytest-xdist worker
    and more) past the relay's wait for the camera's answer. Rendered here, before the bridge
    asks, so the test times the bridge, not the simulator's first render."""
    await ClipCache().get(clip_key(sim.devices["floodlight"].channels[0], "main"))


@pytest.mark.usefixtures("h265_clip")
async def test_the_h265_main_stream_is_transcoded_to_h264_hls(rig: ApiRig, sim: Simulator) -> None:
    client = rig.client()
    client.timeout = httpx.Timeout(START_TIMEOUT + 5)
    channel = (await client.get("/cameras/floodlight/streams")).json()["cameras"][0]
    main = next(s for s in channel["streams"] if s["name"] == "main")
    assert (main["codec"], main["hls"], main["transcoded"], main["flv"]) == (
        "h265", True, True, False,
    )  # fmt: skip
    assert "re-encoded to H.264" in main["note"]
    assert main["urls"]["hls"] is not None
    assert main["urls"]["flv"] is None
    assert channel["default_stream"] == "sub"  # transcoding only when asked for by name
    alias = await client.get("/cameras/floodlight/stream/hls", follow_redirects=False)
    assert alias.headers["location"] == "../streams/sub/index.m3u8"
    flv = await client.get("/cameras/floodlight/streams/main.flv")
    assert flv.status_code == 409
    assert "HLS only" in flv.json()["detail"]

    first = await client.get(PLAYLIST)
    assert first.status_code == 200, first.text
    # ffmpeg reads the camera through the relay: no password in any command line
    ffmpegs = bridge_ffmpegs(rig.settings.data_dir)
    assert len(ffmpegs) == 1
    argv = command_line(ffmpegs[0])
    assert "rtsp://127.0.0.1:" in argv  # the relay's
    assert f":{sim.devices['floodlight'].host_state.net_port['rtspPort']}/" not in argv
    assert "libx264" in argv
    lines = command_lines()
    for form in password_forms(PASSWORD):
        assert form not in lines
    probed = await probe(f"{rig.url}{PLAYLIST}?token={main['urls']['hls'].split('token=')[1]}")
    assert codecs(probed) == {"video": "h264", "audio": "aac"}
    assert frames(probed) >= 20  # 15 fps over 3 s of playlist
    found = sim.server("floodlight")
    assert found is not None
    server = found.rtsp
    assert server.sessions == 1  # one camera connection, shared by both viewers above

    # nobody watches: the session ends, its ffmpeg and the camera's RTSP connection with it
    await wait_for(lambda: not bridge_ffmpegs(rig.settings.data_dir), IDLE_TIMEOUT + 5)
    await wait_for(lambda: server.sessions == 0, 5)
    metrics = (await client.get("/metrics")).text
    assert 'reolink_component_stat{component="streams",stat="hls_sessions"} 0' in metrics


async def test_the_relay_answers_the_cameras_challenge_and_keeps_strangers_out(
    sim: Simulator,
) -> None:
    dev = sim.devices["floodlight"]
    port = dev.host_state.net_port["rtspPort"]
    wrong = f"rtsp://admin:{quote('not it', safe='')}@{dev.host}:{port}/Preview_01_main"
    async with open_relay(wrong, "floodlight", wait=5, networks=None) as relay:
        assert "not it" not in relay.url
        assert "not%20it" not in relay.url
        # a stranger on the loopback port without the relay's token: 404, and it is closed
        host, _, rest = relay.url.removeprefix("rtsp://").partition("/")
        reader, writer = await asyncio.open_connection(*host.split(":"))
        other = f"rtsp://{host}/guess/{rest.split('/', 1)[1]}"
        writer.write(rtsp.request("DESCRIBE", other, 1).encode())
        answer = await rtsp.read_item(reader)
        assert isinstance(answer, rtsp.Message)
        assert answer.status == 404
        assert await reader.read() == b""
        writer.close()
        # ffmpeg with the camera refusing the password: the relay says so
        ffprobe = await asyncio.create_subprocess_exec(
            "ffprobe", "-v", "error", "-rtsp_transport", "tcp", relay.url,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        with pytest.raises(UpstreamFailed, match="refused the RTSP credentials"):
            await relay.run()
        assert await asyncio.wait_for(ffprobe.wait(), 10) != 0
    # a camera whose RTSP port does not answer: a clear error before any ffmpeg starts
    closed = f"rtsp://admin:x@{dev.host}:{free_port()}/Preview_01_main"
    with pytest.raises(UpstreamFailed, match="did not answer on its RTSP port"):
        async with open_relay(closed, "floodlight", wait=5, networks=None):
            pass
