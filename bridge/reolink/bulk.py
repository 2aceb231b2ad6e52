"""Bulk GETs of the camera's files (`Download`) on aiohttp: a recording relayed through the bridge
must move as fast as the camera sends it, and httpx's pure-Python HTTP/1.1 reader tops out at a
fifth of that (bench/recordings.py). Everything else the client does stays on httpx.

Connections are checked like the httpx ones (`bridge.reolink.network`): with `networks`, the host
is resolved once, every address checked, and the connection made to a checked address. Proxies
from the environment are never used. One small keep-alive pool per client.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bridge.reolink.errors import (
    CameraRefusedError,
    CameraTimeoutError,
    CameraUnreachableError,
    ProtocolError,
)
from bridge.reolink.network import AddressRefused, CameraNetworks

READ_CHUNK = 512 * 1024
READ_BUFFER = 4 * 1024 * 1024
"""What is read ahead while the last piece is still being sent on: reading and sending overlap
(aiohttp's default, 64 KiB, stops the camera after every piece)."""


class _CheckedResolver(AbstractResolver):
    def __init__(self, networks: CameraNetworks) -> None:
        self._networks = networks

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = await self._networks.check(host, port)
        except AddressRefused as err:
            raise OSError(str(err)) from None
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


class BulkGetter:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        verify_tls: bool,
        networks: CameraNetworks | None,
        where: str,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.verify_tls = verify_tls
        self.networks = networks
        self.where = where
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=4,
                ssl=self.verify_tls,
                resolver=_CheckedResolver(self.networks) if self.networks is not None else None,
            )
            self._session = aiohttp.ClientSession(
                self.base_url,
                connector=connector,
                trust_env=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=self.timeout, sock_read=2 * self.timeout
                ),
                auto_decompress=False,
                read_bufsize=READ_BUFFER,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @asynccontextmanager
    async def get(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """The response, its body unread; transport errors as the client's errors."""
        try:
            response = await self._http().get(
                path, params=dict(params), headers=dict(headers or {}), allow_redirects=False
            )
        except TimeoutError:
            raise CameraTimeoutError(f"{self.where}: no answer within {self.timeout:g} s") from None
        except aiohttp.ClientConnectorError as err:
            if isinstance(err.os_error, OSError) and "security.camera_networks" in str(err):
                raise CameraRefusedError(f"{self.where}: {err.os_error}") from None
            raise CameraUnreachableError(f"{self.where}: cannot connect") from None
        except aiohttp.ClientError as err:
            raise CameraUnreachableError(f"{self.where}: {type(err).__name__}") from None
        try:
            yield response
        finally:
            response.release()

    async def chunks(self, response: aiohttp.ClientResponse, limit: int) -> AsyncIterator[bytes]:
        """The body as it arrives; `ProtocolError` (nothing more read) past `limit` bytes."""
        declared = response.content_length
        if declared is not None and declared > limit:
            raise ProtocolError(f"{self.where}: reply larger than {limit} bytes")
        size = 0
        try:
            async for chunk in response.content.iter_chunked(READ_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ProtocolError(f"{self.where}: reply larger than {limit} bytes")
                yield chunk
        except TimeoutError:
            raise CameraTimeoutError(f"{self.where}: the download stalled") from None
        except aiohttp.ClientError as err:
            raise CameraUnreachableError(f"{self.where}: {type(err).__name__}") from None

    @staticmethod
    def describe(response: aiohttp.ClientResponse) -> dict[str, Any]:
        return {"status": response.status, "type": response.headers.get("content-type", "")}
