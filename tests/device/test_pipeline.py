"""The output pipeline's promises: zeros stay zero, light averages out exactly, the power budget holds."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from device.dither import Ditherer
from device.pipeline import MAX_CODE, OutputSettings, Pipeline, frame_current_mA
from device.ring_totals import SWING_CODES

pixel_counts = st.integers(1, 144)


def frames(pixels: int, low: float = 0.0, high: float = 1.0):
    return arrays(np.float64, (pixels, 3), elements=st.floats(low, high, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), pixels=pixel_counts)
def test_a_zero_stays_zero_whatever_came_before(data, pixels):
    pipeline = Pipeline(OutputSettings(), pixels)
    for _ in range(5):
        pipeline.process(data.draw(frames(pixels, 0.0, 0.02)))  # leave carried errors behind
    frame = data.draw(frames(pixels, 0.0, 0.02))
    zeros = data.draw(arrays(np.bool_, (pixels, 3)))
    frame[zeros] = 0.0
    for _ in range(20):
        assert not pipeline.process(frame)[zeros].any()


# Every LED's carried error (what it is owed, or has had ahead of time) stays within this many
# codes, whatever the ring: more would be light held back to come out later as a flash.
CARRIED_CODES_BOUND = 2.0


def one_bright_among_near_zero(pixels: int = 60, bright_at: int = 46, bright: float = 0.031,
                               near_zero: float = 1e-7) -> np.ndarray:
    """Issue 6's ring: one LED wants 0.031 of red (7.9 codes), every other channel almost nothing.
    The running-total ditherer let the bright LED be owed 26.3 codes here after 1000 frames."""
    frame = np.full((pixels, 3), near_zero)
    frame[bright_at, 0] = bright
    return frame


def dither(pipeline: Pipeline, frame: np.ndarray, frames: int) -> tuple[list[np.ndarray], float]:
    """(every frame's codes, the largest carried error seen) for a constant frame."""
    shown, carried = [], 0.0
    for _ in range(frames):
        shown.append(pipeline.process(frame))
        carried = max(carried, float(np.abs(pipeline.ditherer.error).max()))
    return shown, carried


@settings(max_examples=25, deadline=None)
@given(frame=st.integers(1, 60).flatmap(lambda n: frames(n, 0.0, 0.05)))
@example(frame=one_bright_among_near_zero())
def test_dithered_light_averages_to_the_wanted_float(frame):
    pipeline = Pipeline(OutputSettings(), frame.shape[0])
    wanted = pipeline.codes(frame)
    shown, carried = dither(pipeline, frame, 1000)
    # Every code an LED was asked for is shown or still carried: over N frames the mean is off by
    # its final carried error / N, and the carried error stays within a couple of codes.
    assert carried < CARRIED_CODES_BOUND
    assert np.abs(np.mean(shown, axis=0) - wanted).max() <= carried / 1000 + 1e-9


def assert_no_flash_when_the_others_go_dark(pipeline: Pipeline, frame: np.ndarray, bright: np.ndarray) -> None:
    # The near-zero LEDs go dark and forget what they owe: the bright ones show what they are
    # asked for, give or take what they carry, and no burst of codes held back for them.
    frame = np.where(bright[:, None], frame, 0.0)
    wanted = pipeline.codes(frame)[bright]
    for _ in range(5):
        codes = pipeline.process(frame)[bright].astype(float)
        assert np.all(np.abs(codes - wanted) < CARRIED_CODES_BOUND + 1.0)


def test_issue_6_ring_owes_its_bright_led_no_flash():
    frame = one_bright_among_near_zero()
    pipeline = Pipeline(OutputSettings(), frame.shape[0])
    _, carried = dither(pipeline, frame, 1000)
    assert carried < CARRIED_CODES_BOUND
    assert_no_flash_when_the_others_go_dark(pipeline, frame, np.arange(frame.shape[0]) == 46)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), pixels=st.integers(2, 144))
def test_a_bright_led_among_near_zero_ones_carries_little_and_never_flashes(data, pixels):
    frame = data.draw(arrays(np.float64, (pixels, 3), elements=st.one_of(
        st.just(0.0), st.floats(1e-12, 1e-3), st.floats(1e-3, 0.01))))
    bright = np.zeros(pixels, dtype=bool)
    bright[data.draw(st.lists(st.integers(0, pixels - 1), min_size=1, max_size=3))] = True
    frame[bright] = data.draw(arrays(np.float64, (int(bright.sum()), 3), elements=st.floats(0.002, 0.2)))
    pipeline = Pipeline(OutputSettings(), pixels)
    _, carried = dither(pipeline, frame, 1000)
    assert carried < CARRIED_CODES_BOUND
    assert_no_flash_when_the_others_go_dark(pipeline, frame, bright)


@settings(max_examples=40, deadline=None)
@given(frame=pixel_counts.flatmap(lambda n: frames(n, 0.0, 0.1)))
def test_each_frame_puts_the_rings_total_within_a_few_codes_per_channel(frame):
    # The ring's totals roam a few codes, trading colour for luminance (see device/ring_totals.py),
    # never further than SWING_CODES from the frame's, rounded outward: the power limit's margin.
    pipeline = Pipeline(OutputSettings(), frame.shape[0])
    wanted_total = pipeline.codes(frame).sum(axis=0)
    for _ in range(30):
        shown_total = pipeline.process(frame).astype(float).sum(axis=0)
        assert np.all(np.abs(shown_total - wanted_total) < SWING_CODES + 1.0)


def test_low_light_is_spread_over_the_ring_not_stuck_on_one_led():
    pipeline = Pipeline(OutputSettings(), 24)
    frame = np.full((24, 3), 0.25 / MAX_CODE)  # a quarter code everywhere: 6 codes on the ring
    shown = np.array([pipeline.process(frame) for _ in range(400)], dtype=float)
    assert np.all(shown[..., 0].sum(axis=1) == 6)  # the total is steady, every frame
    assert np.allclose(shown[..., 0].mean(axis=0), 0.25, atol=0.01)  # and every LED takes its turn


@settings(max_examples=80, deadline=None)
@given(data=st.data(), pixels=pixel_counts, budget_mA=st.floats(60.0, 3000.0), channels=st.sampled_from([3, 4]))
def test_the_power_budget_is_never_exceeded(data, pixels, budget_mA, channels):
    white = (0.9, 0.8, 0.6) if channels == 4 else None
    settings_ = OutputSettings(budget_mA=budget_mA, white_rgb=white)
    if budget_mA < pixels * settings_.idle_mA_per_led + 1:
        return  # a budget below the dark ring's own draw cannot be met by any frame
    pipeline = Pipeline(settings_, pixels, channels)
    for _ in range(8):
        codes = pipeline.process(data.draw(frames(pixels, 0.0, 1.0)))
        assert frame_current_mA(codes, settings_) <= budget_mA + 1e-9


def test_the_limit_dims_every_channel_alike_never_changing_the_colour():
    settings_ = OutputSettings(budget_mA=300.0)
    pipeline = Pipeline(settings_, 24)
    frame = np.tile([1.0, 0.5, 0.25], (24, 1))
    codes = pipeline.codes(frame)
    assert codes.sum() < (frame * MAX_CODE).sum()
    assert np.allclose(codes[:, 1] / codes[:, 0], 0.5) and np.allclose(codes[:, 2] / codes[:, 0], 0.25)


def test_white_balance_and_brightness_scale_linearly_with_no_gamma():
    pipeline = Pipeline(OutputSettings(white_balance=(1.0, 0.8, 0.5), brightness=0.5, budget_mA=1e6), 2)
    assert np.allclose(pipeline.codes(np.array([[0.5, 0.5, 0.5], [1, 1, 1]])),
                       [[63.75, 51.0, 31.875], [127.5, 102.0, 63.75]])


def test_rgbw_puts_white_light_on_the_white_chip():
    white = (1.0, 0.8, 0.6)
    pipeline = Pipeline(OutputSettings(white_rgb=white, budget_mA=1e6), 2, channels=4)
    codes = pipeline.codes(np.array([[1.0, 0.8, 0.6], [1.0, 0.0, 0.0]]))
    assert codes[0, 3] == pytest.approx(MAX_CODE) and np.allclose(codes[0, :3], 0.0, atol=1e-9)
    assert codes[1, 3] == 0.0 and codes[1, 0] == pytest.approx(MAX_CODE)


def test_rgbw_needs_the_white_chips_colour():
    with pytest.raises(ValueError, match="white"):
        Pipeline(OutputSettings(), 4, channels=4)


def test_ditherer_reset_forgets_carried_error():
    ditherer = Ditherer(4, 3)
    ditherer.quantise(np.full((4, 3), 0.4))
    ditherer.reset()
    assert not ditherer.error.any()
