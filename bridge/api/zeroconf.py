"""The LAN announcement of the API: mDNS/DNS-SD `_reolink-server._tcp` (`server.zeroconf`).

Off by default. When on, the bridge announces one service whose TXT record carries its
installation id (`GET /bridge/info`), its version and the API's path, so Home Assistant's custom
integration (manifest `zeroconf`) offers the bridge by itself and recognises one it already has.
`service_info` builds the record; `Announcer` registers it for as long as the API runs.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import ifaddr
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_reolink-server._tcp.local."
API_PATH = "/api/v1"


def announced_addresses(host: str) -> list[str]:
    """The addresses to announce for a listen address: itself, or for `0.0.0.0` / `::` / a
    name every IPv4 address of the machine that is not loopback (loopback when it has none)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_unspecified:
        return [str(address)]
    found = {
        ip.ip
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str) and not ipaddress.ip_address(ip.ip).is_loopback
    }
    return sorted(found) or ["127.0.0.1"]


def service_info(
    *, installation_id: str, host: str, port: int, version: str, name: str = "Reolink Server"
) -> ServiceInfo:
    """The service record of a bridge: instance `<name> <first 8 of the id>`, the API's port,
    TXT `id`, `version`, `path`."""
    short = installation_id[:8]
    server = f"reolink-server-{short}.local."
    return ServiceInfo(
        SERVICE_TYPE,
        f"{name} {short}.{SERVICE_TYPE}",
        port=port,
        parsed_addresses=announced_addresses(host),
        server=server,
        properties={"id": installation_id, "version": version, "path": API_PATH},
    )


def describe(info: ServiceInfo) -> dict[str, Any]:
    """A record as plain JSON (what a test hands to Home Assistant's `ZeroconfServiceInfo`)."""
    return {
        "type": info.type,
        "name": info.name,
        "hostname": info.server,
        "port": info.port,
        "addresses": info.parsed_addresses(IPVersion.V4Only),
        "properties": {
            key.decode(): (value.decode() if value is not None else None)
            for key, value in info.properties.items()
        },
    }


class Announcer:
    """Registers one record on the LAN; `stop` withdraws it (a goodbye packet)."""

    def __init__(self, info: ServiceInfo) -> None:
        self.info = info
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        zc = AsyncZeroconf(ip_version=IPVersion.V4Only)
        try:
            await zc.async_register_service(self.info, allow_name_change=True)
        except (OSError, ValueError) as err:  # no multicast route, a name clash: not fatal
            _LOGGER.warning("zeroconf: could not announce the API: %s", err)
            await zc.async_close()
            return
        self._zeroconf = zc
        _LOGGER.info(
            "zeroconf: announced %s on %s:%s",
            self.info.name,
            ",".join(self.info.parsed_addresses()),
            self.info.port,
        )

    async def stop(self) -> None:
        zc, self._zeroconf = self._zeroconf, None
        if zc is not None:
            await zc.async_unregister_service(self.info)
            await zc.async_close()
