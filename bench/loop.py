"""Group 2: the real-time loop as it runs in production: the Player's thread driving the real
FrameLoop (up to 200 fps, paced by the light) into a NullOutput, then the Player idle.

What plays, on the real clock at real speed, is a tour of storm-to-firelight at its real 30
minutes: TOUR_SLICES equal slices spread evenly over it (one every 86 s of light, cross-fades
and all), one after another, so its CPU is that of a second of the sunrise's light at real speed,
sampled; then one fixed frame. The loop is the production one; the only additions are that it
keeps every frame's lateness (as the loop offers for benchmarks) and that the output notes when
it was first shown a frame (the player's on_end says when the last one was).

CPU per second of light: the whole 30-minute sunrise (storm-to-firelight), every phase and
cross-fade, played by the same player and loop on a clock running SUNRISE_SPEED_X times real time,
at 200 / SUNRISE_SPEED_X frames a second of light (as the simulator plays it): the real sleeping and
waking, 200 frames a real second at most, real rendering. Each real second is a minute of light
with the wake-ups and the pipeline's work of a real second, so CPU per real second stands for CPU
per second of light at real speed. It errs high: frames 0.3 s of light apart are each rendered
(none is interpolated between keyframes), and light that moves 60 times faster is paced faster.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from bench.shown import ConstantFrame
from bench.stats import percentile, r
from device.clock import RealClock
from device.frame_loop import FrameLoop
from device.output import NullOutput
from device.pipeline import OutputSettings, Pipeline
from device.player import Player, Program
from sequences.catalog import load_builtin
from sequences.engine import Renderer

FPS = 200.0
PIXELS = 24
TOUR_SLICES = 21
SUNRISE = "storm-to-firelight"
SUNRISE_S = 1800.0
SUNRISE_SPEED_X = 60.0


class _Tour:
    """A FrameSource: `slices` consecutive stretches of a renderer's time, each `slice_s` long."""

    def __init__(self, renderer: Renderer, starts_s: list[float], slice_s: float):
        self.frames = renderer.frames()  # the player's thread draws in it; nothing else does
        self.starts_s = starts_s
        self.slice_s = slice_s
        self.duration_s = slice_s * len(starts_s)

    def frame(self, t_s: float) -> np.ndarray:
        index = min(int(t_s / self.slice_s), len(self.starts_s) - 1)
        return self.frames.frame(self.starts_s[index] + t_s - index * self.slice_s)


class _TimedNullOutput(NullOutput):
    """A NullOutput that counts the frames written to it and notes the monotonic time (s) of the
    first one written since `first_s` was last set to None."""

    def __init__(self, pixel_count: int):
        super().__init__(pixel_count)
        self.first_s: float | None = None
        self.frames = 0

    def show(self, codes: np.ndarray) -> None:
        if self.first_s is None:
            self.first_s = time.monotonic()
        self.frames += 1


class _LatenessLoop(FrameLoop):
    """The production FrameLoop, asked to keep each frame's lateness (PlayStats.lateness_s)."""

    def play(self, *args, **kwargs):
        kwargs["record_frames"] = True
        return super().play(*args, **kwargs)


class _FastClock(RealClock):
    """The real clock's sleeping (the way production sleeps), with its time running speed_x times faster."""

    def __init__(self, speed_x: float):
        super().__init__()
        self.speed_x = speed_x
        self._origin_s = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._origin_s) * self.speed_x

    def sleep(self, duration_s: float, until=None) -> None:
        super().sleep(duration_s / self.speed_x, until)


def _play(player: Player, source, timeout_s: float, from_s: float = 0.0, until_s: float | None = None,
          fps: float | None = None) -> dict:
    """Play `source` from from_s to until_s (s of its time; None: its end) at fps (None: the loop's
    own) on the running player, and wait, at most timeout_s of real time, for it to end and the
    player to go idle: its stats, CPU and wall times (s), the monotonic time it was started and
    that of its last frame."""
    ended = threading.Event()
    last_frame = []

    def on_end() -> None:  # in the player's thread, just after the last frame (written or not), before the blank
        last_frame.append(time.monotonic())
        ended.set()

    cpu_start, wall_start = time.process_time(), time.monotonic()
    player.play(Program(source, from_s, until_s, label="bench", on_end=on_end, fps=fps))
    if not ended.wait(timeout_s):
        raise RuntimeError("the player did not finish the benchmark's program")
    cpu, wall = time.process_time() - cpu_start, time.monotonic() - wall_start
    stats = player.last_stats  # set before on_end is called
    _wait_idle(player)
    return {"stats": stats, "cpu_s": cpu, "wall_s": wall, "start_s": wall_start, "last_s": last_frame[0]}


def sleep_only_lateness_ms(seconds: float) -> np.ndarray:
    """Each wake-up's lateness (ms) of a loop that does nothing but sleep to 5 ms deadlines: this
    machine's own, against which the frame loop's is to be read (a shared machine's is most of it)."""
    start = time.monotonic()
    lateness = []
    for k in range(1, int(seconds * FPS) + 1):
        deadline = start + k / FPS
        left_s = deadline - time.monotonic()
        if left_s > 0:
            time.sleep(left_s)
        lateness.append(time.monotonic() - deadline)
    return np.asarray(lateness) * 1000.0


def _wait_idle(player: Player, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while player.state.mode != "idle" and time.monotonic() < deadline:
        time.sleep(0.01)


def sunrise(quick: bool) -> dict:
    """CPU per second of light over the whole sunrise at SUNRISE_SPEED_X (the module's docstring), as
    cpu_percent_of_a_core: CPU seconds per real second, each real second a second of light's work;
    quick: its first and last 3 minutes only."""
    renderer = Renderer(load_builtin(SUNRISE), SUNRISE_S, PIXELS)
    parts = [(0.0, 180.0), (SUNRISE_S - 180.0, SUNRISE_S)] if quick else [(0.0, SUNRISE_S)]
    clock = _FastClock(SUNRISE_SPEED_X)
    player = Player(FrameLoop(NullOutput(PIXELS), Pipeline(OutputSettings(), PIXELS), clock, FPS)).start()
    cpu_s = wall_s = light_s = 0.0
    shown = written = 0
    try:
        for from_s, until_s in parts:
            played = _play(player, renderer.frames(), (until_s - from_s) / SUNRISE_SPEED_X + 30.0,
                           from_s=from_s, until_s=until_s, fps=FPS / SUNRISE_SPEED_X)
            cpu_s += played["cpu_s"]
            wall_s += played["wall_s"]
            light_s += until_s - from_s
            shown += played["stats"].shown
            written += played["stats"].written
    finally:
        player.shutdown()
    return {
        "sequence": f"{SUNRISE} at {SUNRISE_S:g} s" + (", its first and last 3 minutes" if quick else ", all of it"),
        "speed_x": SUNRISE_SPEED_X, "light_s": r(light_s, 1), "played_s": r(wall_s, 2),
        "cpu_percent_of_a_core": r(100.0 * cpu_s / wall_s, 3),
        "frames_shown_per_real_s": r(shown / wall_s, 1),
        "frames_written_per_real_s": r(written / wall_s, 1),
    }


def measure(quick: bool) -> dict:
    play_s = 7.0 if quick else 63.0
    baseline_s = 1.5 if quick else 5.0
    idle_s = 2.0 if quick else 10.0
    renderer = Renderer(load_builtin(SUNRISE), SUNRISE_S, PIXELS)
    slices = 7 if quick else TOUR_SLICES
    starts = [(index + 0.5) * renderer.duration_s / slices for index in range(slices)]
    tour = _Tour(renderer, starts, play_s / slices)
    constant = ConstantFrame(renderer.frame(starts[0]), baseline_s)  # the night sky: dim, at the full rate

    output = _TimedNullOutput(PIXELS)
    player = Player(_LatenessLoop(output, Pipeline(OutputSettings(), PIXELS), RealClock(), FPS)).start()
    try:
        deadline = time.monotonic() + 10.0
        while output.frames == 0 and time.monotonic() < deadline:  # the player's first act: blank the ring
            time.sleep(0.01)
        sleep_only_ms = sleep_only_lateness_ms(2.0 if quick else 5.0)
        output.first_s = None  # the tour's first frame
        played = _play(player, tour, tour.duration_s + 30.0)
        tour_first_s = output.first_s
        baseline = _play(player, constant, constant.duration_s + 30.0)
        time.sleep(0.2)
        idle_frames = output.frames
        idle_cpu_start, idle_wall_start = time.process_time(), time.monotonic()
        time.sleep(idle_s)
        idle_cpu, idle_wall = time.process_time() - idle_cpu_start, time.monotonic() - idle_wall_start
        idle_mode = player.state.mode
        idle_frames = output.frames - idle_frames
    finally:
        player.shutdown()

    stats = played["stats"]
    lateness_ms = np.asarray(stats.lateness_s) * 1000.0
    shown_span_s = played["last_s"] - tour_first_s
    # Drift: the sequence clock running away from the wall clock, which would show as lateness
    # growing over the run (a frame's sequence time comes from its deadline). One frame's jitter
    # is not drift (the lateness figures hold it), so the drift is the median lateness of the
    # last second's frames less that of the first second's, not the last frame's less the first's.
    shown_t_s = np.asarray(stats.shown_t_s)
    first_second = shown_t_s <= shown_t_s[0] + 1.0
    last_second = shown_t_s >= shown_t_s[-1] - 1.0
    drift_ms = float(np.median(lateness_ms[last_second]) - np.median(lateness_ms[first_second]))
    baseline_stats = baseline["stats"]
    return {
        "sequence": f"{SUNRISE} at {SUNRISE_S:g} s, {slices} slices spread evenly over it, in turn",
        "fps": FPS, "pixels": PIXELS,
        "played_s": r(played["wall_s"], 2),
        "frames_shown": stats.shown, "frames_written": stats.written,
        "frames_at_the_full_rate": int(round(tour.duration_s * FPS)) + 1,
        "dropped_frames": stats.dropped,
        "lateness_p50_ms": r(percentile(lateness_ms, 50), 4),
        "lateness_p99_ms": r(percentile(lateness_ms, 99), 4),
        "lateness_max_ms": r(float(lateness_ms.max()), 4),
        "late_over_0_5_ms_frames": int((lateness_ms > 0.5).sum()),
        "sleep_only_lateness_p50_ms": r(percentile(sleep_only_ms, 50), 4),
        "sleep_only_lateness_p99_ms": r(percentile(sleep_only_ms, 99), 4),
        "last_frame_t_s": r(stats.last_t_s, 4),
        "wall_first_to_last_frame_s": r(shown_span_s, 4),
        "drift_ms": r(drift_ms, 4),
        "start_latency_ms": r((tour_first_s - played["start_s"]) * 1000.0, 3),
        "playing_cpu_percent": r(100.0 * played["cpu_s"] / played["wall_s"], 3),
        "playing_cpu_us_per_frame": r(1e6 * played["cpu_s"] / max(stats.shown, 1), 1),
        # The same player, loop and pipeline showing one fixed dim frame, at the full rate: what
        # playing costs before any rendering (the waits and wake-ups, the dither, the loop's own).
        "constant_frame_cpu_percent": r(100.0 * baseline["cpu_s"] / baseline["wall_s"], 3),
        "constant_frame_cpu_us_per_frame": r(1e6 * baseline["cpu_s"] / max(baseline_stats.shown, 1), 1),
        "constant_frame_lateness_p99_ms": r(percentile(np.asarray(baseline_stats.lateness_s) * 1000.0, 99), 4),
        "idle_cpu_percent": r(100.0 * idle_cpu / idle_wall, 4),
        "idle_s": r(idle_wall, 2),
        "idle_mode": idle_mode,
        "idle_frames_shown": idle_frames,
        "sunrise": sunrise(quick),
    }
