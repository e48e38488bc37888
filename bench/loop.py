"""Group 2: the real-time loop as it runs in production: the Player's thread driving the real
FrameLoop at 200 fps into a NullOutput, then the Player idle.

What plays is a tour of storm-to-firelight at its real 30 minutes and real speed: an equal
slice from the middle of each of its seven phases, one after another (cross-fades are left
out: they are about 4% of the real sequence; their cost is in frame_cost). The loop is the
production one; the only additions are that it keeps every frame's lateness (as the loop
offers for benchmarks) and that the output notes when it was first and last shown a frame.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from bench.stats import percentile, r
from device.frame_loop import FrameLoop
from device.output import NullOutput
from device.pipeline import OutputSettings, Pipeline
from device.player import Player, Program
from sequences.catalog import load_builtin
from sequences.engine import Renderer

FPS = 200.0
PIXELS = 24


class _Tour:
    """A FrameSource: `slices` consecutive stretches of a renderer's time, each `slice_s` long."""

    def __init__(self, renderer: Renderer, starts_s: list[float], slice_s: float):
        self.renderer = renderer
        self.starts_s = starts_s
        self.slice_s = slice_s
        self.duration_s = slice_s * len(starts_s)

    def frame(self, t_s: float) -> np.ndarray:
        index = min(int(t_s / self.slice_s), len(self.starts_s) - 1)
        return self.renderer.frame(self.starts_s[index] + t_s - index * self.slice_s)


class _TimedNullOutput(NullOutput):
    """A NullOutput that notes the monotonic time of the first and the last frame it is shown."""

    def __init__(self, pixel_count: int):
        super().__init__(pixel_count)
        self.first_s: float | None = None
        self.last_s = 0.0
        self.frames = 0

    def show(self, codes: np.ndarray) -> None:
        now = time.monotonic()
        if self.first_s is None:
            self.first_s = now
        self.last_s = now
        self.frames += 1


class _LatenessLoop(FrameLoop):
    """The production FrameLoop, asked to keep each frame's lateness (PlayStats.lateness_s)."""

    def play(self, *args, **kwargs):
        kwargs["record_lateness"] = True
        return super().play(*args, **kwargs)


def measure(quick: bool) -> dict:
    play_s = 7.0 if quick else 63.0
    idle_s = 2.0 if quick else 10.0
    renderer = Renderer(load_builtin("storm-to-firelight"), 1800.0, PIXELS)
    starts = []
    for index, placed in enumerate(renderer.placed):
        following = renderer.placed[index + 1] if index + 1 < len(renderer.placed) else None
        inner_start = placed.start_s + placed.crossfade_in_s / 2
        inner_end = placed.end_s - (following.crossfade_in_s / 2 if following else 0.0)
        starts.append((inner_start + inner_end) / 2)
    tour = _Tour(renderer, starts, play_s / len(starts))
    for t_s in np.arange(0.0, tour.duration_s, 0.5):  # build every effect's per-ring caches first
        renderer.frame(float(t_s))

    output = _TimedNullOutput(PIXELS)
    player = Player(_LatenessLoop(output, Pipeline(OutputSettings(), PIXELS), FPS)).start()
    try:
        while output.frames == 0:  # the player's first act is to blank the ring
            time.sleep(0.01)
        output.first_s, output.frames = None, 0
        ended = threading.Event()
        last_frame = []

        def on_end() -> None:  # in the player's thread, after the last frame, before the blank
            last_frame.append(output.last_s)
            ended.set()

        cpu_start, wall_start = time.process_time(), time.monotonic()
        player.play(Program(tour, label="bench", on_end=on_end))
        if not ended.wait(play_s + 30.0):
            raise RuntimeError("the player did not finish the benchmark's program")
        cpu_end, wall_end = time.process_time(), time.monotonic()
        stats = player.last_stats  # set before on_end is called
        while player.state.mode != "idle":
            time.sleep(0.01)
        time.sleep(0.2)
        idle_frames = output.frames
        idle_cpu_start, idle_wall_start = time.process_time(), time.monotonic()
        time.sleep(idle_s)
        idle_cpu, idle_wall = time.process_time() - idle_cpu_start, time.monotonic() - idle_wall_start
        idle_mode = player.state.mode
        idle_frames = output.frames - idle_frames
    finally:
        player.shutdown()

    lateness_ms = np.asarray(stats.lateness_s) * 1000.0
    shown_span_s = last_frame[0] - output.first_s
    # The sequence clock against the wall clock: from the first frame shown to the last, the
    # sequence advanced last_t_s (the first frame is at t = 0); the wall clock advanced shown_span_s.
    drift_ms = (shown_span_s - stats.last_t_s) * 1000.0
    return {
        "sequence": "storm-to-firelight at 1800 s, a slice from the middle of each phase in turn",
        "fps": FPS, "pixels": PIXELS,
        "played_s": r(wall_end - wall_start, 2),
        "frames_shown": stats.shown, "frames_expected": int(round(tour.duration_s * FPS)) + 1,
        "dropped_frames": stats.dropped,
        "lateness_p50_ms": r(percentile(lateness_ms, 50), 4),
        "lateness_p99_ms": r(percentile(lateness_ms, 99), 4),
        "lateness_max_ms": r(float(lateness_ms.max()), 4),
        "late_over_0_5_ms_frames": int((lateness_ms > 0.5).sum()),
        "last_frame_t_s": r(stats.last_t_s, 4),
        "wall_first_to_last_frame_s": r(shown_span_s, 4),
        "drift_ms": r(drift_ms, 4),
        "start_latency_ms": r((output.first_s - wall_start) * 1000.0, 3),
        "playing_cpu_percent": r(100.0 * (cpu_end - cpu_start) / (wall_end - wall_start), 3),
        "idle_cpu_percent": r(100.0 * idle_cpu / idle_wall, 4),
        "idle_s": r(idle_wall, 2),
        "idle_mode": idle_mode,
        "idle_frames_shown": idle_frames,
    }
