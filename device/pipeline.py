"""From the engine's linear-light floats to 8-bit LED codes, once per frame.

    linear RGB floats -> white balance -> brightness -> power limit -> (RGBW split) -> dither -> uint8

WS2812 light is linear in PWM duty, so there is no gamma table: a float of 0.5 is code 127.5,
and dithering makes the half-code real over time and across the ring.
"""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sequences.colour import LUMA_WEIGHTS

MAX_CODE = 255.0

# How the ring's totals are chosen (Ditherer._ring_totals), tuned with bench/light.py's flicker
# levels and a sweep of eight colours from L* 1 to 30:
_COLOUR_COST = 0.005  # a code of colour error in one frame costs what 0.07 code of luminance error does
_LUMA_SHAPING_POLE = 0.3  # luminance error shaped by (1 - z^-1)(1 - 0.3 z^-1)
_COLOUR_WINDUP_CODES = 2.0  # the most the colour part of the accounts' running sum may hold
SWING_CODES = 6.0  # no channel's ring total strays further than this from the frame's (rounded out)
_OFFSETS = range(-1, 3)  # each total is picked from floor(target) - 1 ... floor(target) + 2

_DARK = 1e-9  # a ring asking for less luminance than this (in codes) is dark
_CAN_TAKE = 1.0 - 1e-6  # the least priority of an LED that can take a spare code (see quantise)


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
    (negative): its float code plus its account is what it wants this frame. First the ring's
    total per channel is chosen (_ring_totals: what the eye sees behind the diffuser); then each
    LED is given the whole part of what it wants, and the codes left over go to the LEDs owed the
    most (the largest fractions); ties go round the ring in an even order, so two half-code
    neighbours light one LED between them, not both or neither, and the lit LEDs take turns.

    Why by what each LED is owed, and not by a running total round the ring: a running total
    hands each LED's rounding remainder to the next LED in the ring. When that LED wants
    almost nothing it is given a whole code it can only pay back at its own tiny rate, and the
    debt was charged again every frame to the next lit LED, so a ring of near-zero LEDs
    behind a bright one left the bright one owed a code per debtor (26 codes seen) - light
    it would get all at once, a flash, as soon as the debtors went dark. Here an LED only
    gets a spare code when its own account is among the largest, and every account stays
    within about a code (tests/device/test_pipeline.py measures the bound).

    A zero stays zero: an LED asked for nothing gets nothing and forgets its account.

    luma: the luminance of one code of each channel (Rec. 709 weights for R, G, B; an RGBW
    ring adds its white chip's), which is what the ring's flicker is judged by.
    """

    def __init__(self, pixels: int, channels: int, luma: Sequence[float] | None = None):
        if luma is None and channels != 3:
            raise ValueError("a ditherer for other channels than R, G, B needs each channel's luminance")
        self._luma = [float(weight) for weight in (LUMA_WEIGHTS if luma is None else luma)]
        self._pixels = pixels
        self.error = np.zeros((pixels, channels))
        # A tie-break far below any real difference in what LEDs are owed: among equals, the
        # spare codes go round the ring in an even order rather than to a run of neighbours.
        tie_break = (_spread_order(pixels) + 1.0) * (1e-9 / max(pixels, 1))
        self._tie_break = np.repeat(tie_break[:, None], channels, axis=1)
        # Work buffers, reused every frame (this runs 200 times a second: numpy's per-call cost,
        # not the arithmetic, is what it spends its time on, so constants are whole arrays, which
        # spare numpy its broadcasting). What each LED wants, its whole part and the codes asked
        # of it lie in one array, so that one product sums all three over the ring. The sorted
        # priorities sit above a row of infinity, so "the spare-th largest" is one index even
        # when there is no spare.
        self._sums = np.empty((3, pixels, channels))
        self._wanted, self._whole, self._asked = self._sums
        # The product is with a 0/1 matrix that picks each channel: a third of np.add.reduce's time.
        self._rows = self._sums.reshape(3, pixels * channels)
        self._channel_of = np.tile(np.eye(channels), (pixels, 1))
        self._zero = np.zeros((pixels, channels))
        # What an LED is owed beyond full it could never be shown: it forgets it. Full is held a
        # hair below 255, so that a full LED's whole part is 254 and its last code a spare one.
        self._full = np.full((pixels, channels), MAX_CODE - 1e-6)
        self._priority = np.empty((pixels, channels))
        self._sorted = np.full((pixels + 1, channels), np.inf)
        self._ranked = self._sorted[:pixels]
        self._lit = np.empty((pixels, channels))
        self._cuts = np.empty((pixels, channels))
        self._one = np.ones((pixels, channels))
        # Where "the spare-th largest priority" of each channel lies in the sorted buffer, flat.
        self._cut_index = [[(pixels - spare) * channels + channel for spare in range(pixels + 1)]
                           for channel in range(channels)]
        # The ring totals' candidates, as offsets from the floor of each channel's target, with
        # the part of each one's cost that does not depend on the target as a last column, so
        # that one product prices them all (see _ring_totals).
        offsets = np.array(list(itertools.product(_OFFSETS, repeat=channels)), dtype=float)
        offset_cost = ((offsets @ np.array(self._luma)) ** 2 + _COLOUR_COST * np.einsum("ij,ij->i", offsets, offsets))
        self._offsets_and_cost = np.hstack([offsets, offset_cost[:, None]])
        self._gradient = np.ones(channels + 1)  # the last 1 takes in the offset's own cost
        self._offset_rows = offsets.tolist()
        self._has_offset = [{offset: offsets[:, channel] == offset for offset in _OFFSETS}
                            for channel in range(channels)]
        self._colour_sum = [0.0] * channels  # the colour part of the accounts' running sum
        self._luma_error = 0.0  # last frame's luminance rounding error, in codes

    def reset(self) -> None:
        self.error[:] = 0.0
        self._colour_sum = [0.0] * len(self._colour_sum)
        self._luma_error = 0.0

    def quantise(self, codes: np.ndarray) -> np.ndarray:
        """Float codes (pixels, channels) in 0-255 -> uint8 codes of the same shape."""
        wanted, whole, priority = self._wanted, self._whole, self._priority
        # 1.0 where lit, as floats: numpy mixes floats with floats quicker than with bools.
        lit = np.heaviside(codes, self._zero, out=self._lit)
        np.add(codes, self.error, out=wanted)
        np.minimum(wanted, self._full, out=wanted)
        np.multiply(wanted, lit, out=wanted)  # a zero stays zero, and forgets its account
        np.floor(wanted, out=whole)
        np.maximum(whole, self._zero, out=whole)  # an LED that has had light ahead of time shows none
        # The spare codes go to the lit LEDs owed the largest fractions: those at or above the
        # spare-th largest priority (fraction + 1, less the tie-break, which makes every priority
        # different). A dark LED ranks near 0 and one that has had light ahead of time (in debt)
        # below 1: neither takes one.
        np.subtract(wanted, whole, out=priority)
        np.subtract(priority, self._tie_break, out=priority)
        np.add(priority, lit, out=priority)
        ranked = self._ranked
        ranked[...] = priority
        ranked.sort(axis=0)
        np.multiply(codes, lit, out=self._asked)
        owed, whole_sums, asked = self._rows.dot(self._channel_of).tolist()
        # First as if every LED of a lit channel could take a spare code, as they nearly always
        # can; if not, again with the LEDs that can.
        pixels = self._pixels
        totals, target = self._ring_totals(asked, owed, whole_sums, [pixels if a > 0.0 else 0 for a in asked])
        cut = self._cut(totals, whole_sums)
        if cut is None:
            takers = np.add.reduce(np.greater(ranked, _CAN_TAKE), axis=0).tolist()
            totals, target = self._ring_totals(asked, owed, whole_sums, takers)
            cut = self._cut(totals, whole_sums)
        self._shape(asked, owed, totals, target)
        if cut is not None:
            # A spare code (1.0) where the priority is at or above its channel's cut: priority - cut >= 0.
            cuts = self._cuts
            cuts[...] = cut
            spare = np.heaviside(np.subtract(priority, cuts, out=cuts), self._one, out=cuts)
            out = np.add(whole, spare, out=whole)
        else:  # accounts pulled apart, by LEDs going dark or in debt: see _settle
            out = self._settle(wanted, lit > 0.0, np.array(totals))
        np.subtract(wanted, out, out=self.error)
        return out.astype(np.uint8)

    def _cut(self, totals: list[float], whole_sums: list[float]) -> np.ndarray | None:
        """Per channel, the least priority given a spare code (infinity for none), or None if
        some spare code would have to go to an LED that cannot take one."""
        pixels = self._pixels
        at = []
        for total, whole_sum, index in zip(totals, whole_sums, self._cut_index):
            spare = int(total - whole_sum)
            if spare < 0 or spare > pixels:
                return None
            at.append(index[spare])
        cut = self._sorted.take(at)
        return cut if min(cut.tolist()) > _CAN_TAKE else None

    def _ring_totals(self, asked: list[float], owed: list[float], whole_sums: list[float],
                     takers: list[int]) -> tuple[list[float], list[float]]:
        """(each channel's ring total, the target it was picked for); _shape then keeps the state.

        asked: the frame's total per channel; owed: that plus the LEDs' accounts; whole_sums: the
        sum of the LEDs' whole parts; takers: how many LEDs of each channel can take a spare code.
        """
        # Each channel's ring total is a whole number of codes in every frame, so the ring's light
        # has an error; what can be chosen is where its spectrum lies. Two totals per channel
        # (the whole numbers either side) cannot do it: a fraction near 0 or 1 is a rare extra
        # code, a tone at the fraction times 200 Hz (3 Hz for green's 0.016 at 0.5 codes) whose
        # size over IEEE 1789's limit does not shrink with the fraction. So the totals roam a
        # few codes, and are picked together (a vector quantiser with error feedback):
        # - luminance, which IEEE 1789 judges, is held close: a code of green (0.72 of
        #   luminance) that the shaping asks for is met by about three codes less red and one
        #   less blue, so luminance moves by hundredths of a code while the colour swings;
        # - the colour part of the accounts is shaped second order, (1 - z^-1)^2, so its
        #   swings sit near 100 Hz, where colour flicker is invisible (colour fusion is below
        #   about 25 Hz), and average out exactly, like every account;
        # - the luminance part is shaped by (1 - z^-1)(1 - 0.3 z^-1): a zero at DC, less gain
        #   near 100 Hz than second order, so the frame-to-frame steps (p2p) stay small.
        # Cost of a candidate: (its luminance error)^2 + _COLOUR_COST * (its errors per channel)^2.
        # Plain floats, in loops over the three or four channels: quicker than numpy's calls.
        luma = self._luma
        asked_luma = sum(map(operator.mul, luma, asked))
        if asked_luma <= _DARK:
            return [0.0] * len(asked), [0.0] * len(asked)
        # Luminance error goes back as more or less of the colour asked for (total / asked_luma
        # of each channel), not as some other colour.
        lead = _LUMA_SHAPING_POLE * self._luma_error / asked_luma
        floor, ceil, swing, first, last = math.floor, math.ceil, SWING_CODES, _OFFSETS[0], _OFFSETS[-1]
        target, base, below, excluded = [], [], [], []
        below_luma = 0.0
        for weight, total, o, s, whole_sum, n, has_offset in zip(
                luma, asked, owed, self._colour_sum, whole_sums, takers, self._has_offset):
            t = o + s - total * lead
            # Every total the LEDs can take: from their whole parts to one more code for each
            # that can take one, and within SWING_CODES of the frame's.
            upper = ceil(total + swing)
            lowest = floor(total - swing)
            if whole_sum > lowest:
                lowest = upper if whole_sum > upper else whole_sum
            highest = whole_sum + n
            highest = lowest if highest < lowest else (upper if highest > upper else highest)
            b = floor(lowest if t < lowest else (highest if t > highest else t))
            if b + first < lowest or b + last > highest:
                excluded += [has_offset[offset] for offset in _OFFSETS if not lowest <= b + offset <= highest]
            target.append(t)
            base.append(b)
            below.append(b - t)
            below_luma += weight * (b - t)
        # The cost of base + each offset, less what is the same for every offset.
        gradient = self._gradient
        gradient[:-1] = [2.0 * (below_luma * weight + _COLOUR_COST * d) for weight, d in zip(luma, below)]
        cost = self._offsets_and_cost.dot(gradient)  # ndarray.dot of an array: a third of @ with a list
        for rows in excluded:
            cost[rows] = np.inf
        pick = self._offset_rows[int(cost.argmin())]
        return [float(b + offset) for b, offset in zip(base, pick)], target

    def _shape(self, asked: list[float], owed: list[float], totals: list[float], target: list[float]) -> None:
        """Keeps the shaping's state: the luminance rounding error, and the running sum of the
        accounts' colour part (the next frame's accounts sum to owed - total per channel)."""
        luma = self._luma
        asked_luma = sum(map(operator.mul, luma, asked))
        if asked_luma <= _DARK:  # a dark ring starts afresh
            self._colour_sum = [0.0] * len(asked)
            self._luma_error = 0.0
            return
        luma_error = sum(map(operator.mul, luma, map(operator.sub, totals, target)))
        self._luma_error = -1.0 if luma_error < -1.0 else (1.0 if luma_error > 1.0 else luma_error)
        running = list(map(operator.sub, map(operator.add, self._colour_sum, owed), totals))
        running_luma = sum(map(operator.mul, luma, running))
        limit = _COLOUR_WINDUP_CODES
        for channel, a in enumerate(asked):
            r = running[channel] - a / asked_luma * running_luma  # less its luminance part
            running[channel] = -limit if r < -limit else (limit if r > limit else r)
        self._colour_sum = running

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
