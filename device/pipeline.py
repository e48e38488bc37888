"""From the engine's linear-light floats to 8-bit LED codes, once per frame.

    linear RGB floats -> white balance -> brightness -> power limit -> (RGBW split) -> dither -> uint8

WS2812 light is linear in PWM duty, so there is no gamma table: a float of 0.5 is code 127.5,
and dithering makes the half-code real over time and across the ring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sequences.arrays import constant

MAX_CODE = 255.0




_ZERO, _HALF, _MAX_CODE = constant(0.0), constant(0.5), constant(MAX_CODE)


@dataclass(frozen=True)
class OutputSettings:
    """How frames become codes on one physical ring.

    white_balance: gain per R, G, B (0-1) that makes the LED type's (1, 1, 1) a neutral white;
    brightness: 0-1, scales all light; budget_mA: most current the LEDs may draw;
    mA_per_channel: current of one channel at full duty (WS2812B: about 20 mA);
    idle_mA_per_led: what each LED draws when dark (about 1 mA);
    white_rgb: for RGBW rings, the white chip's colour as linear RGB (None for RGB rings).
    """

    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)
    brightness: float = 1.0
    budget_mA: float = 1000.0
    mA_per_channel: float = 20.0
    idle_mA_per_led: float = 1.0
    white_rgb: tuple[float, float, float] | None = None


def frame_current_mA(codes: np.ndarray, settings: OutputSettings) -> float:
    """Current a frame of codes (pixels, channels) draws, by the same model the limiter uses."""
    return float(codes.sum()) / MAX_CODE * settings.mA_per_channel + codes.shape[0] * settings.idle_mA_per_led


class Ditherer:
    """Quantises float codes (0-255) to integers so that light averages out exactly.

    Across the ring first: each channel's codes are summed round the ring and quantised as a
    running total, so the ring's total light per channel is right to within one code in every
    frame (it takes only the two whole numbers either side of the wanted total), and two
    half-code neighbours light one LED between them, not both or neither.
    Then over time: each LED carries what it was short or over into its next frame (error
    feedback), so its own average converges on its float, and since every LED's carried error
    is different, the lit LEDs take turns round the ring.
    A zero stays zero: an LED asked for nothing gets nothing and forgets its carried error.
    """

    def __init__(self, pixels: int, channels: int):
        self.error = np.zeros((pixels, channels))
        self._out = np.empty((pixels, channels))
        # Work buffers, reused every frame (this runs 200 times a second: numpy's per-call cost,
        # not the arithmetic, is what it spends its time on). The running totals sit below a row
        # of zeros, so one maximum.accumulate both holds them level and keeps them >= 0, and one
        # subtraction takes every LED's share, the first's included.
        self._wanted = np.empty((pixels, channels))
        self._dark = np.empty((pixels, channels), dtype=bool)
        self._totals = np.zeros((pixels + 1, channels))
        self._running = self._totals[1:]
        self._before = self._totals[:-1]

    def reset(self) -> None:
        self.error[:] = 0.0

    def quantise(self, codes: np.ndarray) -> np.ndarray:
        """Float codes (pixels, channels) in 0-255 -> uint8 codes of the same shape."""
        wanted = np.add(codes, self.error, out=self._wanted)
        np.copyto(wanted, _ZERO, where=np.less_equal(codes, _ZERO, out=self._dark))
        np.minimum(wanted, _MAX_CODE, out=wanted)
        running = np.add.accumulate(wanted, axis=0, out=self._running)  # wanted.cumsum(axis=0)
        np.add(running, _HALF, out=running)
        np.floor(running, out=running)  # rounds the running total
        # A running total that dips (an LED owing light) holds level instead of going
        # negative; what that LED owes stays in its error for the next frame.
        np.maximum.accumulate(self._totals, axis=0, out=self._totals)
        out = np.subtract(running, self._before, out=self._out)
        np.subtract(wanted, out, out=self.error)
        return out.astype(np.uint8)


class Pipeline:
    """White balance, brightness, power limit and dithering for one ring; keeps dither state."""

    def __init__(self, settings: OutputSettings, pixels: int, channels: int = 3):
        if channels == 4 and settings.white_rgb is None:
            raise ValueError("an RGBW ring needs the white chip's colour (white_rgb)")
        self.settings = settings
        self.pixels = pixels
        self.channels = channels
        self.gains = np.asarray(settings.white_balance, dtype=float) * settings.brightness * MAX_CODE
        self.ditherer = Ditherer(pixels, channels)
        self._codes = np.empty((pixels, 3))
        # Dithering may round each channel's ring total up by about a code (two with carried
        # error); keep that much in hand so the quantised frame stays within the budget.
        dither_margin_mA = 3.0 * channels * settings.mA_per_channel / MAX_CODE
        self.budget_codes = max(0.0, (settings.budget_mA - pixels * settings.idle_mA_per_led - dither_margin_mA)
                                / settings.mA_per_channel * MAX_CODE)
        if settings.white_rgb is not None:
            self.white = np.asarray(settings.white_rgb, dtype=float) * np.asarray(settings.white_balance)

    def codes(self, frame: np.ndarray) -> np.ndarray:
        """Linear frame (pixels, 3) in 0-1 -> float codes (pixels, channels), power-limited."""
        codes = frame * self.gains
        if self.channels == 4:
            codes = self._split_white(codes)
        total = float(np.add.reduce(codes, axis=None))
        if total > self.budget_codes:
            # Scale every channel alike: dimmer, never a different colour.
            codes *= self.budget_codes / total
        return codes

    def _split_white(self, codes: np.ndarray) -> np.ndarray:
        # The white chip takes the part of each pixel that its own colour can make, which is
        # the most efficient light; RGB makes up the rest.
        white_codes = np.minimum((codes / self.white).min(axis=1), MAX_CODE)
        rgb = codes - white_codes[:, None] * self.white
        np.clip(rgb, 0.0, None, out=rgb)
        return np.concatenate([rgb, white_codes[:, None]], axis=1)

    def process(self, frame: np.ndarray) -> np.ndarray:
        """Linear frame (pixels, 3) -> uint8 codes (pixels, channels) in R, G, B(, W) order."""
        if self.channels == 4 or type(frame) is not np.ndarray or frame.shape != self._codes.shape:
            return self.ditherer.quantise(self.codes(frame))
        # codes(frame) for an RGB ring, into a buffer of its own rather than a new array.
        codes = np.multiply(frame, self.gains, out=self._codes)
        total = float(np.add.reduce(codes, axis=None))
        if total > self.budget_codes:
            codes *= self.budget_codes / total
        return self.ditherer.quantise(codes)
