"""Alarm and notification switches:
``{Get,Set}{Email,Push,Ftp,Rec,AudioAlarm,BuzzerAlarm}[V20]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator import wire
from bridge.simulator.state import FULL_WEEK, PACK_TIMES, POST_REC_TIMES, ChannelState, Json

from .base import Call, Handler, channel_of, find_channel, int_in, one_of, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def _schedule_table(ch: ChannelState) -> Json:
    table = {"MD": FULL_WEEK, "TIMING": "0" * 168}
    for ai, key in (("people", "AI_PEOPLE"), ("vehicle", "AI_VEHICLE"), ("dog_cat", "AI_DOG_CAT")):
        if ai in ch.profile.ai_types:
            table[key] = FULL_WEEK
    if ch.profile.doorbell:
        table["VISITOR"] = FULL_WEEK
    return table


def schedule_get(key: str, feature: str, v20: bool) -> Handler:
    """Get{Email,Push,Ftp,Rec,AudioAlarm,BuzzerAlarm}[V20]."""

    def handler(dev: SimulatedDevice, call: Call) -> Json:
        ch = channel_of(dev, call)
        hs = dev.host_state
        enabled = ch.schedule_enable.get(feature, 0)
        schedule: Json = {"channel": ch.index, "table": _schedule_table(ch)}
        body: Json
        if v20:
            host_enable = {
                "email": hs.email_enable,
                "push": hs.push_enable,
                "ftp": hs.ftp_enable,
                "rec": hs.rec_enable,
                "buzzer": hs.buzzer_enable,
                "audio": enabled,
            }[feature]
            body = {"enable": host_enable, "schedule": schedule}
            if feature != "audio":
                body["scheduleEnable"] = enabled
        else:
            body = {"schedule": {"enable": enabled, "table": FULL_WEEK}}
            if feature == "rec":
                body["channel"] = ch.index
        if feature == "rec":
            body |= {"overwrite": 1, "postRec": ch.post_rec, "preRec": 1, "saveDay": 30}
            if v20:
                body["packTime"] = hs.pack_time
        elif feature == "email":
            body |= {"addr1": "", "addr2": "", "addr3": "", "attachment": "picture"}
            body |= {"interval": "5 Minutes", "smtpPort": 465, "smtpServer": "smtp.example.com"}
        elif feature == "ftp":
            body |= {"anonymous": 0, "interval": 30, "maxSize": 100, "mode": 0, "port": 21}
            body |= {"remoteDir": "", "server": "", "streamType": 0}
        value = {key: body}
        if call.action == 1 and feature == "rec":
            rng: Json = {"postRec": list(POST_REC_TIMES), "overwrite": "boolean"}
            if v20:
                rng["packTime"] = list(PACK_TIMES)
            return wire.ok(call.cmd, value, initial=value, range_={key: rng})
        return value

    return handler


def schedule_set(key: str, feature: str, v20: bool) -> Handler:
    """Set{Email,Push,Ftp,Rec,AudioAlarm,BuzzerAlarm}[V20]: host switch or channel switch."""

    def handler(dev: SimulatedDevice, call: Call) -> Json:
        new = section(call, key)
        hs = dev.host_state
        schedule = new.get("schedule") if isinstance(new.get("schedule"), dict) else {}
        assert isinstance(schedule, dict)
        ch_index = find_channel({key: new})
        if ch_index is None and isinstance(schedule.get("channel"), int):
            ch_index = schedule["channel"]
        channel = dev.channel_or_error(ch_index if ch_index is not None else 0, call.cmd)
        if v20:
            if "enable" in new:
                value = int_in(new["enable"], 0, 1, "enable")
                if feature == "audio":
                    channel.schedule_enable["audio"] = value
                else:
                    attr = {
                        "email": "email_enable",
                        "push": "push_enable",
                        "ftp": "ftp_enable",
                        "rec": "rec_enable",
                        "buzzer": "buzzer_enable",
                    }[feature]
                    setattr(hs, attr, value)
            if "scheduleEnable" in new:
                channel.schedule_enable[feature] = int_in(
                    new["scheduleEnable"], 0, 1, "scheduleEnable"
                )
            if "packTime" in new:
                hs.pack_time = one_of(new["packTime"], PACK_TIMES, "packTime")
        else:
            if "enable" in schedule:
                channel.schedule_enable[feature] = int_in(schedule["enable"], 0, 1, "enable")
            if "packTime" in new:
                hs.pack_time = one_of(new["packTime"], PACK_TIMES, "packTime")
        if feature == "rec" and "postRec" in new:
            channel.post_rec = one_of(new["postRec"], POST_REC_TIMES, "postRec")
        return {}

    return handler
