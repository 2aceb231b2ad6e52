"""A loopback RTSP relay that adds the camera's credentials, so that ffmpeg never sees them.

ffmpeg reads RTSP itself (it depacketizes RTP), but a URL with the password in it would be on its
command line, visible to every local user in `ps`. So ffmpeg gets `rtsp://127.0.0.1:<port>/<token>
/Preview_01_main` instead: the relay listens on a loopback port of its own, takes the first
connection that names its random token (anything else gets 404 and is closed; the listener
closes once claimed), and passes the conversation to the camera over one TCP connection
(RTP interleaved, `-rtsp_transport tcp`):

- requests: the relay's URL prefix becomes the camera's (`rtsp://host:port`, no user info), and
  an `Authorization` header is added (the camera's Digest or Basic challenge, answered by the
  relay: a 401 is retried once with credentials, never passed on unless the camera refuses them);
- responses: every `rtsp://…` URL in a header or the SDP is pointed back at the relay (a camera
  names itself by its own address, which may not be the one the bridge reaches it by);
- `$`-framed RTP/RTCP passes both ways untouched, with backpressure (the camera is read only as
  fast as ffmpeg takes the data).

The camera connection is opened before ffmpeg starts (a refused or unreachable camera is an error
at once) and checked against `security.camera_networks` for cameras added at run time. Errors
name the camera, never a URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

from bridge.media.errors import UpstreamFailed
from bridge.reolink import rtsp
from bridge.reolink.network import AddressRefused, CameraNetworks, open_checked_connection
from bridge.reolink.rtsp import Credentials, Interleaved, Message, RtspProtocolError

_ANY_RTSP = re.compile(r"rtsp://[^/\s\"';,]*")
CLAIM_TIMEOUT = 10.0
"""Seconds ffmpeg may take to connect to the relay."""
ANSWER_TIMEOUT = 10.0
"""Seconds a camera may take to answer a request, at least (a DESCRIBE may wait for an
encoder); while it streams, twice the camera timeout without a packet ends the relay."""


class RtspRelay:
    """One relay: one camera connection, one ffmpeg connection."""

    def __init__(
        self,
        camera: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        camera_prefix: str,
        path: str,
        credentials: Credentials,
        camera_id: str,
        timeout: float,
    ) -> None:
        self._camera_reader, self._camera_writer = camera
        self._camera_prefix = camera_prefix
        self._path = path
        self._credentials = credentials
        self._camera_id = camera_id
        self._timeout = timeout
        self._token = secrets.token_urlsafe(16)
        self._server: asyncio.Server | None = None
        self._claimed: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.get_running_loop().create_future()
        )
        self._first: Message | None = None
        self._pending: dict[str, Message] = {}
        self._retried: set[str] = set()
        self._playing = False
        self.local_prefix = ""

    @property
    def url(self) -> str:
        """What ffmpeg opens: no credential in it."""
        return self.local_prefix + self._path

    async def listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.local_prefix = f"rtsp://127.0.0.1:{port}/{self._token}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._camera_writer.transport.abort()
        if self._claimed.done() and not self._claimed.cancelled():
            self._claimed.result()[1].transport.abort()
        else:
            self._claimed.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The first connection whose first request names the token is ffmpeg's."""
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT):
                first = await rtsp.read_item(reader)
        except (TimeoutError, RtspProtocolError, ConnectionError):
            writer.transport.abort()
            return
        if (
            not isinstance(first, Message)
            or first.is_response
            or self._claimed.done()
            or not first.url.startswith(self.local_prefix)
        ):
            if isinstance(first, Message) and not first.is_response:
                writer.write(rtsp.response(404, "Not Found", first.header("CSeq")).encode())
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
            writer.transport.abort()
            return
        self._first = first
        if self._server is not None:
            self._server.close()  # one viewer: ffmpeg
        self._claimed.set_result((reader, writer))

    async def run(self) -> None:
        """Relay until either side ends: returns when ffmpeg hangs up, raises `UpstreamFailed`
        when the camera does (or refuses the credentials, or goes silent)."""
        try:
            async with asyncio.timeout(CLAIM_TIMEOUT):
                reader, writer = await asyncio.shield(self._claimed)
        except TimeoutError:
            raise UpstreamFailed("ffmpeg did not connect to the stream relay") from None
        upstream = asyncio.ensure_future(self._from_camera(writer))
        downstream = asyncio.ensure_future(self._from_ffmpeg(reader))
        try:
            done, _ = await asyncio.wait({upstream, downstream}, return_when="FIRST_COMPLETED")
            for task in done:
                task.result()
        finally:
            for task in (upstream, downstream):
                task.cancel()
            await asyncio.gather(upstream, downstream, return_exceptions=True)
            writer.transport.abort()  # one-shot: ffmpeg sees the end at once
            self._camera_writer.transport.abort()

    # -- ffmpeg → camera -----------------------------------------------------------------------

    async def _from_ffmpeg(self, reader: asyncio.StreamReader) -> None:
        item: Message | Interleaved | None = self._first
        while item is not None:
            if isinstance(item, Interleaved):
                self._camera_writer.write(item.encode())  # RTCP receiver reports
            elif not item.is_response:
                self._send(self._to_camera(item))
            try:
                await self._camera_writer.drain()
                item = await rtsp.read_item(reader)
            except (RtspProtocolError, ConnectionError):
                return

    def _to_camera(self, request: Message) -> Message:
        url = request.url
        if url.startswith(self.local_prefix):
            url = self._camera_prefix + url[len(self.local_prefix) :]
        elif url != "*":
            url = self._camera_prefix + self._path  # a URL ffmpeg made up: the stream's
        out = Message(f"{request.method} {url} {rtsp.VERSION}", list(request.headers), request.body)
        out.headers = [(k, v) for k, v in out.headers if k.lower() != "authorization"]
        cseq = request.header("CSeq")
        if cseq is not None:
            self._pending[cseq] = out
        return out

    def _send(self, request: Message) -> None:
        authorization = self._credentials.authorization(request.method, request.url)
        if authorization is not None:
            request.set("Authorization", authorization)
        if request.method == "PLAY":
            self._playing = True
        self._camera_writer.write(request.encode())

    # -- camera → ffmpeg -----------------------------------------------------------------------

    async def _from_camera(self, writer: asyncio.StreamWriter) -> None:
        who = f"camera {self._camera_id}"
        while True:
            limit = None
            if self._playing:
                limit = 2 * self._timeout
            elif self._pending:
                limit = max(2 * self._timeout, ANSWER_TIMEOUT)
            try:
                # not wait_for: with packets arriving all the time, a cancellation that meets a
                # finished read would be lost (Python 3.11) and the relay would never stop
                async with asyncio.timeout(limit):
                    item = await rtsp.read_item(self._camera_reader)
            except TimeoutError:
                raise UpstreamFailed(f"{who} went silent on RTSP") from None
            except (RtspProtocolError, ConnectionError) as err:
                raise UpstreamFailed(f"{who} broke off RTSP ({type(err).__name__})") from None
            if item is None:
                raise UpstreamFailed(f"{who} ended the RTSP stream")
            if isinstance(item, Interleaved):
                writer.write(item.encode())
            elif item.is_response:
                forward = self._on_response(item)
                if forward is None:
                    continue
                writer.write(forward.encode())
            try:
                await writer.drain()
            except ConnectionError:
                return  # ffmpeg is gone: its exit is the news

    def _on_response(self, answer: Message) -> Message | None:
        cseq = answer.header("CSeq") or ""
        request = self._pending.pop(cseq, None)
        if answer.status == 401 and request is not None:
            if cseq not in self._retried and self._credentials.learn(
                answer.all("WWW-Authenticate")
            ):
                self._retried.add(cseq)
                self._pending[cseq] = request
                self._send(request)
                return None
            raise UpstreamFailed(f"camera {self._camera_id} refused the RTSP credentials")
        headers = [(k, _ANY_RTSP.sub(self.local_prefix, v)) for k, v in answer.headers]
        body = answer.body
        if body and b"rtsp://" in body:
            text = body.decode("utf-8", errors="replace")
            body = _ANY_RTSP.sub(self.local_prefix, text).encode()
        return Message(answer.start, headers, body)


@asynccontextmanager
async def open_relay(
    url: str, camera_id: str, *, wait: float, networks: CameraNetworks | None
) -> AsyncIterator[RtspRelay]:
    """A relay for the camera's RTSP `url` (which holds the credentials), connected to the
    camera and listening on loopback; closed (both connections cut) on leaving. `wait`: seconds
    to connect; a camera silent for twice as long (while an answer or video is due) is gone."""
    parts = urlsplit(url)
    if parts.scheme != "rtsp" or not parts.hostname:
        raise UpstreamFailed(f"camera {camera_id} has no usable RTSP URL")
    port = parts.port or 554
    host = parts.hostname
    authority = f"[{host}]" if ":" in host else host
    try:
        camera = await asyncio.wait_for(open_checked_connection(networks, host, port), wait)
    except AddressRefused as err:
        raise UpstreamFailed(str(err)) from None
    except (OSError, TimeoutError) as err:
        raise UpstreamFailed(
            f"camera {camera_id} did not answer on its RTSP port ({type(err).__name__})"
        ) from None
    credentials = Credentials(unquote(parts.username or ""), unquote(parts.password or ""))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    relay = RtspRelay(camera, f"rtsp://{authority}:{port}", path, credentials, camera_id, wait)
    try:
        await relay.listen()
        yield relay
    finally:
        await relay.close()
