"""How much light the whole ring shows in each frame: each channel's ring total, in whole codes.

The ditherer (device/dither.py) first picks, for every frame, how many codes of each channel the
ring shows in all (this module), and only then which LEDs show them. The totals are whole numbers,
so the ring's light has an error in every frame; what can be chosen is where its spectrum lies.
Two totals per channel (the whole numbers either side) cannot do it: a fraction near 0 or 1 is a
rare extra code, a tone at the fraction times 200 Hz (3 Hz for green's 0.016 at 0.5 codes) whose
size over IEEE 1789's limit does not shrink with the fraction. So the totals roam a few codes, and
are picked together (a vector quantiser with error feedback):
- luminance, which IEEE 1789 judges, is held close: a code of green (0.72 of luminance) that the
  shaping asks for is met by about three codes less red and one less blue, so luminance moves by
  hundredths of a code while the colour swings;
- the colour part of the accounts is shaped second order, (1 - z^-1)^2, so its swings sit near
  100 Hz, where colour flicker is invisible (colour fusion is below about 25 Hz), and average out
  exactly, like every account;
- the luminance part is shaped by (1 - z^-1)(1 - 0.3 z^-1): a zero at DC, less gain near 100 Hz
  than second order, so the frame-to-frame steps (p2p) stay small.
A candidate's cost is (its luminance error)^2 + COLOUR_COST * (its errors per channel)^2.

Totals here are cumulative over a run of frames (device/dither.py): frame k's is the sum of the
run's frames 0..k, so the bounds of one frame depend on the totals picked before it in the run.
This runs once a frame on the frame loop's thread, in plain floats: for three channels, the
candidate a frame's fractions call for is looked up in a table (below), which is what makes it
cheap; numpy prices all the candidates only where the table cannot say or a bound is in the way.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Sequence

import numpy as np

# Tuned with bench/light.py's flicker levels and a sweep of eight colours from L* 1 to 30:
COLOUR_COST = 0.005  # a code of colour error in one frame costs what 0.07 code of luminance error does
LUMA_SHAPING_POLE = 0.3  # luminance error shaped by (1 - z^-1)(1 - 0.3 z^-1)
COLOUR_WINDUP_CODES = 2.0  # the most the colour part of the accounts' running sum may hold
SWING_CODES = 6.0  # no channel's ring total strays further than this from the frame's (rounded out)
OFFSETS = range(-1, 3)  # each total is picked from floor(target) - 1 ... floor(target) + 2
DARK_CODES = 1e-9  # a ring asking for less luminance than this (in codes) is dark
TABLE_STEPS = 32  # the table's cells per code of each channel's fraction
# The table's side: one cell more than the steps, a copy of the last, for a fraction of exactly
# 1.0 (x - floor(x) for an x a hair below 0, rounded).
TABLE_SIDE = TABLE_STEPS + 1


def _candidates(channels: int) -> np.ndarray:
    """Every candidate's offsets from the floor of each channel's target (candidates, channels)."""
    return np.array(list(itertools.product(OFFSETS, repeat=channels)), dtype=float)


def _costs(fractions: np.ndarray, offsets: np.ndarray, luma: np.ndarray) -> np.ndarray:
    """Each candidate's cost (points, candidates) at targets whose fractions (points, channels) are given."""
    error = offsets[None, :, :] - fractions[:, None, :]
    return (error @ luma) ** 2 + COLOUR_COST * np.einsum("pcj,pcj->pc", error, error)


@functools.lru_cache(maxsize=2)
def pick_table(luma: tuple[float, float, float]) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """For targets whose fractions (target - floor(target), per channel) lie in each cell of a
    TABLE_STEPS-cube, indexed by table_index(): the offsets that are best at the cell's corners
    (one, for two cells in three).

    Where the corners agree, the table is exact: the targets for which one candidate is best form
    a convex region (a Voronoi cell of the lattice under the cost's metric), so a cell whose eight
    corners share their best lies wholly inside that candidate's region. Where they differ, the
    best inside is one of them, bar a region thin enough to pass between the corners, whose cost
    is then at most 0.0013 below theirs (a code of luminance error costs 1: this is the cost of
    0.04 code; the most found over 8 million random targets). A function of the weights alone:
    made once for each ring type (about 0.1 s) and kept."""
    offsets = _candidates(3)
    corners = np.arange(TABLE_STEPS + 1) / TABLE_STEPS
    grid = np.stack(np.meshgrid(corners, corners, corners, indexing="ij"), axis=-1).reshape(-1, 3)
    best = np.concatenate([_costs(grid[start:start + 8192], offsets, np.asarray(luma)).argmin(axis=1)
                           for start in range(0, len(grid), 8192)]).reshape((TABLE_STEPS + 1,) * 3)
    steps = TABLE_STEPS
    at_corners = np.stack([best[dr:dr + steps, dg:dg + steps, db:db + steps]
                           for dr, dg, db in itertools.product((0, 1), repeat=3)], axis=-1)
    at_corners = np.pad(at_corners, ((0, 1), (0, 1), (0, 1), (0, 0)), mode="edge").reshape(-1, 8)
    rows = [tuple(int(v) for v in row) for row in offsets]
    return tuple(tuple(rows[i] for i in sorted(set(cell))) for cell in at_corners.tolist())


def table_index(fractions: Sequence[float]) -> int:
    """The table's cell for three fractions, each in 0-1 (1 itself included)."""
    r, g, b = (int(fraction * TABLE_STEPS) for fraction in fractions)
    return (r * TABLE_SIDE + g) * TABLE_SIDE + b


class RingTotals:
    """Picks the ring's totals frame by frame, and keeps the shaping's state between frames.

    luma: the luminance of one code of each channel (Rec. 709 weights for R, G, B; an RGBW ring
    adds its white chip's).
    """

    def __init__(self, luma: Sequence[float]):
        self.luma = [float(weight) for weight in luma]
        channels = len(self.luma)
        offsets = _candidates(channels)
        # The part of each candidate's cost that does not depend on the target (its cost at a
        # target of whole codes), as a last column, so that one product prices them all (see _exact).
        offset_cost = _costs(np.zeros((1, channels)), offsets, np.array(self.luma))[0]
        self._offsets_and_cost = np.hstack([offsets, offset_cost[:, None]])
        self._gradient = np.ones(channels + 1)  # the last 1 takes in the offset's own cost
        self._offset_rows = [tuple(int(v) for v in row) for row in offsets]
        # Per channel, for each window of offsets a bound leaves (lowest, highest), infinity for the
        # candidates outside it and 0 for the rest: added to the costs, it rules them out.
        self._outside = [{(lowest, highest): np.where((column >= lowest) & (column <= highest), 0.0, np.inf)
                          for lowest in OFFSETS for highest in OFFSETS if lowest <= highest}
                         for column in offsets.T]
        self._table = pick_table(tuple(self.luma)) if channels == 3 else None
        self.reset()

    def reset(self) -> None:
        self.colour_sum = [0.0] * len(self.luma)  # the colour part of the accounts' running sum, codes
        self.luma_error = 0.0  # last frame's luminance rounding error, in codes

    def pick_run(self, asked: list[list[float]], wanted: list[list[float]], whole: list[list[float]],
                 takers: list[list[float]]) -> list[float]:
        """How many codes each frame of a run gives the ring beyond its LEDs' whole parts (the spare
        codes), per channel, flat: frame 0's channels, frame 1's, ...

        asked: each frame's total per channel (codes); wanted: the run's cumulative sum of what
        the LEDs want (codes asked since the run began, plus the accounts it began with);
        whole: the sum over the LEDs of the whole part of what each wants, cumulative; takers:
        how many LEDs of each channel can take a spare code in each frame (lit, and not ahead).
        """
        if self._table is not None:
            return self._pick_run_by_table(asked, wanted, whole, takers)
        spares: list[float] = []
        shown = [0.0] * len(self.luma)  # the cumulative totals picked so far
        for frame in zip(asked, wanted, whole, takers):
            shown = self._exact(*frame, shown, spares)
        return spares

    def _pick_run_by_table(self, asked: list[list[float]], wanted: list[list[float]], whole: list[list[float]],
                           takers: list[list[float]]) -> list[float]:
        """pick_run for three channels: _exact's pick, by the table, written out channel by channel
        in one loop with its state in local names (it runs once a frame); _exact itself where a
        bound may be in the way, or the ring is dark."""
        wr, wg, wb = self.luma
        table, steps, side, floor, swing = self._table, TABLE_STEPS, TABLE_SIDE, math.floor, SWING_CODES
        pole, cost_of_colour = LUMA_SHAPING_POLE, COLOUR_COST
        limit = COLOUR_WINDUP_CODES
        sr, sg, sb = self.colour_sum
        luma_error = self.luma_error
        shown_r = shown_g = shown_b = 0.0  # the cumulative totals picked so far
        spares: list[float] = []
        for (ar, ag, ab), (tr, tg, tb), (lr, lg, lb), (nr, ng, nb) in zip(asked, wanted, whole, takers):
            asked_luma = wr * ar + wg * ag + wb * ab
            if asked_luma > DARK_CODES:
                inverse = 1.0 / asked_luma
                lead = pole * luma_error * inverse
                qr, qg, qb = tr + sr - ar * lead, tg + sg - ag * lead, tb + sb - ab * lead  # the targets
                br, bg, bb = floor(qr), floor(qg), floor(qb)
                ur, ug, ub = qr - br, qg - bg, qb - bb
                candidates = table[(int(ur * steps) * side + int(ug * steps)) * side + int(ub * steps)]  # table_index()
                offsets = candidates[0]
                if len(candidates) > 1:  # the cell's corners differ: the best of theirs here
                    least = math.inf
                    for candidate in candidates:
                        er, eg, eb = candidate[0] - ur, candidate[1] - ug, candidate[2] - ub
                        luma = wr * er + wg * eg + wb * eb
                        cost = luma * luma + cost_of_colour * (er * er + eg * eg + eb * eb)
                        if cost < least:
                            least, offsets = cost, candidate
                pr, pg, pb = br + offsets[0], bg + offsets[1], bb + offsets[2]
                xr, xg, xb = pr - lr, pg - lg, pb - lb
                # Inside every bound of _exact, the target and the pick alike, or the bounds may
                # change the pick: from the whole parts to a code more for each LED that can take
                # one, and within SWING_CODES of the frame's own total, never below nothing.
                if (0.0 <= xr <= nr and 0.0 <= xg <= ng and 0.0 <= xb <= nb
                        and 0.0 <= qr - lr <= nr and 0.0 <= qg - lg <= ng and 0.0 <= qb - lb <= nb):
                    lowest_r = shown_r + (ar - swing if ar > swing else 0.0)
                    lowest_g = shown_g + (ag - swing if ag > swing else 0.0)
                    lowest_b = shown_b + (ab - swing if ab > swing else 0.0)
                    highest_r, highest_g, highest_b = shown_r + ar + swing, shown_g + ag + swing, shown_b + ab + swing
                    inside = (lowest_r <= pr <= highest_r and lowest_g <= pg <= highest_g
                              and lowest_b <= pb <= highest_b and lowest_r <= qr <= highest_r
                              and lowest_g <= qg <= highest_g and lowest_b <= qb <= highest_b)
                else:
                    inside = False
                if inside:
                    spares += (xr, xg, xb)
                    shown_r, shown_g, shown_b = pr, pg, pb
                    # The shaping's state (_shape, written out).
                    er, eg, eb = pr - qr, pg - qg, pb - qb
                    luma_error = wr * er + wg * eg + wb * eb
                    luma_error = -1.0 if luma_error < -1.0 else (1.0 if luma_error > 1.0 else luma_error)
                    sr, sg, sb = ar * lead - er, ag * lead - eg, ab * lead - eb
                    scale = (wr * sr + wg * sg + wb * sb) * inverse
                    sr, sg, sb = sr - ar * scale, sg - ag * scale, sb - ab * scale
                    sr = -limit if sr < -limit else (limit if sr > limit else sr)
                    sg = -limit if sg < -limit else (limit if sg > limit else sg)
                    sb = -limit if sb < -limit else (limit if sb > limit else sb)
                    continue
            self.colour_sum, self.luma_error = [sr, sg, sb], luma_error
            shown_r, shown_g, shown_b = self._exact([ar, ag, ab], [tr, tg, tb], [lr, lg, lb], [nr, ng, nb],
                                                    [shown_r, shown_g, shown_b], spares)
            (sr, sg, sb), luma_error = self.colour_sum, self.luma_error
        self.colour_sum, self.luma_error = [sr, sg, sb], luma_error
        return spares

    def _exact(self, asked: list[float], wanted: list[float], whole: list[float], takers: list[float],
               shown: list[float], spares: list[float]) -> list[float]:
        """The candidate of least cost within the bounds, for any number of channels: each total from
        the LEDs' whole parts to one more code for each that can take one, and within SWING_CODES
        of the frame's. Its spare codes go on `spares`, within what the lit LEDs can take (the
        bounds may ask more where many LEDs are ahead); returns the cumulative totals."""
        luma = self.luma
        asked_luma = sum(weight * a for weight, a in zip(luma, asked))
        if asked_luma <= DARK_CODES:  # a dark ring starts afresh
            self.reset()
            totals = list(shown)
        else:
            totals = self._least_cost(asked, wanted, whole, takers, shown, asked_luma)
        spares += [0.0 if total < least else min(total - least, n) for total, least, n in zip(totals, whole, takers)]
        return totals

    def _least_cost(self, asked: list[float], wanted: list[float], whole: list[float], takers: list[float],
                    shown: list[float], asked_luma: float) -> list[float]:
        """_exact's pick for a lit ring (cumulative totals), keeping the shaping's state."""
        luma = self.luma
        # Luminance error goes back as more or less of the colour asked for (total / asked_luma
        # of each channel), not as some other colour.
        lead = LUMA_SHAPING_POLE * self.luma_error / asked_luma
        floor, ceil, first, last = math.floor, math.ceil, OFFSETS[0], OFFSETS[-1]
        target, base, below, excluded = [], [], [], []
        below_luma = 0.0
        for weight, a, w, s, lowest_whole, n, before, outside in zip(
                luma, asked, wanted, self.colour_sum, whole, takers, shown, self._outside):
            t = w + s - a * lead
            upper = before + ceil(a + SWING_CODES)
            lowest = before + max(floor(a - SWING_CODES), 0)  # a frame's total is never below nothing
            if lowest_whole > lowest:
                lowest = upper if lowest_whole > upper else lowest_whole
            highest = lowest_whole + n
            highest = lowest if highest < lowest else (upper if highest > upper else highest)
            b = floor(lowest if t < lowest else (highest if t > highest else t))
            if b + first < lowest or b + last > highest:
                excluded.append(outside[max(int(lowest - b), first), min(int(highest - b), last)])
            target.append(t)
            base.append(b)
            below.append(b - t)
            below_luma += weight * (b - t)
        # The cost of base + each offset, less what is the same for every offset.
        gradient = self._gradient
        gradient[:-1] = [2.0 * (below_luma * weight + COLOUR_COST * d) for weight, d in zip(luma, below)]
        cost = self._offsets_and_cost.dot(gradient)
        for outside in excluded:
            cost += outside
        pick = self._offset_rows[int(cost.argmin())]
        totals = [b + offset for b, offset in zip(base, pick)]
        self._shape(target, totals, asked, lead, 1.0 / asked_luma)
        return [float(total) for total in totals]

    def _shape(self, target: Sequence[float], totals: Sequence[float], asked: Sequence[float], lead: float,
               inverse_asked_luma: float) -> None:
        """Keeps the shaping's state: the luminance rounding error, and the running sum of the
        accounts' colour part (what was wanted less what is shown, plus the last sum: the target
        less the pick, plus the lead taken out of the target), less its luminance part."""
        luma_error = 0.0
        running = []
        running_luma = 0.0
        for weight, t, total, a in zip(self.luma, target, totals, asked):
            luma_error += weight * (total - t)
            r = t - total + a * lead
            running.append(r)
            running_luma += weight * r
        self.luma_error = -1.0 if luma_error < -1.0 else (1.0 if luma_error > 1.0 else luma_error)
        limit, scale = COLOUR_WINDUP_CODES, running_luma * inverse_asked_luma
        self.colour_sum = [-limit if r < -limit else (limit if r > limit else r)
                           for r in (r - a * scale for r, a in zip(running, asked))]
