"""A faithful fake Reolink camera / doorbell / NVR for tests, the demo and benchmarks.

Public API::

    from bridge.simulator import Simulator, SimulatedDevice, PROFILES, FaultMode, EventType
"""

from __future__ import annotations

from .device import EventType, FaultMode, SimulatedDevice
from .fleet import Simulator
from .profiles import PROFILE_NAMES, PROFILES, ChannelProfile, DeviceProfile, get_profile

__all__ = [
    "PROFILES",
    "PROFILE_NAMES",
    "ChannelProfile",
    "DeviceProfile",
    "EventType",
    "FaultMode",
    "SimulatedDevice",
    "Simulator",
    "get_profile",
]
