"""The RTSP server of one simulated device (playback over RTP/TCP interleaved).

Paths as Reolink firmware serves them: `/Preview_01_main`, `/h264Preview_01_sub`,
`/h265Preview_01_main` (channel 1-based; the codec prefix is accepted and ignored, as the
stream's codec is what `GetEnc` says). Every request but `OPTIONS` needs the device's
credentials: Digest (realm `BC Streaming Media`, as Reolink answers) or Basic. Video is the
channel's codec (H.265 for a 4K main stream) with AAC audio when the camera has a microphone,
looped from a clip rendered once (`bridge.simulator.rtp`) and paced in real time.

Only TCP transport is served (`SETUP` with UDP gets 461, so clients fall back to TCP); the port
is a free one on the device's address, reported by `GetNetPort` as `rtspPort`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bridge.reolink import rtsp
from bridge.reolink.rtsp import Interleaved, Message, RtspProtocolError

from .media import ffmpeg_path, live_shape
from .ports import PortHold
from .rtp import (
    AAC_SAMPLES,
    AUDIO_RATE,
    VIDEO_CLOCK,
    Clip,
    ClipCache,
    ClipKey,
    RtpTrack,
    aac_packet,
    video_packets,
)

if TYPE_CHECKING:
    from .device import SimulatedDevice
    from .state import ChannelState

_LOGGER = logging.getLogger(__name__)

REALM = "BC Streaming Media"
SERVER = "Rtsp Server/3.0"
SESSION_TIMEOUT = 60
SR_INTERVAL = 5.0
"""Seconds between RTCP sender reports."""
NTP_EPOCH = 2_208_988_800
_PATH = re.compile(r"^/(?:h26[45])?Preview_(\d{2})_(main|sub|ext)(?:/trackID=(\d))?/?$")
_INTERLEAVED = re.compile(r"interleaved=(\d+)(?:-(\d+))?")
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"


@dataclass(slots=True, eq=False)
class _Connection:
    writer: asyncio.StreamWriter
    clip: Clip | None = None
    channels: dict[int, int] = field(default_factory=dict)
    """Track (0 video, 1 audio) → its interleaved RTP channel."""
    session: str = field(default_factory=lambda: secrets.token_hex(8))
    playing: asyncio.Task[None] | None = None


def clip_key(ch: ChannelState, kind: str) -> ClipKey:
    """The clip a channel's `kind` stream ("main", "sub", "ext") plays over RTSP."""
    enc = ch.enc.get(f"{kind}Stream") or ch.enc.get("subStream", {})
    codec = str(enc.get("vType", "h264")).lower()
    w, h, fps, gop = live_shape(ch, kind)
    return ClipKey("h265" if codec == "h265" else "h264", w, h, fps, gop, ch.profile.audio)


class RtspServer:
    """The RTSP listener of one simulated device."""

    def __init__(self, device: SimulatedDevice, clips: ClipCache) -> None:
        self.device = device
        self.clips = clips
        self.port = 0
        self.port_hold = PortHold()
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._nonces: set[str] = set()

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def sessions(self) -> int:
        """Connections that are streaming now."""
        return sum(1 for c in self._connections if c.playing is not None and not c.playing.done())

    async def listen(self) -> None:
        """Open the port (a free one the first time, the same one after)."""
        if self._server is not None:
            return
        self.port_hold.release()
        self._server = await asyncio.start_server(
            self._serve, self.device.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.device.host_state.net_port["rtspPort"] = self.port

    async def unlisten(self) -> None:
        """Refuse new connections and cut the open ones (device offline, rebooting)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for conn in list(self._connections):
            conn.writer.transport.abort()
            if conn.playing is not None:
                conn.playing.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()
            self.port_hold.hold(self.device.host, self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        conn = _Connection(writer)
        self._connections.add(conn)
        try:
            while True:
                item = await rtsp.read_item(reader)
                if item is None:
                    break
                if isinstance(item, Interleaved):
                    continue  # the client's RTCP receiver reports
                if item.is_response:
                    continue
                reply = await self._handle(conn, item)
                writer.write(reply.encode())
                await writer.drain()
        except (RtspProtocolError, ConnectionError):
            pass
        except Exception:  # a bug must show, and must not leave the client hanging
            _LOGGER.exception("simulator: RTSP connection failed")
        finally:
            if conn.playing is not None:
                conn.playing.cancel()
                await asyncio.gather(conn.playing, return_exceptions=True)
            self._connections.discard(conn)
            writer.transport.abort()
            if task is not None:
                self._tasks.discard(task)

    # -- requests ------------------------------------------------------------------------------

    async def _handle(self, conn: _Connection, req: Message) -> Message:
        cseq = req.header("CSeq")
        method = req.method
        server = ("Server", SERVER)
        if method == "OPTIONS":
            return rtsp.response(200, "OK", cseq, server, ("Public", PUBLIC))
        if method not in PUBLIC.split(", "):
            return rtsp.response(405, "Method Not Allowed", cseq, server, ("Allow", PUBLIC))
        dev = self.device
        if not rtsp.check_authorization(
            req.header("Authorization"), method, REALM, self._nonces, dev.username, dev.password
        ):
            nonce = secrets.token_hex(16)
            self._nonces.add(nonce)
            return rtsp.response(
                401,
                "Unauthorized",
                cseq,
                server,
                ("WWW-Authenticate", f'Digest realm="{REALM}", nonce="{nonce}"'),
                ("WWW-Authenticate", f'Basic realm="{REALM}"'),
            )
        if method == "DESCRIBE":
            return await self._describe(conn, req, cseq)
        if method == "SETUP":
            return self._setup(conn, req, cseq)
        given = (req.header("Session") or "").split(";", 1)[0].strip()
        if given != conn.session and method != "GET_PARAMETER":
            return rtsp.response(454, "Session Not Found", cseq, server)
        session = ("Session", conn.session)
        if method == "PLAY":
            return self._play(conn, req, cseq)
        if method == "TEARDOWN":
            if conn.playing is not None:
                conn.playing.cancel()
            return rtsp.response(200, "OK", cseq, server, session)
        return rtsp.response(200, "OK", cseq, server, session)  # GET_PARAMETER: keep-alive

    def _stream(self, url: str) -> tuple[int, str, int | None] | None:
        """(channel index, stream, track) of a request URL, None when it names none."""
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
        match = _PATH.match(path.split("?", 1)[0])
        if match is None:
            return None
        track = int(match.group(3)) if match.group(3) else None
        return int(match.group(1)) - 1, match.group(2), track

    async def _describe(self, conn: _Connection, req: Message, cseq: str | None) -> Message:
        found = self._stream(req.url)
        dev = self.device
        if found is None or found[2] is not None:
            return rtsp.response(404, "Not Found", cseq, ("Server", SERVER))
        index, kind, _ = found
        if not 0 <= index < len(dev.channels) or not dev.channels[index].online:
            return rtsp.response(404, "Not Found", cseq, ("Server", SERVER))
        if ffmpeg_path() is None:
            return rtsp.response(503, "Service Unavailable", cseq, ("Server", SERVER))
        try:
            conn.clip = await self.clips.get(clip_key(dev.channels[index], kind))
        except (RuntimeError, OSError) as err:
            _LOGGER.warning("simulator: RTSP clip failed: %s", err)
            return rtsp.response(500, "Internal Server Error", cseq, ("Server", SERVER))
        dev.get_counts["rtsp"] = dev.get_counts.get("rtsp", 0) + 1
        base = req.url.rstrip("/") + "/"
        return rtsp.response(
            200,
            "OK",
            cseq,
            ("Server", SERVER),
            ("Content-Base", base),
            ("Content-Type", "application/sdp"),
            body=_sdp(conn.clip, dev.host).encode(),
        )

    def _setup(self, conn: _Connection, req: Message, cseq: str | None) -> Message:
        server = ("Server", SERVER)
        found = self._stream(req.url)
        if conn.clip is None or found is None:
            return rtsp.response(455, "Method Not Valid in This State", cseq, server)
        track = found[2] or 1
        if track not in (1, 2) or (track == 2 and not conn.clip.audio):
            return rtsp.response(404, "Not Found", cseq, server)
        transport = req.header("Transport") or ""
        if "RTP/AVP/TCP" not in transport:
            return rtsp.response(461, "Unsupported Transport", cseq, server)
        match = _INTERLEAVED.search(transport)
        channel = int(match.group(1)) if match else 2 * (track - 1)
        conn.channels[track - 1] = channel
        return rtsp.response(
            200,
            "OK",
            cseq,
            server,
            ("Transport", f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"),
            ("Session", f"{conn.session};timeout={SESSION_TIMEOUT}"),
        )

    def _play(self, conn: _Connection, req: Message, cseq: str | None) -> Message:
        server, session = ("Server", SERVER), ("Session", conn.session)
        if conn.clip is None or 0 not in conn.channels:
            return rtsp.response(455, "Method Not Valid in This State", cseq, server)
        if conn.playing is None or conn.playing.done():
            tracks = [
                RtpTrack(96, secrets.randbits(32), secrets.randbits(16)),
                RtpTrack(97, secrets.randbits(32), secrets.randbits(16)),
            ]
            base = req.url.rstrip("/")
            info = [
                f"url={base}/trackID={t + 1};seq={tracks[t].sequence};rtptime=0"
                for t in sorted(conn.channels)
            ]
            conn.playing = asyncio.get_running_loop().create_task(self._send(conn, tracks))
            return rtsp.response(
                200,
                "OK",
                cseq,
                server,
                session,
                ("Range", "npt=0.000-"),
                ("RTP-Info", ",".join(info)),
            )
        return rtsp.response(200, "OK", cseq, server, session, ("Range", "npt=0.000-"))

    # -- streaming ----------------------------------------------------------------------------

    async def _send(self, conn: _Connection, tracks: list[RtpTrack]) -> None:
        """The clip, looped, in real time: each video frame and AAC frame when it is due."""
        clip = conn.clip
        assert clip is not None
        video_channel = conn.channels[0]
        audio_channel = conn.channels.get(1) if clip.audio else None
        writer = conn.writer
        loop = asyncio.get_running_loop()
        start = loop.time()
        frame = audio = 0
        reported = -SR_INTERVAL
        step_v, step_a = 1 / clip.key.fps, AAC_SAMPLES / AUDIO_RATE
        try:
            while not writer.is_closing():
                due_v = frame * step_v
                due_a = audio * step_a if audio_channel is not None else float("inf")
                due = min(due_v, due_a)
                delay = start + due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                out = []
                if due - reported >= SR_INTERVAL:
                    reported = due
                    ntp = time.time() + NTP_EPOCH
                    out.append(
                        rtsp.interleave(
                            video_channel + 1,
                            tracks[0].sender_report(ntp, round(due * VIDEO_CLOCK)),
                        )
                    )
                    if audio_channel is not None:
                        out.append(
                            rtsp.interleave(
                                audio_channel + 1,
                                tracks[1].sender_report(ntp, round(due * AUDIO_RATE)),
                            )
                        )
                if due_v <= due_a:
                    nals = clip.frames[frame % len(clip.frames)]
                    stamp = round(frame * VIDEO_CLOCK / clip.key.fps)
                    for packet in video_packets(clip.key.codec, tracks[0], stamp, nals):
                        out.append(rtsp.interleave(video_channel, packet))
                    frame += 1
                else:
                    assert audio_channel is not None
                    aac = clip.audio[audio % len(clip.audio)]
                    packet = aac_packet(tracks[1], audio * AAC_SAMPLES, aac)
                    out.append(rtsp.interleave(audio_channel, packet))
                    audio += 1
                writer.write(b"".join(out))
                await writer.drain()
        except ConnectionError:
            pass


def _sdp(clip: Clip, host: str) -> str:
    video = "H265" if clip.key.codec == "h265" else "H264"
    lines = [
        "v=0",
        f"o=- {secrets.randbits(31)} 1 IN IP4 {host}",
        's=Session streamed by "preview"',
        "t=0 0",
        "a=tool:BC Streaming Media v202210012022.10.01",
        "a=type:broadcast",
        "a=control:*",
        "a=range:npt=now-",
        "m=video 0 RTP/AVP 96",
        "c=IN IP4 0.0.0.0",
        f"a=rtpmap:96 {video}/{VIDEO_CLOCK}",
        f"a=fmtp:96 {clip.video_fmtp()}",
        "a=control:trackID=1",
    ]
    if clip.audio:
        lines += [
            "m=audio 0 RTP/AVP 97",
            "c=IN IP4 0.0.0.0",
            f"a=rtpmap:97 MPEG4-GENERIC/{AUDIO_RATE}/1",
            "a=fmtp:97 streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; "
            f"indexlength=3; indexdeltalength=3; config={clip.audio_config}",
            "a=control:trackID=2",
        ]
    return "\r\n".join(lines) + "\r\n"
