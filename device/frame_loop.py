"""The real-time frame loop: frames at absolute deadlines on the monotonic clock.

Frame k is due at start + k / fps and shows the sequence at from_s + k / fps: time comes from
the deadline, never from counting frames shown, so a late or dropped frame never shifts the
sequence. Deadlines that pass before their frame could be started are dropped, not queued.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from device.clock import Clock
from device.output import PixelOutput
from device.pipeline import Pipeline

DEFAULT_FPS = 200.0
MAX_FPS = 400.0  # a WS2812B refreshes its PWM at about 400 Hz: faster frames buy nothing


class FrameSource(Protocol):
    """What the loop plays: linear RGB frames as a function of time (renderer.frames(): a Renderer with
    this caller's own scratch memory)."""

    duration_s: float

    def frame(self, t_s: float) -> np.ndarray: ...


@dataclass
class PlayStats:
    """What one play did. lateness_s is kept only when asked for (benchmarks)."""

    shown: int = 0
    dropped: int = 0
    last_t_s: float = 0.0
    lateness_s: list[float] = field(default_factory=list)


class FrameLoop:
    """Paces frames from a source through the pipeline to an output."""

    def __init__(self, output: PixelOutput, pipeline: Pipeline, clock: Clock, fps: float = DEFAULT_FPS):
        """Frames at `fps` on `clock`'s monotonic time (the real clock, the simulator's, a test's)."""
        self.output = output
        self.pipeline = pipeline
        self.last_shown_s = clock.monotonic()  # when a frame last went out (the watchdog's evidence)
        self.period_s = 1.0 / _checked_fps(fps)
        self.clock = clock
        self._blank = np.zeros((output.pixel_count, output.channels), dtype=np.uint8)

    def blank(self) -> None:
        """Show a dark ring and forget dither state (so the next light starts clean)."""
        self.pipeline.ditherer.reset()
        self.output.show(self._blank)
        self.last_shown_s = self.clock.monotonic()

    def play(self, source: FrameSource, interrupt: threading.Event, from_s: float = 0.0,
             until_s: float | None = None, record_lateness: bool = False, fps: float | None = None,
             on_first_frame: Callable[[], None] | None = None) -> PlayStats:
        """Show `source` from sequence time from_s until until_s (default: its end), or until
        `interrupt` is set, at `fps` (default: the loop's). The last frame shown is the one at
        until_s itself. `on_first_frame` is called once the first frame has gone out."""
        end_s = source.duration_s if until_s is None else until_s
        period_s = self.period_s if fps is None else 1.0 / _checked_fps(fps)
        stats = PlayStats()
        start = self.clock.monotonic()
        k = 0
        while True:
            now = self.clock.monotonic()
            if now > start + (k + 1) * period_s:
                # Deadlines already passed are dropped, not caught up: go to the next one ahead.
                next_k = math.floor((now - start) / period_s) + 1
                stats.dropped += next_k - k
                k = next_k
            t_s = min(from_s + k * period_s, end_s)
            frame = self.pipeline.process(source.frame(t_s))
            deadline = start + min(k * period_s, end_s - from_s)  # the last frame is due at the end itself
            if self.clock.monotonic() < deadline and self._wait_until(deadline, interrupt):
                break
            if interrupt.is_set():
                break
            # A frame whose rendering ran past its deadline is still shown, late: dropping it
            # too would let a slow renderer show nothing at all.
            self.output.show(frame)
            self.last_shown_s = self.clock.monotonic()
            if stats.shown == 0 and on_first_frame is not None:
                on_first_frame()
            if record_lateness:
                stats.lateness_s.append(self.clock.monotonic() - deadline)
            stats.shown += 1
            stats.last_t_s = t_s
            if t_s >= end_s:
                break
            k += 1
        return stats

    def _wait_until(self, deadline: float, interrupt: threading.Event) -> bool:
        """Sleep until `deadline` on the loop's clock; True if interrupted first. Whoever sets
        `interrupt` wakes the clock, so the wait ends at once."""
        while not interrupt.is_set():
            left_s = deadline - self.clock.monotonic()
            if left_s <= 0:
                return False
            self.clock.sleep(left_s, until=interrupt.is_set)
        return True


def _checked_fps(fps: float) -> float:
    if not 1.0 <= fps <= MAX_FPS:
        raise ValueError(f"fps {fps:g} is outside 1-{MAX_FPS:g}")
    return fps
