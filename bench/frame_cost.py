"""Group 1: what one frame costs, made as the frame loop makes it (device/pacing.py: rendered, or
interpolated between keyframes; power limit and dither; packed to wire bytes), beside
adafruit_led_animation's Pulse drawing the same number of pixels on a PixelBuf that sends nothing.

The loop makes interpolated frames in runs, dithered together (device/pacing.py, device/dither.py):
a run's cost is shared evenly among its frames, which is what each costs the CPU, bar the keyframes
it loads (renders and paces): each load is charged to the first frame that needed it, as if the
frames were made one by one. A frame made alone (rendered) costs all of its call.

Our frames come from storm-to-firelight at 30 minutes. The target's p50 is over every frame of it,
in one play (whole_sequence: 100 000 frames, about 8 s). For the figures by phase and by ring
size: a window of the loop's frames at up to 200 fps in each phase (two mid-phase) and one across
each cross-fade (two effects and an OKLab blend at each keyframe: the dearest frames of the
sequence), each window played into from a second before it, so the dither, the keyframes and the
effects' caches are as in play. A window holds the frames the loop would make in it: every 5 ms
where the light is dim or moves, fewer above; its edges cut none of the loop's runs (a run that
crosses one costs what it costs in play).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bench.stats import percentile, r, wire_time_us
from device.output import wire_bytes
from device.pacing import KEYFRAME_S, FrameMaker
from device.pipeline import OutputSettings, Pipeline
from sequences.catalog import load_builtin
from sequences.engine import Renderer

SEQUENCE = "storm-to-firelight"
SEQUENCE_S = 1800.0
FPS = 200.0
ORDER = "GRB"
PULSE_MIN_CALLS = 50  # Pulse frames timed after each window, at least
PULSE_COLOUR = (255, 147, 41)  # a warm white, as a wake light would pulse


class MissingDependency(Exception):
    """adafruit_led_animation (or adafruit_pixelbuf) is not installed."""


def import_led_animation():
    """(PixelBuf, Pulse, the animation modules whose clock we set), or MissingDependency."""
    try:
        import adafruit_pixelbuf
        from adafruit_led_animation import animation as animation_module
        from adafruit_led_animation import pulse_generator
        from adafruit_led_animation.animation.pulse import Pulse
    except ImportError as error:
        raise MissingDependency(
            f"the frame-cost comparison needs adafruit-circuitpython-led-animation ({error.name or error} "
            "is missing): pip install 'adafruit-circuitpython-led-animation>=2.12'") from None
    return adafruit_pixelbuf.PixelBuf, Pulse, (animation_module, pulse_generator)


@dataclass
class Window:
    phase: str  # the phase's name, or "crossfade:<into phase>"
    start_s: float


def windows(renderer: Renderer) -> list[Window]:
    found = []
    for index, placed in enumerate(renderer.placed):
        half_in = placed.crossfade_in_s / 2
        following = renderer.placed[index + 1] if index + 1 < len(renderer.placed) else None
        half_out = following.crossfade_in_s / 2 if following else 0.0
        inner_start, inner_end = placed.start_s + half_in, placed.end_s - half_out
        for share in (0.3, 0.7):
            found.append(Window(placed.phase.name, inner_start + (inner_end - inner_start) * share))
        if index and placed.crossfade_in_s > 0:
            found.append(Window(f"crossfade:{placed.phase.name}", placed.start_s - half_in / 2))
    return found


class _TimedDither:
    """Wraps a pipeline's ditherer's quantise_run(), noting how long each call took (a frame's cost in parts)."""

    def __init__(self, pipeline: Pipeline):
        self.quantise_run = pipeline.ditherer.quantise_run
        self.last_ns = 0
        pipeline.ditherer.quantise_run = self  # this pipeline's only: an attribute of its own ditherer

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        start = time.perf_counter_ns()
        out = self.quantise_run(codes)
        self.last_ns = time.perf_counter_ns() - start
        return out


class _TimedLoads:
    """Wraps a maker's keyframe loading (_load_pair: its renders, and the pair's pacing), noting
    how long each took, and for which keyframe step, since the last call to charged()."""

    def __init__(self, maker: FrameMaker):
        self._load_pair = maker._load_pair
        self.loads: list[tuple[int, int]] = []  # (keyframe step, ns)
        maker._load_pair = self  # this maker's only: an attribute of its own

    def __call__(self, n: int) -> None:
        start = time.perf_counter_ns()
        self._load_pair(n)
        self.loads.append((n, time.perf_counter_ns() - start))

    def charged(self, t_s: float, stride: int, frames: int) -> list[float]:
        """Each of the run's frames' share of the loads since the last call (the run's frames from
        t_s on at `stride`): a load falls on the first frame at its keyframe step, the one made
        one by one would have waited for it (the last frame, for a pair the run stopped at)."""
        steps = np.floor((t_s + stride / FPS * np.arange(frames)) / KEYFRAME_S)
        charged = [0.0] * frames
        for n, ns in self.loads:
            charged[min(int(np.searchsorted(steps, n)), frames - 1)] += ns
        self.loads.clear()
        return charged


class _TimedPlay:
    """One play of the sequence, as the loop starts one (its own pipeline and maker), timed frame by
    frame: each frame's cost in ns (`costs`) and its parts, for the frames counted."""

    def __init__(self, renderer: Renderer, pixels: int, from_s: float):
        self.t_s = from_s  # the next frame's sequence time
        pipeline = Pipeline(OutputSettings(), pixels)
        self.dither = _TimedDither(pipeline)
        self.maker = FrameMaker(renderer.frames(), pipeline, 1.0 / FPS)
        self.loads = _TimedLoads(self.maker)
        self.costs: list[float] = []
        self.parts: dict[str, list[float]] = {"render or interpolate, limit, pace": [], "dither": [], "pack": []}

    def play(self, count_from_s: float, until_s: float) -> None:
        """The play's frames on to until_s, counting those from count_from_s (those before make the
        dither, keyframes, caches and pace as in play). The loop's runs know nothing of these
        times: one may start before count_from_s or end after until_s (the play goes on from its
        end); only its frames between are counted."""
        clock, maker, parts = time.perf_counter_ns, self.maker, self.parts
        t_s = self.t_s
        while t_s < until_s:
            a = clock()
            run = maker.make(t_s, before_s=SEQUENCE_S)
            b = clock()
            for codes in run:
                wire_bytes(codes, ORDER)
            c = clock()
            frames = len(run)
            # A call makes a run of frames (device/pacing.py), which share its cost evenly, bar the
            # keyframes it loaded: each falls on the first frame at its keyframe step, as it would
            # if the frames were made one by one.
            keyframes = self.loads.charged(t_s, maker.stride, frames)
            rendered = sum(keyframes)
            times_s = t_s + maker.stride / FPS * np.arange(frames)
            counted = np.flatnonzero((times_s >= count_from_s) & (times_s < until_s)).tolist()
            self.costs += [(c - a - rendered) / frames + keyframes[k] for k in counted]
            parts["render or interpolate, limit, pace"] += [
                (b - a - self.dither.last_ns - rendered) / frames + keyframes[k] for k in counted]
            parts["dither"] += [self.dither.last_ns / frames] * len(counted)
            parts["pack"] += [(c - b) / frames] * len(counted)
            t_s += frames * maker.stride / FPS
        self.t_s = t_s


def _ours(pixels: int, window_s: float, pulse: _Pulse) -> dict:
    renderer = Renderer(load_builtin(SEQUENCE), SEQUENCE_S, pixels)
    by_phase: dict[str, list[float]] = {}
    parts: dict[str, list[float]] = {}
    found = windows(renderer)
    for window in found:
        played = _TimedPlay(renderer, pixels, window.start_s - 1.0)  # a play per window, from a second before it
        played.play(window.start_s, window.start_s + window_s)
        by_phase.setdefault(window.phase, []).extend(played.costs)
        for name, costs in played.parts.items():
            parts.setdefault(name, []).extend(costs)
        pulse.time(max(len(played.costs), PULSE_MIN_CALLS))  # as many Pulse frames, in turn
    made = sum(len(costs) for costs in by_phase.values())
    every = np.concatenate([np.asarray(v, dtype=float) for v in by_phase.values()]) / 1000.0
    result = {
        "frames_timed": int(every.size),
        "frames_per_second_of_light": made / (window_s * len(found)),
        "p50_us": percentile(every, 50), "p99_us": percentile(every, 99), "max_us": float(every.max()),
        "by_phase_p50_us": {name: percentile(np.asarray(v) / 1000.0, 50) for name, v in by_phase.items()},
        "by_phase_p99_us": {name: percentile(np.asarray(v) / 1000.0, 99) for name, v in by_phase.items()},
        "parts_p50_us": {name: percentile(np.asarray(v) / 1000.0, 50) for name, v in parts.items()},
    }
    if pixels == 24:
        result["render_by_effect_p50_us"] = _render_by_effect(renderer)
    return result


def whole_sequence(pixels: int = 24, slice_s: float = 60.0) -> dict:
    """Every frame the loop makes over the whole of the sequence, in one play, against Pulse (timed
    in turns, after each slice_s of the sequence, as many frames as ours): the p50 over all of
    storm-to-firelight that issue 11 asks for, each phase and cross-fade weighed by the frames it
    takes (where the windows weigh each alike)."""
    renderer = Renderer(load_builtin(SEQUENCE), SEQUENCE_S, pixels)
    played = _TimedPlay(renderer, pixels, 0.0)
    with _Pulse(pixels) as pulse:
        for end_s in np.arange(slice_s, SEQUENCE_S + slice_s, slice_s).tolist():
            before = len(played.costs)
            played.play(0.0, min(end_s, SEQUENCE_S))
            pulse.time(len(played.costs) - before)
    ours = np.asarray(played.costs) / 1000.0
    pulse_p50_us = pulse.result()["p50_us"]
    return {"frames_timed": int(ours.size), "ours_p50_us": r(percentile(ours, 50), 1),
            "pulse_p50_us": r(pulse_p50_us, 1), "ratio_ours_to_pulse_p50": r(percentile(ours, 50) / pulse_p50_us),
            "ours_p99_us": r(percentile(ours, 99), 1)}


def _render_by_effect(renderer: Renderer, frames: int = 100) -> dict:
    """What rendering one frame exactly (a keyframe) costs, by effect, and across a cross-fade."""
    clock = time.perf_counter_ns
    frame = renderer.frames().frame
    costs: dict[str, list[int]] = {}
    for window in windows(renderer):
        if window.phase.startswith("crossfade:"):
            name = "crossfade (two effects + blend)"
        else:
            name = next(p for p in renderer.placed if p.phase.name == window.phase).phase.effect.name
        for k in range(frames):
            t_s = window.start_s + k * KEYFRAME_S
            start = clock()
            frame(t_s)
            costs.setdefault(name, []).append(clock() - start)
    return {name: percentile(np.asarray(v) / 1000.0, 50) for name, v in costs.items()}


class _Pulse:
    """adafruit_led_animation's Pulse on a PixelBuf that sends nothing, on a clock of our own (5 ms
    a call: one 200 fps frame, so every call is due to draw). Timed in turns with our frames, so a
    change in the machine's speed during the run falls on both alike. A context manager: it sets
    the library's clock while in use and gives it back after."""

    def __init__(self, pixels: int):
        self.pixels = pixels
        self.costs_ns: list[int] = []
        self.calls = 0
        self.seen: set = set()

    def __enter__(self) -> "_Pulse":
        PixelBuf, Pulse, self._clocked = import_led_animation()

        class SilentPixelBuf(PixelBuf):
            def _transmit(self, buffer):  # noqa: ARG002 - nothing goes anywhere
                pass

        self._now_ms = 1_000_000
        self._saved = [module.monotonic_ms for module in self._clocked]
        for module in self._clocked:
            module.monotonic_ms = lambda: self._now_ms
        self.strip = SilentPixelBuf(self.pixels, byteorder=ORDER, brightness=1.0, auto_write=False)
        self.pulse = Pulse(self.strip, speed=1.0 / FPS, color=PULSE_COLOUR, period=2.0)
        for _ in range(10):  # warm up, as ours is
            self._now_ms += 5
            self.pulse.animate()
        self._drawn_before = self.pulse.draw_count
        return self

    def __exit__(self, *exc) -> None:
        for module, original in zip(self._clocked, self._saved):
            module.monotonic_ms = original

    def time(self, frames: int) -> None:
        clock, animate = time.perf_counter_ns, self.pulse.animate
        for _ in range(frames):
            self._now_ms += 5
            start = clock()
            animate()
            self.costs_ns.append(clock() - start)
            self.calls += 1
            if self.calls % 7 == 0:
                self.seen.add(tuple(self.strip[0]))

    def result(self) -> dict:
        costs = np.asarray(self.costs_ns, dtype=float) / 1000.0
        draws = self.pulse.draw_count - self._drawn_before
        return {"p50_us": percentile(costs, 50), "p99_us": percentile(costs, 99),
                "drew_every_call": draws == self.calls and len(self.seen) > 1, "distinct_colours_seen": len(self.seen)}


def measure(quick: bool) -> dict:
    window_s = 0.2 if quick else 0.75
    sizes = (12, 24, 60, 144)
    by_leds = {}
    for pixels in sizes:
        with _Pulse(pixels) as timed_pulse:
            ours = _ours(pixels, window_s, timed_pulse)
        pulse = timed_pulse.result()
        wire_us = wire_time_us(pixels)
        worst = max(ours["by_phase_p50_us"], key=ours["by_phase_p50_us"].get)
        entry = {
            "ours_p50_us": r(ours["p50_us"], 1), "ours_p99_us": r(ours["p99_us"], 1), "ours_max_us": r(ours["max_us"], 1),
            "pulse_p50_us": r(pulse["p50_us"], 1), "pulse_p99_us": r(pulse["p99_us"], 1),
            "ratio_ours_to_pulse_p50": r(ours["p50_us"] / pulse["p50_us"]),
            "ratio_ours_to_pulse_p99": r(ours["p99_us"] / pulse["p99_us"]),
            "wire_time_us": r(wire_us, 1),
            "share_of_wire_time_p50_percent": r(100.0 * ours["p50_us"] / wire_us, 2),
            "share_of_wire_time_p99_percent": r(100.0 * ours["p99_us"] / wire_us, 2),
            "worst_phase": worst,
            "worst_phase_p50_us": r(ours["by_phase_p50_us"][worst], 1),
            "worst_phase_p99_us": r(max(ours["by_phase_p99_us"].values()), 1),
            "by_phase_p50_us": {k: r(v, 1) for k, v in ours["by_phase_p50_us"].items()},
            "by_phase_p99_us": {k: r(v, 1) for k, v in ours["by_phase_p99_us"].items()},
            "frames_timed": ours["frames_timed"],
            "frames_per_second_of_light": r(ours["frames_per_second_of_light"], 1),
            "parts_p50_us": {k: r(v, 1) for k, v in ours["parts_p50_us"].items()},
            "pulse_drew_every_call": pulse["drew_every_call"],
        }
        if pixels == 24:
            entry["render_by_effect_p50_us"] = {k: r(v, 1) for k, v in ours["render_by_effect_p50_us"].items()}
        by_leds[str(pixels)] = entry
    return {"sequence": f"{SEQUENCE} at {SEQUENCE_S:g} s", "window_s": window_s,
            "fps": FPS, "pixel_order": ORDER, "by_leds": by_leds, "whole_sequence_24_leds": whole_sequence()}
