"""From the engine's linear-light floats to 8-bit LED codes, once per frame.

    linear RGB floats -> white balance -> brightness -> power limit -> (RGBW split) -> dither -> uint8

WS2812 light is linear in PWM duty, so there is no gamma table: a float of 0.5 is code 127.5,
and dithering makes the half-code real over time and across the ring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sequences.arrays import constant

MAX_CODE = 255.0
_WINDUP_CODES = 2.0  # the most the ring's running sum of accounts may hold




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


def _spread_order(pixels: int) -> np.ndarray:
    """Each LED's place in an order that visits the ring evenly (bit-reversed index: 0, half,
    quarter, three quarters, ...), as a rank in 0..pixels-1 (0 first)."""
    bits = max(1, (pixels - 1).bit_length())
    reversed_index = [int(format(i, f"0{bits}b")[::-1], 2) for i in range(pixels)]
    place = np.empty(pixels)
    place[np.argsort(reversed_index, kind="stable")] = np.arange(pixels)
    return place


class Ditherer:
    """Quantises float codes (0-255) to integers so that light averages out exactly.

    Each LED keeps an account of the light it is owed (positive) or has had ahead of time
    (negative): its float code plus its account is what it wants this frame. The ring's total
    per channel is one of the two whole numbers either side of what the frame asks for, so it
    is within one code in every frame; which one is chosen by second-order noise shaping
    (_ring_total), so that the ring's light flickers as little as it can at low frequencies.
    Each LED is given the whole part of what it wants, and the codes left over go to the LEDs
    owed the most (the largest fractions); ties go round the ring in an even order, so two
    half-code neighbours light one LED between them, not both or neither, and the lit LEDs
    take turns.

    Why by what each LED is owed, and not by a running total round the ring: a running total
    hands each LED's rounding remainder to the next LED in the ring. When that LED wants
    almost nothing it is given a whole code it can only pay back at its own tiny rate, and the
    debt was charged again every frame to the next lit LED, so a ring of near-zero LEDs
    behind a bright one left the bright one owed a code per debtor (26 codes seen) - light
    it would get all at once, a flash, as soon as the debtors went dark. Here an LED only
    gets a spare code when its own account is among the largest, and every account stays
    within about a code (tests/device/test_pipeline.py measures the bound).

    A zero stays zero: an LED asked for nothing gets nothing and forgets its account.
    """

    def __init__(self, pixels: int, channels: int):
        self.error = np.zeros((pixels, channels))
        # A tie-break far below any real difference in what LEDs are owed: among equals, the
        # spare codes go round the ring in an even order rather than to a run of neighbours.
        tie_break = (_spread_order(pixels) + 1.0) * (1e-9 / max(pixels, 1))
        self._tie_break = np.repeat(tie_break[:, None], channels, axis=1)
        # Work buffers, reused every frame (this runs 200 times a second: numpy's per-call cost,
        # not the arithmetic, is what it spends its time on). The sorted priorities sit above a
        # row of infinity, so "the spare-th largest" is one index even when there is no spare.
        self._wanted = np.empty((pixels, channels))
        self._whole = np.empty((pixels, channels))
        self._priority = np.empty((pixels, channels))
        self._sorted = np.full((pixels + 1, channels), np.inf)
        self._owed_sum = [0.0] * channels  # the running sum of each channel's accounts

    def reset(self) -> None:
        self.error[:] = 0.0
        self._owed_sum = [0.0] * len(self._owed_sum)

    def quantise(self, codes: np.ndarray) -> np.ndarray:
        """Float codes (pixels, channels) in 0-255 -> uint8 codes of the same shape."""
        pixels, channels = codes.shape
        lit = np.greater(codes, _ZERO)
        # What an LED is owed beyond full it could never be shown: it forgets it.
        wanted = np.minimum(np.add(codes, self.error, out=self._wanted), _MAX_CODE, out=self._wanted)
        np.multiply(wanted, lit, out=wanted)  # a zero stays zero, and forgets its account
        whole = np.floor(wanted, out=self._whole)
        np.maximum(whole, _ZERO, out=whole)  # an LED that has had light ahead of time shows none
        ring_total = self._ring_total(np.add.reduce(codes, axis=0, where=lit).tolist(),
                                      np.add.reduce(wanted, axis=0).tolist())
        whole_sums = np.add.reduce(whole, axis=0).tolist()
        spare = [int(total - whole_sum) for total, whole_sum in zip(ring_total, whole_sums)]
        # The spare codes go to the LEDs owed the largest fractions: those at or above the
        # spare-th largest priority (the tie-break makes every priority different). An LED that
        # cannot take one - dark, in debt, or full, whose fraction is 0 or less - ranks below
        # zero, and a spare code that would have to go to one is left to _settle.
        priority = np.subtract(wanted, whole, out=self._priority)
        np.subtract(priority, self._tie_break, out=priority)
        if 0 <= min(spare) and max(spare) <= pixels:
            ranked = self._sorted
            ranked[:pixels] = priority
            ranked[:pixels].sort(axis=0)
            cut = ranked.take([(pixels - extra) * channels + channel for channel, extra in enumerate(spare)])
            if min(cut.tolist()) >= 0.0:
                out = np.add(whole, np.greater_equal(priority, cut), out=whole)
                np.subtract(wanted, out, out=self.error)
                return out.astype(np.uint8)
        out = self._settle(wanted, lit, np.array(ring_total))
        np.subtract(wanted, out, out=self.error)
        return out.astype(np.uint8)

    def _ring_total(self, asked: list[float], owed: list[float]) -> list[float]:
        # Second-order noise shaping of each channel's ring total, the light behind the
        # diffuser. Rounding what the LEDs want (codes plus accounts) alone is first order:
        # evenly spaced extra codes, whose tones sit at the fraction's multiples of 200 Hz
        # (15 Hz for 0.077 of a code). Adding the running sum of the accounts shapes the error
        # by a second difference, which spreads those tones and moves their energy up, where
        # IEEE 1789 allows more modulation (its limits grow with frequency). The total is
        # still one of the two whole numbers either side of what the frame asks for.
        # Plain floats: for three or four channels Python is quicker than numpy's per-call cost.
        totals = []
        for channel, (asked_total, owed_total) in enumerate(zip(asked, owed)):
            owed_sum = self._owed_sum[channel]
            total = float(min(max(math.floor(owed_total + owed_sum + 0.5), math.floor(asked_total)),
                              math.ceil(asked_total)))
            # Clamped, so that accounts dropped by LEDs going dark cannot wind it up.
            self._owed_sum[channel] = min(max(owed_sum + owed_total - total, -_WINDUP_CODES), _WINDUP_CODES)
            totals.append(total)
        return totals

    @staticmethod
    def _settle(wanted: np.ndarray, lit: np.ndarray, ring_total: np.ndarray) -> np.ndarray:
        # The rare frame whose total is more than one spare code per LED away from the whole
        # parts (accounts pulled apart by LEDs going dark, or by many LEDs in debt at once):
        # hand out or take back one code per LED per round, always from the LED whose account
        # would end furthest from zero, so the difference is shared round the ring.
        out = np.clip(np.floor(wanted), 0.0, MAX_CODE)
        for channel in range(wanted.shape[1]):
            column, account = out[:, channel], wanted[:, channel] - out[:, channel]
            short = int(ring_total[channel] - column.sum())
            while short:
                if short > 0:
                    able = np.nonzero(lit[:, channel] & (column < MAX_CODE))[0]
                    chosen = able[np.argsort(-account[able], kind="stable")[:short]]
                    step = 1.0
                else:
                    able = np.nonzero(column > 0)[0]
                    chosen = able[np.argsort(account[able], kind="stable")[:-short]]
                    step = -1.0
                if chosen.size == 0:
                    break
                column[chosen] += step
                account[chosen] -= step
                short -= int(step) * chosen.size
        return out


class Pipeline:
    """White balance, brightness, power limit and dithering for one ring; keeps dither state."""

    def __init__(self, settings: OutputSettings, pixels: int, channels: int = 3):
        if channels == 4 and settings.white_rgb is None:
            raise ValueError("an RGBW ring needs the white chip's colour (white_rgb)")
        self.pixels = pixels
        self.channels = channels
        self.ditherer = Ditherer(pixels, channels)
        self._codes = np.empty((pixels, 3))
        self.retune(settings)

    def retune(self, settings: OutputSettings) -> None:
        """Use new settings from the next frame on (the brightness or the budget changed while
        running). Each attribute is swapped whole, so a frame under way in the light's thread
        sees old or new values, never half an array."""
        self.settings = settings
        self.gains = np.asarray(settings.white_balance, dtype=float) * settings.brightness * MAX_CODE
        # Dithering may round each channel's ring total up by about a code (two with carried
        # error); keep that much in hand so the quantised frame stays within the budget.
        dither_margin_mA = 3.0 * self.channels * settings.mA_per_channel / MAX_CODE
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
