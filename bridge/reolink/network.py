"""Which addresses a camera added at run time may have (`security.camera_networks`).

An API token or an MQTT client that can add a camera could otherwise point the bridge at any
address (server-side request forgery). So a camera added or changed at run time is checked when it
is added, and every TCP connection the client opens for it is checked again: the host is resolved
once, every address it resolves to must lie in an allowed network, and the connection goes to one
of those checked addresses (a name that resolves elsewhere a second later, DNS rebinding, gains
nothing). The URL keeps the name, so the Host header and the TLS SNI are the name's.
IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are checked as the IPv4 address they reach.
A name that does not resolve within `RESOLVE_TIMEOUT` seconds is refused (a slow DNS server must
not hold a request handler). The JSON API's `Http11Client` checks with `CameraNetworks.check`
itself, snapshots (httpx) connect through `GuardedTransport`, downloads (aiohttp) through the
bulk getter's checked resolver, the Baichuan client through `open_checked_connection`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any, Final

import httpcore
import httpx

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
"""`(host, port)` → the addresses a connection to that name may use."""

SETTING: Final = "security.camera_networks"
RESOLVE_TIMEOUT: Final = 5.0
"""Seconds a name may take to resolve before the check refuses it."""


class AddressRefused(ValueError):
    """The camera's host is (or resolves to) an address outside the allowed networks."""


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The addresses the operating system gives for `host` (IPv4 and IPv6), in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def reached(address: IPAddress) -> IPAddress:
    """The address a connection really reaches: an IPv4-mapped IPv6 address is its IPv4."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def literal(host: str) -> IPAddress | None:
    """`host` as an IP address, if it is one (`[v6]` and `v6%zone` too)."""
    try:
        return ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class CameraNetworks:
    """The allowed networks and the resolver used to check a host against them."""

    def __init__(
        self,
        networks: Iterable[IPNetwork],
        *,
        resolver: Resolver = system_resolver,
        resolve_timeout: float = RESOLVE_TIMEOUT,
    ) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(networks)
        self.resolver = resolver
        self.resolve_timeout = resolve_timeout

    def allows(self, address: IPAddress) -> bool:
        target = reached(address)
        return any(target.version == net.version and target in net for net in self.networks)

    async def check(self, host: str, port: int) -> list[IPAddress]:
        """The checked addresses of `host`; `AddressRefused` if any of them is not allowed."""
        address = literal(host)
        if address is not None:
            addresses = [address]
        else:
            try:
                async with asyncio.timeout(self.resolve_timeout):
                    addresses = await self.resolver(host, port)
            except TimeoutError:
                raise AddressRefused(
                    f"camera host {host!r} did not resolve within {self.resolve_timeout:g} s, so "
                    f"it cannot be checked against {SETTING}"
                ) from None
            except OSError:
                raise AddressRefused(
                    f"camera host {host!r} cannot be resolved, so it cannot be checked "
                    f"against {SETTING}"
                ) from None
            if not addresses:
                raise AddressRefused(f"camera host {host!r} resolves to no address")
        for resolved in addresses:
            if not self.allows(resolved):
                which = f"{host!r}" if address else f"{host!r} resolves to {resolved}, which"
                raise AddressRefused(f"camera host {which} is not in {SETTING}")
        return addresses


async def open_checked_connection(
    networks: CameraNetworks | None, host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """`asyncio.open_connection(host, port)`, checked first when `networks` is given: then the
    connection goes to a checked address (each in turn), never to a second resolution of the
    name. Raises `AddressRefused` or `OSError`."""
    if networks is None:
        return await asyncio.open_connection(host, port)
    failure: OSError | None = None
    for address in await networks.check(host, port):
        try:
            return await asyncio.open_connection(str(address), port)
        except OSError as err:
            failure = err
    assert failure is not None
    raise failure


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check in front of every TCP connection."""

    def __init__(self, networks: CameraNetworks) -> None:
        self._networks = networks
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._networks.check(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except AddressRefused as err:
            raise RefusedConnection(str(err)) from err
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                failure = err
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedConnection("cameras are reached over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class RefusedConnection(httpcore.ConnectError):
    """A connection the guard refused (httpx raises it as the cause of a `ConnectError`)."""


class GuardedTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport` whose connections go through `GuardedBackend`; no proxies."""

    def __init__(self, networks: CameraNetworks, *, verify: bool, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        # httpx has no public hook for the network backend: the pool is rebuilt around ours
        # with the same TLS context and limits.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(networks),
        )
