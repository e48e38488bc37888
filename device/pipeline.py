"""From the engine's linear-light floats to 8-bit LED codes.

    linear RGB floats -> white balance -> brightness -> power limit -> (RGBW split) -> dither -> uint8

WS2812 light is linear in PWM duty, so there is no gamma table: a float of 0.5 is code 127.5,
and dithering (device/dither.py) makes the half-code real over time and across the ring. The frame
loop's interpolated frames skip process(): they are blends of two frames' float codes (codes()),
dithered a run at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device.dither import MAX_CODE, Ditherer
from device.ring_totals import SWING_CODES
from sequences.colour import LUMA_WEIGHTS


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


class Pipeline:
    """White balance, brightness, power limit and dithering for one ring; keeps dither state."""

    def __init__(self, settings: OutputSettings, pixels: int, channels: int = 3):
        if channels == 4 and settings.white_rgb is None:
            raise ValueError("an RGBW ring needs the white chip's colour (white_rgb)")
        self.pixels = pixels
        self.channels = channels
        luma = list(LUMA_WEIGHTS)
        if settings.white_rgb is not None:  # the white chip's share of the light (its colour is fixed)
            luma.append(float(LUMA_WEIGHTS @ (np.asarray(settings.white_rgb, dtype=float)
                                              * np.asarray(settings.white_balance))))
        self.ditherer = Ditherer(pixels, channels, luma)
        self._codes = np.empty((pixels, 3))
        self.retune(settings)

    def retune(self, settings: OutputSettings) -> None:
        """Use new settings from the next frame on (the brightness or the budget changed while
        running). Each attribute is swapped whole, so a frame under way in the light's thread
        sees old or new values, never half an array."""
        self.settings = settings
        self.gains = np.asarray(settings.white_balance, dtype=float) * settings.brightness * MAX_CODE
        # Dithering puts each channel's ring total within SWING_CODES of the frame's (rounded
        # outward); keep that much in hand so the quantised frame stays within the budget.
        dither_margin_mA = (SWING_CODES + 1.0) * self.channels * settings.mA_per_channel / MAX_CODE
        self.budget_codes = max(0.0, (settings.budget_mA - self.pixels * settings.idle_mA_per_led - dither_margin_mA)
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
