"""Frame sources built from others: fades in and out around a sequence's renderer."""

from __future__ import annotations

import numpy as np

from device.frame_loop import FrameSource
from sequences.colour import LUMA_WEIGHTS, kelvin_to_linear_rgb

DEFAULT_FADE_S = 60.0  # an alarm's light fades out over a minute after its hold


def fade_factor(progress: float) -> float:
    """Light left after `progress` (0-1) of a fade-out: (1 - p) cubed, which falls about
    evenly in L* (L* goes roughly as the cube root of luminance), so the fade looks steady."""
    remaining = min(max(1.0 - progress, 0.0), 1.0)
    return remaining * remaining * remaining


class FadeOut:
    """`source` played as usual until fade_at_s, then faded to dark over fade_s.

    During the fade the source's clock stands still at fade_at_s unless `keep_moving`,
    so a dismissed sunrise dims without brightening further.
    """

    def __init__(self, source: FrameSource, fade_at_s: float, fade_s: float, keep_moving: bool = True):
        self.source = source
        self.fade_at_s = fade_at_s
        self.fade_s = max(fade_s, 1e-3)
        self.keep_moving = keep_moving
        self.duration_s = fade_at_s + self.fade_s

    def frame(self, t_s: float) -> np.ndarray:
        if t_s <= self.fade_at_s:
            return self.source.frame(t_s)
        progress = (t_s - self.fade_at_s) / self.fade_s
        shown_at = t_s if self.keep_moving else self.fade_at_s
        return self.source.frame(shown_at) * fade_factor(progress)


class Dark:
    """A dark ring for `duration_s` (a snooze)."""

    def __init__(self, pixels: int, duration_s: float):
        self.duration_s = duration_s
        self._frame = np.zeros((pixels, 3))

    def frame(self, t_s: float) -> np.ndarray:
        return self._frame


class Scaled:
    """`source` with all its light scaled by `factor` (0-1): the night light at a chosen level."""

    def __init__(self, source: FrameSource, factor: float):
        self.source = source
        self.factor = float(factor)
        self.duration_s = source.duration_s

    def frame(self, t_s: float) -> np.ndarray:
        return self.source.frame(t_s) * self.factor


class AtColourTemperature:
    """`source` in one colour, a blackbody's at `kelvin` (1000-6500 K), each LED keeping its own
    luminance, so the light is as bright as before in another colour (the night light at a chosen
    colour temperature). An LED that would need more than full duty for it stays at full duty."""

    def __init__(self, source: FrameSource, kelvin: float):
        self.source = source
        self.kelvin = float(kelvin)
        self.duration_s = source.duration_s
        chroma = np.array(kelvin_to_linear_rgb(self.kelvin))
        self._per_luminance = chroma / float(chroma @ LUMA_WEIGHTS)

    def frame(self, t_s: float) -> np.ndarray:
        luminance = self.source.frame(t_s) @ LUMA_WEIGHTS
        recoloured = luminance[:, None] * self._per_luminance
        return recoloured / np.maximum(recoloured.max(axis=1, keepdims=True), 1.0)


class OneLed:
    """Only LED `index` of `source` lit, the others dark: a mark on the ring (the next wake time
    at its place on a clock face)."""

    def __init__(self, source: FrameSource, index: int):
        self.source = source
        self.index = index
        self.duration_s = source.duration_s

    def frame(self, t_s: float) -> np.ndarray:
        lit = self.source.frame(t_s)
        frame = np.zeros_like(lit)
        # All of the ring's light on the one LED would be brighter than the sequence asks: the mark
        # keeps that LED's own share.
        frame[self.index] = lit[self.index]
        return frame


def clock_position(hour: int, minute: int, pixels: int) -> int:
    """The LED at a time's place on a 12-hour clock face, LED 0 at twelve o'clock, going clockwise."""
    return round(((hour % 12) + minute / 60.0) / 12.0 * pixels) % pixels
