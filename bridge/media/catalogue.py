"""The stream catalogue: what each channel streams (GetEnc) and how the bridge can serve it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.reolink.encoding import StreamEncoding, StreamName

DIRECT_PROTOCOLS = ("rtsp", "rtmp", "flv")


@dataclass(frozen=True, slots=True)
class StreamOffer:
    """One stream of one channel and how the bridge serves it."""

    encoding: StreamEncoding
    flv: bool
    """The FLV proxy can serve it (the device serves HTTP-FLV, which carries H.264 only)."""
    hls: bool
    """The HLS proxy can serve it (H.264 remuxed without re-encoding, or H.265 transcoded)."""
    transcoded: bool = False
    """Served as HLS by re-encoding H.265 to H.264 (`streams.transcode_h265`), read over RTSP."""
    note: str | None = None
    direct: dict[str, str] = field(default_factory=dict)
    """protocol → the camera's own URL, WITH THE PASSWORD: only for admins, never logged."""

    @property
    def name(self) -> StreamName:
        return self.encoding.name


@dataclass(frozen=True, slots=True)
class ChannelStreams:
    """The streams of one camera (or NVR channel) the API shows."""

    camera_id: str
    channel: int
    online: bool
    streams: list[StreamOffer]

    @property
    def default(self) -> StreamName | None:
        """What a viewer gets without asking: main when browsers play it (H.264), else the
        first H.264 stream (the sub stream of a 4K H.265 camera) — a transcoded stream only when
        nothing else is served (transcoding costs CPU: a viewer asks for it by name)."""
        playable = [s.name for s in self.streams if s.hls and not s.transcoded]
        if not playable:
            playable = [s.name for s in self.streams if s.hls]
        return "main" if "main" in playable else (playable[0] if playable else None)

    def offer(self, name: str) -> StreamOffer | None:
        return next((s for s in self.streams if s.name == name), None)


def offer(
    encoding: StreamEncoding,
    *,
    http_flv: bool,
    rtsp: bool = False,
    transcode: bool = False,
    direct: dict[str, str],
) -> StreamOffer:
    """How the bridge serves one stream: H.264 from the camera's HTTP-FLV, relayed as it is or
    remuxed to HLS. H.265 (Reolink's HTTP-FLV does not carry it and browsers do not play it):
    with `transcode` (`streams.transcode_h265`) and the camera's RTSP on, HLS re-encoded to
    H.264 from the camera's RTSP; else not served (its own RTSP URL is in the catalogue for
    admins)."""
    playable = encoding.browser_playable
    codec = encoding.codec.upper()
    if not playable:
        if transcode and rtsp:
            note: str | None = (
                f"{codec}: re-encoded to H.264 by the bridge (streams.transcode_h265), HLS only; "
                "it costs CPU: the sub stream plays without it"
            )
            return StreamOffer(
                encoding, flv=False, hls=True, transcoded=True, note=note, direct=direct
            )
        why = "RTSP is off on the camera" if transcode else "turn on streams.transcode_h265"
        note = (
            f"{codec}: browsers cannot play it and Reolink's HTTP-FLV does not carry it; "
            f"watch the sub stream (or {why})"
        )
        return StreamOffer(encoding=encoding, flv=False, hls=False, note=note, direct=direct)
    note = None
    if not http_flv:
        note = "the camera does not serve HTTP-FLV (RTMP off?): no proxied stream"
    return StreamOffer(encoding=encoding, flv=http_flv, hls=http_flv, note=note, direct=direct)
