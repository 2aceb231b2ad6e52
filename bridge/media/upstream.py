"""A camera's HTTP-FLV stream, opened with the camera's credentials and checked before use.

The URL (with the password in its query, as Reolink firmware wants it) stays inside this module's
callers: errors name the camera, never the URL (httpx puts the URL in some of its messages).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bridge.media.errors import UpstreamFailed
from bridge.reolink.network import CameraNetworks, GuardedTransport

FLV_SIGNATURE = b"FLV\x01"
FLV_CONTENT_TYPE = "video/x-flv"


def upstream_http(
    timeout: float, *, verify_tls: bool, networks: CameraNetworks | None
) -> httpx.AsyncClient:
    """A client for camera streams: connects within `timeout`; a camera silent for
    `2 × timeout` counts as gone (a live stream never pauses that long). Certificates are
    checked as the camera's `verify_tls` says (most cameras have a self-signed one). With
    `networks` (a camera added at run time), every connection goes to an address checked
    against `security.camera_networks`, as the camera client's do."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    transport = (
        None if networks is None else GuardedTransport(networks, verify=verify_tls, limits=limits)
    )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, read=2 * timeout),
        limits=limits,
        follow_redirects=False,
        verify=verify_tls,
        transport=transport,
        trust_env=False,
    )


@asynccontextmanager
async def open_flv(
    http: httpx.AsyncClient, url: str, camera_id: str
) -> AsyncIterator[AsyncIterator[bytes]]:
    """The FLV bytes of `url` as they arrive (the first chunk starts with the FLV header)."""
    try:
        response = await http.send(http.build_request("GET", url), stream=True)
    except httpx.HTTPError as err:
        raise UpstreamFailed(
            f"camera {camera_id} did not answer the stream request ({type(err).__name__})"
        ) from None
    try:
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith(FLV_CONTENT_TYPE):
            raise UpstreamFailed(
                f"camera {camera_id} refused the stream (HTTP {response.status_code}, "
                f"{kind or 'no content type'})"
            )
        chunks = response.aiter_raw()  # what arrives, at once (a chunk size would wait for it)
        try:
            first = await anext(chunks)
        except (StopAsyncIteration, httpx.HTTPError):
            raise UpstreamFailed(f"camera {camera_id} sent no video") from None
        if not first.startswith(FLV_SIGNATURE):
            raise UpstreamFailed(f"camera {camera_id} sent something that is not FLV")
        yield _chained(first, chunks, camera_id)
    finally:
        await response.aclose()


async def _chained(
    first: bytes, rest: AsyncIterator[bytes], camera_id: str
) -> AsyncIterator[bytes]:
    yield first
    try:
        async for chunk in rest:
            yield chunk
    except httpx.HTTPError as err:
        raise UpstreamFailed(
            f"camera {camera_id} broke off the stream ({type(err).__name__})"
        ) from None
