"""The camera's wire format: what a Reolink device puts on the wire, byte for byte.

* every JSON answer is ``Content-Type: text/html`` (reolink_aio refuses anything else),
* pretty-printed with a 3-space indent and ``" : "`` between key and value (reolink_aio finds
  ``"detail" : "please login first"`` by text),
* success ``{"cmd": X, "code": 0, "value": {...}}`` (plus ``initial``/``range`` for
  ``action 1``), failure ``{"cmd": X, "code": 1, "error": {"detail": ..., "rspCode": ...}}``,
  ``Set*``/actions ``{"cmd": X, "code": 0, "value": {"rspCode": 200}}``,
* a command the firmware does not know is answered as ``"cmd": "Unknown"`` with -9.
"""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

JSON_CONTENT_TYPE = "text/html"
JPEG_CONTENT_TYPE = "image/jpeg"
DOWNLOAD_CONTENT_TYPE = "application/octet-stream"
FLV_CONTENT_TYPE = "video/x-flv"

#: A JSON object as the camera sends it.
Json = dict[str, Any]


class RspCode(IntEnum):
    """The ``rspCode`` values the simulator uses (Reolink API guide v8 §4.1)."""

    OK = 200
    NOT_EXIST = -1
    PARAM_ERROR = -4
    MAX_SESSION = -5
    LOGIN_FIRST = -6
    LOGIN_FAILED = -7
    TIMEOUT = -8
    NOT_SUPPORT = -9
    PROTOCOL = -10
    SNAP_FAILED = -48
    DEVICE_OFFLINE = -99
    DOWNLOAD_ERROR = -220
    FILE_NOT_EXIST = -222


#: The ``detail`` texts real firmware sends with each code.
DETAILS: dict[int, str] = {
    RspCode.NOT_EXIST: "not exist",
    RspCode.PARAM_ERROR: "param error",
    RspCode.MAX_SESSION: "max session",
    RspCode.LOGIN_FIRST: "please login first",
    RspCode.LOGIN_FAILED: "login failed",
    RspCode.TIMEOUT: "timeout",
    RspCode.NOT_SUPPORT: "not support",
    RspCode.PROTOCOL: "protocol",
    RspCode.SNAP_FAILED: "Fetching a picture failed",
    RspCode.DEVICE_OFFLINE: "Device offline",
    RspCode.DOWNLOAD_ERROR: "download error",
    RspCode.FILE_NOT_EXIST: "file does not exist",
}


def ok(cmd: str, value: Json, *, initial: Json | None = None, range_: Json | None = None) -> Json:
    """A successful answer; ``initial``/``range`` are included for ``action 1``."""
    reply: Json = {"cmd": cmd, "code": 0}
    if initial is not None:
        reply["initial"] = initial
    if range_ is not None:
        reply["range"] = range_
    reply["value"] = value
    return reply


def set_ok(cmd: str) -> Json:
    """The answer to a successful ``Set*`` or action command."""
    return {"cmd": cmd, "code": 0, "value": {"rspCode": int(RspCode.OK)}}


def error(cmd: str, rsp_code: int, detail: str | None = None) -> Json:
    """A failed command (``code 1``)."""
    text = detail if detail is not None else DETAILS.get(rsp_code, "error")
    return {"cmd": cmd, "code": 1, "error": {"detail": text, "rspCode": int(rsp_code)}}


def unknown() -> Json:
    """What firmware answers to a command it does not know."""
    return error("Unknown", RspCode.NOT_SUPPORT)


def encode(replies: list[Json]) -> bytes:
    """Serialise a reply array exactly as the camera pretty-prints it."""
    return json.dumps(replies, indent=3, separators=(",", " : "), ensure_ascii=False).encode()
