"""How often the light needs a frame, and how each frame is made: the frame loop's pacing.

The loop's rate (config `fps`, 200) is what temporal dithering needs at the bottom of the range,
where one code is a visible step and the dither's flicker must sit high. Everywhere else it is far
more than the light needs, and a frame's wake-up costs as much CPU as making it (80-110 us on the
2-core machine the bench runs on, before any work). So each frame made here also says how many of
the loop's periods (its stride: 1, 2, 4, 8 or 16) may pass before the next one, from two things
measured on the light itself:

- its level: the ring's light (Rec. 709 luminance, summed over the LEDs, in codes). The dither
  holds the ring's light within about a code of what is asked, so its flicker's modulation
  shrinks as 1 / level; shown at 1/s of the rate its tones move down by s, where IEEE 1789's
  limits are lower in proportion. So the level needed grows in proportion to the stride:
  LEVEL_PER_STRIDE_CODES per unit, measured (below). A dark frame has no dither and no such limit.
- its motion: the most any channel changes per period, judged by the eye. No channel may step
  by more than MAX_STEP_CODES, or by more than MAX_STEP_LSTAR in its own lightness (L* of its code
  on the scale of full duty), between two frames shown at a stride above 1, so fades and motion
  stay smooth; a frame that moves faster drops the stride at once. Two codes are a step of 1 L*
  at 40 codes and of 2.5 L* at 10, which the flat rule always let through in dim light; in L*
  the same step is allowed where a channel is bright (up to 6.6 codes at 255, where 2 codes are
  0.3 L*).

Between keyframes rendered every KEYFRAME_S of sequence time (on a grid from the sequence's
start, so a frame depends only on its time), frames shown more often than that are interpolated
in linear light (the pipeline's float codes, before the dither): rendering costs several times
the blend, and the effects' motion is slow enough for a straight line over 40 ms. Measured over
the built-in sequences at 24 LEDs, a pair's middle interpolated is at most 1.9 codes off the
frame rendered there, on any channel of any LED (storm-to-firelight, in bright light where that
is a small step); where the ring's light is under DIM_SPAN_CODES, 0.08. There, in dim light, the
keyframe in the middle of each span of two steps is skipped and frames are interpolated over
80 ms (at most 0.24 codes off): dim light is where frames go out at every period, and moves by
little in codes. Where two keyframes differ by more than INTERPOLATE_MAX_CODES (a flash, a cut),
every frame between them is rendered exactly. Interpolated frames are made a run at a time,
through the pairs that follow while their stride is the same (up to RUN_PERIODS), and dithered
together: at 24 LEDs numpy's cost per call is most of a frame's, and a run takes the same handful
of calls as one frame (device/dither.py).
"""

from __future__ import annotations

import bisect
import math
from typing import NamedTuple, Sequence

import numpy as np

from device.pipeline import Pipeline
from sequences.colour import LUMA_WEIGHTS

# Interpolated frames are made and dithered together, up to RUN_PERIODS of the loop's periods
# (640 ms at 200 fps, the loop's look-ahead; the loop makes them again if the brightness changes
# first, so the look-ahead delays nothing) and RUN_FRAMES frames (the dither's work arrays: 1.6 MB
# at 144 LEDs): 64 frames at stride 1 or 2, 32 at stride 4. Each run's own numpy calls are shared
# by its frames, so longer runs cost less a frame: the bench's frame cost (24 LEDs, every frame of
# storm-to-firelight, x Pulse) is 1.5 at 32 periods, 1.05-1.13 at 64 and 0.92-0.95 at 128. A run
# crosses several keyframes; the loop renders them ahead, one in the slack after each frame
# (FrameMaker.prepare), so making a run is the dither's work.
RUN_PERIODS = 128
RUN_FRAMES = 64
MAX_STRIDE = 16  # at 200 fps, a frame at least every 80 ms: a new program or a source's change shows within that
# Measured with the ditherer of issue 11 (steady 2700 K, 6500 K, gold, pond and indigo, L* 2-40, each
# frame held s periods, 8 s, IEEE 1789 as the bench reads it): every component stays under half
# the no-observable-effect limit from a ring light of 20 codes at stride 2, 41 at 4, 86 at 8 and
# 270 at 16, so 17 a unit of stride does for flicker. Against 40 a unit (the bench, ditherer of
# dd38622): the ramp's largest 100 ms step 0.0173 L* (0.0137), the colour averaged over 2 s 0.00020
# (0.00017), and the flicker group's worst no-observable-effect ratio 0.60 (0.33: its 248-code level
# is now shown at stride 8, not 4), all inside their limits; the sunrise at 60x shows 9 % fewer
# frames. The bench's flicker groups hold it to IEEE 1789 as the LEDs show it
# (bench.light.flicker to L* 10, bench.light.paced_flicker above).
LEVEL_PER_STRIDE_CODES = 17.0
MAX_STEP_CODES = 2.0  # a channel's step between two frames shown at a stride above 1 may be this many codes,
MAX_STEP_LSTAR = 1.0  # or this much of its own lightness, whichever is more (see the module docstring)
_LSTAR_PER_CUBE_ROOT = 116.0  # L* = 116 * cbrt(Y) - 16: a difference of cube roots times 116
KEYFRAME_S = 0.04  # sequence time between keyframes: 25 renders a second (12.5 in dim light) at any frame rate
INTERPOLATE_MAX_CODES = 4.0  # keyframes further apart than this are not interpolated between
# Where the ring's light at both ends of a span of two keyframe steps is below this (codes, as
# the level rule counts it), frames are interpolated across the span and its middle keyframe is
# not rendered. Measured over the built-in sequences at 24 LEDs (each span's middle interpolated,
# against it rendered): at most 0.24 codes off on any channel of any LED below 50 (0.08 with the
# middle rendered), but 0.45 below 68 and 1.6 below 100 (shimmer and fireflies in dim light).
# The bench's frame cost (24 LEDs, every frame of storm-to-firelight, x Pulse): 1.40-1.44 with no
# dim spans, 0.91-0.93 at 50, 0.82-0.85 at 100. Where it shows is the stars' lub-dub (a 240 ms
# bump): a straight line over 80 ms takes up to 25 % off the top of a bump that falls badly on
# the grid (15 % as the eye sums light over 100 ms: 5 % of a star, 0.4 L* at 2.5 codes),
# against 7 % (4 %) over 40 ms. Splitting the spans where the light bends (by its second
# difference over the spans either side) left 0.19 codes and cost the bench 5 %: not kept.
DIM_SPAN_CODES = 50.0
_largest = np.maximum.reduce  # the ufunc's own reduce: np.max is a Python wrapper round it
_DIM = 1e-9  # a level that is lit, and below every stride's


class _Keyframe(NamedTuple):
    """A keyframe and what pacing reads of it, worked out once."""

    linear: np.ndarray  # the rendered frame, linear light
    codes: np.ndarray  # the pipeline's float codes (power-limited)
    cube_root: np.ndarray  # of linear: lightness, for the motion rule
    level: float  # the ring's light, codes


def _dim_span(a: _Keyframe, b: _Keyframe) -> bool:
    """Whether the frames between keyframes a and b, two steps apart, may be interpolated across
    (no keyframe rendered between): both ends dim."""
    return max(a.level, b.level) < DIM_SPAN_CODES


def stride_for(level_codes: float, change_codes_per_period: float, max_stride: int = MAX_STRIDE) -> int:
    """Periods until the next frame, for a frame of this level (ring light, codes) changing this
    much (codes of its fastest channel per period): the largest power of two up to `max_stride`
    that both rules allow (see the module docstring)."""
    stride = max_stride
    lit = level_codes > 0.0
    while stride > 1 and ((lit and level_codes < LEVEL_PER_STRIDE_CODES * stride)
                          or change_codes_per_period * stride > MAX_STEP_CODES):
        stride //= 2
    return stride


class FrameMaker:
    """Makes the loop's frames of one source: uint8 codes for a time, and the stride to the next.

    `adaptive` False: every frame is rendered exactly and the stride is always 1 (exports, the phone
    page's previews, tests of the loop's own timing); then the pipeline need only have process().
    One per play: it keeps the keyframes and the last frame it rendered.
    Frames between keyframes are interpolated in the pipeline's float codes (linear light, power-
    limited: a blend of two frames within the budget is within it) and only then dithered.
    """

    def __init__(self, source, pipeline: Pipeline, period_s: float, adaptive: bool = True):
        self.source = source
        self.pipeline = pipeline
        self.period_s = period_s
        self.adaptive = adaptive
        self.stride = 1
        if adaptive:
            self._pace()

    def _pace(self) -> None:
        pipeline, period_s = self.pipeline, self.period_s
        self._light_in_codes(pipeline.gains)
        self._difference_buffer = np.empty((pipeline.pixels, 3))
        self._lightness_buffer = np.empty((pipeline.pixels, 3))
        # Interpolation only where it saves renders: two or more frames between keyframes.
        self._keyframes = KEYFRAME_S >= 2.0 * period_s
        # The pair of keyframes frames are interpolated between: steps _pair_n to _pair_end (one or,
        # in a dim span, two steps apart), the first's codes and the difference to the second's.
        self._pair_n: int | None = None
        self._pair_end = 0
        self._a_codes = self._codes_difference = None
        self._pair_level = self._pair_change = 0.0
        self._pair_exact = False
        self._last: np.ndarray | None = None  # the last frame rendered exactly, and its time
        self._last_t_s = 0.0
        self._known: dict[int, _Keyframe] = {}  # keyframes rendered (for a pair, or ahead), by step

    def _light_in_codes(self, gains: np.ndarray) -> None:
        # Light in codes: the pipeline's gains (white balance, brightness, 255) before its power limit.
        self._gains = gains
        self._code_scale = float(np.max(gains))
        # A step in cube roots of linear light, as codes of the flat rule: MAX_STEP_LSTAR counts as MAX_STEP_CODES.
        self._lightness_as_codes = (_LSTAR_PER_CUBE_ROOT * (self._code_scale / 255.0) ** (1.0 / 3.0)
                                    * MAX_STEP_CODES / MAX_STEP_LSTAR)
        self._luma_codes = np.tile(LUMA_WEIGHTS * gains, self.pipeline.pixels)  # per pixel and channel, for np.vdot

    def make(self, t_s: float, exact: bool = False, before_s: float = math.inf,
             max_frames: int = RUN_FRAMES) -> Sequence[np.ndarray]:
        """The codes (frames, pixels, channels) of the frame at sequence time t_s and, where it is
        interpolated between keyframes, of those after it at the stride up to RUN_PERIODS periods
        on, at most `max_frames` in all, all before `before_s`: frames dithered together cost far
        less each (device/dither.py).
        Sets `stride`, the periods from each frame to the next. `exact`: render it, alone, even
        if it could be interpolated (the last frame of a play)."""
        if not self.adaptive:  # one frame, whatever the pipeline makes of it (a preview's makes text)
            return [self.pipeline.process(self.source.frame(t_s))]
        if self.pipeline.gains is not self._gains:  # retuned while playing (the brightness changed)
            self._light_in_codes(self.pipeline.gains)
            self._pair_n = None  # the keyframes' codes were the old brightness's
            self._known.clear()
        # The first frame is rendered alone (it is due at once: the keyframes can follow).
        if self._keyframes and not exact and self._last is not None and self.stride * self.period_s < KEYFRAME_S:
            codes = self._interpolated_run(t_s, before_s, max_frames)
            if codes is not None:
                return self.pipeline.ditherer.quantise_run(codes)
        linear = self._rendered(t_s)
        level = self._level(linear)
        previous, self._last, gap_s = self._last, linear, t_s - self._last_t_s
        self._last_t_s = t_s
        if 0.0 < level < 2.0 * LEVEL_PER_STRIDE_CODES:
            self.stride = 1  # dim: the full rate whatever the motion, which need not be measured
        elif previous is not None and gap_s > 0.0:
            self.stride = stride_for(level, self._motion(linear, previous)[1] / gap_s * self.period_s)
        elif self._pair_n is not None and gap_s == 0.0:  # on the keyframe just rendered: its pair's motion
            self.stride = stride_for(level, self._pair_change * self.period_s)
        else:
            self.stride = 1  # the motion is not known yet
        return self.pipeline.process(linear)[None]

    def _level(self, linear: np.ndarray) -> float:
        """The ring's light in codes (luminance summed over the LEDs)."""
        return float(np.vdot(self._luma_codes, linear))

    def _motion(self, frame: np.ndarray, other: np.ndarray, frame_cube_root: np.ndarray | None = None,
                other_cube_root: np.ndarray | None = None) -> tuple[float, float]:
        """(the most any channel differs between two linear frames, in codes; the largest step of
        any channel as the motion rule judges it, in codes: its step in codes, or its step in L*
        scaled so that MAX_STEP_LSTAR is MAX_STEP_CODES, whichever is less). The frames' cube
        roots, where known already, spare working them out again."""
        codes = np.subtract(frame, other, out=self._difference_buffer)
        np.absolute(codes, out=codes)
        codes *= self._code_scale
        largest = float(_largest(codes, axis=None))
        lightness = np.subtract(np.cbrt(frame) if frame_cube_root is None else frame_cube_root,
                                np.cbrt(other) if other_cube_root is None else other_cube_root,
                                out=self._lightness_buffer)
        np.absolute(lightness, out=lightness)
        lightness *= self._lightness_as_codes
        return largest, float(_largest(np.minimum(codes, lightness, out=codes), axis=None))

    def _rendered(self, t_s: float) -> np.ndarray:
        # Kept past the next render, without a copy: a source never draws in a frame again (FrameSource).
        return np.asarray(self.source.frame(t_s), dtype=float)

    def _interpolated_run(self, t_s: float, before_s: float, max_frames: int) -> np.ndarray | None:
        """The float codes of the frames from t_s on at the stride of its keyframes, through the
        pairs after theirs while they are interpolated too at the same stride: up to RUN_PERIODS
        periods, RUN_FRAMES and `max_frames` (at least one), before `before_s`; None where the
        first pair is too far apart."""
        n = math.floor(t_s / KEYFRAME_S)
        if self._pair_n is None or not self._pair_n <= n < self._pair_end:
            self._load_pair(n)
        if self._pair_exact:
            return None
        stride = self.stride = stride_for(self._pair_level, self._pair_change * self.period_s)
        times_s = t_s + stride * self.period_s * np.arange(max(1, min(RUN_PERIODS // stride, RUN_FRAMES, max_frames)))
        times_s = times_s[:max(1, int(np.searchsorted(times_s, before_s)))]
        steps = np.floor(times_s / KEYFRAME_S).astype(int).tolist()  # the keyframe step of each frame
        # The run's pairs, in turn: how many frames each, its first keyframe's codes, the difference
        # to its second's, when it starts and how long it spans (s).
        counts, firsts, differences, starts_s, spans_s = [], [], [], [], []
        first = 0
        while first < len(steps):
            if not self._pair_n <= steps[first] < self._pair_end:
                self._load_pair(steps[first])
                if self._pair_exact or stride_for(self._pair_level, self._pair_change * self.period_s) != stride:
                    break  # the rest another time: rendered, or at another stride
            end = bisect.bisect_left(steps, self._pair_end, first)
            counts.append(end - first)
            firsts.append(self._a_codes)
            differences.append(self._codes_difference)
            starts_s.append(self._pair_n * KEYFRAME_S)
            spans_s.append((self._pair_end - self._pair_n) * KEYFRAME_S)
            first = end
        # Each frame is its pair's first keyframe plus the share of the difference its time has come:
        # for all the run's pairs at once (numpy's cost per call is most of a frame's).
        share = np.divide(np.subtract(times_s[:first], np.repeat(starts_s, counts)), np.repeat(spans_s, counts))
        codes = np.repeat(differences, counts, axis=0)
        codes *= share[:, None, None]
        codes += np.repeat(firsts, counts, axis=0)
        return codes

    def _load_pair(self, n: int) -> None:
        """The pair of keyframes that frames at keyframe step n lie between: the ends of the span of
        two steps from the even step at or before n, where both are dim (below DIM_SPAN_CODES) and
        not too far apart; else the steps either side of n, rendering the one in the span's middle."""
        start = n - n % 2
        self._forget_before(start)
        a, b = self._keyframe(start), self._keyframe(start + 2)
        if _dim_span(a, b) and self._set_pair(start, start + 2, a, b):
            return
        middle = self._keyframe(start + 1)
        if n == start:
            self._set_pair(start, start + 1, a, middle)
        else:
            self._set_pair(start + 1, start + 2, middle, b)

    def _set_pair(self, first: int, last: int, a: _Keyframe, b: _Keyframe) -> bool:
        """Interpolate between keyframes a (at step `first`) and b (at `last`); False where they are
        too far apart to (every frame between is rendered exactly)."""
        self._pair_n, self._pair_end = first, last
        self._a_codes, self._codes_difference = a.codes, np.subtract(b.codes, a.codes)
        largest, motion = self._motion(b.linear, a.linear, b.cube_root, a.cube_root)
        self._pair_exact = largest > INTERPOLATE_MAX_CODES
        self._pair_change = motion / ((last - first) * KEYFRAME_S)  # codes (the motion rule's) a second
        # The dimmer end rules; one end dark and the other lit is lit, and dim.
        low, high = min(a.level, b.level), max(a.level, b.level)
        self._pair_level = low if low > 0.0 else (_DIM if high > 0.0 else 0.0)
        self._last, self._last_t_s = b.linear, last * KEYFRAME_S
        return not self._pair_exact

    def _forget_before(self, step: int) -> None:
        """Keyframes before this step serve no frame to come (passed by, or the light was rendered exactly)."""
        for passed in [known for known in self._known if known < step]:
            del self._known[passed]

    def _keyframe(self, n: int) -> _Keyframe:
        """Keyframe step n: rendered once, and kept (with its codes, cube root and level) while it may serve."""
        known = self._known.get(n)
        if known is None:
            linear = self._rendered(n * KEYFRAME_S)
            known = self._known[n] = _Keyframe(linear, self.pipeline.codes(linear), np.cbrt(linear),
                                               self._level(linear))
        return known

    def prepare(self, t_s: float, before_s: float = math.inf) -> None:
        """Render ahead one of the keyframes the run from sequence time t_s (up to `before_s`) needs,
        if any is left (none where frames are rendered, not interpolated). The loop calls it in the
        slack after a frame goes out, so a run later takes a call of the dither alone, not of
        every render its frames cross: the work between two deadlines stays about one render."""
        if not self.adaptive or not self._keyframes or self._last is None or self.stride * self.period_s >= KEYFRAME_S:
            return
        first = math.floor(t_s / KEYFRAME_S)
        end_s = min(t_s + RUN_PERIODS * self.period_s, before_s)
        last = math.ceil(end_s / KEYFRAME_S - 1e-9)  # the second keyframe of the pair of the last frame before end_s
        span_start = first - first % 2
        self._forget_before(span_start)
        # The spans the run crosses, in turn: their ends, then any middle a bright one needs.
        for start in range(span_start, last, 2):
            for n in (start, start + 2):
                if n not in self._known:
                    self._keyframe(n)
                    return
            if start + 1 not in self._known and not _dim_span(self._known[start], self._known[start + 2]):
                self._keyframe(start + 1)
                return
