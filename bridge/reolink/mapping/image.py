"""HDR: `GetIsp`/`SetIsp` `hdr` (0 off, 1 auto, 2 on: reolink_aio's HDREnum)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.rows.image import HdrMode
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Probe, Reader, WireWriter, ok, plain

HDR_WIRE = {HdrMode.OFF: 0, HdrMode.AUTO: 1, HdrMode.ON: 2}
HDR_OF = {wire: mode for mode, wire in HDR_WIRE.items()}


def _hdr(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    wire = int_or_none(obj(value, "Isp").get("hdr"))
    return {"hdr": None if wire is None else HDR_OF.get(wire)}


async def _set_hdr(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    isp = {"channel": channel, "hdr": HDR_WIRE[HdrMode(value)]}
    await client._run(Request("SetIsp", {"Isp": isp}))


READERS: dict[str, Reader] = {"hdr": plain("GetIsp", _hdr)}
WRITERS: dict[str, WireWriter] = {"hdr": _set_hdr}
PROBES: dict[str, Probe] = {
    "hdr": Probe(
        requests=lambda ch, ab, v20: [Request("GetIsp", {"channel": ch})],
        supported=lambda got, ab, ch: (
            ab.ver("supportIspHdr", ch) > 0 and "hdr" in obj(ok(got, "GetIsp"), "Isp")
        ),
    )
}
