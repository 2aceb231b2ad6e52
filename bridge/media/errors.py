"""Why a stream cannot be served: each error carries the HTTP status the API answers with."""

from __future__ import annotations


class StreamError(Exception):
    """A stream that cannot be served now; `status` is the HTTP answer, the message its detail.

    Messages never hold a camera URL or password (they go to API clients and logs).
    """

    status = 502


class UnknownStream(StreamError):
    """No such camera, channel or stream."""

    status = 404


class NotPlayable(StreamError):
    """The stream exists but cannot be served through the bridge (H.265, a camera without
    HTTP-FLV)."""

    status = 409


class CameraUnavailable(StreamError):
    """The camera (or the NVR channel) is offline."""

    status = 503


class TooManySessions(StreamError):
    """`streams.max_sessions` HLS sessions run already."""

    status = 503


class StreamsDisabled(StreamError):
    """`streams.enabled` is off, or the bridge is shutting down."""

    status = 503


class UpstreamFailed(StreamError):
    """The camera did not deliver the stream (refused, no video, broke off), or ffmpeg failed."""

    status = 502
