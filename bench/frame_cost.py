"""Group 1: what one frame costs (render + power limit + dither + pack to wire bytes), beside
adafruit_led_animation's Pulse drawing the same number of pixels on a PixelBuf that sends nothing.

Our frames come from storm-to-firelight at 30 minutes, a window of consecutive 200 fps frames
in each phase (two mid-phase, so the dither and the effects' caches are as in play) and one
across each cross-fade (two effects and an OKLab blend: the dearest frames of the sequence).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bench.stats import percentile, r, wire_time_us
from device.output import wire_bytes
from device.pipeline import OutputSettings, Pipeline
from sequences.catalog import load_builtin
from sequences.engine import Renderer

SEQUENCE = "storm-to-firelight"
SEQUENCE_S = 1800.0
FPS = 200.0
ORDER = "GRB"
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


def _ours(pixels: int, frames_per_window: int) -> dict:
    renderer = Renderer(load_builtin(SEQUENCE), SEQUENCE_S, pixels)
    pipeline = Pipeline(OutputSettings(), pixels)
    frame, process, clock = renderer.frames().frame, pipeline.process, time.perf_counter_ns
    by_phase: dict[str, list[int]] = {}
    parts = {"render": [], "pipeline": [], "pack": []}
    render_by_phase: dict[str, list[int]] = {}
    for window in windows(renderer):
        for k in range(5):  # warm the effect's caches and the dither state
            wire_bytes(process(frame(window.start_s - (5 - k) / FPS)), ORDER)
        costs = by_phase.setdefault(window.phase, [])
        for k in range(frames_per_window):
            t_s = window.start_s + k / FPS
            start = clock()
            wire_bytes(process(frame(t_s)), ORDER)
            costs.append(clock() - start)
        if pixels == 24:  # the same frames again, part by part, to see where the time goes
            for k in range(frames_per_window):
                t_s = window.start_s + k / FPS
                a = clock()
                linear = frame(t_s)
                b = clock()
                codes = process(linear)
                c = clock()
                wire_bytes(codes, ORDER)
                d = clock()
                parts["render"].append(b - a)
                render_by_phase.setdefault(window.phase, []).append(b - a)
                parts["pipeline"].append(c - b)
                parts["pack"].append(d - c)
    every = np.concatenate([np.asarray(v, dtype=float) for v in by_phase.values()]) / 1000.0
    result = {
        "frames_timed": int(every.size),
        "p50_us": percentile(every, 50), "p99_us": percentile(every, 99), "max_us": float(every.max()),
        "by_phase_p50_us": {name: percentile(np.asarray(v) / 1000.0, 50) for name, v in by_phase.items()},
        "by_phase_p99_us": {name: percentile(np.asarray(v) / 1000.0, 99) for name, v in by_phase.items()},
    }
    if pixels == 24:
        result["parts_p50_us"] = {name: percentile(np.asarray(v) / 1000.0, 50) for name, v in parts.items()}
        effects: dict[str, list[int]] = {"crossfade (two effects + blend)": []}
        for name, costs in render_by_phase.items():
            if name.startswith("crossfade:"):
                effects["crossfade (two effects + blend)"].extend(costs)
            else:
                placed = next(p for p in renderer.placed if p.phase.name == name)
                effects.setdefault(placed.phase.effect.name, []).extend(costs)
        result["render_by_effect_p50_us"] = {name: percentile(np.asarray(v) / 1000.0, 50)
                                             for name, v in effects.items()}
    return result


def _pulse(pixels: int, frames: int) -> dict:
    PixelBuf, Pulse, clocked_modules = import_led_animation()

    class SilentPixelBuf(PixelBuf):
        def _transmit(self, buffer):  # noqa: ARG002 - nothing goes anywhere
            pass

    now_ms = [1_000_000]
    saved = [module.monotonic_ms for module in clocked_modules]
    for module in clocked_modules:
        module.monotonic_ms = lambda: now_ms[0]
    try:
        strip = SilentPixelBuf(pixels, byteorder=ORDER, brightness=1.0, auto_write=False)
        pulse = Pulse(strip, speed=1.0 / FPS, color=PULSE_COLOUR, period=2.0)
        for _ in range(10):  # warm up, as ours is
            now_ms[0] += 5
            pulse.animate()
        drawn_before = pulse.draw_count
        clock = time.perf_counter_ns
        costs = np.empty(frames)
        seen = set()
        for k in range(frames):
            now_ms[0] += 5  # 5 ms a call: one 200 fps frame, so every call is due to draw
            start = clock()
            pulse.animate()
            costs[k] = clock() - start
            if k % 7 == 0:
                seen.add(tuple(strip[0]))
        draws = pulse.draw_count - drawn_before
    finally:
        for module, original in zip(clocked_modules, saved):
            module.monotonic_ms = original
    costs /= 1000.0
    return {"p50_us": percentile(costs, 50), "p99_us": percentile(costs, 99),
            "drew_every_call": draws == frames and len(seen) > 1, "distinct_colours_seen": len(seen)}


def measure(quick: bool) -> dict:
    frames_per_window = 40 if quick else 150
    sizes = (12, 24, 60, 144)
    by_leds = {}
    for pixels in sizes:
        ours = _ours(pixels, frames_per_window)
        pulse = _pulse(pixels, 1000 if quick else 4000)
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
            "pulse_drew_every_call": pulse["drew_every_call"],
        }
        if pixels == 24:
            entry["parts_p50_us"] = {k: r(v, 1) for k, v in ours["parts_p50_us"].items()}
            entry["render_by_effect_p50_us"] = {k: r(v, 1) for k, v in ours["render_by_effect_p50_us"].items()}
        by_leds[str(pixels)] = entry
    return {"sequence": f"{SEQUENCE} at {SEQUENCE_S:g} s", "frames_per_window": frames_per_window,
            "fps": FPS, "pixel_order": ORDER, "by_leds": by_leds}
