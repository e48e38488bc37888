"""What the LEDs show: a source played by the production frame loop (its pacing by the light,
keyframes and interpolation, frames not written again) on a clock that moves only when the loop
sleeps, as the codes the LEDs hold in each of the loop's periods (the last frame written, held).
"""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np

from device.clock import InstantClock
from device.frame_loop import FrameLoop, FrameSource
from device.output import NullOutput
from device.pipeline import Pipeline

_START = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # the light does not depend on the date


class ConstantFrame:
    """A frame source that costs nothing to render: one fixed frame at every time."""

    def __init__(self, frame: np.ndarray, duration_s: float):
        self.duration_s = duration_s
        self._frame = frame

    def frame(self, t_s: float) -> np.ndarray:  # noqa: ARG002 - the same frame at every time
        return self._frame


class _Writes(NullOutput):
    """Keeps every frame written and the clock's time it was written at."""

    def __init__(self, pixels: int, channels: int, clock: InstantClock):
        super().__init__(pixels, channels)
        self.clock = clock
        self.times: list[float] = []
        self.frames: list[np.ndarray] = []

    def show(self, codes: np.ndarray) -> None:
        self.times.append(self.clock.monotonic())
        self.frames.append(codes.copy())


class ShownLight:
    """Plays sources one after another through one pipeline (its dither state carries on, as on the
    device) on the production loop at `fps`; `play` gives the codes held in each period."""

    def __init__(self, pipeline: Pipeline, fps: float):
        self.fps = fps
        self.clock = InstantClock(_START)
        self.output = _Writes(pipeline.pixels, pipeline.channels, self.clock)
        self.loop = FrameLoop(self.output, pipeline, self.clock, fps)
        self._held = np.zeros((pipeline.pixels, pipeline.channels), dtype=np.uint8)  # before any frame: dark

    def play(self, source: FrameSource, from_s: float, until_s: float) -> np.ndarray:
        """Codes (periods, pixels, channels) the LEDs hold at from_s, from_s + 1 / fps, ... until_s."""
        self.output.times.clear()
        self.output.frames.clear()
        start = self.clock.monotonic()
        self.loop.play(source, threading.Event(), from_s, until_s)
        periods = int(round((until_s - from_s) * self.fps)) + 1
        written_at = np.rint((np.asarray(self.output.times) - start) * self.fps).astype(int)
        held = np.empty((periods, self.output.pixel_count, self.output.channels), dtype=np.uint8)
        latest = np.searchsorted(written_at, np.arange(periods), side="right") - 1  # the last write at or before
        frames = np.array(self.output.frames, dtype=np.uint8).reshape(-1, *held.shape[1:])
        held[latest >= 0] = frames[latest[latest >= 0]]
        held[latest < 0] = self._held
        self._held = held[-1]
        return held
