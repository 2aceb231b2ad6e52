"""Awkward passwords work everywhere, and no password ever reaches a log line or an error."""

from __future__ import annotations

import logging
from urllib.parse import quote, unquote, urlsplit

import httpx
import pytest
from reolink_helpers import by_profile, connect

from bridge.reolink import AuthenticationError, ReolinkClient, ReolinkError
from bridge.reolink._redact import redact
from bridge.simulator import Simulator

PASSWORDS = [
    "p#ss",
    "100%sure",
    "up^down",
    "with space",
    "Pässwörd€",
    "パスワード",
    "a&b=c?d+e/f:g@h",
    "#%^ &é",
]


@pytest.mark.parametrize("password", PASSWORDS)
async def test_awkward_password_logs_in_and_takes_a_snapshot(sim: Simulator, password: str) -> None:
    dev = await sim.add_device("floodlight", password=password)
    async with ReolinkClient(dev.host, dev.port, dev.username, password, timeout=3.0) as client:
        caps = await client.get_capabilities()
        assert caps.model == "RLC-811A"
        assert (await client.snapshot(0)).startswith(b"\xff\xd8")
        assert client.logins == 1


@pytest.mark.parametrize("password", PASSWORDS)
async def test_awkward_password_in_a_short_session(sim: Simulator, password: str) -> None:
    """No token: user and password travel URL-encoded on every request (JSON and Snap)."""
    dev = await sim.add_device("doorbell", password=password)
    async with ReolinkClient(
        dev.host, dev.port, dev.username, password, timeout=3.0, token_session=False
    ) as client:
        caps = await client.get_capabilities()
        assert await client.poll_detections(caps)
        assert (await client.snapshot(0)).startswith(b"\xff\xd8")
        assert client.logins == 0
    assert sim.state(dev.id)["logins"] == 0


@pytest.mark.parametrize("password", PASSWORDS)
async def test_stream_urls_carry_the_password_encoded(sim: Simulator, password: str) -> None:
    dev = await sim.add_device("floodlight", password=password)
    async with ReolinkClient(dev.host, dev.port, dev.username, password) as client:
        rtsp = urlsplit(client.stream_url(0, "rtsp", "sub"))
        assert (rtsp.scheme, rtsp.path) == ("rtsp", "/Preview_01_sub")
        assert unquote(rtsp.password or "") == password
        assert rtsp.port == 554

        await client.get_capabilities()
        rtmp = httpx.URL(client.stream_url(0, "rtmp"))
        assert rtmp.path == "/bcs/channel0_main.bcs"
        assert rtmp.params["password"] == password
        assert rtmp.params["stream"] == "0"

        flv = httpx.URL(client.stream_url(0, "flv", "sub"))
        assert flv.params["password"] == password
        assert flv.params["stream"] == "channel0_sub.bcs"
        # The simulator's web server checks the credentials of the FLV URL: not refused.
        async with (
            httpx.AsyncClient(timeout=5.0) as http,
            http.stream("GET", flv) as response,
        ):
            assert response.status_code in (200, 503)  # 503: no ffmpeg on this host


async def test_the_password_never_reaches_logs_or_errors(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    password = "S3cr#t pa%ss^wörd"
    encoded = {password, quote(password), quote(password, safe=""), quote_plus(password)}
    dev = await sim.add_device("nvr", password=password)
    errors: list[ReolinkError] = []
    caplog.set_level(logging.DEBUG)

    async with connect(dev) as client:  # the happy path, with token
        caps = await client.get_capabilities()
        await client.poll_detections(caps)
        await client.read_settings(caps)
        await client.snapshot(1)
        await sim.set_fault(dev.id, "token_expiry")
        await client.poll_detections(caps)
    async with connect(dev, token_session=False) as client:  # the password in every URL
        await client.get_capabilities()
        await client.snapshot(0)
        for mode in ("garbage", "html", "drop", "offline"):
            await sim.set_fault(dev.id, mode)
            with pytest.raises(ReolinkError) as caught:
                await client.snapshot(0)
            errors.append(caught.value)
            with pytest.raises(ReolinkError) as caught:
                await client.get_capabilities()
            errors.append(caught.value)
        await sim.set_fault(dev.id, "none")
    async with ReolinkClient(dev.host, dev.port, dev.username, password + "x") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_capabilities()
        errors.append(caught.value)
        assert password not in repr(client)

    assert "HTTP Request" in caplog.text  # httpx did log every URL...
    assert "password=***" in caplog.text  # ...with the secret masked
    for secret in encoded:
        assert secret not in caplog.text
        for error in errors:
            chain: BaseException | None = error
            while chain is not None:
                assert secret not in str(chain), chain
                assert secret not in repr(chain), chain
                chain = chain.__cause__ or chain.__context__


def quote_plus(text: str) -> str:
    from urllib.parse import quote_plus as plus

    return plus(text)


def test_redact() -> None:
    assert redact("GET http://h/api.cgi?cmd=Snap&user=admin&password=x%23y&rs=1") == (
        "GET http://h/api.cgi?cmd=Snap&user=admin&password=***&rs=1"
    )
    assert redact("http://h/api.cgi?token=abc123") == "http://h/api.cgi?token=***"
    assert redact("rtsp://admin:p%40ss@cam:554/Preview_01_main") == (
        "rtsp://admin:***@cam:554/Preview_01_main"
    )
    assert redact("nothing secret here") == "nothing secret here"


async def test_request_repr_hides_the_login(sim: Simulator) -> None:
    from bridge.reolink import Request

    login = Request("Login", {"User": {"userName": "admin", "password": "hunter2"}})
    assert "hunter2" not in repr(login)
    assert "GetMdState" in repr(Request("GetMdState", {"channel": 0}))
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        assert dev.password not in repr(client)
