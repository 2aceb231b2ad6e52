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
    """The HLS proxy can serve it (H.264, remuxed without re-encoding)."""
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
        first H.264 stream (the sub stream of a 4K H.265 camera)."""
        playable = [s.name for s in self.streams if s.hls]
        return "main" if "main" in playable else (playable[0] if playable else None)

    def offer(self, name: str) -> StreamOffer | None:
        return next((s for s in self.streams if s.name == name), None)


def offer(encoding: StreamEncoding, *, http_flv: bool, direct: dict[str, str]) -> StreamOffer:
    """How the bridge serves one stream: H.264 from the camera's HTTP-FLV, relayed as it is or
    remuxed to HLS. H.265 is not served through the bridge (Reolink's HTTP-FLV does not carry it
    and browsers do not play it): its own RTSP URL is in the catalogue for admins."""
    playable = encoding.browser_playable
    note = None
    if not playable:
        note = (
            f"{encoding.codec.upper()}: browsers cannot play it and Reolink's HTTP-FLV does not "
            "carry it; watch the sub stream"
        )
    elif not http_flv:
        note = "the camera does not serve HTTP-FLV (RTMP off?): no proxied stream"
    served = playable and http_flv
    return StreamOffer(encoding=encoding, flv=served, hls=served, note=note, direct=direct)
