"""The camera client's wire mapping of the feature table's rows beyond the core ones, one module
per concept: each gives its reader groups (`READERS`), its writers by feature key (`WRITERS`)
and its capability probes by flag (`PROBES`) — see `bridge.reolink.wiring`."""

from __future__ import annotations

from bridge.reolink.mapping import audio, battery, detection, image, lights, network, ptz
from bridge.reolink.wiring import Probe, Reader, WireWriter

_MODULES = (detection, audio, image, lights, ptz, battery, network)

READERS: dict[str, Reader] = {k: v for m in _MODULES for k, v in m.READERS.items()}
WRITERS: dict[str, WireWriter] = {k: v for m in _MODULES for k, v in m.WRITERS.items()}
PROBES: dict[str, Probe] = {k: v for m in _MODULES for k, v in m.PROBES.items()}
