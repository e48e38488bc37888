"""What light to show at time t: a sequence laid out over a duration, rendered frame by frame.

`Renderer.frame(t_s)` is a pure function of t_s: per pixel, linear-light RGB floats in [0, 1],
before any brightness limit or dithering (those belong to `device/`).

A Renderer never changes once built, so any number of threads may share one. The memory a frame
is drawn in belongs to the caller: `renderer.frames()` gives a caller (the light's thread, a
viewer, an export) its own, so its frames cost no allocations and its effects keep their lookups
from one frame to the next. `renderer.frame(t_s)` alone draws the same frame in fresh memory.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sequences.colour import (LUMA_WEIGHTS, kelvin_to_linear_rgb, linear_rgb_to_oklab, lstar_to_luminance,
                             oklab_to_linear_rgb)
from sequences.easing import EASINGS, smoothstep
from sequences.effects.base import FrameInputs, clip_ufunc, ring_positions
from sequences.loader import SequenceLoadError
from sequences.tomlfile import Problem
from sequences.model import Colour, Phase, Sequence
from sequences.units import Share, format_seconds

AUTO_CROSSFADE_MAX_S = 10.0
AUTO_CROSSFADE_SHARE = 0.25  # of the shorter of the two phases it joins
_LUT_STEPS = 256


@dataclass(frozen=True)
class PlacedPhase:
    """A phase with its place on the sequence clock and what it needs precomputed."""

    phase: Phase
    start_s: float
    end_s: float
    crossfade_in_s: float  # blend window centred on start_s; 0 for the first phase or a cut
    colour_lut: np.ndarray  # (_LUT_STEPS + 1, 3): chroma from start to end colour, brightest channel 1
    # The same table as tuples of Python floats, for the per-frame path (numpy's per-call overhead
    # on three numbers is far more than the arithmetic; the floats give bit-identical results).
    colour_rows: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.colour_lut.setflags(write=False)  # shared by every caller of the renderer
        object.__setattr__(self, "colour_rows", tuple(map(tuple, self.colour_lut.tolist())))

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s


def layout(sequence: Sequence, duration_s: float | None = None) -> list[tuple[float, float]]:
    """Start and end (seconds) of each phase when the sequence plays for `duration_s`.

    Fixed-length phases keep their length; phases given as shares divide what is left in
    proportion to their percentages. With no shares, fixed phases stretch in proportion.
    """
    total_s = sequence.default_duration_s if duration_s is None else float(duration_s)
    if not math.isfinite(total_s) or total_s <= 0:
        raise _duration_error(sequence, f"duration {total_s!r} must be a positive number of seconds")
    durations = [p.duration for p in sequence.phases]
    share_total = sum(d.percent for d in durations if isinstance(d, Share))
    fixed_s = sum(d for d in durations if not isinstance(d, Share))
    if share_total:
        left_s = total_s - fixed_s
        if left_s <= 0:
            raise _duration_error(sequence, f"duration {format_seconds(total_s)} is not longer than the "
                                            f"fixed-length phases ({format_seconds(fixed_s)})")
        lengths = [left_s * d.percent / share_total if isinstance(d, Share) else d for d in durations]
    else:
        lengths = [d * total_s / fixed_s for d in durations]
    bounds, start = [], 0.0
    for length in lengths:
        bounds.append((start, start + length))
        start += length
    return bounds


def _duration_error(sequence: Sequence, message: str) -> SequenceLoadError:
    return SequenceLoadError([Problem(sequence.source, None, "", "duration", message)])


def light_rgb(colour_rgb: np.ndarray, level_lstar: float) -> np.ndarray:
    """Linear RGB of a chroma (brightest channel 1) at a level in L*, capped at full duty."""
    wanted_y = lstar_to_luminance(level_lstar)
    rgb = colour_rgb * (wanted_y / float(colour_rgb @ LUMA_WEIGHTS))
    brightest = float(rgb.max())
    return rgb / brightest if brightest > 1.0 else rgb


_LUMA_R, _LUMA_G, _LUMA_B = LUMA_WEIGHTS.tolist()


def _light_floats(r: float, g: float, b: float, level_lstar: float) -> np.ndarray:
    """`light_rgb` of one chroma given as three Python floats: the same numbers, a tenth of the time."""
    scale = lstar_to_luminance(level_lstar) / (r * _LUMA_R + g * _LUMA_G + b * _LUMA_B)
    r *= scale
    g *= scale
    b *= scale
    brightest = max(r, g, b)
    if brightest > 1.0:
        return np.array((r / brightest, g / brightest, b / brightest))
    return np.array((r, g, b))


def colour_ramp(start: Colour, end: Colour, steps: int = _LUT_STEPS) -> np.ndarray:
    """Chromas from start to end: along the blackbody curve (even in mired) when both are
    temperatures, else a straight line in OKLab. Brightest channel 1 at every step."""
    fractions = np.linspace(0.0, 1.0, steps + 1)
    if start.rgb == end.rgb:  # no fade: keep the colour exact (no round trip through OKLab)
        return np.tile(np.asarray(start.rgb, dtype=float), (steps + 1, 1))
    if start.kelvin is not None and end.kelvin is not None:
        mired = (1e6 / start.kelvin) * (1 - fractions) + (1e6 / end.kelvin) * fractions
        rgb = np.array([kelvin_to_linear_rgb(1e6 / m) for m in mired])
    else:
        # Compare colours at equal luminance so the blend moves hue and saturation only.
        ends = np.array([start.rgb, end.rgb])
        ends = ends / (ends @ LUMA_WEIGHTS)[:, None]
        lab = linear_rgb_to_oklab(ends)
        rgb = np.clip(oklab_to_linear_rgb(lab[0] * (1 - fractions[:, None]) + lab[1] * fractions[:, None]), 0, None)
    return rgb / rgb.max(axis=1, keepdims=True)


class Renderer:
    """Frames of one sequence played for `duration_s` on a ring of `pixels` LEDs."""

    def __init__(self, sequence: Sequence, duration_s: float | None = None, pixels: int = 24):
        if not 1 <= pixels <= 1024:
            raise ValueError(f"pixels must be 1-1024, not {pixels}")
        self.sequence = sequence
        self.pixels = pixels
        self.positions = ring_positions(pixels)
        bounds = layout(sequence, duration_s)
        self.duration_s = bounds[-1][1]
        self.placed: list[PlacedPhase] = []
        for index, (phase, (start_s, end_s)) in enumerate(zip(sequence.phases, bounds)):
            crossfade_s = 0.0
            if index:
                neighbour_s = min(end_s - start_s, bounds[index - 1][1] - bounds[index - 1][0])
                wanted_s = phase.crossfade_s
                if wanted_s is None:
                    wanted_s = min(AUTO_CROSSFADE_MAX_S, AUTO_CROSSFADE_SHARE * neighbour_s)
                crossfade_s = min(wanted_s, neighbour_s)
            self.placed.append(PlacedPhase(phase, start_s, end_s, crossfade_s,
                                           colour_ramp(phase.start.colour, phase.end.colour)))
        self._starts = [p.start_s for p in self.placed]
        self._last = len(self.placed) - 1
        self._no_scratch = (None,) * len(self.placed)
        for placed in self.placed:  # every effect's tables for this ring, built now: drawing only reads them
            placed.phase.effect.layout(self.positions)

    def frames(self) -> Frames:
        """This renderer's frames drawn in memory of the caller's own: one per thread that draws."""
        return Frames(self)

    def new_scratch(self) -> tuple:
        """Memory to draw this renderer's frames in (each phase's effect's scratch), for `frame`."""
        return tuple(placed.phase.effect.new_scratch(self.positions) for placed in self.placed)

    @property
    def flashes(self) -> bool:
        """True when an effect may change faster than the continuity bound, on purpose."""
        return any(p.phase.effect.flashes for p in self.placed)

    @property
    def cuts_s(self) -> list[float]:
        """Times where the file asked for a jump (crossfade = 0) between two phases."""
        return [p.start_s for p in self.placed[1:] if p.crossfade_in_s == 0.0]

    def phase_index(self, t_s: float) -> int:
        """Index of the phase playing at t_s (the first before the start, the last after the end)."""
        index = bisect.bisect_right(self._starts, t_s) - 1
        return index if 0 <= index <= self._last else (0 if index < 0 else self._last)

    def phase_at(self, t_s: float) -> Phase:
        return self.placed[self.phase_index(t_s)].phase

    def frame(self, t_s: float, scratch: tuple | None = None) -> np.ndarray:
        """Linear RGB (pixels, 3) in [0, 1] at t_s seconds from the sequence's start.

        Before 0 it shows the first light and after the end it holds the last; effects keep
        moving with t_s either way. scratch: the caller's `new_scratch()` (one thread at a time),
        or None to draw in fresh memory; the frame is the same either way.
        """
        scratch = scratch or self._no_scratch
        index = self.phase_index(t_s)
        placed = self.placed
        current = placed[index]
        half_in = current.crossfade_in_s / 2
        if index and t_s < current.start_s + half_in:
            previous = placed[index - 1]
            share = (t_s - (current.start_s - half_in)) / current.crossfade_in_s
            return self._blend(self._render(previous, scratch[index - 1], t_s),
                               self._render(current, scratch[index], t_s), share)
        if index < self._last:
            following = placed[index + 1]
            half_out = following.crossfade_in_s / 2
            if t_s >= following.start_s - half_out and half_out > 0:
                share = (t_s - (following.start_s - half_out)) / following.crossfade_in_s
                return self._blend(self._render(current, scratch[index], t_s),
                                   self._render(following, scratch[index + 1], t_s), share)
        return self._render(current, scratch[index], t_s)

    def light_at(self, t_s: float) -> np.ndarray:
        """The phase's light (linear RGB of the ring's mean) at t_s, before any effect."""
        placed = self.placed[self.phase_index(t_s)]
        return self._phase_light(placed, self._progress(placed, t_s))

    @staticmethod
    def _progress(placed: PlacedPhase, t_s: float) -> float:
        progress = (t_s - placed.start_s) / (placed.end_s - placed.start_s)
        # min(max(progress, 0.0), 1.0), spelt out: the same result without two builtin calls.
        if progress >= 0.0:
            return progress if progress <= 1.0 else 1.0
        return progress if progress != progress else 0.0  # NaN goes through, as max() and min() let it

    @staticmethod
    def _phase_light(placed: PlacedPhase, progress: float) -> np.ndarray:
        phase = placed.phase
        eased = EASINGS[phase.easing](progress)
        level = phase.start.level_lstar + (phase.end.level_lstar - phase.start.level_lstar) * eased
        position = eased * _LUT_STEPS
        step = min(int(position), _LUT_STEPS - 1)
        fraction = position - step
        # colour_lut[step] * (1 - fraction) + colour_lut[step + 1] * fraction, then light_rgb, in floats.
        keep = 1.0 - fraction
        r0, g0, b0 = placed.colour_rows[step]
        r1, g1, b1 = placed.colour_rows[step + 1]
        return _light_floats(r0 * keep + r1 * fraction, g0 * keep + g1 * fraction, b0 * keep + b1 * fraction, level)

    def _render(self, placed: PlacedPhase, effect_scratch: Any, t_s: float) -> np.ndarray:
        progress = self._progress(placed, t_s)
        inputs = FrameInputs(t_s, t_s - placed.start_s, progress, self._phase_light(placed, progress), self.positions)
        return placed.phase.effect.draw(inputs, effect_scratch)

    @staticmethod
    def _blend(before: np.ndarray, after: np.ndarray, share: float) -> np.ndarray:
        """Cross-fade in OKLab, then set the ring's light to the linear-light mix of the two.

        OKLab gives even, hue-true blends per pixel; but mixing lightness per pixel loses light
        when the two frames spread it differently (a bloom into a steady glow), so the total is
        rescaled to what a plain mix of light would give: a rising sequence never dips.
        """
        share = smoothstep(share)
        # The same arithmetic as np.clip and .mean(), called as the ufuncs they wrap (a third of the time).
        lab = linear_rgb_to_oklab(before)
        lab *= 1.0 - share
        lab_after = linear_rgb_to_oklab(after)
        lab_after *= share
        lab += lab_after
        mixed = np.maximum(oklab_to_linear_rgb(lab), 0.0)  # np.clip(x, 0, None) is np.maximum(x, 0)
        pixels = mixed.shape[0]
        wanted_y = (float(np.add.reduce(before @ LUMA_WEIGHTS)) / pixels * (1.0 - share)
                    + float(np.add.reduce(after @ LUMA_WEIGHTS)) / pixels * share)
        got_y = float(np.add.reduce(mixed @ LUMA_WEIGHTS)) / pixels
        if got_y > 1e-12:
            mixed *= wanted_y / got_y
        return clip_ufunc(mixed, 0.0, 1.0, out=mixed)


class Frames:
    """One caller's frames of a Renderer (which may be shared): the renderer's frame(t_s), drawn in
    memory only this caller uses. A frame source for the frame loop. Not for two threads at once:
    give each its own (`renderer.frames()`)."""

    def __init__(self, renderer: Renderer):
        self.renderer = renderer
        self.duration_s = renderer.duration_s
        self._scratch = renderer.new_scratch()

    def frame(self, t_s: float) -> np.ndarray:
        """renderer.frame(t_s), in this caller's memory."""
        return self.renderer.frame(t_s, self._scratch)
