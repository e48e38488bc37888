"""What every effect shares: its parameter declarations, the inputs of one frame, seeded noise,
and the rule that spreads a phase's light over the ring.

An effect is a pure function of time and pixel position: `draw(frame, scratch)` depends on nothing
but the frame inputs, the effect's parameters and its seed, so a frame is the same on every run.
An effect never changes once built: its tables (made in __init__, and per ring size by `layout`)
are read-only and shared by every caller. What changes from frame to frame (buffers it draws in,
caches of lookups it repeats) is the caller's own, from `new_scratch`: a caller per thread, each
with its own scratch, can draw one effect at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, TypeVar

import numpy as np

from sequences.arrays import constant
from sequences.colour import LUMA_WEIGHTS, luminance

try:  # np.clip's own ufunc: np.clip(a, lo, hi) is a Python wrapper (~4 us of checks) round it
    from numpy._core.umath import clip as clip_ufunc
except ImportError:  # numpy < 2
    from numpy.core.umath import clip as clip_ufunc

# Largest change of any pixel channel (0-1 of full duty) between two instants 5 ms apart that
# an effect may make, unless it declares `flashes`. Effects keep their parameter bounds such that
# their fastest motion stays under it; tests hold every effect and sequence to it.
MAX_CHANGE_PER_5MS = 0.08


@dataclass(frozen=True)
class Param:
    """A parameter an effect takes in a sequence file.

    kind: "number" (float), "integer", "colour" (one colour), "colours" (a list of 1-6),
    or "choice" (one of `choices`). A colour default of None means the phase's own colour.
    """

    name: str
    kind: str
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameInputs:
    """Everything an effect may look at to draw one frame.

    t_s: seconds since the sequence started (effects use it for motion, so motion runs on
         smoothly across phases); phase_t_s: seconds since this phase started;
    progress: 0-1 through the phase, not eased; rgb: the phase's light now, linear RGB of the
    ring's mean (its luminance is the level to keep); positions: each pixel's place round the
    ring as a fraction of a turn, 0 <= p < 1.
    """

    t_s: float
    phase_t_s: float
    progress: float
    rgb: np.ndarray
    positions: np.ndarray


class Effect:
    """Base of all effects. Subclasses set the class attributes and implement `draw`; those that
    keep tables per ring size implement `_build_layout`, and those that draw in buffers of their
    own or cache lookups between frames implement `new_scratch`."""

    name: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    flashes: ClassVar[bool] = False  # may change faster than MAX_CHANGE_PER_5MS, on purpose

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        given = dict(values or {})
        self.values = {p.name: given.get(p.name, p.default) for p in self.params}
        self.seed = int(seed)
        # Parameters read as plain attributes (self.bpm): draw() reads them every frame.
        for name, value in self.values.items():
            if hasattr(type(self), name):
                raise TypeError(f"{type(self).__name__}: parameter {name!r} hides an attribute of the effect")
            self.__dict__[name] = value
        self._layouts: dict[int, Any] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.values!r}, seed={self.seed})"

    def layout(self, positions: np.ndarray) -> Any:
        """This effect's read-only tables for a ring of these pixel positions, built once per ring size."""
        pixels = positions.shape[0]
        built = self._layouts.get(pixels)
        if built is None:
            # Two threads building at once build equal tables; both then use the one stored first.
            built = self._layouts.setdefault(pixels, self._build_layout(np.asarray(positions, dtype=float)))
        return built

    def _build_layout(self, positions: np.ndarray) -> Any:
        return None

    def new_scratch(self, positions: np.ndarray) -> Any:
        """Memory for one caller's draw() on this ring: buffers it overwrites each frame and the
        lookups it keeps between frames. Use it from one thread at a time. None: nothing to keep."""
        return None

    def draw(self, frame: FrameInputs, scratch: Any = None) -> np.ndarray:
        """Linear RGB of every pixel, shape (pixels, 3), each channel 0-1.

        scratch: this caller's `new_scratch(frame.positions)`, or None for a fresh one (the same
        frame, at the cost of building it and of every lookup it would have kept).
        """
        raise NotImplementedError


_Tables = TypeVar("_Tables")


def read_only(tables: _Tables) -> _Tables:
    """`tables` with every array attribute made read-only: shared by every caller, they are never drawn in."""
    for value in vars(tables).values():
        if type(value) is np.ndarray:
            value.setflags(write=False)
    return tables




_ZERO, _ONE, _TWO, _THREE, _TINY = (constant(value) for value in (0.0, 1.0, 2.0, 3.0, 1e-9))
_ONE_INT = np.array(1, dtype=np.int64)
_ONE_INT.setflags(write=False)


def distribute(weights: np.ndarray, colours: np.ndarray, target_rgb: np.ndarray) -> np.ndarray:
    """Spread a phase's light over the ring: weights (pixels, k) of k colours (k, 3).

    The result has the same mean luminance as `target_rgb`, so effects move light about the
    ring and between colours without changing how much light there is; that keeps a wake
    sequence rising and a dusk sequence falling however busy its effects are.
    Channels that would pass full duty are clipped.
    """
    # Per frame for nearly every effect: the same arithmetic as before, in as few numpy calls as it takes.
    if type(target_rgb) is np.ndarray and target_rgb.dtype == np.float64:
        target_y = float(target_rgb @ LUMA_WEIGHTS)
    else:
        target_y = float(luminance(target_rgb))
    colour_y = colours @ LUMA_WEIGHTS
    np.maximum(colour_y, _TINY, out=colour_y)
    unit_colours = colours / colour_y[:, None]
    mean_weight = float(np.add.reduce(weights, axis=None)) / weights.shape[0]
    if mean_weight <= 1e-12 or target_y <= 0.0:
        return np.zeros((weights.shape[0], 3))
    out = weights @ unit_colours
    out *= target_y / mean_weight
    return clip_ufunc(out, _ZERO, _ONE, out=out)


def uniform(frame: FrameInputs, factor: float = 1.0) -> np.ndarray:
    """The phase's light on every pixel, times `factor`."""
    pixel = np.multiply(frame.rgb, factor)
    clip_ufunc(pixel, _ZERO, _ONE, out=pixel)
    out = np.empty((frame.positions.shape[0], 3), dtype=pixel.dtype)
    out[...] = pixel
    return out


def ring_distance(positions: np.ndarray, origin: float) -> np.ndarray:
    """Shortest way round the ring from `origin` to each position, 0-0.5 of a turn."""
    d = np.abs((positions - origin) % 1.0)
    return np.minimum(d, 1.0 - d)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix64(x: np.ndarray) -> np.ndarray:
    # splitmix64 finaliser: a fast, well-spread integer hash.
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash_unit(seed: int, *keys) -> np.ndarray:
    """Deterministic uniform numbers in [0, 1) from a seed and integer keys (arrays broadcast)."""
    arrays = [np.atleast_1d(np.asarray(k)).astype(np.int64).astype(np.uint64) for k in keys]
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else (1,)
    with np.errstate(over="ignore"):
        h = np.full(shape, np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
        for key in arrays:
            h = _mix64(h ^ (key + _GOLDEN))
        h = _mix64(h)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


class NoiseCells:
    """One caller's cache for NoiseTable.sample: each lane's two lattice values (left, right - left)
    change only when the lane enters a new cell, which at the rates effects use is every few hundred
    frames, so they are looked up again only then."""

    __slots__ = ("key", "left", "difference")

    def __init__(self):
        self.key: bytes | None = None
        self.left = self.difference = np.empty(0)


class NoiseTable:
    """Smooth 1-D value noise, one independent lane per pixel (or per anything).

    `sample(x)` is continuous in x with slope at most 1.5 per unit of x, values in [0, 1].
    The lattice repeats after `period` cells; at a few cells a second that is minutes, and
    lanes are offset from one another, so no repetition shows. Read-only once built.
    """

    def __init__(self, seed: int, lanes: int, period: int = 1024):
        self.period = period
        self.values = hash_unit(seed, np.arange(lanes)[:, None], np.arange(period)[None, :])
        self.lane_index = np.arange(lanes)
        self.lane_offset = hash_unit(seed ^ 0x5EED, np.arange(lanes)) * period
        # For sample(), per frame: the table flat, each lane followed by its own first value again,
        # so a cell's right-hand value is the next entry along and two `take`s replace two
        # two-dimensional lookups and a modulo.
        self._wrapped = np.concatenate([self.values, self.values[:, :1]], axis=1).ravel()
        self._lane_start = self.lane_index * (period + 1)
        self._period = np.array(period, dtype=np.int64)
        read_only(self)

    def sample(self, x, cells: NoiseCells | None = None) -> np.ndarray:
        """Every lane's noise at x (a float, or one x per lane); `cells`: the caller's cache, if it keeps one."""
        position = self.lane_offset + x if type(x) is float else np.asarray(x, dtype=float) + self.lane_offset
        cell = np.floor(position)
        key = cell.tobytes()
        if cells is None or key != cells.key or cell.shape != cells.left.shape:
            index = cell.astype(np.int64)
            index %= self._period
            index += self._lane_start
            left = self._wrapped.take(index)  # values[lane_index, index]
            index += _ONE_INT
            difference = self._wrapped.take(index)  # values[lane_index, (index + 1) % period]
            difference -= left
            if cells is not None:
                cells.left, cells.difference, cells.key = left, difference, key
        else:
            left, difference = cells.left, cells.difference
        fraction = np.subtract(position, cell, out=position)
        fade = np.multiply(fraction, fraction, out=cell)  # easing.smoothstep(fraction), in place
        fraction *= _TWO
        fade *= np.subtract(_THREE, fraction, out=fraction)
        fade *= difference
        fade += left  # left + (right - left) * fade
        return fade


@functools.lru_cache(maxsize=64)
def ring_positions(pixels: int) -> np.ndarray:
    """Each pixel's place round a ring of `pixels` LEDs as a fraction of a turn, pixel 0 at 0."""
    positions = np.arange(pixels, dtype=float) / pixels
    positions.setflags(write=False)
    return positions
