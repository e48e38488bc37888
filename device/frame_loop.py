"""The real-time frame loop: frames at absolute deadlines on the monotonic clock.

Frame k is due at start + k / fps and shows the sequence at from_s + k / fps: time comes from
the deadline, never from counting frames shown, so a late or dropped frame never shifts the
sequence. Deadlines that pass before their frame could be started are dropped, not queued.

Not every deadline gets a frame: device/pacing.py picks, from each frame's light, how many of the
loop's periods may pass before the next (the full rate only where dithering needs it, or where the
light moves fast), and interpolates between keyframes. Frames are made a few at a time, just after
a wake-up, up to RUN_PERIODS ahead: the work of a frame costs several times more on a cold cache
after a sleep than just after another frame, and interpolated frames are dithered a run at a time
(device/dither.py). Each wake-up then only writes a frame made already, so it goes out on time.
Frames made ahead are made again if the pipeline is retuned (the brightness changed) before
they are shown, so a change shows at the next frame however far ahead they were made. A frame
whose bytes are those the LEDs already show is not written again, except every REFRESH_S.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from device.clock import Clock
from device.output import PixelOutput
from device.pacing import RUN_FRAMES, RUN_PERIODS, FrameMaker
from device.pipeline import Pipeline

DEFAULT_FPS = 200.0
MAX_FPS = 400.0  # a WS2812B refreshes its PWM at about 400 Hz: faster frames buy nothing
FIRST_RUN_FRAMES = 4  # the first run is this short, until what a frame costs this machine is known
MAKE_MARGIN_S = 0.001  # making ahead stops this long before the next frame is due, so that it goes out on time
# An unchanged frame is written again this often: the watchdog's evidence that writes still go
# out (MAX_SILENCE_S is 5 s), and LEDs upset by a glitch on the data line are put right.
REFRESH_S = 1.0


class FrameSource(Protocol):
    """What the loop plays: linear RGB frames as a function of time (renderer.frames(): a Renderer with
    this caller's own scratch memory). The loop keeps a frame past the next call (keyframes, the
    last frame for its motion), so a source never draws in a frame it has returned again (it may
    return the same unchanging frame every time)."""

    duration_s: float

    def frame(self, t_s: float) -> np.ndarray: ...


@dataclass
class PlayStats:
    """What one play did: frames shown (their deadline came), of which `written` went to the LEDs
    (the rest were the bytes already there), and frames dropped (made, or due, too late to show).
    Only when asked for (benchmarks, tests): each frame's lateness and its sequence time."""

    shown: int = 0
    written: int = 0
    dropped: int = 0
    last_t_s: float = 0.0
    lateness_s: list[float] = field(default_factory=list)
    shown_t_s: list[float] = field(default_factory=list)


class FrameLoop:
    """Paces frames from a source through the pipeline to an output."""

    def __init__(self, output: PixelOutput, pipeline: Pipeline, clock: Clock, fps: float = DEFAULT_FPS,
                 adaptive: bool = True):
        """Frames at up to `fps` on `clock`'s monotonic time (the real clock, the simulator's, a
        test's). `adaptive` False: a frame at every deadline, each rendered exactly just before it
        and written (exports, which average what the LEDs are shown frame by frame; the phone
        page's previews, whose output reads the source's time as each frame is shown)."""
        self.output = output
        self.pipeline = pipeline
        self.last_shown_s = clock.monotonic()  # when a frame last went out (the watchdog's evidence)
        self.period_s = 1.0 / _checked_fps(fps)
        self.clock = clock
        self.adaptive = adaptive
        self._blank = np.zeros((output.pixel_count, output.channels), dtype=np.uint8)
        self._written: bytes | None = None  # the bytes the LEDs show, as far as the loop knows
        self._make_s_per_frame: float | None = None  # what a frame of a run has cost to make, lately
        self._made_with: np.ndarray | None = None  # the pipeline's gains when the frames ahead were made

    def blank(self) -> None:
        """Show a dark ring and forget dither state (so the next light starts clean)."""
        self.pipeline.ditherer.reset()
        self._written = None
        self.output.show(self._blank)
        self._written = self._blank.tobytes()
        self.last_shown_s = self.clock.monotonic()

    def play(self, source: FrameSource, interrupt: threading.Event, from_s: float = 0.0,
             until_s: float | None = None, record_frames: bool = False, fps: float | None = None,
             on_first_frame: Callable[[], None] | None = None) -> PlayStats:
        """Show `source` from sequence time from_s until until_s (default: its end), or until
        `interrupt` is set, at up to `fps` (default: the loop's). The last frame shown is the one
        at until_s itself. `on_first_frame` is called once the first frame has gone out;
        `record_frames` keeps each frame's lateness and time in the stats."""
        end_s = source.duration_s if until_s is None else until_s
        period_s = self.period_s if fps is None else 1.0 / _checked_fps(fps)
        maker = FrameMaker(source, self.pipeline, period_s, self.adaptive)
        clock = self.clock
        stats = PlayStats()
        queue: deque[tuple[float, float, np.ndarray, int]] = deque()  # (deadline, t_s, codes, k), made ahead
        start = clock.monotonic()
        k = 0  # the next frame to make is due at start + k * period_s
        made_last = False
        while True:
            if queue and self._retuned():  # since they were made
                k, made_last = queue[0][3], False
                queue.clear()
            if not queue:
                if made_last:
                    break
                now = clock.monotonic()
                if now > start + (k + 1) * period_s:
                    # Deadlines already passed are dropped, not caught up: go to the next one ahead.
                    next_k = math.floor((now - start) / period_s) + 1
                    stats.dropped += max(1, (next_k - k) // maker.stride)
                    k = next_k
                made_last, k = self._make_ahead(maker, queue, start, k, from_s, end_s, period_s)
            deadline, t_s, codes, _ = queue[0]
            if self._wait_until(deadline, interrupt):
                break
            if self._retuned():
                continue  # while waiting: made again, at once
            queue.popleft()
            while queue and clock.monotonic() >= queue[0][0]:  # woken so late that the next is due too
                deadline, t_s, codes, _ = queue.popleft()
                stats.dropped += 1
            # A frame whose making ran past its deadline is still shown, late: dropping it too
            # would let a slow renderer show nothing at all.
            self._show(codes, stats)
            if stats.shown == 0 and on_first_frame is not None:
                on_first_frame()
            if record_frames:
                stats.lateness_s.append(clock.monotonic() - deadline)
                stats.shown_t_s.append(t_s)
            stats.shown += 1
            stats.last_t_s = t_s
            # In the slack before the next frame: a keyframe for the run after those made.
            if queue and not made_last and clock.monotonic() < queue[0][0] - MAKE_MARGIN_S:
                maker.prepare(from_s + k * period_s, end_s)
        return stats

    def _make_ahead(self, maker: FrameMaker, queue: deque, start: float, k: int, from_s: float, end_s: float,
                    period_s: float) -> tuple[bool, int]:
        """Make frames from grid index k on into `queue`, until the first of them is nearly due (within
        MAKE_MARGIN_S), or they reach RUN_PERIODS ahead, or the last (at end_s) is made; not
        adaptive, one. A run of frames (FrameMaker.make) is all made before its first is due: it
        is cut to the frames this machine makes in half the time left, by what a frame has cost
        (so a slower Pi makes shorter runs, and each still goes out on time). (made the last, next k)."""
        first_k = k
        clock = self.clock
        if self.adaptive:  # read before the frames are made: a retune during them shows after
            self._made_with = self.pipeline.gains

        def due_s(k: int) -> float:
            return start + min(k * period_s, end_s - from_s)  # the last is due at the end itself

        while True:
            t_s = min(from_s + k * period_s, end_s)
            last = t_s >= end_s
            began_s = clock.monotonic()
            first_due_s = queue[0][0] if queue else due_s(k)
            frame_s = self._make_s_per_frame
            max_frames = (FIRST_RUN_FRAMES if frame_s is None else RUN_FRAMES if frame_s <= 0.0
                          else int(0.5 * (first_due_s - began_s - MAKE_MARGIN_S) / frame_s))
            frames = maker.make(t_s, exact=last, before_s=end_s, max_frames=max_frames)
            if len(frames) > 1:  # a run's cost a frame, smoothed: it varies with the light and the machine's load
                took_s = (clock.monotonic() - began_s) / len(frames)
                self._make_s_per_frame = took_s if frame_s is None else 0.8 * frame_s + 0.2 * took_s
            for codes in frames:
                queue.append((due_s(k), min(from_s + k * period_s, end_s), codes, k))
                k += maker.stride
            if last:
                return True, k
            if (not self.adaptive or k - first_k >= RUN_PERIODS
                    or clock.monotonic() >= queue[0][0] - MAKE_MARGIN_S):  # the first made is nearly due
                return False, k

    def _retuned(self) -> bool:
        """Whether the pipeline was retuned since the frames made ahead were made (a loop that is not
        adaptive makes each frame just before it is due, through a pipeline that may have no gains)."""
        return self.adaptive and self.pipeline.gains is not self._made_with

    def _show(self, codes: np.ndarray, stats: PlayStats) -> None:
        written = codes.tobytes() if self.adaptive else None
        if (written is None or written != self._written
                or self.clock.monotonic() - self.last_shown_s >= REFRESH_S):
            self._written = None  # unknown until the write has gone through
            self.output.show(codes)
            self._written = written
            self.last_shown_s = self.clock.monotonic()
            stats.written += 1

    def _wait_until(self, deadline: float, interrupt: threading.Event) -> bool:
        """Sleep until `deadline` on the loop's clock (not at all if it has passed); True if
        interrupted first. Whoever sets `interrupt` wakes the clock, so the wait ends at once."""
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
