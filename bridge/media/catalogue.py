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
    """The HLS proxy can serve it (H.264, or H.265 with `streams.transcode_h265`)."""
    transcoded: bool
    """HLS re-encodes it to H.264 (libx264)."""
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
        """What a viewer gets without asking: main when it plays as it is (or is transcoded),
        else the H.264 sub stream."""
        playable = [s for s in self.streams if s.hls]
        for offer in playable:
            if offer.name == "main" and (offer.encoding.browser_playable or offer.transcoded):
                return "main"
        for offer in playable:
            if offer.encoding.browser_playable:
                return offer.name
        return playable[0].name if playable else None

    def offer(self, name: str) -> StreamOffer | None:
        return next((s for s in self.streams if s.name == name), None)


def offer(
    encoding: StreamEncoding,
    *,
    http_flv: bool,
    rtsp: bool,
    transcode_h265: bool,
    direct: dict[str, str],
) -> StreamOffer:
    """How the bridge serves one stream: H.264 from the camera's HTTP-FLV (remuxed for HLS);
    H.265 (which HTTP-FLV does not carry) from its RTSP, re-encoded, when transcoding is on."""
    playable = encoding.browser_playable
    flv = http_flv and playable
    transcoded = not playable and transcode_h265 and rtsp
    note = None
    if playable and not http_flv:
        note = "the camera does not serve HTTP-FLV (RTMP off?): no proxied stream"
    elif not playable and transcode_h265 and not rtsp:
        note = f"{encoding.codec.upper()}: transcoding needs the camera's RTSP, which is off"
    elif not playable and not transcode_h265:
        note = (
            f"{encoding.codec.upper()}: browsers cannot play it and Reolink's HTTP-FLV does not "
            "carry it; watch the sub stream, or turn on streams.transcode_h265"
        )
    elif transcoded:
        note = f"{encoding.codec.upper()}: HLS re-encodes it to H.264 (streams.transcode_h265)"
    return StreamOffer(
        encoding=encoding,
        flv=flv,
        hls=flv or transcoded,
        transcoded=transcoded,
        note=note,
        direct=direct,
    )
