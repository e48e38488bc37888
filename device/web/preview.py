"""Live previews for the phone page: a sequence played on a ring drawn in the browser, sent as
server-sent events (text/event-stream) by the stdlib server.

A preview plays through a FrameLoop of its own, the light's own pacing: frames at absolute
deadlines on the service's Clock (PREVIEW_FPS a second), each rendered from elapsed sequence time,
late ones dropped rather than queued. Its "LEDs" are the browser's: the loop's pipeline encodes
sRGB for a screen and its output writes an event. It runs in its request's thread (named
emberwake-preview while it streams) with a Renderer and scratch memory of its own, so it shares
nothing with the light's thread; a frame of 24 LEDs costs tens of microseconds.

Bounds: one stream per client address (a new one ends the one before), at most MAX_STREAMS at
once (one more is refused with 503), and each ends with its sequence, when its client goes (the
next write fails), or when the service stops (close()).

Events: each frame is `data: {"t_s": 12.5, "rgb": "ff8000..."}` (t_s: the sequence's seconds;
rgb: 6 hex digits an LED, the sRGB colour a flat swatch of its light shows); after the last
frame comes `event: end`.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Callable

import numpy as np

from device.api_error import ApiError
from device.clock import Clock
from device.frame_loop import FrameLoop
from sequences.colour import srgb_codes
from sequences.engine import Frames, Renderer

PREVIEW_FPS = 30.0
MAX_STREAMS = 4
STREAM_THREAD = "emberwake-preview"
END_EVENT = b"event: end\ndata: {}\n\n"


class Previews:
    """The previews streaming now, at most `max_streams`, one per client. Thread-safe; _lock is a
    leaf (the clock is woken after it is released)."""

    def __init__(self, clock: Clock, log: logging.Logger | None = None, max_streams: int = MAX_STREAMS,
                 fps: float = PREVIEW_FPS):
        self.clock = clock
        self.log = log or logging.getLogger("emberwake")
        self.max_streams = max_streams
        self.fps = fps
        self._lock = threading.Lock()
        self._streams: dict[str, threading.Event] = {}  # client address -> its stream's stop
        self._closed = False

    def stream(self, renderer: Renderer, speed_x: float, from_s: float = 0.0) -> EventStream:
        """A preview of `renderer` at speed_x from from_s (sequence seconds), not yet open."""
        return EventStream(self, renderer, speed_x, from_s)

    def playing(self) -> int:
        """How many previews stream now."""
        with self._lock:
            return len(self._streams)

    def close(self) -> None:
        """End every preview now and refuse new ones (the service stops)."""
        with self._lock:
            self._closed = True
            stops = list(self._streams.values())
        for stop in stops:
            stop.set()
        self.clock.wake()

    def _open(self, client: str, stop: threading.Event) -> None:
        with self._lock:
            if self._closed:
                raise ApiError(503, "the light is stopping")
            before = self._streams.pop(client, None)
            if before is None and len(self._streams) >= self.max_streams:
                raise ApiError(503, f"{self.max_streams} previews are playing already; close one and try again")
            self._streams[client] = stop
        if before is not None:  # this client's earlier preview ends: one stream a client
            before.set()
            self.clock.wake()

    def _close(self, client: str, stop: threading.Event) -> None:
        with self._lock:
            if self._streams.get(client) is stop:
                del self._streams[client]


class EventStream:
    """One preview, as the API hands it to the HTTP handler: open() for a client (ApiError when
    too many play), then play() writing events, then close() (always, once opened)."""

    content_type = "text/event-stream"

    def __init__(self, previews: Previews, renderer: Renderer, speed_x: float, from_s: float):
        self.previews = previews
        self.renderer = renderer
        self.speed_x = speed_x
        self.from_s = from_s
        self._stop = threading.Event()
        self._client: str | None = None

    def open(self, client: str) -> None:
        self.previews._open(client, self._stop)  # noqa: SLF001 - the registry and its streams work as one
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            self.previews._close(self._client, self._stop)  # noqa: SLF001
            self._client = None

    def play(self, write: Callable[[bytes], object]) -> None:
        """Write frames until the sequence ends (then END_EVENT), the stream is stopped, or a write
        fails (OSError: the client went); returns in each case."""
        thread = threading.current_thread()
        name, thread.name = thread.name, STREAM_THREAD
        source = _Faster(self.renderer.frames(), self.speed_x)
        loop = FrameLoop(_EventRing(write, source, self.renderer.pixels), _ScreenEncoding(), self.previews.clock,
                         self.previews.fps, adaptive=False)  # a screen: no dither to pace, every frame an event
        try:
            loop.play(source, self._stop, from_s=self.from_s / self.speed_x)
            if not self._stop.is_set():
                write(END_EVENT)
        except OSError:  # the client went (broken pipe, reset, a write that timed out)
            pass
        finally:
            thread.name = name


class _Faster:
    """A renderer's frames played speed_x times faster: the loop's frame source. Remembers the
    sequence time of the frame it drew last, for the event that carries it."""

    def __init__(self, frames: Frames, speed_x: float):
        self.frames = frames
        self.speed_x = speed_x
        self.duration_s = frames.duration_s / speed_x
        self.t_s = 0.0

    def frame(self, t_s: float) -> np.ndarray:
        self.t_s = min(t_s * self.speed_x, self.frames.duration_s)
        return self.frames.frame(self.t_s)


class _ScreenEncoding:
    """The loop's pipeline for a screen: sRGB hex, no LED white balance, power limit or dither."""

    def process(self, linear_rgb: np.ndarray) -> str:
        return srgb_codes(linear_rgb).tobytes().hex()


class _EventRing:
    """The loop's output: each frame shown is one event written to the client."""

    channels = 3
    pixel_order = "RGB"

    def __init__(self, write: Callable[[bytes], object], source: _Faster, pixels: int):
        self.write = write
        self.source = source
        self.pixel_count = pixels

    def show(self, rgb_hex: str) -> None:
        data = json.dumps({"t_s": round(self.source.t_s, 2), "rgb": rgb_hex}, separators=(",", ":"))
        self.write(f"data: {data}\n\n".encode("ascii"))

    def close(self) -> None:
        pass
