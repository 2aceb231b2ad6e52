"""The audio alarm (the siren sounding on a detection: `GetAudioAlarm[V20]`/`SetAudioAlarm[V20]`,
as reolink_aio's `set_audio_alarm`) and the speaker volume (`GetAudioCfg`/`SetAudioCfg` `volume`
0..100)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.values import OnOff
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Parser, Probe, Reader, WireWriter, ok, plain


def _audio_alarm(v20: bool) -> Parser:
    def parse(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
        audio = obj(value, "Audio")
        # V20: the switch is `enable`; legacy: `schedule.enable`.
        flag = int_or_none(audio.get("enable") if v20 else obj(audio, "schedule").get("enable"))
        return {"audio_alarm": None if flag is None else flag == 1}

    return parse


def _audio_alarm_reader(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
    cmd = "GetAudioAlarmV20" if caps.schedule_v20 else "GetAudioAlarm"
    return Request(cmd, {"channel": ch.channel}), _audio_alarm(caps.schedule_v20)


def _volume(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    return {"volume": int_or_none(obj(value, "AudioCfg").get("volume"))}


async def _set_audio_alarm(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    """In the dialect the device speaks (V20 when the capabilities are unknown)."""
    flag = 1 if OnOff(value) is OnOff.ON else 0
    caps = client.capabilities
    if caps is not None and not caps.schedule_v20:
        legacy = {"schedule": {"enable": flag, "channel": channel}}
        await client._run(Request("SetAudioAlarm", {"Audio": legacy}))
        return
    audio = {"enable": flag, "schedule": {"channel": channel}}
    await client._run(Request("SetAudioAlarmV20", {"Audio": audio}))


async def _set_volume(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    config = {"channel": channel, "volume": int(value)}
    await client._run(Request("SetAudioCfg", {"AudioCfg": config}))


READERS: dict[str, Reader] = {
    "audio_alarm": _audio_alarm_reader,
    "audio_cfg": plain("GetAudioCfg", _volume),
}
WRITERS: dict[str, WireWriter] = {"audio_alarm": _set_audio_alarm, "volume": _set_volume}
PROBES: dict[str, Probe] = {
    "audio_alarm": Probe(
        requests=lambda ch, ab, v20: [],  # GetAudioAlarm[V20] is asked for the siren
        supported=lambda got, ab, ch: bool(
            obj(ok(got, "GetAudioAlarmV20"), "Audio") or obj(ok(got, "GetAudioAlarm"), "Audio")
        ),
    ),
    "volume": Probe(
        requests=lambda ch, ab, v20: [Request("GetAudioCfg", {"channel": ch})],
        supported=lambda got, ab, ch: "volume" in obj(ok(got, "GetAudioCfg"), "AudioCfg"),
    ),
}
