"""The Reolink commands a simulated device answers, one small handler each.

A handler gets the device and the call and returns the ``value`` (or a whole reply); it raises
:class:`CommandError` for an error reply.  :data:`COMMANDS` says, for every command name, which
handler answers it, whether it is per channel, and which feature the firmware needs to know it:
a command whose feature the model lacks is answered ``"cmd": "Unknown"`` / -9 by an IPC (its
firmware has no such command) and ``"cmd": <name>`` / -9 by an NVR for a channel whose camera
lacks it (the NVR knows the command).

The handlers live by concept: ``host`` (identity, network, users, time), ``streams`` (encoder,
RTSP, mask), ``detection`` (motion/AI states and alarm settings), ``image``, ``lights``, ``ptz``,
``audio`` (volume, siren), ``battery``, ``recording`` (search, downloads, manual recording),
``schedules`` (the email/push/FTP/record/audio/buzzer switches); ``base`` holds what they share,
``table`` the table and ``features`` which commands a device knows.
"""

from .audio import SIREN_SECONDS_PER_TIME
from .base import Call, Command, CommandError, Handler, find_channel, param_error
from .features import channel_has, firmware_knows
from .ptz import PAN_MAX, PTZ_OPS, TILT_MAX
from .table import COMMANDS

__all__ = [
    "COMMANDS",
    "PAN_MAX",
    "PTZ_OPS",
    "SIREN_SECONDS_PER_TIME",
    "TILT_MAX",
    "Call",
    "Command",
    "CommandError",
    "Handler",
    "channel_has",
    "find_channel",
    "firmware_knows",
    "param_error",
]
