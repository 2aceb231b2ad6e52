"""`ReolinkClient`: one device over HTTP(S) — the transport, the session, batching and retries.

Everything the bridge does with a camera goes through `execute()` (JSON commands, batched by 35,
one `Reply` per command) or the binary GETs (`Snap`, `Download`). Transport problems are
translated at this edge into the errors of `bridge.reolink.errors`; a refused command is not an
exception here but a failed `Reply`. No reply is read past its kind's limit
(`MAX_JSON_REPLY_BYTES`, `MAX_SNAPSHOT_BYTES`, `MAX_DOWNLOAD_BYTES`): a device that sends more
gets a `ProtocolError` and its connection is dropped. The controls, the capability probe and the
polling live in their own modules and reach the device only through `execute()`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

import httpx

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.state import ChannelState
from bridge.reolink import _redact, capabilities, state
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
    CameraRefusedError,
    CameraTimeoutError,
    CameraUnreachableError,
    ProtocolError,
    ReolinkError,
)
from bridge.reolink.media import Media
from bridge.reolink.network import CameraNetworks, GuardedTransport, RefusedConnection
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

_JSON_HEADERS = {"Content-Type": "application/json"}
_URL_CACHE_SIZE = 32
"""Distinct API URLs kept parsed: a few commands' `?cmd=X&token=T` for the current token."""


class ReolinkClient(Controls, Settings, Media, Writes):
    """One Reolink camera, doorbell or NVR. Use as `async with ReolinkClient(...) as client:`.

    One `httpx.AsyncClient` (keep-alive) and one login token per instance; the token is renewed
    before its lease ends and re-acquired once, transparently, when the device drops it.
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
        transport: httpx.AsyncBaseTransport | None = None,
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
        if transport is None and networks is not None:
            transport = GuardedTransport(networks, verify=verify_tls, limits=limits)
        self._http = httpx.AsyncClient(
            base_url=f"{'https' if https else 'http'}://{_host_for_url(host)}:{self.port}",
            verify=verify_tls,
            timeout=httpx.Timeout(timeout),
            limits=limits,
            transport=transport,
            trust_env=False,
        )
        self._api_url = self._http.base_url.join(API_PATH)
        self._urls: dict[tuple[tuple[str, str], ...], httpx.URL] = {}
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
        response, answer = await self._send("POST", params, body.encode())
        items = self._decode(response, answer)
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

    def _decode(self, response: httpx.Response, body: bytes) -> list[dict[str, Any]]:
        try:
            return decode(body)
        except ProtocolError as err:
            kind = describe_body(len(body), response.headers.get("content-type"))
            raise ProtocolError(
                f"{self.where}: unexpected reply ({err}), HTTP {response.status_code}, {kind}"
            ) from None

    async def _send(
        self, method: str, params: Mapping[str, str], body: bytes
    ) -> tuple[httpx.Response, bytes]:
        """The response and its body (at most `MAX_JSON_REPLY_BYTES`)."""
        request = self._http.build_request(
            method, self._url(params), content=body, headers=_JSON_HEADERS
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as err:
            raise self._translate(err) from err
        try:
            return response, await self._aread(response, MAX_JSON_REPLY_BYTES)
        finally:
            await response.aclose()

    def _url(self, params: Mapping[str, str]) -> httpx.URL:
        """The API URL with this query, parsed once and reused (httpx parses every str URL,
        a measurable share of a poll's CPU); the cache holds one token's worth of URLs."""
        key = tuple(params.items())
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[key] = self._api_url.copy_merge_params(dict(params))
        return url

    def _translate(self, err: httpx.HTTPError) -> ReolinkError:
        """The domain error for an httpx error. The message is redacted (URLs may hold secrets)
        and never quotes the device: an HTTP parser's error does (`illegal status line: b'…'`),
        so protocol errors are named, not repeated."""
        if isinstance(err, httpx.TimeoutException):
            return CameraTimeoutError(f"{self.where}: no answer within {self.timeout:g} s")
        if isinstance(err.__cause__, RefusedConnection):
            return CameraRefusedError(f"{self.where}: {err.__cause__}")
        if isinstance(err, httpx.RemoteProtocolError) and "disconnected" in str(err):
            return CameraUnreachableError(f"{self.where}: disconnected without an answer")
        if isinstance(err, httpx.ProtocolError):
            # Something answered, but not in HTTP (an RTSP or Baichuan port, say).
            return ProtocolError(f"{self.where}: not an HTTP answer")
        if isinstance(err, httpx.TransportError):
            text = _redact.redact(str(err)) or type(err).__name__
            return CameraUnreachableError(f"{self.where}: {text}")
        return ProtocolError(f"{self.where}: {type(err).__name__}")

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
                raise self._translate(err) from err
            try:
                if _is_json(response):
                    body = await self._aread(response, MAX_JSON_REPLY_BYTES)
                    answer = reply(Request(params["cmd"]), self._decode(response, body)[0])
                    if answer.rsp_code == LOGIN_FIRST_CODE and token is not None and attempt == 0:
                        self._session.expired(token)
                        continue
                    answer.raise_for_error()
                    raise ProtocolError(f"{self.where}: JSON instead of data for {params['cmd']}")
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
                if got.content_type in ("application/json", "text/html", "text/plain"):
                    body = b"".join([c async for c in self._bulk.chunks(got, MAX_JSON_REPLY_BYTES)])
                    try:
                        items = decode(body)
                    except ProtocolError:
                        kind = describe_body(len(body), got.headers.get("content-type"))
                        raise ProtocolError(
                            f"{self.where}: unexpected reply, HTTP {got.status}, {kind}"
                        ) from None
                    answer = reply(Request(params["cmd"]), items[0])
                    if answer.rsp_code == LOGIN_FIRST_CODE and token is not None and attempt == 0:
                        self._session.expired(token)
                        continue
                    answer.raise_for_error()
                    raise ProtocolError(f"{self.where}: JSON instead of data for {params['cmd']}")
                if got.status not in (200, 206):
                    raise ProtocolError(f"{self.where}: HTTP {got.status} for {params['cmd']}")
                yield got.status, self._bulk.chunks(got, MAX_DOWNLOAD_BYTES)
                return
        raise AssertionError("unreachable")  # pragma: no cover

    async def _aread(self, response: httpx.Response, limit: int) -> bytes:
        """The whole body, or `ProtocolError` as soon as it is past `limit` bytes."""
        return b"".join([chunk async for chunk in self._iter_bytes(response, limit)])

    async def _iter_bytes(self, response: httpx.Response, limit: int) -> AsyncIterator[bytes]:
        """The body as it arrives; `ProtocolError` (nothing more read) past `limit` bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(limit)
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise self._too_large(limit)
                yield chunk
        except httpx.HTTPError as err:
            raise self._translate(err) from err

    def _too_large(self, limit: int) -> ProtocolError:
        return ProtocolError(f"{self.where}: reply larger than {limit} bytes")

    # -- reading the device ------------------------------------------------------------------

    async def get_capabilities(self) -> Capabilities:
        """Read device info and probe every channel's features (see `capabilities`)."""
        self.capabilities = await capabilities.read(self.execute, self.username)
        return self.capabilities

    async def poll_detections(self, caps: Capabilities | None = None) -> dict[int, ChannelState]:
        """Motion / AI / visitor of every online channel, in one request."""
        return await state.poll_detections(self.execute, self._caps(caps))

    async def read_settings(self, caps: Capabilities | None = None) -> dict[int, ChannelState]:
        """Lights, LEDs, image, day/night, sensitivity, toggles and zoom of every online channel."""
        return await state.read_settings(self.execute, self._caps(caps))

    def _caps(self, caps: Capabilities | None) -> Capabilities:
        found = caps or self.capabilities
        if found is None:
            raise RuntimeError("capabilities unknown: call get_capabilities() first")
        return found


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in {"text/html", "application/json", "text/plain"}
