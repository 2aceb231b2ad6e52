"""Host commands: identity, abilities, network, users, time, push, the state light, reboot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator.state import Json

from .base import Call, int_in, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_dev_info(dev: SimulatedDevice, call: Call) -> Json:
    p = dev.profile
    info: Json = {
        "B485": 0,
        "IOInputNum": 0,
        "IOOutputNum": 0,
        "audioNum": 1 if p.channels[0].audio and not p.is_nvr else 0,
        "buildDay": f"build {p.firm_ver.rsplit('_', 1)[-1]}",
        "cfgVer": p.cfg_ver,
        "channelNum": p.channel_count,
        "detail": p.detail,
        "diskNum": 1,
        "exactType": p.device_type,
        "firmVer": p.firm_ver,
        "frameworkVer": 1,
        "hardVer": p.hard_ver,
        "model": p.model,
        "name": dev.name,
        "pakSuffix": "pak,paks",
        "serial": dev.serial,
        "type": p.device_type,
        "wifi": 1 if p.wifi else 0,
    }
    if p.legacy:
        for key in ("exactType", "frameworkVer", "pakSuffix"):
            del info[key]
    return {"DevInfo": info}


def get_channel_status(dev: SimulatedDevice, call: Call) -> Json:
    status = []
    for ch in dev.channels:
        entry: Json = {
            "channel": ch.index,
            "name": ch.name if ch.online else "",
            "online": 1 if ch.online else 0,
            "sleep": 1 if ch.sleeping else 0,
            "typeInfo": ch.profile.model if ch.online else "",
            "uid": ch.uid if ch.online else "",
        }
        status.append(entry)
    return {"count": len(status), "status": status}


def get_local_link(dev: SimulatedDevice, call: Call) -> Json:
    return {
        "LocalLink": {
            "activeLink": "LAN",
            "dns": {"auto": 1, "dns1": "192.168.1.1", "dns2": "8.8.8.8"},
            "mac": dev.mac,
            "static": {"gateway": "192.168.1.1", "ip": dev.host, "mask": "255.255.255.0"},
            "type": "DHCP",
        }
    }


def get_net_port(dev: SimulatedDevice, call: Call) -> Json:
    return {"NetPort": dict(dev.host_state.net_port)}


def set_net_port(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "NetPort")
    current = dev.host_state.net_port
    for key, value in new.items():
        if key not in current:
            continue
        if key.endswith("Port"):
            current[key] = int_in(value, 1, 65535, key)
        else:
            current[key] = int_in(value, 0, 1, key)
    return {}


def get_p2p(dev: SimulatedDevice, call: Call) -> Json:
    return {"P2p": {"enable": 1, "uid": dev.uid}}


def get_hdd_info(dev: SimulatedDevice, call: Call) -> Json:
    cap = dev.profile.storage_capacity_mb
    return {
        "HddInfo": [
            {
                "capacity": cap,
                "format": 1,
                "mount": 1,
                "number": 0,
                "size": cap - dev.host_state.hdd_used_mb,
                "storageType": dev.profile.storage_type,
            }
        ]
    }


def get_user(dev: SimulatedDevice, call: Call) -> Json:
    return {"User": [{"level": "admin", "userName": dev.username}]}


def get_online(dev: SimulatedDevice, call: Call) -> Json:
    users = [
        {
            "canbeDisconn": 0,
            "ip": "127.0.0.1",
            "level": "admin",
            "sessionId": i + 1,
            "userName": dev.username,
        }
        for i in range(dev.sessions.count())
    ]
    return {"User": users}


def get_ntp(dev: SimulatedDevice, call: Call) -> Json:
    return {"Ntp": dict(dev.host_state.ntp)}


def set_ntp(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "Ntp")
    ntp = dev.host_state.ntp
    if "enable" in new:
        ntp["enable"] = int_in(new["enable"], 0, 1, "enable")
    if "server" in new:
        if not isinstance(new["server"], str) or not new["server"]:
            raise param_error("server")
        ntp["server"] = new["server"]
    if "port" in new:
        ntp["port"] = int_in(new["port"], 1, 65535, "port")
    if "interval" in new:
        ntp["interval"] = int_in(new["interval"], 60, 65535, "interval")
    return {}


def get_time(dev: SimulatedDevice, call: Call) -> Json:
    return dev.clock.get_time()


def set_time(dev: SimulatedDevice, call: Call) -> Json:
    # The simulator keeps the host's clock; accept and log valid settings.
    t = call.param.get("Time")
    if t is not None and not isinstance(t, dict):
        raise param_error("Time")
    return {}


def get_push_cfg(dev: SimulatedDevice, call: Call) -> Json:
    return {"PushCfg": {"enable": dev.host_state.push_cfg_enable, "pushInterval": 30}}


def set_push_cfg(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "PushCfg")
    if "enable" in new:
        dev.host_state.push_cfg_enable = int_in(new["enable"], 0, 1, "enable")
    return {}


def get_ability(dev: SimulatedDevice, call: Call) -> Json:
    p = dev.profile
    ability: Json = dict(p.host_abilities())
    ability["abilityChn"] = [ch.abilities(legacy=p.legacy) for ch in p.channels]
    return {"Ability": ability}


def get_performance(dev: SimulatedDevice, call: Call) -> Json:
    load = min(95, 8 + dev.requests_last_second())
    return {"Performance": {"codecRate": 2154, "cpuUsed": load, "netThroughput": 0}}


def get_state_light(dev: SimulatedDevice, call: Call) -> Json:
    return {"stateLight": {"enable": dev.host_state.state_light}}


def set_state_light(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "stateLight")
    dev.host_state.state_light = int_in(new.get("enable"), 0, 1, "enable")
    return {}


def reboot(dev: SimulatedDevice, call: Call) -> Json:
    dev.schedule_reboot()
    return {}


def get_wifi_signal(dev: SimulatedDevice, call: Call) -> Json:
    return {"wifiSignal": dev.host_state.wifi_signal}
