"""What the camera does on an event: record, push, e-mail, FTP (per-channel switches)."""

from __future__ import annotations

from bridge.domain.command_values import (
    OnOffValue,
)
from bridge.domain.feature import Feature, Ha, Kind
from bridge.domain.rows.common import (
    switch_writer,
)
from bridge.domain.values import (
    OnOff,
)


def _toggle(key: str, name: str, icon: str, read: str) -> Feature:
    return Feature(
        key=key,
        kind=Kind.SWITCH,
        name=name,
        needs=key,
        field=key,
        state=OnOff,
        read=read,
        command=OnOffValue,
        write=switch_writer(f"set_{key}"),
        category="config",
        config_group="recording" if key == "recording" else "notifications",
        ha=Ha(icon=icon),
    )


TOGGLES: tuple[Feature, ...] = (
    _toggle("recording", "Record", "mdi:record-rec", "rec"),
    _toggle("push", "Push notifications", "mdi:message-badge", "push"),
    _toggle("email", "Email on event", "mdi:email", "email"),
    _toggle("ftp", "FTP upload", "mdi:folder-upload", "ftp"),
)
"""The recording, push, e-mail and FTP switches."""
