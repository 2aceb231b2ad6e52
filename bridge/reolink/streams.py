"""Live stream URLs (RTSP, RTMP, HTTP-FLV) as Reolink devices serve them.

EVERY URL BUILT HERE CONTAINS THE PASSWORD. They are for the bridge's own use (ffmpeg, the
stream proxy) only: never log them, never hand them to an API client or put them in MQTT —
proxy the stream instead. `bridge.reolink._redact.redact()` masks them if one must be shown.

Credentials are percent-encoded (RFC 3986 unreserved characters only), so passwords with
`#`, `%`, `^`, `@`, spaces or non-ASCII characters survive.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

Stream = Literal["main", "sub", "ext"]


def _q(text: str) -> str:
    return quote(text, safe="")


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def rtsp_url(
    host: str, port: int, username: str, password: str, channel: int, stream: Stream = "main"
) -> str:
    """`rtsp://user:pass@host:554/Preview_01_main` (channel 1-based, two digits)."""
    return (
        f"rtsp://{_q(username)}:{_q(password)}@{_host(host)}:{port}"
        f"/Preview_{channel + 1:02d}_{stream}"
    )


def rtmp_url(
    host: str, port: int, username: str, password: str, channel: int, stream: Stream = "main"
) -> str:
    """`rtmp://host:1935/bcs/channel0_main.bcs?channel=0&stream=0&user=…&password=…`
    (`stream=1` for the sub stream, 0 for main and ext)."""
    number = 0 if stream == "main" else 1
    return (
        f"rtmp://{_host(host)}:{port}/bcs/channel{channel}_{stream}.bcs"
        f"?channel={channel}&stream={number}&user={_q(username)}&password={_q(password)}"
    )


def flv_url(
    base_url: str,
    rtmp_port: int,
    username: str,
    password: str,
    channel: int,
    stream: Stream = "main",
) -> str:
    """`http://host:port/flv?port=1935&app=bcs&stream=channel0_main.bcs&user=…&password=…`
    (served by the device's web server, backed by its RTMP service)."""
    return (
        f"{base_url.rstrip('/')}/flv?port={rtmp_port}&app=bcs&stream=channel{channel}_{stream}.bcs"
        f"&user={_q(username)}&password={_q(password)}"
    )
