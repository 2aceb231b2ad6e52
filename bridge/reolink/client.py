"""`ReolinkClient`: one device over HTTP(S) — the transport, the session, batching and retries.

Everything the bridge does with a camera goes through `execute()` (JSON commands, batched by 35,
one `Reply` per command) or the binary GETs (`Snap`, `Download`). Transport problems are
translated at this edge into the errors of `bridge.reolink.errors`; a refused command is not an
exception here but a failed `Reply`. No reply is read past its kind's limit
(`MAX_JSON_REPLY_BYTES`, `MAX_SNAPSHOT_BYTES`, `MAX_DOWNLOAD_BYTES`): a device that sends more
gets a `ProtocolError` and its connection is dropped. The controls, the capability probe and the
polling live in their own modules and reach the device only through `execute()`; transport
failures become domain errors in `translate`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode

import httpx

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.reolink import _redact, translate
from bridge.reolink.bulk import BulkGetter
from bridge.reolink.const import (
    API_PATH,
    DEFAULT_TIMEOUT,
    MAX_BATCH,
    MAX_CONNECTIONS,
    MAX_DOWNLOAD_BYTES,
    MAX_JSON_REPLY_BYTES,
)
from bridge.reolink.controls import Controls
from bridge.reolink.errors import (
    LOGIN_FIRST_CODE,
    ProtocolError,
)
from bridge.reolink.http11 import (
    Http11Client,
    HttpError,
    HttpReply,
)
from bridge.reolink.media import Media
from bridge.reolink.network import CameraNetworks, GuardedTransport
from bridge.reolink.reads import Reads
from bridge.reolink.session import Session
from bridge.reolink.settings import Settings
from bridge.reolink.wire import (
    Reply,
    Request,
    chunks,
    decode,
    describe_body,
    encode,
    replies,
    reply,
)
from bridge.reolink.writes import Writes

_LOGGER = logging.getLogger(__name__)
_redact.install()

_URL_CACHE_SIZE = 32
"""Distinct API targets kept encoded: a few commands' `?cmd=X&token=T` for the current token."""


class ReolinkClient(Reads, Controls, Settings, Media, Writes):
    """One Reolink camera, doorbell or NVR. Use as `async with ReolinkClient(...) as client:`.

    One login token per instance, renewed before its lease ends and re-acquired once,
    transparently, when the device drops it. The JSON API goes over `Http11Client` (keep-alive,
    the cheapest transport measured: docs/benchmarks.md), snapshots over one `httpx.AsyncClient`,
    recordings over aiohttp (`bulk`).
    `token_session=False` uses Reolink's "short session" instead: `user`/`password` on every
    URL and no login at all. With `networks`, every connection is checked first (see
    `bridge.reolink.network`); proxies from the environment are never used.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        username: str = "admin",
        password: str = "",
        *,
        https: bool = False,
        verify_tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        capabilities: Capabilities | None = None,
        token_session: bool = True,
        networks: CameraNetworks | None = None,
    ) -> None:
        self.host = host
        self.port = port or (443 if https else 80)
        self.https = https
        self.username = username
        self._password = password
        self.timeout = timeout
        self.capabilities = capabilities
        self._token_session = token_session
        limits = httpx.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
        )
        transport = (
            GuardedTransport(networks, verify=verify_tls, limits=limits)
            if networks is not None
            else None
        )
        self._http = httpx.AsyncClient(
            base_url=f"{'https' if https else 'http'}://{_host_for_url(host)}:{self.port}",
            verify=verify_tls,
            timeout=httpx.Timeout(timeout),
            limits=limits,
            transport=transport,
            trust_env=False,
        )
        self._api_url = self._http.base_url.join(API_PATH)
        self._api = Http11Client(
            host,
            self.port,
            https=https,
            verify_tls=verify_tls,
            timeout=timeout,
            networks=networks,
            max_connections=MAX_CONNECTIONS,
        )
        self._targets: dict[tuple[tuple[str, str], ...], str] = {}
        self._session = Session(self._post, username, password)
        self._bulk = BulkGetter(
            str(self._http.base_url).rstrip("/"),
            timeout=timeout,
            verify_tls=verify_tls,
            networks=networks,
            where=f"{host}:{self.port}",
        )
        self._siren_stops: dict[int, asyncio.Task[None]] = {}

    @classmethod
    def from_camera(cls, camera: Camera, **kw: Any) -> Self:
        """A client for a configured camera; `kw` overrides (timeout, transport, …)."""
        options: dict[str, Any] = {
            "port": camera.port,
            "username": camera.username,
            "password": camera.password.get_secret_value(),
            "https": camera.https,
            "verify_tls": camera.verify_tls,
            **kw,
        }
        return cls(camera.host, **options)

    def __repr__(self) -> str:
        return f"<ReolinkClient {self.username}@{self.host}:{self.port}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop pending siren timers, log out (best effort) and close the connections."""
        try:
            await self._flush_siren_stops()
            await self.logout()
        finally:
            await self._api.aclose()
            await self._http.aclose()
            await self._bulk.aclose()

    async def logout(self) -> None:
        """End the device session (the next command logs in again). Never raises."""
        await self._session.close()

    @property
    def logins(self) -> int:
        """How many times this client has logged in (renewals and re-logins included)."""
        return self._session.logins

    @property
    def where(self) -> str:
        """`host:port`, for messages (no credentials)."""
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    # -- the JSON API ------------------------------------------------------------------------

    async def execute(self, commands: Sequence[Request]) -> list[Reply]:
        """Send `commands` (in POSTs of at most 35) and return one `Reply` per command, in order.

        Raises only for transport-level problems (unreachable, timeout, not the Reolink API,
        login refused); a command the device refuses is a `Reply` with `ok=False`.
        """
        results: list[Reply] = []
        for chunk in chunks(commands, MAX_BATCH):
            results.extend(await self._execute_chunk(chunk))
        return results

    async def _execute_chunk(self, chunk: Sequence[Request]) -> list[Reply]:
        token = await self._session.token() if self._token_session else None
        answers = await self._post(chunk, token)
        expired = [i for i, a in enumerate(answers) if a.rsp_code == LOGIN_FIRST_CODE]
        if not expired or token is None:
            return answers
        # The device dropped our token (lease over, reboot, kicked): log in again, once.
        self._session.expired(token)
        token = await self._session.token()
        retried = await self._post([chunk[i] for i in expired], token)
        for index, answer in zip(expired, retried, strict=True):
            answers[index] = answer
        return answers

    async def _post(self, requests: Sequence[Request], token: str | None) -> list[Reply]:
        """One POST; resends the commands one by one if the device collapsed the batch."""
        params = self._auth(token)
        if len(requests) == 1:
            params = {"cmd": requests[0].cmd, **params}
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s ← %s", self.where, ", ".join(r.cmd for r in requests))
        body = json.dumps(encode(requests), ensure_ascii=False, separators=(",", ":"))
        answer = await self._send(params, body.encode())
        items = self._decode(answer.status, answer.content_type, answer.body)
        if len(items) == len(requests):
            return replies(requests, items)
        if len(requests) == 1:
            raise ProtocolError(f"{self.where}: {len(items)} replies to one command")
        if len(items) == 1:
            whole = reply(requests[0], items[0])
            if whole.rsp_code == LOGIN_FIRST_CODE:  # the token, not the batch: one re-login
                return [whole] * len(requests)
            _LOGGER.info(
                "%s: batch of %d answered by one error (%s); resending one by one",
                self.where,
                len(requests),
                whole.rsp_code,
            )
        else:
            _LOGGER.warning(
                "%s: %d replies to %d commands; resending one by one",
                self.where,
                len(items),
                len(requests),
            )
        results: list[Reply] = []
        for request in requests:
            results.extend(await self._post([request], token))
        return results

    def _auth(self, token: str | None) -> dict[str, str]:
        if token is not None:
            return {"token": token}
        if self._token_session:
            return {}  # Login itself
        return {"user": self.username, "password": self._password}

    def _decode(self, status: int, content_type: str | None, body: bytes) -> list[dict[str, Any]]:
        try:
            return decode(body)
        except ProtocolError as err:
            kind = describe_body(len(body), content_type)
            raise ProtocolError(
                f"{self.where}: unexpected reply ({err}), HTTP {status}, {kind}"
            ) from None

    async def _send(self, params: Mapping[str, str], body: bytes) -> HttpReply:
        """POST `body` to the API with this query; the whole reply (at most
        `MAX_JSON_REPLY_BYTES`, else `ProtocolError`)."""
        try:
            return await self._api.request(
                "POST", self._target(params), body, limit=MAX_JSON_REPLY_BYTES
            )
        except HttpError as err:
            raise translate.http11_error(
                err, self.where, self.timeout, MAX_JSON_REPLY_BYTES
            ) from None

    def _target(self, params: Mapping[str, str]) -> str:
        """The API path with this query, encoded once and reused; the cache holds one token's
        worth of targets."""
        key = tuple(params.items())
        target = self._targets.get(key)
        if target is None:
            if len(self._targets) >= _URL_CACHE_SIZE:
                self._targets.clear()
            query = urlencode(params, quote_via=quote)
            target = self._targets[key] = f"{API_PATH}?{query}" if query else API_PATH
        return target

    # -- binary GETs (Snap, Download) --------------------------------------------------------

    @asynccontextmanager
    async def _open(
        self, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET with auth; the body is not read. Re-logs in once on -6."""
        for attempt in range(2):
            token = await self._session.token() if self._token_session else None
            url = self._api_url.copy_merge_params({**params, **self._auth(token)})  # rs: unique
            request = self._http.build_request("GET", url, headers=headers)
            try:
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as err:
                raise translate.httpx_error(err, self.where, self.timeout) from err
            try:
                content_type = response.headers.get("content-type")
                if _is_json(content_type):
                    body = await self._aread(response, MAX_JSON_REPLY_BYTES)
                    self._refused(params, response.status_code, content_type, body, token, attempt)
                    continue
                yield response
                return
            finally:
                await response.aclose()
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _open_bulk(
        self, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[tuple[int, AsyncIterator[bytes]]]:
        """A file GET on the bulk connection (`bridge.reolink.bulk`): its HTTP status and its
        body as it arrives. Device errors are raised before it opens; re-logs in once on -6."""
        for attempt in range(2):
            token = await self._session.token() if self._token_session else None
            async with self._bulk.get(API_PATH, {**params, **self._auth(token)}, headers) as got:
                content_type = got.headers.get("content-type")
                if _is_json(content_type):
                    body = b"".join([c async for c in self._bulk.chunks(got, MAX_JSON_REPLY_BYTES)])
                    self._refused(params, got.status, content_type, body, token, attempt)
                    continue
                if got.status not in (200, 206):
                    raise ProtocolError(f"{self.where}: HTTP {got.status} for {params['cmd']}")
                yield got.status, self._bulk.chunks(got, MAX_DOWNLOAD_BYTES)
                return
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused(
        self,
        params: Mapping[str, str],
        status: int,
        content_type: str | None,
        body: bytes,
        token: str | None,
        attempt: int,
    ) -> None:
        """A JSON answer where a file was asked for: returns if the token expired on the first
        attempt (the caller logs in again and retries), else raises the device's error (or
        `ProtocolError` for JSON that is no error)."""
        items = self._decode(status, content_type, body)
        answer = reply(Request(params["cmd"]), items[0])
        if answer.rsp_code == LOGIN_FIRST_CODE and token is not None and attempt == 0:
            self._session.expired(token)
            return
        answer.raise_for_error()
        raise ProtocolError(f"{self.where}: JSON instead of data for {params['cmd']}")

    async def _aread(self, response: httpx.Response, limit: int) -> bytes:
        """The whole body, or `ProtocolError` as soon as it is past `limit` bytes."""
        return b"".join([chunk async for chunk in self._iter_bytes(response, limit)])

    async def _iter_bytes(self, response: httpx.Response, limit: int) -> AsyncIterator[bytes]:
        """The body as it arrives; `ProtocolError` (nothing more read) past `limit` bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise translate.too_large(self.where, limit)
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise translate.too_large(self.where, limit)
                yield chunk
        except httpx.HTTPError as err:
            raise translate.httpx_error(err, self.where, self.timeout) from err


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_json(content_type: str | None) -> bool:
    """Whether a reply with this content type is the API's JSON (an error), not a file."""
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in {"text/html", "application/json", "text/plain"}
