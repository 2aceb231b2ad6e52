"""A device the bridge owns, as configured (file, REST, MQTT, CLI): its id and its checked text."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
)

from bridge.domain.base import DomainModel

RESERVED_CAMERA_IDS: frozenset[str] = frozenset({"bridge"})
"""First topic levels the bridge uses itself (`reolink/bridge/…`): never a camera id, or its topics
would mix with the bridge's (`bridge.topics` derives its parsing from this)."""


def _not_reserved(value: str) -> str:
    if value in RESERVED_CAMERA_IDS:
        raise ValueError(
            f"{value!r} is reserved: the bridge's own MQTT topics are under <base>/{value}/; "
            "choose another camera id"
        )
    return value


CameraId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
    AfterValidator(_not_reserved),
    Field(
        description="Stable slug: lower-case letters, digits, '_' and '-'; used in MQTT topics. "
        f"Reserved: {', '.join(sorted(RESERVED_CAMERA_IDS))}.",
        examples=["front_door"],
    ),
]


MAX_TAGS = 16
MAX_TAG_LENGTH = 32

_NOT_TEXT = frozenset({"Cc", "Cs", "Zl", "Zp"})
"""Control characters, unpaired surrogates and line/paragraph separators: never in a camera's
text (they break log lines, MQTT payloads and PostgreSQL, which refuses NUL)."""

_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$"
)


def _plain_text(value: str) -> str:
    bad = next((ch for ch in value if unicodedata.category(ch) in _NOT_TEXT), None)
    if bad is not None:
        raise ValueError(f"must not contain control characters (U+{ord(bad):04X})")
    return value


def _host(value: str) -> str:
    """An IP address (IPv6 with or without brackets) or a DNS name; brackets are dropped."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        if not _HOST_NAME.match(value):
            raise ValueError("must be an IP address or a host name") from None
        return value
    return bare


CameraName = Annotated[
    str, Field(max_length=128, examples=["Front Door"]), AfterValidator(_plain_text)
]
CameraHost = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        description="IP address or host name (run-time cameras: see security.camera_networks)",
        examples=["192.168.1.10"],
    ),
    AfterValidator(_host),
]
CameraUsername = Annotated[str, Field(min_length=1, max_length=31), AfterValidator(_plain_text)]
CameraPassword = Annotated[SecretStr, Field(max_length=31)]
CameraTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH),
    AfterValidator(_plain_text),
]
CameraTags = Annotated[
    list[CameraTag],
    Field(max_length=MAX_TAGS, description=f"At most {MAX_TAGS}, each 1-{MAX_TAG_LENGTH} chars"),
]


PushMode = Literal["auto", "on", "off"]
"""How a device's events arrive: pushed over Baichuan (`on`), polled (`off`), or push with
polling as the silent fallback (`auto`)."""


class ChannelSettings(DomainModel):
    """What the configuration says about one channel of an NVR or Home Hub."""

    name: CameraName = Field(default="", description="The channel's name (else the camera's own)")


class Camera(DomainModel):
    """A device the bridge owns, as configured (file, REST or MQTT). The password is secret."""

    id: CameraId
    name: CameraName = ""
    host: CameraHost
    port: int | None = Field(
        default=None, ge=1, le=65535, description="Default 80, or 443 with https"
    )
    https: bool = False
    verify_tls: bool = Field(
        default=False, description="Check the camera's certificate (most are self-signed)"
    )
    username: CameraUsername = "admin"
    password: CameraPassword = SecretStr("")
    channel: int | None = Field(
        default=None, ge=0, le=255, description="Only this channel of an NVR; None = every channel"
    )
    channels: dict[Annotated[int, Field(ge=0, le=255)], ChannelSettings] = Field(
        default_factory=dict,
        max_length=256,
        description="Per NVR channel (Reolink's 0-based number): e.g. `{0: {name: Gate}}`",
    )
    tags: CameraTags = Field(default_factory=list)
    enabled: bool = Field(default=True, description="A disabled camera is listed, never contacted")
    poll_interval: float | None = Field(
        default=None, gt=0, le=3600, description="Seconds between polls; None = the global setting"
    )
    push: PushMode = Field(
        default="auto",
        description="Events pushed over Baichuan (TCP, port 9000 on the device): `auto` tries it "
        "and polls while it is unavailable, `on` expects it (the fallback still polls, with a "
        "warning), `off` never connects and polls",
    )
    baichuan_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="The device's Baichuan port; None = the port it reports (GetNetPort "
        "mediaPort), else 9000",
    )

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return value.strip()

    @field_validator("push", mode="before")
    @classmethod
    def _push_switch(cls, value: Any) -> Any:
        """YAML reads a bare `off`/`on` as a boolean: take it as the word."""
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    @property
    def effective_port(self) -> int:
        return self.port or (443 if self.https else 80)

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def login_target(self) -> tuple[str, int, bool, str]:
        """Where and as whom the password is sent: changing any of it needs the password again."""
        return (self.host.lower(), self.effective_port, self.https, self.username)

    def needs_password_for(self, changed: Camera) -> bool:
        """Becoming `changed` would send the stored password somewhere else (another login
        target) or less protected (certificate checks turned off): the password must be given
        again. Turning checks on needs nothing."""
        return changed.login_target != self.login_target or (
            self.verify_tls and not changed.verify_tls
        )

    def public_dict(self) -> dict[str, Any]:
        """The camera as any API may show it: everything but the password."""
        return self.model_dump(mode="json", exclude={"password"})
