"""The JSON wire format of `/cgi-bin/api.cgi`: request entries out, per-command replies in.

A request body is an array of `{"cmd", "action", "param"}`; the answer is an array of the same
length and order, one object per command: `{"code": 0, "value": {...}}` on success (a `Set*` or
action command also needs `value.rspCode == 200`), `{"code": 1, "error": {"rspCode", "detail"}}`
on failure, and `"cmd": "Unknown"` for a command the firmware does not know. Devices send JSON as
`text/html`. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge import safejson
from bridge.reolink.errors import NOT_SUPPORTED_CODE, ProtocolError, error_for

JsonObject = dict[str, Any]

_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]{0,30}/[a-z0-9][a-z0-9.+-]{0,30}$")


@dataclass(frozen=True, slots=True)
class Request:
    """One command: `Request("GetMdState", {"channel": 0})`. `action=1` also asks for ranges."""

    cmd: str
    param: Mapping[str, Any] = field(default_factory=dict)
    action: int = 0

    def __repr__(self) -> str:
        # Login carries the password: never let it reach a log line or an error through repr().
        param = "<redacted>" if self.cmd == "Login" else dict(self.param)
        return f"Request({self.cmd!r}, {param!r}, action={self.action})"

    def encode(self) -> JsonObject:
        return {"cmd": self.cmd, "action": self.action, "param": dict(self.param)}

    @property
    def channel(self) -> int | None:
        """The channel this command addresses, wherever the command keeps it."""
        found = _find_channel(self.param)
        return found if isinstance(found, int) else None


def _find_channel(param: Mapping[str, Any]) -> object:
    if "channel" in param:
        return param["channel"]
    for value in param.values():
        if isinstance(value, Mapping) and "channel" in value:
            return value["channel"]
    return None


@dataclass(frozen=True, slots=True)
class Reply:
    """The device's answer to one command (`cmd` is the command sent, even if it said "Unknown")."""

    cmd: str
    ok: bool
    value: JsonObject = field(default_factory=dict)
    rsp_code: int | None = None
    error: str | None = None
    range: JsonObject = field(default_factory=dict)
    unknown: bool = False
    """The firmware answered `"cmd": "Unknown"`: it does not know this command at all."""

    @property
    def not_supported(self) -> bool:
        return self.unknown or self.rsp_code == NOT_SUPPORTED_CODE

    def raise_for_error(self) -> None:
        """Raise the typed error (see `errors`) if the device refused the command."""
        if not self.ok:
            code = NOT_SUPPORTED_CODE if self.unknown else self.rsp_code
            raise error_for(code, self.error, self.cmd)

    def value_or_raise(self) -> JsonObject:
        self.raise_for_error()
        return self.value


def encode(requests: Sequence[Request]) -> list[JsonObject]:
    return [request.encode() for request in requests]


def chunks(requests: Sequence[Request], size: int) -> Iterator[Sequence[Request]]:
    for start in range(0, len(requests), size):
        yield requests[start : start + size]


def decode(body: bytes) -> list[JsonObject]:
    """The reply objects of a body; `ProtocolError` for anything that is not a Reolink answer.

    A single object (some firmwares answer a failed batch with one) is returned as a list of one.
    The error says what kind of body it was, never what it said (see `errors`). JSON nested
    deeper than `safejson.MAX_DEPTH` is refused before parsing (no Reolink reply is that deep).
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        raise ProtocolError("empty answer")
    if text.startswith("<"):
        raise ProtocolError("an HTML page, not JSON")
    try:
        data = safejson.loads(text)
    except safejson.JsonTooDeep:
        raise ProtocolError(f"JSON nested deeper than {safejson.MAX_DEPTH} levels") from None
    except ValueError:
        raise ProtocolError("not JSON") from None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise ProtocolError("JSON, but not a list of command replies")
    return items


def describe_body(size: int, content_type: str | None) -> str:
    """A reply body for a message, without its content: `512 bytes, text/html`."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return f"{size} bytes, {kind if _MEDIA_TYPE.match(kind) else 'no usable content type'}"


def reply(request: Request, item: Mapping[str, Any]) -> Reply:
    """Parse one reply object on its own; a malformed one becomes a failed `Reply`, not a raise."""
    unknown = item.get("cmd") == "Unknown"
    code = item.get("code")
    if code == 0:
        value = item.get("value")
        if not isinstance(value, dict):
            value = {}
        rsp = value.get("rspCode")
        if rsp is not None and rsp != 200:
            return Reply(request.cmd, ok=False, value=value, rsp_code=_int(rsp), error="failed")
        ranges = item.get("range")
        return Reply(
            request.cmd, ok=True, value=value, range=ranges if isinstance(ranges, dict) else {}
        )
    error = item.get("error")
    if isinstance(error, dict):
        detail = error.get("detail")
        return Reply(
            request.cmd,
            ok=False,
            rsp_code=_int(error.get("rspCode")),
            error=str(detail) if detail is not None else None,
            unknown=unknown,
        )
    return Reply(request.cmd, ok=False, error="reply without code 0 or an error", unknown=unknown)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def replies(requests: Sequence[Request], items: Sequence[Mapping[str, Any]]) -> list[Reply]:
    """Pair requests with reply objects; the caller has checked that the lengths match."""
    return [reply(request, item) for request, item in zip(requests, items, strict=True)]
