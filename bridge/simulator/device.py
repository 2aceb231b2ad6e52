"""``SimulatedDevice``: the state and command handling of one fake Reolink device (no I/O).

The HTTP layer (:mod:`bridge.simulator.server`) hands it the query string and body of each
``api.cgi`` request and writes back what it returns; faults that concern the transport
(offline, slow, drop, garbage, html) are applied there.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from bridge.reolink.baichuan.crypto import Encryption

from . import commands, wire
from .clients import Clients
from .clock import DeviceClock
from .commands import COMMANDS, Call, CommandError, channel_has, find_channel, firmware_knows
from .profiles import DeviceProfile
from .sdcard import SdCard
from .sessions import Sessions
from .state import ChannelState, Json, new_channel_state, new_device_state, stable_hex
from .wire import RspCode


class FaultMode(StrEnum):
    """What ``/sim/fault`` can do to a device."""

    NONE = "none"
    OFFLINE = "offline"  # the port refuses connections
    SLOW = "slow"  # every answer is delayed
    GARBAGE = "garbage"  # 200 text/html with random bytes
    HTML = "html"  # an HTML error page (502 proxy page, or 200 with the login page)
    TOKEN_EXPIRY = "token_expiry"  # one-shot: every token is invalid now (next command -> -6)
    MAX_SESSIONS = "max_sessions"  # login answers -5 until cleared
    DROP = "drop"  # connections are aborted without an answer
    BAICHUAN_CLOSE = "baichuan_close"  # the Baichuan port refuses connections (HTTP still up)
    BAICHUAN_STALL = "baichuan_stall"  # Baichuan connections stay open, nothing is answered
    BAICHUAN_GARBAGE = "baichuan_garbage"  # Baichuan: garbage on open connections, logins cut short


class EventType(StrEnum):
    """Detections ``/sim/event`` can raise."""

    MOTION = "motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    PET = "pet"
    FACE = "face"
    PACKAGE = "package"
    VISITOR = "visitor"


#: ``EventType`` -> the Reolink AI key
AI_KEYS = {
    EventType.PERSON: "people",
    EventType.VEHICLE: "vehicle",
    EventType.PET: "dog_cat",
    EventType.FACE: "face",
    EventType.PACKAGE: "package",
}

#: Commands answered without a token.
_NO_AUTH = {"Login"}


class SimulatedDevice:
    """One simulated camera, doorbell or NVR."""

    def __init__(
        self,
        device_id: str,
        profile: DeviceProfile,
        *,
        username: str = "admin",
        password: str = "password",
        host: str = "127.0.0.1",
        port: int = 0,
        name: str | None = None,
        lease_time: float = 3600.0,
        max_sessions: int = 20,
        reboot_downtime: float = 2.0,
        visitor_hold: float = 5.0,
        log_size: int = 1000,
        baichuan_port: int = 0,
        baichuan_encryption: Encryption | None = None,
    ) -> None:
        self.id = device_id
        self.profile = profile
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        #: Baichuan (GetNetPort ``mediaPort``); 0 until the listener has a free port
        self.baichuan_port = baichuan_port
        #: the best encryption the device's Baichuan login accepts
        self.baichuan_encryption = (
            profile.baichuan_encryption if baichuan_encryption is None else baichuan_encryption
        )
        #: called with a channel index whenever its detections may have changed
        self.alarm_listeners: list[Callable[[int], None]] = []
        self.name = name or profile.default_name
        self.reboot_downtime = reboot_downtime
        self.visitor_hold = visitor_hold
        self.sessions = Sessions(lease_time, max_sessions)
        self.serial = stable_hex(device_id, "serial", length=14)
        self.uid = "95270000" + stable_hex(device_id, "uid", length=8)
        mac = stable_hex(device_id, "mac", length=6).lower()
        self.mac = "ec:71:db:" + ":".join(mac[i : i + 2] for i in range(0, 6, 2))
        self.seed = f"{device_id}/{self.serial}"
        self.clock = DeviceClock()
        self.sdcard = SdCard(self.seed, self.clock)
        self.host_state = new_device_state(profile, baichuan_port)
        self.channels: list[ChannelState] = [
            new_channel_state(device_id, profile, i) for i in range(profile.channel_count)
        ]
        if not profile.is_nvr:
            self.channels[0].name = self.name
            self.channels[0].osd["osdChannel"]["name"] = self.name
            self.channels[0].uid = self.uid
        self.fault = FaultMode.NONE
        self.fault_delay = 5.0
        self.fault_status = 502
        self.online = True  # False while offline (fault or reboot)
        self.rebooting = False
        self.on_reboot: Callable[[], None] | None = None
        self.command_log: deque[Json] = deque(maxlen=log_size)
        self.commands_total = 0
        self.requests = 0
        self.replies = 0
        self.get_counts: dict[str, int] = {}
        self.set_counts: dict[str, int] = {}
        #: requests per login session (who polls this device)
        self.clients = Clients()
        self._second = 0
        self._second_count = 0
        self._last_second_count = 0

    # ---------------------------------------------------------------------------------
    # clock and helpers

    def now(self) -> datetime:
        """The device's clock: local wall-clock time of ``clock`` (UTC unless set)."""
        return self.clock.now()

    def set_timezone(self, name: str) -> None:
        """Move the device to a time zone (an IANA name); its recordings keep their times."""
        clock = DeviceClock(name)
        self.clock.zone, self.clock.name = clock.zone, clock.name

    def requests_last_second(self) -> int:
        return self._last_second_count

    def _count_request(self) -> None:
        self.requests += 1
        sec = int(time.monotonic())
        if sec != self._second:
            self._last_second_count = self._second_count if sec == self._second + 1 else 0
            self._second, self._second_count = sec, 0
        self._second_count += 1

    def channel_or_error(self, index: int, cmd: str) -> ChannelState:
        if not 0 <= index < len(self.channels):
            raise CommandError(RspCode.PARAM_ERROR, "channel")
        ch = self.channels[index]
        if not ch.online:
            raise CommandError(RspCode.DEVICE_OFFLINE)
        return ch

    def expire_events(self, ch: ChannelState) -> ChannelState:
        """Clear detections (and the siren) whose hold time is over."""
        if not ch.clear_at:
            return ch
        now = time.monotonic()
        for key, deadline in list(ch.clear_at.items()):
            if deadline > now:
                continue
            del ch.clear_at[key]
            if key == "motion":
                ch.motion = False
            elif key == "visitor":
                ch.visitor = False
            elif key == "siren":
                ch.siren_active = False
            elif key in ch.ai:
                ch.ai[key] = False
        return ch

    def set_baichuan_port(self, port: int) -> None:
        """The Baichuan listener's port, as ``GetNetPort`` reports it (``mediaPort``)."""
        self.baichuan_port = port
        self.host_state.net_port["mediaPort"] = port

    def alarm_changed(self, channel: int | None = None) -> None:
        """Tell the listeners (the Baichuan push) about a detection change (None: all)."""
        indices = range(len(self.channels)) if channel is None else [channel]
        for listener in list(self.alarm_listeners):
            for index in indices:
                listener(index)

    def log_command(self, cmd: str, channel: int | None, param: Any) -> None:
        self.commands_total += 1
        self.command_log.append(
            {
                "time": time.time(),
                "cmd": cmd,
                "channel": channel,
                "param": param,
            }
        )

    # ---------------------------------------------------------------------------------
    # authentication

    def check_credentials(self, user: str | None, password: str | None) -> bool:
        return user == self.username and password == self.password

    def authenticate(self, query: Mapping[str, str]) -> int | None:
        """None when the request may run, else the rspCode to answer (-6 / -7)."""
        token = query.get("token")
        if token and token != "null":
            return None if self.sessions.valid(token) else int(RspCode.LOGIN_FIRST)
        user = query.get("user", query.get("username"))
        if user is not None:
            password = query.get("password", "")
            if self.check_credentials(user, password):
                return None
            return int(RspCode.LOGIN_FAILED)
        return int(RspCode.LOGIN_FIRST)

    def count_client(self, query: Mapping[str, str]) -> None:
        """Count an authenticated request under its session (token, or `user:<name>`)."""
        token = query.get("token")
        if token and token != "null":
            self.clients.count(token)
        else:
            self.clients.count(f"user:{query.get('user', query.get('username'))}")

    def _login(self, obj: Json) -> Json:
        param = obj.get("param")
        user = param.get("User") if isinstance(param, dict) else None
        if not isinstance(user, dict):
            return wire.error("Login", RspCode.NOT_EXIST)
        self.log_command("Login", None, {"userName": user.get("userName")})
        if self.fault is FaultMode.MAX_SESSIONS:
            return wire.error("Login", RspCode.MAX_SESSION)
        if not self.check_credentials(user.get("userName"), user.get("password")):
            return wire.error("Login", RspCode.LOGIN_FAILED)
        token = self.sessions.login()
        if token is None:
            return wire.error("Login", RspCode.MAX_SESSION)
        return wire.ok(
            "Login", {"Token": {"leaseTime": self.sessions.lease_seconds, "name": token}}
        )

    # ---------------------------------------------------------------------------------
    # the API

    @staticmethod
    def parse_body(query: Mapping[str, str], body: bytes | None) -> list[Any] | None:
        """The command array of a request (None when the body is not valid JSON)."""
        if body and body.strip():
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return None
            if isinstance(data, dict):
                data = [data]
            return data if isinstance(data, list) else None
        cmd = query.get("cmd")
        if not cmd:
            return []
        param: Json = {}
        channel = query.get("channel")
        if channel is not None and channel.isdigit():
            param["channel"] = int(channel)
        return [{"cmd": cmd, "action": 0, "param": param}]

    def handle(self, query: Mapping[str, str], body: bytes | None) -> list[Json]:
        """Answer one ``api.cgi`` request: one reply per command, in order."""
        self._count_request()
        calls = self.parse_body(query, body)
        if calls is None:
            return [wire.error(query.get("cmd") or "Unknown", RspCode.PROTOCOL)]
        if not calls:
            return [wire.error("Unknown", RspCode.NOT_EXIST, "no command")]
        names = [c.get("cmd") if isinstance(c, dict) else None for c in calls]
        if not all(n in _NO_AUTH for n in names):
            denied = self.authenticate(query)
            if denied is not None:
                first = names[0] if isinstance(names[0], str) else "Unknown"
                return [wire.error(first, denied)]
            self.count_client(query)
        replies = [self._run(obj, query) for obj in calls]
        self.replies += len(replies)
        return replies

    def _run(self, obj: Any, query: Mapping[str, str]) -> Json:
        if not isinstance(obj, dict) or not isinstance(obj.get("cmd"), str):
            return wire.unknown()
        name: str = obj["cmd"]
        if name == "Login":
            return self._login(obj)
        if name == "Logout":
            token = query.get("token")
            if token and token != "null":
                self.sessions.logout(token)
            self.log_command("Logout", None, {})
            return wire.set_ok("Logout")
        spec = COMMANDS.get(name)
        if spec is None or not firmware_knows(self.profile, spec.feature):
            return wire.unknown()
        param = obj.get("param")
        if not isinstance(param, dict):
            param = {}
        action = obj.get("action", 0)
        action = action if isinstance(action, int) and not isinstance(action, bool) else 0
        channel = find_channel(param)
        if spec.per_channel:
            index = channel if channel is not None else 0
            if not 0 <= index < len(self.channels):
                return wire.error(name, RspCode.PARAM_ERROR)
            ch = self.channels[index]
            if not ch.online:
                return wire.error(name, RspCode.DEVICE_OFFLINE)
            if spec.feature and not channel_has(self.profile, ch, spec.feature):
                return wire.error(name, RspCode.NOT_SUPPORT)
            channel = index
        if not spec.changes_state:
            self.get_counts[name] = self.get_counts.get(name, 0) + 1
        try:
            result = spec.handler(self, Call(name, action, param, channel))
        except CommandError as exc:
            if exc.unknown:
                return wire.unknown()
            return wire.error(name, exc.rsp_code, exc.detail)
        if spec.changes_state:
            self.set_counts[name] = self.set_counts.get(name, 0) + 1
            self.log_command(name, channel, param)
            return wire.set_ok(name)
        if "cmd" in result:
            return result
        return wire.ok(name, result)

    # ---------------------------------------------------------------------------------
    # control (from /sim/* and the Python API)

    def schedule_reboot(self) -> None:
        """Reboot: tokens invalid, detections cleared; the server takes the port down briefly."""
        self.host_state.reboots += 1
        self.sessions.clear()
        for ch in self.channels:
            ch.motion = ch.visitor = ch.siren_active = False
            ch.ai = dict.fromkeys(ch.ai, False)
            ch.clear_at.clear()
            ch.ptz.moving = None
            ch.ptz.patrol_running = False
        self.alarm_changed()
        if self.on_reboot is not None:
            self.on_reboot()

    def trigger_event(
        self,
        event: str | EventType,
        active: bool = True,
        channel: int = 0,
        duration: float | None = None,
    ) -> None:
        """Raise or clear a detection.

        ``visitor`` (a press) clears itself after ``visitor_hold`` seconds.
        """
        try:
            kind = EventType(event)
        except ValueError:
            known = ", ".join(e.value for e in EventType)
            raise ValueError(f"unknown event type {event!r}; known: {known}") from None
        if not 0 <= channel < len(self.channels):
            raise ValueError(f"channel {channel} does not exist on {self.id}")
        ch = self.channels[channel]
        if not ch.online:
            raise ValueError(f"channel {channel} of {self.id} is offline")
        if kind.value not in ch.supported_events:
            raise ValueError(
                f"{self.profile.key} channel {channel} cannot detect {kind.value}; "
                f"it supports {', '.join(ch.supported_events)}"
            )
        if duration is not None and duration <= 0:
            raise ValueError("duration must be positive")
        key = "motion" if kind is EventType.MOTION else "visitor"
        if kind is EventType.MOTION:
            ch.motion = active
        elif kind is EventType.VISITOR:
            ch.visitor = active
            if active and duration is None:
                duration = self.visitor_hold
        else:
            key = AI_KEYS[kind]
            ch.ai[key] = active
        if active and duration is not None:
            ch.clear_at[key] = time.monotonic() + duration
        else:
            ch.clear_at.pop(key, None)
        self.sdcard.record(channel, kind.value, active, duration)
        self.log_command("sim:event", channel, {"type": kind.value, "active": active})
        self.alarm_changed(channel)

    def set_channel_online(self, channel: int, online: bool) -> None:
        """NVR: plug a channel's camera in or out (only channels with a camera in the profile)."""
        if not self.profile.is_nvr:
            raise ValueError("only NVR channels can go on- or offline")
        if not 0 <= channel < len(self.channels):
            raise ValueError(f"channel {channel} does not exist on {self.id}")
        ch = self.channels[channel]
        if online and not ch.profile.model:
            raise ValueError(f"channel {channel} of {self.id} has no camera")
        ch.online = online
        if not online:
            ch.motion = ch.visitor = False
            ch.ai = dict.fromkeys(ch.ai, False)
        self.log_command("sim:channel", channel, {"online": online})
        self.alarm_changed(channel)

    def set_battery(
        self, channel: int, percent: int | None = None, charging: int | None = None
    ) -> None:
        """Battery cameras: charge level (0..100), state (0 discharging, 1 charging, 2 full)."""
        if not 0 <= channel < len(self.channels) or not self.channels[channel].profile.battery:
            raise ValueError(f"channel {channel} of {self.id} is not a battery camera")
        ch = self.channels[channel]
        if percent is not None:
            if not 0 <= percent <= 100:
                raise ValueError("battery percent must be 0..100")
            ch.battery_percent = percent
        if charging is not None:
            if charging not in (0, 1, 2):
                raise ValueError("charging must be 0, 1 or 2")
            ch.charging = charging
        self.log_command("sim:battery", channel, {"percent": percent, "charging": charging})

    def set_fault(
        self, mode: str | FaultMode, delay: float | None = None, status: int | None = None
    ) -> None:
        """Record the fault mode (the server applies transport faults)."""
        try:
            fault = FaultMode(mode)
        except ValueError:
            known = ", ".join(f.value for f in FaultMode)
            raise ValueError(f"unknown fault mode {mode!r}; known: {known}") from None
        if delay is not None:
            if delay < 0:
                raise ValueError("delay must not be negative")
            self.fault_delay = delay
        if status is not None:
            if status not in (200, 502, 503, 404):
                raise ValueError("status must be 200, 404, 502 or 503")
            self.fault_status = status
        self.log_command("sim:fault", None, {"mode": fault.value})
        if fault is FaultMode.TOKEN_EXPIRY:
            self.sessions.clear()
            self.fault = FaultMode.NONE
            return
        self.fault = fault

    def reset(self) -> None:
        """Back to factory state (keeps identity, credentials and the fault cleared)."""
        self.host_state = new_device_state(self.profile, self.baichuan_port)
        self.channels = [
            new_channel_state(self.id, self.profile, i) for i in range(self.profile.channel_count)
        ]
        if not self.profile.is_nvr:
            self.channels[0].name = self.name
            self.channels[0].osd["osdChannel"]["name"] = self.name
            self.channels[0].uid = self.uid
        self.sessions.clear()
        self.fault = FaultMode.NONE
        self.command_log.clear()
        self.commands_total = 0
        self.get_counts.clear()
        self.set_counts.clear()
        self.clients.clear()
        self.alarm_changed()

    # ---------------------------------------------------------------------------------
    # introspection

    def info(self) -> Json:
        """The CLI's JSON line for this device (without the control URL)."""
        return {
            "id": self.id,
            "host": self.host,
            "port": self.port,
            "baichuan_port": self.baichuan_port,
            "model": self.profile.model,
            "channels": self.profile.channel_count,
            "username": self.username,
            "password": self.password,
            "profile": self.profile.key,
        }

    def counters(self) -> Json:
        """What ``/sim/stats`` shows per device: requests, Set commands, sessions."""
        return {
            "requests_last_second": self.requests_last_second(),
            "set_counts": dict(self.set_counts),
            "clients": self.clients.snapshot(),
        }

    def channel_snapshot(self, ch: ChannelState) -> Json:
        self.expire_events(ch)
        p = ch.profile
        snap: Json = {
            "channel": ch.index,
            "online": ch.online,
            "name": ch.name,
            "model": p.model,
            "uid": ch.uid,
            "supported_events": ch.supported_events,
            "motion": ch.motion,
            "ai": dict(ch.ai),
            "visitor": ch.visitor,
        }
        if not ch.online:
            return snap
        snap |= {
            "siren": {"active": ch.siren_active, "plays": ch.siren_count} if p.siren else None,
            "floodlight": (
                {k: ch.white_led[k] for k in ("state", "bright", "mode")} if p.floodlight else None
            ),
            "ir_lights": ch.ir_state if p.ir_lights else None,
            "status_led": dict(ch.power_led) if p.status_led else None,
            "battery": (
                {"percent": ch.battery_percent, "charging": ch.charging, "pir": dict(ch.pir)}
                if p.battery
                else None
            ),
            "ptz": (
                {
                    "pan": ch.ptz.pan,
                    "tilt": ch.ptz.tilt,
                    "zoom": ch.ptz.zoom,
                    "focus": ch.ptz.focus,
                    "moving": ch.ptz.moving,
                    "speed": ch.ptz.speed,
                    "preset": ch.ptz.preset,
                    "patrol_running": ch.ptz.patrol_running,
                    "presets": {
                        str(k): v["name"] for k, v in ch.ptz.presets.items() if v["enable"]
                    },
                }
                if p.has_ptz
                else None
            ),
            "image": {k: v for k, v in ch.image.items() if k != "channel"},
            "day_night": ch.isp.get("dayNight"),
            "md_sensitivity": 51 - ch.md_sens_def,
            "manual_record": ch.manual_rec,
            "switches": dict(ch.schedule_enable),
            "enc": {
                "main": ch.enc["mainStream"]["size"],
                "sub": ch.enc["subStream"]["size"],
                "audio": ch.enc["audio"],
            },
        }
        return snap

    def snapshot(self) -> Json:
        """Everything ``/sim/state`` shows."""
        return {
            **self.info(),
            "name": self.name,
            "serial": self.serial,
            "uid": self.uid,
            "mac": self.mac,
            "type": self.profile.device_type,
            "firmware": self.profile.firm_ver,
            "hardware": self.profile.hard_ver,
            "online": self.online,
            "rebooting": self.rebooting,
            "fault": self.fault.value,
            "fault_delay": self.fault_delay,
            "sessions": self.sessions.count(),
            "max_sessions": self.sessions.max_sessions,
            "lease_time": self.sessions.lease_time,
            "logins": self.sessions.logins,
            "requests": self.requests,
            "replies": self.replies,
            "get_counts": dict(self.get_counts),
            **self.counters(),
            "settings": self.host_state.snapshot(),
            "channel_states": [self.channel_snapshot(ch) for ch in self.channels],
            "commands_total": self.commands_total,
            "commands": list(self.command_log),
        }


__all__ = ["EventType", "FaultMode", "SimulatedDevice", "commands"]
