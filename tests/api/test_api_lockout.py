"""A bridge whose API nobody can use (no admin password, no API token) says so, once, at start."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bridge.api.security import create_api_token
from bridge.app import Bridge
from bridge.config import Settings, load_settings
from bridge.storage.factory import open_store

LOCKED_OUT = "nobody can use it"


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        mqtt={"enabled": False},
        server={"host": "127.0.0.1", "port": 0, **overrides.pop("server", {})},
        **overrides,
    )


async def add_token(settings: Settings, *, revoked: bool) -> None:
    store = await open_store(settings)
    try:
        token = await create_api_token(store, "scripts")
        if revoked:
            await store.revoke_token(token.record.id)
    finally:
        await store.close()


async def start_and_collect(settings: Settings, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.set_level(logging.INFO)
    async with Bridge(settings):
        pass
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_no_login_and_no_token_gives_one_clear_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    warnings = await start_and_collect(settings, caplog)
    locked = [message for message in warnings if LOCKED_OUT in message]
    assert len(locked) == 1, warnings
    assert "token create" in locked[0]
    # The variable the warning names is the one that turns login on.
    variable = re.search(r"\bREOLINK_[A-Z_]+", locked[0])
    assert variable is not None
    monkeypatch.setenv(variable.group(0), "now-set")
    assert load_settings().auth.admin_password is not None


async def test_a_revoked_token_does_not_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    await add_token(settings, revoked=True)
    warnings = await start_and_collect(settings, caplog)
    assert [message for message in warnings if LOCKED_OUT in message]


@pytest.mark.parametrize(
    "case", ["admin password", "live token", "API off", "admin password and token"]
)
async def test_no_warning_when_someone_can_get_in(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    overrides: dict[str, Any] = {}
    if "password" in case:
        overrides["auth"] = {"admin_password": "admin-pw"}
    if case == "API off":
        overrides["server"] = {"enabled": False}
    settings = settings_for(tmp_path, **overrides)
    if "token" in case:
        await add_token(settings, revoked=False)
    warnings = await start_and_collect(settings, caplog)
    assert not [message for message in warnings if LOCKED_OUT in message], warnings
