"""The command table: for every command name, the handler that answers it, whether it is per
channel, the feature the firmware needs to know it (see :mod:`.features`) and whether it changes
the device's state (then it is logged)."""

from __future__ import annotations

from . import audio, battery, detection, host, image, lights, ptz, recording, schedules, streams
from .base import Command, Handler


def _cmd(
    handler: Handler, per_channel: bool = True, feature: str | None = None, state: bool = False
) -> Command:
    return Command(handler, per_channel, feature, state)


def _build() -> dict[str, Command]:
    table: dict[str, Command] = {
        # host
        "GetDevInfo": _cmd(host.get_dev_info, False),
        "GetChannelstatus": _cmd(host.get_channel_status, False, "channel_status"),
        "GetLocalLink": _cmd(host.get_local_link, False),
        "GetNetPort": _cmd(host.get_net_port, False),
        "SetNetPort": _cmd(host.set_net_port, False, state=True),
        "GetP2p": _cmd(host.get_p2p, False),
        "GetHddInfo": _cmd(host.get_hdd_info, False),
        "GetUser": _cmd(host.get_user, False),
        "GetOnline": _cmd(host.get_online, False),
        "GetNtp": _cmd(host.get_ntp, False),
        "SetNtp": _cmd(host.set_ntp, False, state=True),
        "GetTime": _cmd(host.get_time, False),
        "SetTime": _cmd(host.set_time, False, state=True),
        "GetPushCfg": _cmd(host.get_push_cfg, False, "push_cfg"),
        "SetPushCfg": _cmd(host.set_push_cfg, False, "push_cfg", state=True),
        "GetAbility": _cmd(host.get_ability, False),
        "GetPerformance": _cmd(host.get_performance, False, "performance"),
        "GetStateLight": _cmd(host.get_state_light, False, "state_light"),
        "SetStateLight": _cmd(host.set_state_light, False, "state_light", state=True),
        "Reboot": _cmd(host.reboot, False, state=True),
        "Search": _cmd(recording.search, False),
        "NvrDownload": _cmd(recording.nvr_download, False, "nvr"),
        # channel info / streams / detection
        "GetChnTypeInfo": _cmd(streams.get_chn_type_info, feature="chn_type_info"),
        "GetEnc": _cmd(streams.get_enc),
        "SetEnc": _cmd(streams.set_enc, state=True),
        "GetRtspUrl": _cmd(streams.get_rtsp_url, feature="rtsp_url"),
        "GetMask": _cmd(streams.get_mask, feature="mask"),
        "SetMask": _cmd(streams.set_mask, feature="mask", state=True),
        "GetMdState": _cmd(detection.get_md_state),
        "GetAiState": _cmd(detection.get_ai_state, feature="ai_state"),
        "GetEvents": _cmd(detection.get_events, feature="get_events"),
        # image
        "GetIsp": _cmd(image.get_isp),
        "SetIsp": _cmd(image.set_isp, state=True),
        "GetImage": _cmd(image.get_image),
        "SetImage": _cmd(image.set_image, state=True),
        "GetOsd": _cmd(image.get_osd),
        "SetOsd": _cmd(image.set_osd, state=True),
        # lights
        "GetWhiteLed": _cmd(lights.get_white_led, feature="floodlight"),
        "SetWhiteLed": _cmd(lights.set_white_led, feature="floodlight", state=True),
        "GetIrLights": _cmd(lights.get_ir_lights, feature="ir"),
        "SetIrLights": _cmd(lights.set_ir_lights, feature="ir", state=True),
        "GetPowerLed": _cmd(lights.get_power_led, feature="status_led"),
        "SetPowerLed": _cmd(lights.set_power_led, feature="status_led", state=True),
        # PTZ
        "PtzCtrl": _cmd(ptz.ptz_ctrl, feature="ptz", state=True),
        "GetPtzPreset": _cmd(ptz.get_ptz_preset, feature="ptz"),
        "SetPtzPreset": _cmd(ptz.set_ptz_preset, feature="ptz", state=True),
        "GetPtzPatrol": _cmd(ptz.get_ptz_patrol, feature="ptz"),
        "GetPtzGuard": _cmd(ptz.get_ptz_guard, feature="ptz"),
        "SetPtzGuard": _cmd(ptz.set_ptz_guard, feature="ptz", state=True),
        "GetPtzCurPos": _cmd(ptz.get_ptz_cur_pos, feature="ptz"),
        "PtzCheck": _cmd(ptz.ptz_check, feature="ptz", state=True),
        "GetZoomFocus": _cmd(ptz.get_zoom_focus, feature="zoom"),
        "StartZoomFocus": _cmd(ptz.start_zoom_focus, feature="zoom", state=True),
        "GetAutoFocus": _cmd(ptz.get_auto_focus, feature="zoom"),
        "SetAutoFocus": _cmd(ptz.set_auto_focus, feature="zoom", state=True),
        # audio, network
        "GetAudioCfg": _cmd(audio.get_audio_cfg, feature="speaker"),
        "SetAudioCfg": _cmd(audio.set_audio_cfg, feature="speaker", state=True),
        "GetWifiSignal": _cmd(host.get_wifi_signal, False, "wifi"),
        # battery cameras
        "GetBatteryInfo": _cmd(battery.get_battery_info, feature="battery"),
        "GetPirInfo": _cmd(battery.get_pir_info, feature="battery"),
        "SetPirInfo": _cmd(battery.set_pir_info, feature="battery", state=True),
        # siren
        "AudioAlarmPlay": _cmd(audio.audio_alarm_play, feature="siren", state=True),
        # recording, alarms, notifications
        "GetManualRec": _cmd(recording.get_manual_rec, feature="manual_rec"),
        "SetManualRec": _cmd(recording.set_manual_rec, feature="manual_rec", state=True),
        "GetMdAlarm": _cmd(detection.get_md_alarm, feature="md_alarm"),
        "SetMdAlarm": _cmd(detection.set_md_alarm, feature="md_alarm", state=True),
        "GetAlarm": _cmd(detection.get_alarm),
        "SetAlarm": _cmd(detection.set_alarm, state=True),
        "GetAiAlarm": _cmd(detection.get_ai_alarm, feature="ai"),
        "SetAiAlarm": _cmd(detection.set_ai_alarm, feature="ai", state=True),
        "GetAiCfg": _cmd(detection.get_ai_cfg, feature="ai"),
    }
    for key, feature, base, need in (
        ("Email", "email", "Email", None),
        ("Push", "push", "Push", None),
        ("Ftp", "ftp", "Ftp", None),
        ("Rec", "rec", "Rec", None),
        ("Audio", "audio", "AudioAlarm", "siren"),
        ("Buzzer", "buzzer", "BuzzerAlarm", "buzzer"),
    ):
        if base != "BuzzerAlarm":
            table[f"Get{base}"] = _cmd(schedules.schedule_get(key, feature, False), feature=need)
            table[f"Set{base}"] = _cmd(
                schedules.schedule_set(key, feature, False), False, need, state=True
            )
        v20_feature = "v20" if need is None else f"v20+{need}"
        table[f"Get{base}V20"] = _cmd(
            schedules.schedule_get(key, feature, True), feature=v20_feature
        )
        table[f"Set{base}V20"] = _cmd(
            schedules.schedule_set(key, feature, True), False, v20_feature, state=True
        )
    return table


COMMANDS: dict[str, Command] = _build()
