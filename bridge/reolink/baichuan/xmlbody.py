"""The XML documents of the messages we exchange, written the way firmware writes them.

Firmware XML is one element per line after the prolog `<?xml version="1.0" encoding="UTF-8" ?>`;
requests and answers wrap their document in `<body>`, channel extensions are an `<Extension>`.
Parsing refuses DTDs (no entity tricks) and reports broken XML as a BaichuanProtocolError.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final
from xml.sax.saxutils import escape

from bridge.reolink.baichuan.errors import BaichuanProtocolError

PROLOG: Final = '<?xml version="1.0" encoding="UTF-8" ?>'
VERSION: Final = "1.1"

Field = tuple[str, "str | int | Sequence[Field]"]


def _render(fields: Iterable[Field]) -> list[str]:
    lines: list[str] = []
    for name, value in fields:
        if isinstance(value, str | int):
            lines.append(f"<{name}>{escape(str(value))}</{name}>")
        else:
            lines += [f"<{name}>", *_render(value), f"</{name}>"]
    return lines


def element(name: str, fields: Iterable[Field], *, versioned: bool = True) -> list[str]:
    """One element (with `version="1.1"` as firmware writes it) holding `fields`."""
    attr = f' version="{VERSION}"' if versioned else ""
    return [f"<{name}{attr}>", *_render(fields), f"</{name}>"]


def document(*elements: list[str]) -> str:
    """A `<body>` document of the given elements."""
    lines = [PROLOG, "<body>"]
    for item in elements:
        lines += item
    return "\n".join([*lines, "</body>", ""])


def extension(fields: Iterable[Field]) -> str:
    """An `<Extension>` document (what channel a request is for)."""
    return "\n".join([PROLOG, *element("Extension", fields), ""])


def parse(text: str) -> ET.Element:
    """The root of a device's XML; DTDs are refused."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise BaichuanProtocolError("Baichuan XML with a DTD refused")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise BaichuanProtocolError(f"Baichuan XML does not parse: {exc}") from None


def text_of(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None or node.text is None else node.text.strip()


def int_of(root: ET.Element, path: str) -> int | None:
    value = text_of(root, path)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BaichuanProtocolError(f"Baichuan XML: {path} is not a number: {value!r}") from None


# ----------------------------------------------------------------------------------------
# login


def nonce_document(nonce: str) -> str:
    """The nonce reply: the hash type and the nonce the login and the AES key use."""
    return document(element("Encryption", [("type", "md5"), ("nonce", nonce)]))


def parse_nonce(text: str) -> str:
    nonce = text_of(parse(text), ".//Encryption/nonce")
    if not nonce:
        raise BaichuanProtocolError("Baichuan nonce reply without a nonce")
    return nonce


def login_document(user_hash: str, password_hash: str) -> str:
    return document(
        element(
            "LoginUser", [("userName", user_hash), ("password", password_hash), ("userVer", 1)]
        ),
        element("LoginNet", [("type", "LAN"), ("udpPort", 0)]),
    )


def parse_login(text: str) -> tuple[str, str]:
    """(userName, password) hashes of a login request."""
    root = parse(text)
    user = text_of(root, ".//LoginUser/userName")
    password = text_of(root, ".//LoginUser/password")
    if user is None or password is None:
        raise BaichuanProtocolError("Baichuan login without user name or password")
    return user, password


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What a successful login answers about the device."""

    device_type: str
    """`ipc`, `nvr`, `wifi_nvr`, `homehub`, `wifi_solo_ipc` ..."""
    type_info: str
    """`IPC`, `NVR`, `HOMEHUB` ..."""
    channels: int

    @property
    def is_nvr(self) -> bool:
        return self.type_info.upper() in {"NVR", "WIFI_NVR", "HOMEHUB"}


def device_info_document(info: DeviceInfo, *, resolution: tuple[int, int]) -> str:
    width, height = resolution
    return document(
        element(
            "DeviceInfo",
            [
                ("IOInputPortNum", 0),
                ("IOOutputPortNum", 0),
                ("diskNum", 1 if info.is_nvr else 0),
                ("type", info.device_type),
                ("channelNum", info.channels),
                ("audioNum", 1),
                ("ipChannel", info.channels if info.is_nvr else 0),
                ("analogChnNum", 0 if info.is_nvr else info.channels),
                (
                    "resolution",
                    [("resolutionName", f"{width}*{height}"), ("width", width), ("height", height)],
                ),
                ("language", "English"),
                ("sdCard", 0 if info.is_nvr else 1),
                ("typeInfo", info.type_info),
                ("norm", "NTSC"),
                ("osdFormat", "DMY"),
                ("userVer", 1),
            ],
        )
    )


def parse_device_info(text: str) -> DeviceInfo:
    root = parse(text)
    info = root.find(".//DeviceInfo")
    if info is None:
        raise BaichuanProtocolError("Baichuan login answer without DeviceInfo")
    return DeviceInfo(
        device_type=text_of(info, "type") or "",
        type_info=text_of(info, "typeInfo") or "",
        channels=int_of(info, "channelNum") or 0,
    )


def link_type_document(link: str = "LAN") -> str:
    """The answer to message 93 (the keepalive): how the device is connected."""
    return document(element("LinkType", [("type", link)]))
