"""Float codes (0-255) to whole 8-bit codes, so that the light averages out exactly: the dither.

Each LED keeps an account of the light it is owed (positive) or has had ahead of time
(negative). Frames come in runs (those the frame loop interpolates between keyframes, made at
once: device/pacing.py), or one at a time; over a run, what an LED wants is the cumulative sum of
its float codes plus its account, W, and what it has shown is a cumulative sum of whole codes.
Each frame:
- the ring's total per channel is picked first (device/ring_totals.py: what the eye sees behind
  the diffuser, shaped so that its error sits near 100 Hz);
- each LED then holds the whole part of what it wants, floor(W), and the codes left over go to
  the LEDs owed the largest fractions; ties go round the ring in an even order, so two half-code
  neighbours light one LED between them, not both or neither, and the lit LEDs take turns.
So every LED's shown total stays within a code of what it wants, and a frame's codes are the
difference of two cumulative totals. Done this way, a whole run is a handful of numpy calls (a
running sum, floor, one sort, one compare), not a handful per frame: at 24 LEDs numpy's cost per
call, not the arithmetic, is what a frame spends its time on. A run gives the codes its frames
one by one would, bar a held code (below).

An LED cannot give light back. One that has had light ahead of time (it wants less than nothing)
shows none until what it wants catches up. In a run, an LED given a spare code in one frame may
not be given one in the next with its whole part the same (the total fell, or its fraction was
overtaken): it holds its code (shows 0), and the frame's other spare codes go to the rest by
priority (see _hold). Frame by frame, the totals know of such an LED; in a run they do not, so
the frame may show a code more than its total, and a later one a code less.

Why by what each LED is owed, and not by a running total round the ring: a running total hands
each LED's rounding remainder to the next LED in the ring. When that LED wants almost nothing it
is given a whole code it can only pay back at its own tiny rate, and the debt was charged again
every frame to the next lit LED, so a ring of near-zero LEDs behind a bright one left the bright
one owed a code per debtor (26 codes seen) - light it would get all at once, a flash, as soon as
the debtors went dark. Here an LED only gets a spare code when its own account is among the
largest, and every account stays within about a code (tests/device/test_pipeline.py measures it).

A zero stays zero: an LED asked for nothing gets nothing and forgets its account.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Sequence

import numpy as np

from device.ring_totals import RingTotals
from sequences.colour import LUMA_WEIGHTS

MAX_CODE = 255.0
# A run holds frames whose LEDs are lit alike, all below this: above it, an LED may be owed more
# than full, which it forgets frame by frame (see quantise_run).
_RUN_MAX_CODE = MAX_CODE - 2.0
_KEPT_RUN_LENGTHS = 8  # work arrays are kept for this many run lengths (a run of 64 at 144 LEDs: 1.6 MB)
_CAN_TAKE = 1.0 - 1e-6  # the least priority of an LED that can take a spare code (see _run)
_FULL = MAX_CODE - 1e-6  # full, held a hair below 255: a full LED's whole part is 254 and its last code a spare one


def _spread_order(pixels: int) -> np.ndarray:
    """Each LED's place in an order that visits the ring evenly (bit-reversed index: 0, half,
    quarter, three quarters, ...), as a rank in 0..pixels-1 (0 first)."""
    bits = max(1, (pixels - 1).bit_length())
    reversed_index = [int(format(i, f"0{bits}b")[::-1], 2) for i in range(pixels)]
    place = np.empty(pixels)
    place[np.argsort(reversed_index, kind="stable")] = np.arange(pixels)
    return place


class Ditherer:
    """Quantises float codes to uint8, frame by frame or a run of frames at once; keeps the accounts.

    luma: the luminance of one code of each channel (Rec. 709 weights for R, G, B; an RGBW ring
    adds its white chip's), which is what the ring's flicker is judged by.
    """

    def __init__(self, pixels: int, channels: int, luma: Sequence[float] | None = None):
        if luma is None and channels != 3:
            raise ValueError("a ditherer for other channels than R, G, B needs each channel's luminance")
        self.totals = RingTotals(LUMA_WEIGHTS if luma is None else luma)
        self._pixels = pixels
        self._channels = channels
        self.error = np.zeros((pixels, channels))  # each LED's account, codes
        # A tie-break far below any real difference in what LEDs are owed: among equals, the
        # spare codes go round the ring in an even order rather than to a run of neighbours.
        tie_break = (_spread_order(pixels) + 1.0) * (1e-9 / max(pixels, 1))
        self._tie_break = np.repeat(tie_break[:, None], channels, axis=1)
        self._account = np.empty((pixels, channels))
        self._lit_less_tie_break = np.empty((pixels, channels))
        self._work: dict[int, SimpleNamespace] = {}
        self._held_first = np.full((pixels, channels), 4.0)  # above every priority (all are below 2)
        self._channel_of = np.tile(np.eye(channels), (pixels, 1))
        self._no_spare_in_frame = pixels * channels + np.arange(channels)  # the row of infinity, flat in a frame's rows

    def reset(self) -> None:
        self.error[:] = 0.0
        self.totals.reset()

    def quantise(self, codes: np.ndarray) -> np.ndarray:
        """Float codes (pixels, channels) in 0-255 -> uint8 codes of the same shape."""
        return self.quantise_run(codes[None])[0]

    def quantise_run(self, codes: np.ndarray) -> np.ndarray:
        """Float codes (frames, pixels, channels) in 0-255, frames shown one after another ->
        uint8 codes of the same shape: the codes quantise() frame by frame would give, bar a
        held code (see the module's docstring)."""
        lit = np.heaviside(codes, 0.0)  # 1.0 where lit: as floats, which numpy mixes with floats quicker than bools
        frames = codes.shape[0]
        if frames == 1:
            return self._run(codes, lit[0])
        # Runs of frames lit alike (an LED going dark forgets its account there); a frame near
        # full is a run of its own (its LEDs forget what they are owed beyond full).
        if np.maximum.reduce(codes, axis=None) > _RUN_MAX_CODE:
            breaks = np.arange(1, frames)
        elif np.equal(lit[1:], lit[:-1]).all():
            return self._run(codes, lit[0])
        else:
            breaks = np.nonzero(np.any(lit[1:] != lit[:-1], axis=(1, 2)))[0] + 1
        edges = [0, *breaks.tolist(), frames]
        return np.concatenate([self._run(codes[a:b], lit[a]) for a, b in zip(edges, edges[1:])])

    def _run(self, codes: np.ndarray, lit_codes: np.ndarray) -> np.ndarray:
        """One run: frames (frames, pixels, channels) whose LEDs are lit alike (`lit_codes`: 1.0 where
        lit, (pixels, channels))."""
        work = self._work.get(len(codes)) or self._new_work(len(codes))
        wanted, whole, priority, ranked, shown = work.wanted, work.whole, work.priority, work.ranked, work.shown
        work.asked[...] = codes
        account = np.multiply(self.error, lit_codes, out=self._account)  # a dark LED forgets its account
        if work.frames == 1:
            np.minimum(np.add(codes[0], account, out=wanted[0]), _FULL, out=wanted[0])
        else:
            np.dot(work.running, work.asked_flat, out=work.wanted_flat)
            wanted += account
        np.floor(wanted, out=whole)
        # An LED that has had light ahead of time (wants less than nothing) shows none; its priority
        # below, under 1, keeps it from a spare code, and the totals count it at 0.
        np.maximum(whole, 0.0, out=whole)
        # Priority: the fraction, less the tie-break, plus 1 for a lit LED. A dark LED ranks near 0,
        # one ahead below 1, and neither takes a spare code (the totals leave them none).
        np.subtract(wanted, whole, out=priority)
        priority += np.subtract(lit_codes, self._tie_break, out=self._lit_less_tie_break)[None]
        np.greater(priority, _CAN_TAKE, out=work.can_take)
        ranked[:, :self._pixels] = priority
        ranked.sort(axis=1)  # above the row of infinity: "the spare-th largest" is one index, even for none
        # Per frame and channel, the sum over the LEDs, by one product with a 0/1 channel picker
        # (np.add.reduce over the LEDs' axis takes six times as long).
        frame_asked, frame_wanted, frame_whole, takers = np.dot(work.sums_flat, self._channel_of).reshape(
            work.sums_shape).tolist()
        spares = np.reshape(self.totals.pick_run(frame_asked, frame_wanted, frame_whole, takers), (-1, self._channels))
        # The spare-th largest priority of each frame and channel lies `spare` rows below "no spare"
        # in its frame's ranked rows: where, flat within the frame (as in _hold's ranked rows).
        cut_in_frame = np.subtract(self._no_spare_in_frame, spares * self._channels).astype(np.intp)
        cut = ranked.take(cut_in_frame + work.rows_at)
        np.add(whole, np.greater_equal(priority, cut.reshape(work.cut_shape), out=work.taken), out=shown)  # cumulative
        if work.frames == 1:  # its shown total is its frame, and none is held: whole parts are never below nothing
            np.subtract(wanted[0], shown[0], out=self.error)
            return shown.astype(np.uint8)
        out = np.empty_like(shown)
        out[0] = shown[0]
        np.subtract(shown[1:], shown[:-1], out=out[1:])
        below = np.less(np.minimum.reduce(out.reshape(work.frames, -1), axis=1), 0.0)  # per frame
        if below.any():
            self._hold(out, work, below, cut_in_frame)
        np.subtract(wanted[-1], shown[-1], out=self.error)
        return out.astype(np.uint8)

    def _new_work(self, frames: int) -> SimpleNamespace:
        """Work arrays and views for runs of `frames`, kept: this runs at up to 200 frames a second,
        where numpy's cost per call and per new array or view, not the arithmetic, is what a frame
        spends."""
        pixels, channels = self._pixels, self._channels
        work = SimpleNamespace(frames=frames, sums_shape=(4, frames, channels), cut_shape=(frames, 1, channels))
        sums = np.empty((4, frames, pixels, channels))
        work.asked, work.wanted, work.whole, work.can_take = sums  # asked, then cumulative over the run
        work.sums_flat = sums.reshape(4 * frames, pixels * channels)
        work.asked_flat, work.wanted_flat = work.sums_flat[:frames], work.sums_flat[frames:2 * frames]
        work.running = np.tril(np.ones((frames, frames)))  # the run's cumulative sum as a product
        work.priority = np.empty((frames, pixels, channels))
        work.ranked = np.full((frames, pixels + 1, channels), np.inf)
        work.taken = np.empty((frames, pixels, channels), dtype=bool)
        work.shown = np.empty((frames, pixels, channels))
        work.rows_at = (np.arange(frames) * ((pixels + 1) * channels))[:, None]  # each frame's ranked rows, flat
        work.hold_ranked = np.full((frames, pixels + 1, channels), np.inf)  # _hold's, laid out as `ranked`
        if len(self._work) >= _KEPT_RUN_LENGTHS:  # the oldest kept goes: runs take few lengths, bar the odd one
            del self._work[next(iter(self._work))]
        self._work[frames] = work
        return work

    def _hold(self, out: np.ndarray, work: SimpleNamespace, below: np.ndarray, cut_in_frame: np.ndarray) -> None:
        """Frames where an LED would show less than nothing (`below`, per frame): it had a spare
        code in the frame before and keeps the same whole part, but the spare codes went to others
        (a smaller total, or its fraction overtaken). It keeps its code (shows nothing), and the
        frame's other spare codes go, by priority, to the rest. A frame so worked out again changes
        the next one's start, which is looked at again from what it was at first (and may need no
        holding, or more). `cut_in_frame`: where each frame's cut lies in its ranked rows (see _run).

        Frame by frame in order this is a chain; here it goes in waves, every frame waiting to be
        looked at worked out at once, as many waves as the longest chain of frames whose start
        changed (3.5 on average over the dim part of storm-to-firelight, against 12 frames held):
        each frame ends as it would in order, worked out from the frame before it as it ends."""
        shown, whole, priority = work.shown, work.whole, work.priority
        pixels = self._pixels
        first_shown = shown.copy()  # as the run's ranking gave them, before any holding
        looked_at = below.nonzero()[0]  # never the first frame: its whole parts are never below nothing
        first_wave = True
        while looked_at.size:
            before = shown[looked_at - 1]
            if first_wave:  # every frame looked at is below nothing, and changes
                now, to_hold = shown[looked_at], None
                frames, before_held = looked_at, before
            else:
                now, was = first_shown[looked_at], shown[looked_at]
                to_hold = np.less(np.minimum.reduce((now - before).reshape(looked_at.size, -1), axis=1), 0.0)
                frames, before_held = looked_at[to_hold], before[to_hold]
            if frames.size:
                # Held: above its whole part already. They rank first; the spare codes left go by priority.
                ranked = work.hold_ranked[:frames.size]  # above a row of infinity, as in _run
                frames_whole = whole[frames]
                np.add(priority[frames], np.multiply(np.greater(before_held, frames_whole), self._held_first),
                       out=ranked[:, :pixels])
                held_ranked = ranked[:, :pixels].copy()
                ranked.sort(axis=1)
                cut = ranked.take(cut_in_frame[frames] + work.rows_at[:frames.size])
                # More held than spare codes: those left out still keep theirs (this frame shows more
                # than its total, and a later one less).
                held = np.maximum(frames_whole + np.greater_equal(held_ranked, cut[:, None, :]), before_held)
                if to_hold is None:
                    now = held
                else:
                    now[to_hold] = held
            shown[looked_at] = now
            out[looked_at] = now - before
            # The frames after those that changed start from something else: looked at again.
            if first_wave:
                changed = looked_at + 1
                first_wave = False
            else:
                changed = looked_at[np.not_equal(now, was).reshape(looked_at.size, -1).any(axis=1)] + 1
            looked_at = changed[changed < work.frames]
