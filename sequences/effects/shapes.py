"""What several effects share: palette defaults, fades, seeded event timing, scalar noise lookups.

Why effects shape their weights in the log domain: `distribute` gives a pixel the channel value
min(1, K * r), where r is the pixel's weight over the ring's mean weight and K can reach about 14
(a pure blue accent on a white phase at full level: blue carries only 7% of luminance). Whatever
the colours, the change in 5 ms therefore stays under 0.005 * |d log(r) / dt|, so effects keep the
log of every weight changing no faster than LOG_RATE_BUDGET per second, which leaves room under
MAX_CHANGE_PER_5MS (16 per second) for the change of the ring's mean weight. Anything that appears
and disappears fades linearly in log-brightness (`fade_envelope`).
"""

from __future__ import annotations

import math

import numpy as np

from sequences.easing import smoothstep
from sequences.effects.base import _ONE, _ZERO, FrameInputs, NoiseTable, constant, distribute, hash_unit, read_only
from sequences.palette import palette

# Fastest change, per second, of the log of any one weight an effect draws (see the module doc).
LOG_RATE_BUDGET = 8.0

# A fading light starts from exp(-FADE_LOG_RANGE) of its peak (and from exactly 0, see fade_envelope).
FADE_LOG_RANGE = 10.0
_FADE_LOG_RANGE = constant(FADE_LOG_RANGE)
_FADE_SCALE = constant(1.0 / math.expm1(FADE_LOG_RANGE))


def palette_colour(name: str) -> tuple[float, float, float]:
    """A palette colour by name, resolved as the loader resolves it (linear RGB, brightest channel 1)."""
    return palette()[name].rgb


def distribute_with_accent(weights: np.ndarray, colours: np.ndarray, rgb: np.ndarray,
                           accent_is_phase: bool) -> np.ndarray:
    """distribute() over two colours: the phase's (column 0) and an accent (column 1, already in
    `colours[1]` unless it follows the phase's colour). `colours` is the caller's scratch buffer."""
    colours[0] = rgb
    if accent_is_phase:
        colours[1] = rgb
    return distribute(weights, colours, rgb)


def colours_or_phase(colours, frame: FrameInputs) -> np.ndarray:
    """A colours param's value as a (k, 3) array, or just the phase's colour when it is None."""
    if colours is None or len(colours) == 0:
        return frame.rgb[None, :]
    return np.asarray(colours, dtype=float).reshape(-1, 3)


def signed_turns(positions: np.ndarray, origin) -> np.ndarray:
    """Signed shortest way round from `origin` to each position, in [-0.5, 0.5) of a turn."""
    d = positions - origin + 0.5
    return d - np.floor(d) - 0.5


def fade_envelope(u, length_s: float, fade_s: float):
    """0 outside [0, length_s]; inside, fades in over fade_s, holds 1, fades out over fade_s.

    The fades are linear in log-brightness from exp(-FADE_LOG_RANGE), offset to start at exactly 0:
    (exp(L * ramp) - 1) / (exp(L) - 1). So the log changes at most FADE_LOG_RANGE / fade_s per
    second, and near zero the value itself changes at most that times exp(-FADE_LOG_RANGE).
    """
    if type(u) is not np.ndarray or u.ndim == 0 or u.dtype != np.float64:
        ramp = np.minimum(np.maximum(np.minimum(u, length_s - u) * (1.0 / fade_s), 0.0), 1.0)
        return np.expm1(FADE_LOG_RANGE * ramp) * _FADE_SCALE
    # Per frame for fireflies and rain: the same ufuncs in the same order, in one buffer.
    ramp = np.subtract(length_s, u)
    np.minimum(u, ramp, out=ramp)
    ramp *= 1.0 / fade_s
    np.maximum(ramp, _ZERO, out=ramp)
    np.minimum(ramp, _ONE, out=ramp)
    np.multiply(ramp, _FADE_LOG_RANGE, out=ramp)
    np.expm1(ramp, out=ramp)
    ramp *= _FADE_SCALE
    return ramp


class EventTable:
    """Seeded random numbers for numbered events (time slots) of several lanes, drawn once.

    `get(slots)` gives, for one slot per lane, `fields` numbers in [0, 1) per lane: the same for
    the same lane and slot on every run. The table repeats after `period` slots (each lane starts
    at its own place in it), which at seconds a slot is an hour or more. Read-only once built.
    """

    def __init__(self, seed: int, lanes: int, fields: int, period: int = 1024):
        self.period = period
        self.values = hash_unit(seed, np.arange(lanes)[:, None, None], np.arange(period)[None, :, None],
                                np.arange(fields)[None, None, :])
        self.lane_index = np.arange(lanes)
        self.lane_start = (hash_unit(seed ^ 0xE7E27, np.arange(lanes)) * period).astype(np.int64)
        # For get(), per frame: (lanes * period, fields) rows, and each lane's first row in it.
        self._rows = self.values.reshape(lanes * period, fields)
        self._fields = np.ascontiguousarray(self._rows.T)
        self._lane_start = self.lane_start.copy()
        self._lane_row = self.lane_index * period
        self._period = np.array(period, dtype=np.int64)
        read_only(self)

    def get(self, slots: np.ndarray) -> np.ndarray:
        """(lanes, fields) numbers for slot `slots[lane]` of each lane."""
        # values[lane_index, (slot + lane_start) % period] as one `take` of rows of the flat table.
        index = slots.astype(np.int64)
        index += self._lane_start
        index %= self._period
        index += self._lane_row
        return self._rows.take(index, axis=0)

    def get_fields(self, slots: np.ndarray) -> np.ndarray:
        """get(slots) transposed, (fields, lanes): each field's numbers contiguous, for per-frame arithmetic."""
        index = slots.astype(np.int64)
        index += self._lane_start
        index %= self._period
        index += self._lane_row
        return self._fields.take(index, axis=1)


def noise_at(table: NoiseTable, lane: int, x: float) -> float:
    """table.sample at one lane and one x, as a Python float: the same value, without numpy's overhead."""
    position = x + float(table.lane_offset[lane])
    cell = math.floor(position)
    fraction = position - cell
    index = cell % table.period
    left = float(table.values[lane, index])
    right = float(table.values[lane, (index + 1) % table.period])
    return left + (right - left) * smoothstep(fraction)
