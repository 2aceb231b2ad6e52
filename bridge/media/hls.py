"""HLS sessions: one ffmpeg per camera and stream, shared by every viewer, started on demand.

A session's source (`Feed`, `bridge.media.feeds`) is one of two:

- H.264 (remux): the session pulls the camera's HTTP-FLV stream itself (the password never reaches
  ffmpeg's command line) and pipes it into ffmpeg, which copies video and audio as they are.
- H.265 with `streams.transcode_h265` (transcode): ffmpeg reads the camera's RTSP through a
  loopback relay that adds the credentials (`bridge.media.rtsp_relay`) and re-encodes the video
  to H.264 (libx264 `veryfast`, `zerolatency`, a keyframe every segment, at most 2 s); the AAC
  audio is copied.

Either way ffmpeg writes MPEG-TS segments cut at keyframes, `streams.segment_seconds` long or one
GOP, whichever is longer. The session serves its own playlist (`bridge.media.playlist`).

- ffmpeg exits, or the camera's stream breaks off → a new run, after a backoff, while viewers
  remain (the playlist goes on with a discontinuity).
- The camera goes offline, or three runs in a row bring no segment → the session ends with the
  error; waiting viewers get it (502/503), the next request starts a new session.
- No request for `streams.idle_timeout` seconds → the session stops (ffmpeg killed, files gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from bridge.backoff import Backoff
from bridge.config import StreamSettings
from bridge.media.errors import CameraUnavailable, StreamError, TooManySessions, UpstreamFailed
from bridge.media.feeds import WINDOW, Feed, hls_command
from bridge.media.playlist import Segment, read_entries, render
from bridge.media.processes import ProcessRegistry

_LOGGER = logging.getLogger(__name__)


SourceOpener = Callable[[], AbstractAsyncContextManager[Feed]]
"""Opens the camera's stream (raises `CameraUnavailable` / `UpstreamFailed`)."""
SessionKey = tuple[str, str]
"""(camera id, stream name)."""

KEEP_AFTER_WINDOW = 4
"""Segments kept on disk after they left the playlist (a slow viewer may still fetch them)."""
WATCH_INTERVAL = 0.1
"""Seconds between two looks at ffmpeg's playlist."""
MAX_FRUITLESS_RUNS = 3
"""Runs in a row without a segment before the session gives up."""
STEADY_RUN = 10.0
"""A run that lasted this long resets the restart backoff."""
STDERR_LINES = 20


class HlsSession:
    def __init__(
        self,
        key: SessionKey,
        directory: Path,
        open_source: SourceOpener,
        processes: ProcessRegistry,
        settings: StreamSettings,
        *,
        on_end: Callable[[HlsSession], None],
    ) -> None:
        self.key = key
        self.directory = directory
        self._open_source = open_source
        self._processes = processes
        self._settings = settings
        self._on_end = on_end
        self.segments: deque[Segment] = deque()
        self._retired: deque[Segment] = deque()
        self._next_sequence = 0
        self.discontinuity_sequence = 0
        self.error: StreamError | None = None
        self.ended = asyncio.Event()
        self.ready = asyncio.Event()
        self.last_access = time.monotonic()
        self.proc: asyncio.subprocess.Process | None = None
        self.runs = 0
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return f"{self.key[0]}/{self.key[1]}"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"hls:{self.name}"
        )

    def touch(self) -> None:
        self.last_access = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_access

    async def wait_ready(self, limit: float) -> None:
        """Until the first segment exists; raises the session's error, or `UpstreamFailed`."""
        ready = asyncio.ensure_future(self.ready.wait())
        ended = asyncio.ensure_future(self.ended.wait())
        try:
            await asyncio.wait({ready, ended}, timeout=limit, return_when="FIRST_COMPLETED")
        finally:
            ready.cancel()
            ended.cancel()
        if self.ready.is_set() and self.segments:
            return
        if self.error is not None:
            raise self.error
        raise UpstreamFailed(f"no video from {self.key[0]} within {limit:g} s")

    def playlist(self, query: str = "") -> str:
        return render(list(self.segments), self.discontinuity_sequence, query)

    def segment(self, sequence: int) -> Path | None:
        for segment in (*self.segments, *self._retired):
            if segment.sequence == sequence:
                return segment.path if segment.path.exists() else None
        return None

    async def stop(self) -> None:
        """Stop for good: ffmpeg killed, the camera's stream closed, the files removed."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(shutil.rmtree, self.directory, True)

    # -- the supervisor ------------------------------------------------------------------------

    async def _supervise(self) -> None:
        backoff = Backoff(initial=0.5, maximum=8.0)
        fruitless = 0
        try:
            while True:
                started, before = time.monotonic(), self._next_sequence
                try:
                    await self._run_once()
                except CameraUnavailable as err:
                    self.error = err
                    return
                except StreamError as err:
                    _LOGGER.info("HLS %s: run %d ended: %s", self.name, self.runs, err)
                    self.error = err
                fruitless = 0 if self._next_sequence > before else fruitless + 1
                if fruitless >= MAX_FRUITLESS_RUNS:
                    return
                self.error = None if self.ready.is_set() else self.error
                if time.monotonic() - started > STEADY_RUN:
                    backoff.reset()
                await asyncio.sleep(backoff.next_delay())
        except Exception as err:  # a bug must not leave the viewers waiting
            _LOGGER.exception("HLS %s: supervisor failed", self.name)
            self.error = UpstreamFailed(f"the HLS session failed: {type(err).__name__}")
        finally:
            if self.error is None and not self.ready.is_set():
                self.error = UpstreamFailed(f"no video from {self.key[0]}")
            self.ended.set()
            self._on_end(self)

    async def _run_once(self) -> None:
        run = self.runs
        self.runs += 1
        async with self._open_source() as feed:
            run_dir = self.directory / f"run{run}"
            await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
            argv = hls_command(self._settings.ffmpeg, run_dir, self._settings, feed)
            try:
                proc = await self._processes.spawn(argv)
            except OSError as err:
                raise UpstreamFailed(f"cannot start ffmpeg: {err.strerror or err}") from None
            self.proc = proc
            tasks = [
                asyncio.ensure_future(feed.run(proc)),
                asyncio.ensure_future(proc.wait()),
                asyncio.ensure_future(self._watch(run_dir, first_of_run=run > 0)),
                asyncio.ensure_future(self._read_stderr(proc)),
            ]
            try:
                done, _ = await asyncio.wait(tasks[:3], return_when="FIRST_COMPLETED")
                for task in done:
                    if task is tasks[0] or task is tasks[2]:
                        task.result()  # the camera's error, if that is what ended it
                raise UpstreamFailed(f"ffmpeg exited ({self._stderr_tail() or proc.returncode})")
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await self._processes.kill(proc)
                self.proc = None

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            self._stderr.append(line.decode(errors="replace").rstrip())

    def _stderr_tail(self) -> str:
        return " / ".join(list(self._stderr)[-3:])

    async def _watch(self, run_dir: Path, *, first_of_run: bool) -> None:
        """Adopt the segments ffmpeg finishes (its playlist lists only finished ones)."""
        playlist = run_dir / "index.m3u8"
        seen: set[str] = set()
        stamp: tuple[float, int] | None = None
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                stat = playlist.stat()
                if (stat.st_mtime, stat.st_size) == stamp:
                    continue
                stamp = (stat.st_mtime, stat.st_size)
                text = playlist.read_text()
            except FileNotFoundError:
                continue
            for name, duration in read_entries(text):
                if name in seen:
                    continue
                seen.add(name)
                self._adopt(run_dir / name, duration, first_of_run and len(seen) == 1)

    def _adopt(self, path: Path, duration: float, discontinuity: bool) -> None:
        self.segments.append(
            Segment(
                self._next_sequence, path, duration, discontinuity and bool(self._next_sequence)
            )
        )
        self._next_sequence += 1
        while len(self.segments) > WINDOW:
            old = self.segments.popleft()
            if old.discontinuity:
                self.discontinuity_sequence += 1
            self._retired.append(old)
        while len(self._retired) > KEEP_AFTER_WINDOW:
            with contextlib.suppress(OSError):
                self._retired.popleft().path.unlink()
        self.ready.set()


class HlsSessions:
    """The running sessions, at most `streams.max_sessions`, each stopped when idle."""

    def __init__(self, settings: StreamSettings, directory: Path, processes: ProcessRegistry):
        self._settings = settings
        self.directory = directory
        self._processes = processes
        self._sessions: dict[SessionKey, HlsSession] = {}
        self._ending: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self.started = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, key: SessionKey) -> HlsSession | None:
        return self._sessions.get(key)

    def start(self) -> None:
        self._reaper = asyncio.get_running_loop().create_task(self._reap(), name="hls-reaper")

    def open(self, key: SessionKey, open_source: SourceOpener) -> HlsSession:
        """The running session of `key`, or a new one (no await: concurrent viewers share it)."""
        session = self._sessions.get(key)
        if session is not None and not session.ended.is_set():
            session.touch()
            return session
        if len(self._sessions) >= self._settings.max_sessions:
            raise TooManySessions(
                f"{len(self._sessions)} live streams run already (streams.max_sessions); "
                "try again when one has ended"
            )
        self.started += 1
        session = HlsSession(
            key,
            self.directory / f"{key[0]}-{key[1]}-{self.started}",
            open_source,
            self._processes,
            self._settings,
            on_end=self._ended,
        )
        self._sessions[key] = session
        session.start()
        return session

    def _ended(self, session: HlsSession) -> None:
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]
        task = asyncio.get_running_loop().create_task(session.stop())
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self._settings.idle_timeout / 4))
            for session in list(self._sessions.values()):
                # a session still starting has viewers waiting for it (up to start_timeout)
                waiting = 0.0 if session.ready.is_set() else self._settings.start_timeout
                if session.idle_for() > self._settings.idle_timeout + waiting:
                    _LOGGER.info("HLS %s: idle, stopping", session.name)
                    del self._sessions[session.key]
                    await session.stop()

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.stop() for s in sessions), return_exceptions=True)
        await asyncio.gather(*self._ending, return_exceptions=True)
