"""The simulator's wire format and API semantics, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import aiohttp
import pytest
from sim_helpers import PASSWORD, Api, by_profile

from bridge.simulator import Simulator


async def test_json_is_text_html_and_pretty_printed_like_the_camera(
    sim: Simulator, api: Api
) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    reply = await api.post(dev, [{"cmd": "GetMdState", "param": {"channel": 0}}], token=token)
    assert reply.status == 200
    assert reply.content_type == "text/html"
    assert '"cmd" : "GetMdState"' in reply.text
    assert reply.text.startswith('[\n   {\n      "cmd" : ')
    assert reply.json == [{"cmd": "GetMdState", "code": 0, "value": {"state": 0}}]


async def test_batch_replies_keep_order_and_length(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    body = [
        {"cmd": "GetDevInfo", "action": 0, "param": {}},
        {"cmd": "GetMdState", "action": 0, "param": {"channel": 0}},
        {"cmd": "NoSuchThing", "action": 0, "param": {}},
        {"cmd": "GetEnc", "action": 1, "param": {"channel": 0}},
        {"cmd": "SetIrLights", "param": {"IrLights": {"channel": 0, "state": "Off"}}},
        {"cmd": "GetIrLights", "action": 0, "param": {"channel": 0}},
    ]
    # no cmd in the query string at all (as reolink_aio sends batches)
    out = await api.cmds(dev, token, *body)
    assert [r["cmd"] for r in out] == [
        "GetDevInfo",
        "GetMdState",
        "Unknown",
        "GetEnc",
        "SetIrLights",
        "GetIrLights",
    ]
    assert out[0]["value"]["DevInfo"]["model"] == "RLC-811A"
    assert out[0]["value"]["DevInfo"]["firmVer"] == "v3.1.0.2368_23062508"
    assert out[2] == {
        "cmd": "Unknown",
        "code": 1,
        "error": {"detail": "not support", "rspCode": -9},
    }
    assert list(out[3]) == ["cmd", "code", "initial", "range", "value"]
    assert out[3]["range"]["Enc"][0]["mainStream"]["height"] == 2160
    assert out[4] == {"cmd": "SetIrLights", "code": 0, "value": {"rspCode": 200}}
    assert out[5]["value"]["IrLights"] == {"channel": 0, "state": "Off"}


async def test_cmd_query_is_informational_and_api_cgi_alias(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "ptz")
    token = await api.login(dev)
    reply = await api.post(
        dev, [{"cmd": "GetDevInfo", "param": {}}], path="/api.cgi", cmd="GetEnc", token=token
    )
    assert reply.json[0]["cmd"] == "GetDevInfo"
    # GET ?cmd=GetMdState&channel=0&token=T without a body works too
    sim.trigger_event(dev.id, "motion")
    reply = await api.get(dev, cmd="GetMdState", channel="0", token=token)
    assert reply.json == [{"cmd": "GetMdState", "code": 0, "value": {"state": 1}}]


@pytest.mark.parametrize(
    ("profile", "cmd", "param"),
    [
        ("ptz", "SetWhiteLed", {"WhiteLed": {"channel": 0, "state": 1}}),
        ("ptz", "GetWhiteLed", {"channel": 0}),
        ("legacy", "GetEvents", {"channel": 0}),
        ("legacy", "GetAiState", {"channel": 0}),
        ("legacy", "GetChannelstatus", {}),
        ("legacy", "GetEmailV20", {"channel": 0}),
        ("doorbell", "AudioAlarmPlay", {"channel": 0, "alarm_mode": "times", "times": 1}),
        ("floodlight", "PtzCtrl", {"channel": 0, "op": "Left"}),
        ("ptz", "GetEvents", {"channel": 0}),
    ],
)
async def test_commands_the_model_lacks_are_unknown(
    sim: Simulator, api: Api, profile: str, cmd: str, param: dict[str, object]
) -> None:
    dev = by_profile(sim, profile)
    token = await api.login(dev)
    out = await api.cmds(dev, token, {"cmd": cmd, "action": 0, "param": param})
    assert out == [{"cmd": "Unknown", "code": 1, "error": {"detail": "not support", "rspCode": -9}}]


async def test_nvr_channel_errors(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "nvr")
    token = await api.login(dev)
    out = await api.cmds(
        dev,
        token,
        {"cmd": "GetChannelstatus"},
        {"cmd": "GetMdState", "param": {"channel": 5}},
        {"cmd": "GetWhiteLed", "param": {"channel": 0}},  # the NVR knows it, this camera lacks it
        {"cmd": "GetWhiteLed", "param": {"channel": 2}},
        {"cmd": "GetMdState", "param": {"channel": 8}},
        {"cmd": "GetEvents", "param": {"channel": 1}},
    )
    status = out[0]["value"]
    assert status["count"] == 8
    assert [s["online"] for s in status["status"]] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert status["status"][0]["typeInfo"] == "RLC-810A"
    assert out[1]["error"] == {"detail": "Device offline", "rspCode": -99}
    assert out[2] == {
        "cmd": "GetWhiteLed",
        "code": 1,
        "error": {"detail": "not support", "rspCode": -9},
    }
    assert out[3]["value"]["WhiteLed"]["channel"] == 2
    assert out[4]["error"]["rspCode"] == -4
    assert out[5]["value"]["channel"] == 1
    assert out[5]["value"]["ai"]["vehicle"] == {"alarm_state": 0, "support": 1}


async def test_login_errors_and_sessions() -> None:
    async with (
        Simulator(1, profiles=["floodlight"], password=PASSWORD, max_sessions=2) as sim,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session)
        dev = next(iter(sim.devices.values()))
        bad = await api.post(
            dev,
            [{"cmd": "Login", "param": {"User": {"userName": "admin", "password": "nope"}}}],
            cmd="Login",
            token="null",
        )
        assert '"detail" : "login failed"' in bad.text
        assert bad.json[0]["error"]["rspCode"] == -7
        t1 = await api.login(dev)
        t2 = await api.login(dev)
        assert t1 != t2
        assert len(t1) < 32
        full = await api.post(
            dev,
            [{"cmd": "Login", "param": {"User": {"userName": "admin", "password": PASSWORD}}}],
            cmd="Login",
        )
        assert full.json[0]["cmd"] == "Login"
        assert full.json[0]["error"] == {"detail": "max session", "rspCode": -5}
        out = await api.post(dev, [{"cmd": "Logout", "param": {}}], cmd="Logout", token=t1)
        assert out.json == [{"cmd": "Logout", "code": 0, "value": {"rspCode": 200}}]
        await api.login(dev)  # a slot was freed
        # a bad token: one short error (reolink_aio matches it textually, < 500 bytes)
        denied = await api.post(
            dev,
            [{"cmd": "GetDevInfo"}, {"cmd": "GetEnc", "param": {"channel": 0}}],
            token="bogus",
        )
        assert len(denied.text) < 500
        assert '"detail" : "please login first"' in denied.text
        assert denied.json == [
            {
                "cmd": "GetDevInfo",
                "code": 1,
                "error": {"detail": "please login first", "rspCode": -6},
            }
        ]
        assert (await api.post(dev, [{"cmd": "GetDevInfo"}])).json[0]["error"]["rspCode"] == -6


async def test_token_lease_expires() -> None:
    async with (
        Simulator(1, profiles=["ptz"], password=PASSWORD, lease_time=1) as sim,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session)
        dev = next(iter(sim.devices.values()))
        token = await api.login(dev)
        ok = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
        assert ok[0]["code"] == 0
        await asyncio.sleep(1.1)
        expired = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
        assert expired[0]["error"]["rspCode"] == -6


async def test_short_session_with_special_character_password() -> None:
    password = "p#%^ wörd&€+x"
    async with (
        Simulator(1, profiles=["doorbell"], password=password) as sim,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session)
        dev = next(iter(sim.devices.values()))
        reply = await api.post(
            dev, [{"cmd": "GetMdState", "param": {"channel": 0}}], user="admin", password=password
        )
        assert reply.json == [{"cmd": "GetMdState", "code": 0, "value": {"state": 0}}]
        # hand-encoded URL (%20 for the space, as curl users write it)
        url = f"{api.url(dev)}?cmd=GetEnc&channel=0&user=admin&password={quote(password)}"
        async with session.get(url) as resp:
            data = json.loads(await resp.text())
        assert data[0]["cmd"] == "GetEnc"
        assert data[0]["code"] == 0
        wrong = await api.post(dev, [{"cmd": "GetMdState"}], user="admin", password=password[:-1])
        assert wrong.json[0]["error"] == {"detail": "login failed", "rspCode": -7}
        # the JSON login carries the password verbatim
        token = await api.login(dev)
        assert (await api.cmds(dev, token, {"cmd": "GetDevInfo"}))[0]["code"] == 0


async def test_set_commands_change_state_and_are_logged(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    out = await api.cmds(
        dev,
        token,
        {"cmd": "SetWhiteLed", "param": {"WhiteLed": {"channel": 0, "state": 1, "bright": 70}}},
        {
            "cmd": "AudioAlarmPlay",
            "param": {"channel": 0, "alarm_mode": "manul", "manual_switch": 1},
        },
        {"cmd": "SetImage", "param": {"Image": {"channel": 0, "contrast": 90}}},
        {"cmd": "GetWhiteLed", "param": {"channel": 0}},
        {"cmd": "GetImage", "param": {"channel": 0}},
    )
    assert [r["code"] for r in out] == [0, 0, 0, 0, 0]
    assert out[3]["value"]["WhiteLed"]["bright"] == 70
    assert out[3]["value"]["WhiteLed"]["state"] == 1
    assert out[4]["value"]["Image"]["contrast"] == 90
    state = sim.state(dev.id)
    ch0 = state["channel_states"][0]
    assert ch0["floodlight"] == {"state": 1, "bright": 70, "mode": 1}
    assert ch0["siren"] == {"active": True, "plays": 1}
    logged = [(c["cmd"], c["channel"]) for c in state["commands"]]
    assert ("SetWhiteLed", 0) in logged
    assert ("AudioAlarmPlay", 0) in logged
    entry = next(c for c in state["commands"] if c["cmd"] == "SetImage")
    assert entry["param"] == {"Image": {"channel": 0, "contrast": 90}}
    assert isinstance(entry["time"], float)
    # siren "times": sounds for a while, then stops by itself
    await api.cmds(
        dev,
        token,
        {
            "cmd": "AudioAlarmPlay",
            "param": {"channel": 0, "alarm_mode": "manul", "manual_switch": 0},
        },
    )
    assert sim.state(dev.id)["channel_states"][0]["siren"]["active"] is False


@pytest.mark.parametrize(
    ("profile", "command"),
    [
        (
            "floodlight",
            {"cmd": "SetWhiteLed", "param": {"WhiteLed": {"channel": 0, "bright": 101}}},
        ),
        ("floodlight", {"cmd": "SetImage", "param": {"Image": {"channel": 0, "bright": 300}}}),
        (
            "floodlight",
            {"cmd": "SetIrLights", "param": {"IrLights": {"channel": 0, "state": "Blue"}}},
        ),
        ("floodlight", {"cmd": "AudioAlarmPlay", "param": {"channel": 0, "alarm_mode": "loud"}}),
        (
            "floodlight",
            {"cmd": "SetMdAlarm", "param": {"MdAlarm": {"channel": 0, "newSens": {"sensDef": 51}}}},
        ),
        ("ptz", {"cmd": "PtzCtrl", "param": {"channel": 0, "op": "ToPos", "id": 9}}),
        ("ptz", {"cmd": "PtzCtrl", "param": {"channel": 0, "op": "Spin"}}),
        ("ptz", {"cmd": "PtzCtrl", "param": {"channel": 0, "op": "Left", "speed": 65}}),
        (
            "ptz",
            {
                "cmd": "StartZoomFocus",
                "param": {"ZoomFocus": {"channel": 0, "op": "ZoomPos", "pos": 34}},
            },
        ),
        (
            "doorbell",
            {
                "cmd": "SetPowerLed",
                "param": {"PowerLed": {"channel": 0, "eDoorbellLightState": "X"}},
            },
        ),
        (
            "legacy",
            {
                "cmd": "SetAlarm",
                "param": {"Alarm": {"channel": 0, "type": "md", "sens": [{"sensitivity": 0}]}},
            },
        ),
        ("floodlight", {"cmd": "GetEnc", "param": {"channel": 1}}),
    ],
)
async def test_out_of_range_parameters_are_param_errors(
    sim: Simulator, api: Api, profile: str, command: dict[str, object]
) -> None:
    dev = by_profile(sim, profile)
    token = await api.login(dev)
    before = dev.commands_total
    out = await api.cmds(dev, token, command)
    assert out[0]["cmd"] == command["cmd"]
    assert out[0]["code"] == 1
    assert out[0]["error"]["rspCode"] == -4
    assert dev.commands_total == before  # nothing changed, nothing logged


async def test_ptz_ops(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "ptz")
    token = await api.login(dev)

    async def ptz(**param: object) -> None:
        out = await api.cmds(dev, token, {"cmd": "PtzCtrl", "param": {"channel": 0, **param}})
        assert out[0]["code"] == 0, out

    await ptz(op="ToPos", id=1, speed=32)
    ptz_state = dev.channels[0].ptz
    assert (ptz_state.pan, ptz_state.tilt, ptz_state.zoom, ptz_state.preset) == (1200, 300, 10, 1)
    await ptz(op="ZoomInc")
    assert ptz_state.zoom == 11
    assert ptz_state.preset is None
    await ptz(op="Right", speed=5)
    assert ptz_state.moving == "Right"
    assert ptz_state.pan == 1250
    await ptz(op="Stop")
    out = await api.cmds(
        dev,
        token,
        {
            "cmd": "SetPtzPreset",
            "param": {"PtzPreset": {"channel": 0, "enable": 1, "id": 4, "name": "Shed"}},
        },
        {"cmd": "GetPtzPreset", "param": {"channel": 0}},
        {"cmd": "GetZoomFocus", "action": 1, "param": {"channel": 0}},
    )
    presets = {p["name"]: p["id"] for p in out[1]["value"]["PtzPreset"] if p["enable"]}
    assert presets == {"Gate": 1, "Driveway": 2, "Porch": 3, "Shed": 4}
    assert out[2]["range"]["ZoomFocus"]["zoom"]["pos"] == {"max": 33, "min": 0}
    await ptz(op="ToPos", id=2)
    await ptz(op="ToPos", id=4)
    assert (ptz_state.pan, ptz_state.zoom, ptz_state.preset) == (1250, 11, 4)


async def test_events_control_api(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    base = f"http://{dev.host}:{dev.port}/sim"
    async with http.post(f"{base}/event", json={"type": "visitor"}) as resp:
        assert resp.status == 400
        assert "visitor" in (await resp.json())["error"]
    async with http.post(f"{base}/event", json={"type": "person", "duration": 0.3}) as resp:
        assert resp.status == 200
        assert (await resp.json())["channel"]["ai"]["people"] is True
    async with http.get(f"{base}/state") as resp:
        state = await resp.json()
    assert state["channel_states"][0]["ai"]["people"] is True
    assert state["channel_states"][0]["supported_events"] == ["motion", "person", "vehicle", "pet"]
    await asyncio.sleep(0.4)
    assert sim.state(dev.id)["channel_states"][0]["ai"]["people"] is False
    async with http.post(f"{base}/event", json={"type": "motion", "channel": 3}) as resp:
        assert resp.status == 400


async def test_nvr_channel_can_be_unplugged(
    sim: Simulator, api: Api, http: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "nvr")
    async with http.post(
        f"http://{dev.host}:{dev.port}/sim/channel", json={"channel": 1, "online": False}
    ) as resp:
        assert resp.status == 200
    token = await api.login(dev)
    out = await api.cmds(dev, token, {"cmd": "GetChannelstatus"})
    assert [s["online"] for s in out[0]["value"]["status"]][:3] == [1, 0, 1]
    sim.set_channel_online(dev.id, 1, True)
    out = await api.cmds(dev, token, {"cmd": "GetMdState", "param": {"channel": 1}})
    assert out[0]["code"] == 0


async def test_time_and_identity_shapes(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "legacy")
    token = await api.login(dev)
    out = await api.cmds(
        dev,
        token,
        {"cmd": "GetTime"},
        {"cmd": "GetNetPort"},
        {"cmd": "GetAbility", "param": {"User": {"userName": "admin"}}},
        {"cmd": "GetRec", "action": 1, "param": {"channel": 0}},
        {"cmd": "GetAlarm", "param": {"Alarm": {"channel": 0, "type": "md"}}},
    )
    assert out[0]["value"]["Time"]["timeZone"] == 0
    # the Baichuan ("media") port is where the device's Baichuan listener is
    assert out[1]["value"]["NetPort"]["mediaPort"] == dev.baichuan_port != 0
    ability = out[2]["value"]["Ability"]
    assert ability["scheduleVersion"]["ver"] == 0
    assert len(ability["abilityChn"]) == 1
    assert out[3]["value"]["Rec"]["schedule"]["enable"] in (0, 1)
    assert "postRec" in out[3]["range"]["Rec"]
    assert len(out[4]["value"]["Alarm"]["sens"]) == 4
