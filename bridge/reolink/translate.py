"""Transport failures → the errors of `bridge.reolink.errors`, for `ReolinkClient`.

The messages name the device by `where` (`host:port`, no credentials) and never quote what the
device or a URL said: an HTTP parser's error does (`illegal status line: b'…'`), so protocol
errors are named, not repeated, and anything else is redacted.
"""

from __future__ import annotations

import httpx

from bridge.reolink import _redact
from bridge.reolink.errors import (
    CameraRefusedError,
    CameraTimeoutError,
    CameraUnreachableError,
    ProtocolError,
    ReolinkError,
)
from bridge.reolink.http11 import CONNECT, DISCONNECTED, REFUSED, TIMEOUT, TOO_LARGE, HttpError
from bridge.reolink.network import RefusedConnection


def too_large(where: str, limit: int) -> ProtocolError:
    """A reply past its kind's limit."""
    return ProtocolError(f"{where}: reply larger than {limit} bytes")


def http11_error(err: HttpError, where: str, timeout: float, limit: int) -> ReolinkError:
    """The domain error for an `Http11Client` failure (its messages never quote the device nor a
    URL); `limit` is the reply limit the request had."""
    if err.kind == TIMEOUT:
        return CameraTimeoutError(f"{where}: no answer within {timeout:g} s")
    if err.kind == REFUSED:
        return CameraRefusedError(f"{where}: {err}")
    if err.kind == TOO_LARGE:
        return too_large(where, limit)
    if err.kind == DISCONNECTED:
        return CameraUnreachableError(f"{where}: disconnected without an answer")
    if err.kind == CONNECT:
        return CameraUnreachableError(f"{where}: {_redact.redact(str(err))}")
    return ProtocolError(f"{where}: not an HTTP answer")


def httpx_error(err: httpx.HTTPError, where: str, timeout: float) -> ReolinkError:
    """The domain error for an httpx error."""
    if isinstance(err, httpx.TimeoutException):
        return CameraTimeoutError(f"{where}: no answer within {timeout:g} s")
    if isinstance(err.__cause__, RefusedConnection):
        return CameraRefusedError(f"{where}: {err.__cause__}")
    if isinstance(err, httpx.RemoteProtocolError) and "disconnected" in str(err):
        return CameraUnreachableError(f"{where}: disconnected without an answer")
    if isinstance(err, httpx.ProtocolError):
        # Something answered, but not in HTTP (an RTSP or Baichuan port, say).
        return ProtocolError(f"{where}: not an HTTP answer")
    if isinstance(err, httpx.TransportError):
        text = _redact.redact(str(err)) or type(err).__name__
        return CameraUnreachableError(f"{where}: {text}")
    return ProtocolError(f"{where}: {type(err).__name__}")
