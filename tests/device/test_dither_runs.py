"""The dither over runs of frames (device/dither.py) and its ring totals (device/ring_totals.py):
a run gives what the frames one by one would, keeps every promise of the pipeline's dither, and
the table that picks the totals picks what pricing every candidate would."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from device.dither import Ditherer
from device.ring_totals import COLOUR_COST, OFFSETS, TABLE_SIDE, RingTotals, pick_table, table_index
from sequences.colour import LUMA_WEIGHTS

CARRIED_CODES_BOUND = 2.0  # as tests/device/test_pipeline.py: more would come out later as a flash


def runs(pixels: int, frames: int, low: float, high: float, channels: int = 3):
    return arrays(np.float64, (frames, pixels, channels), elements=st.floats(low, high, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), pixels=st.integers(1, 60), frames=st.integers(2, 16), channels=st.sampled_from([3, 4]))
def test_a_run_shows_what_its_frames_one_by_one_would(data, pixels, frames, channels):
    # Every code at least 1: each LED's whole part grows every frame, so none is ever held, and
    # the run is the frames one by one, code for code. In 64ths of a code, which sum exactly
    # whether summed over the run or frame by frame (else a fraction a hair from 0 or 1 could
    # round either way). Four channels: an RGBW ring, whose totals are all priced (no table).
    codes = data.draw(runs(pixels, frames, 64.0, 40.0 * 64, channels)).round() / 64.0
    before = data.draw(runs(pixels, 1, 0.0, 3.0 * 64, channels))[0].round() / 64.0
    luma = [*LUMA_WEIGHTS, 0.9][:channels]
    together, one_by_one = Ditherer(pixels, channels, luma), Ditherer(pixels, channels, luma)
    together.quantise(before)
    one_by_one.quantise(before)
    shown = together.quantise_run(codes)
    assert np.array_equal(shown, np.array([one_by_one.quantise(frame) for frame in codes]))
    assert np.allclose(together.error, one_by_one.error)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), pixels=st.integers(1, 60), frames=st.integers(2, 16))
def test_runs_of_dim_light_average_out_and_never_show_less_than_nothing(data, pixels, frames):
    # Dim light is where an LED given a spare code is held (its whole part stays, its fraction is
    # overtaken): the codes stay whole and at least 0, every account stays within a couple of
    # codes, and over many runs every LED shows what it was asked for.
    codes = data.draw(runs(pixels, frames, 0.0, 0.6))
    ditherer = Ditherer(pixels, 3)
    shown, carried = [], 0.0
    for _ in range(300 // frames + 1):
        run = ditherer.quantise_run(codes)
        shown.append(run.astype(float))
        carried = max(carried, float(np.abs(ditherer.error).max()))
    shown = np.concatenate(shown)
    assert carried < CARRIED_CODES_BOUND
    asked = np.tile(codes, (len(shown) // frames, 1, 1))
    # What was asked and not shown is what the LEDs still carry (those lit throughout: one going
    # dark forgets what it was owed).
    lit = codes.min(axis=0) > 0.0
    assert np.allclose((asked.sum(axis=0) - shown.sum(axis=0))[lit], ditherer.error[lit], atol=1e-6)
    assert not shown[:, codes.max(axis=0) == 0.0].any()  # a zero stays zero


def test_an_led_going_dark_in_a_run_forgets_its_account():
    ditherer = Ditherer(4, 3)
    codes = np.full((8, 4, 3), 0.3)
    codes[4:, 1] = 0.0  # LED 1 goes dark half way
    shown = ditherer.quantise_run(codes)
    assert not shown[4:, 1].any()
    assert not ditherer.error[1].any()


class HeldInOrder(Ditherer):
    """The hold frame by frame in order, each frame from the one before as it ended: what the
    ditherer's waves must give."""

    held_frames = 0

    def _hold(self, out, work, below, cut_in_frame):
        shown, whole, priority, pixels = work.shown, work.whole, work.priority, self._pixels
        ranked = np.full((pixels + 1, self._channels), np.inf)
        below = list(below)
        for frame in range(1, work.frames):
            if not below[frame]:
                continue
            self.held_frames += 1
            before = shown[frame - 1]
            ranked[:pixels] = priority[frame] + 4.0 * (before > whole[frame])
            ranked_now = ranked[:pixels].copy()
            ranked.sort(axis=0)
            cut = ranked.take(cut_in_frame[frame])  # the spare-th largest of each channel
            shown[frame] = np.maximum(whole[frame] + (ranked_now >= cut), before)
            out[frame] = shown[frame] - before
            if frame + 1 < work.frames:
                out[frame + 1] = shown[frame + 1] - shown[frame]
                below[frame + 1] = out[frame + 1].min() < 0.0


@settings(max_examples=60, deadline=None)
@given(data=st.data(), pixels=st.integers(2, 30), frames=st.integers(2, 64))
def test_held_codes_are_worked_out_as_frame_by_frame_in_order(data, pixels, frames):
    # Dim runs, where LEDs keep the same whole part for many frames and hold their codes often.
    codes = data.draw(runs(pixels, frames, 0.0, 0.6))
    waves, in_order = Ditherer(pixels, 3), HeldInOrder(pixels, 3)
    for _ in range(3):  # runs after runs: the accounts carried over
        assert np.array_equal(waves.quantise_run(codes), in_order.quantise_run(codes))
        assert np.allclose(waves.error, in_order.error)


def test_the_hold_comparison_sees_held_codes():
    # The test above compares something: dim runs hold codes.
    rng = np.random.default_rng(0)
    in_order = HeldInOrder(24, 3)
    for _ in range(10):
        in_order.quantise_run(rng.uniform(0.0, 0.6, (64, 24, 3)))
    assert in_order.held_frames > 50


def _exact_offsets(fractions: tuple[float, float, float]) -> tuple[int, ...]:
    best = min(itertools.product(OFFSETS, repeat=3), key=lambda offsets: _cost(offsets, fractions))
    return tuple(best)


def _cost(offsets, fractions) -> float:
    error = [o - u for o, u in zip(offsets, fractions)]
    luma = sum(w * e for w, e in zip(LUMA_WEIGHTS, error))
    return luma * luma + COLOUR_COST * sum(e * e for e in error)


@settings(max_examples=300, deadline=None)
@given(fractions=st.tuples(*[st.floats(0.0, 1.0)] * 3))
def test_the_table_picks_what_pricing_every_candidate_would(fractions):
    table = pick_table(tuple(float(w) for w in LUMA_WEIGHTS))
    cell = table[table_index(fractions)]
    best = _exact_offsets(fractions)
    if len(cell) == 1:  # the cell lies within one candidate's region: exact
        assert cell[0] == best
    else:  # the best of the corners' bests: within 0.0013 of the least cost (pick_table's docstring)
        picked = min(cell, key=lambda offsets: _cost(offsets, fractions))
        assert _cost(picked, fractions) <= _cost(best, fractions) + 0.0013


def test_most_of_the_table_is_exact():
    table = pick_table(tuple(float(w) for w in LUMA_WEIGHTS))
    assert len(table) == TABLE_SIDE ** 3
    assert sum(len(cell) == 1 for cell in table) / len(table) > 0.6


def test_the_table_and_the_candidates_priced_pick_alike_and_shape_alike():
    # Frame by frame from the same state, through the table (three channels) and through _exact
    # alone (as an RGBW ring is): the same totals, bar a frame whose target lies in a cell of
    # two bests (about one in three cells, where a far smaller share of targets part), and the
    # same shaping state after.
    rng = np.random.default_rng(7)
    by_table, priced = RingTotals(LUMA_WEIGHTS), RingTotals(LUMA_WEIGHTS)
    priced._table = None
    same = frames = 0
    for _ in range(2000):
        asked = rng.uniform(0.2, 40.0, 3).tolist()
        wanted = (np.asarray(asked) + rng.uniform(-1.0, 1.0, 3)).tolist()
        whole = [float(math.floor(w)) - float(rng.integers(0, 12)) for w in wanted]
        takers = [[24.0, 24.0, 24.0]]
        colour_sum, luma_error = rng.uniform(-2.0, 2.0, 3).tolist(), float(rng.uniform(-1.0, 1.0))
        for totals in (by_table, priced):
            totals.colour_sum, totals.luma_error = list(colour_sum), luma_error
        picked = by_table.pick_run([asked], [wanted], [whole], takers)
        exact = priced.pick_run([asked], [wanted], [whole], takers)
        frames += 1
        if picked == exact:
            same += 1
            assert np.allclose(by_table.colour_sum, priced.colour_sum) and by_table.luma_error == \
                pytest.approx(priced.luma_error)
    assert same / frames > 0.97


def test_a_target_a_hair_below_a_whole_code_is_picked_for():
    # x - floor(x) rounds to exactly 1.0 for an x a hair below 0: the table has a cell for it.
    totals = RingTotals(LUMA_WEIGHTS)
    spares = totals.pick_run([[1.0, 1.0, 1.0]], [[-1e-18, 0.5, 0.5]], [[-6.0, -6.0, -6.0]], [[24.0, 24.0, 24.0]])
    assert len(spares) == 3 and all(0.0 <= spare <= 24.0 for spare in spares)
