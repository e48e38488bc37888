"""The frame loop's pacing by the light: the full rate while dithering matters or the light moves,
a lower one above; keyframes with interpolation in linear light between; unchanged frames not
written again, except to refresh."""

import datetime as dt
import threading

import numpy as np
import pytest

from device.clock import InstantClock, ManualClock
from device.frame_loop import REFRESH_S, FrameLoop
from device.output import CaptureOutput
from device.pacing import (DIM_SPAN_CODES, KEYFRAME_S, LEVEL_PER_STRIDE_CODES, MAX_STEP_CODES, MAX_STEP_LSTAR,
                           MAX_STRIDE, stride_for)
from device.pipeline import OutputSettings, Pipeline
from device.player import MAX_SILENCE_S, Player, Program
from device.programs import FadeOut

START = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)

PIXELS = 24
FPS = 200.0
PERIOD_S = 1.0 / FPS


class Light:
    """A source whose light is `light(t_s)` (linear, the same on every LED); it notes each time asked."""

    def __init__(self, light, duration_s: float = 2.0):
        self.light = light
        self.duration_s = duration_s
        self.asked: list[float] = []

    def frame(self, t_s: float) -> np.ndarray:
        self.asked.append(t_s)
        return np.full((PIXELS, 3), float(self.light(t_s)))


class ShownAt(CaptureOutput):
    """Keeps each frame written and the clock's time it was written at."""

    def __init__(self, clock):
        super().__init__(PIXELS)
        self.clock = clock
        self.times: list[float] = []

    def show(self, codes: np.ndarray) -> None:
        super().show(codes)
        self.times.append(self.clock.monotonic())


def play(source, until_s=None):
    clock = InstantClock(START)
    output = ShownAt(clock)
    loop = FrameLoop(output, Pipeline(OutputSettings(), PIXELS), clock, FPS)
    stats = loop.play(source, threading.Event(), until_s=until_s, record_frames=True)
    return stats, output


def gaps_in_periods(times) -> np.ndarray:
    return np.rint(np.diff(times) / PERIOD_S).astype(int)


def ring_light_codes(linear: float) -> float:
    """The pacing's level for a ring all at `linear`: luminance summed over the LEDs, in codes."""
    return PIXELS * linear * 255.0


def test_the_stride_needs_light_in_proportion_and_is_held_down_by_motion():
    assert stride_for(0.0, 0.0) == MAX_STRIDE  # dark and still: nothing to dither
    assert stride_for(1.0, 0.0) == 1  # dim: the full rate, for the dither
    assert stride_for(2 * LEVEL_PER_STRIDE_CODES, 0.0) == 2
    assert stride_for(2 * LEVEL_PER_STRIDE_CODES - 1e-6, 0.0) == 1
    assert stride_for(8 * LEVEL_PER_STRIDE_CODES, 0.0) == 8
    assert stride_for(1e6, 0.0) == MAX_STRIDE
    assert stride_for(1e6, MAX_STEP_CODES / 4) == 4  # bright, but moving: no step over MAX_STEP_CODES
    assert stride_for(1e6, MAX_STEP_CODES) == 1


def test_a_steady_bright_light_runs_at_the_low_rate():
    bright = 0.7  # 24 LEDs at 178.5 codes: far above every stride's level
    assert ring_light_codes(bright) > MAX_STRIDE * LEVEL_PER_STRIDE_CODES
    stats, output = play(Light(lambda t: bright))
    assert stats.last_t_s == 2.0
    # After the first frames (the motion is not known until there are two), one every MAX_STRIDE periods.
    assert stats.shown < 2.0 * FPS / MAX_STRIDE + 4
    assert (gaps_in_periods(stats.shown_t_s)[3:-1] == MAX_STRIDE).all()


def test_a_dim_light_runs_at_the_full_rate():
    dim = 0.004  # about a code on every LED: dithering is what makes it smooth
    stats, _ = play(Light(lambda t: dim))
    assert stats.shown == 2.0 * FPS + 1 and stats.dropped == 0
    assert (gaps_in_periods(stats.shown_t_s) == 1).all()


def test_a_light_that_dims_gets_the_full_rate_back_at_once():
    source = Light(lambda t: 0.7 if t < 1.0 else 0.004)
    stats, _ = play(source)
    times = np.array(stats.shown_t_s)
    first_dim = int(np.argmax(times >= 1.0))
    assert times[first_dim] - 1.0 < MAX_STRIDE * PERIOD_S  # seen at the first frame after the change
    assert (gaps_in_periods(times[first_dim:]) == 1).all()  # and from there every period


def test_a_sudden_change_in_bright_light_raises_the_rate_at_once():
    # A flash: bright, then much brighter for 0.3 s (as lightning), then bright again.
    source = Light(lambda t: 0.9 if 1.0 <= t < 1.3 else 0.5)
    stats, _ = play(source)
    times = np.array(stats.shown_t_s)
    flash = int(np.argmax(times >= 1.0))
    assert times[flash] - 1.0 < MAX_STRIDE * PERIOD_S
    assert gaps_in_periods(times[flash:flash + 2])[0] == 1  # the frame after the change comes one period later
    assert (gaps_in_periods(times[-6:-1]) == MAX_STRIDE).all()  # steady again: the low rate again


def lstar_of_codes(codes: np.ndarray) -> np.ndarray:
    """A channel's lightness (L*, 100 at full duty) at these codes (above the toe, 2.3 codes)."""
    return 116.0 * np.cbrt(np.asarray(codes) / 255.0) - 16.0


@pytest.mark.parametrize("from_codes, stride", [(25.0, 8), (210.0, MAX_STRIDE)])
def test_a_step_is_judged_by_the_eye_so_a_bright_channel_may_step_further(from_codes, stride):
    # The same motion, 40 codes a second on every channel (0.2 a period), in light bright enough for
    # every stride: 3.2 codes a frame at MAX_STRIDE are 1.6 L* at 25-45 codes, but 0.5 L* at 210-230.
    speed_codes_per_s = 40.0
    source = Light(lambda t: (from_codes + speed_codes_per_s * t) / 255.0, duration_s=0.5)
    stats, _ = play(source)
    assert (gaps_in_periods(stats.shown_t_s)[3:-1] == stride).all()
    # Smooth either way: no step between frames shown at a stride above 1 is over both limits.
    codes = from_codes + speed_codes_per_s * np.array(stats.shown_t_s[2:])
    steps_codes, steps_lstar = np.diff(codes), np.diff(lstar_of_codes(codes))
    assert ((steps_codes <= MAX_STEP_CODES) | (steps_lstar <= MAX_STEP_LSTAR)).all()


def test_frames_between_keyframes_are_interpolated_in_linear_light():
    # A dim ramp, linear in time: the interpolated frames are the ramp itself, and the source is
    # asked only at the keyframes, KEYFRAME_S apart, on a grid from the sequence's start.
    source = Light(lambda t: 0.002 + 0.001 * t)
    stats, output = play(source)
    assert stats.shown == 2.0 * FPS + 1
    keyframes = np.array(source.asked[:-1]) / KEYFRAME_S  # the last frame is rendered exactly
    assert np.allclose(keyframes, np.rint(keyframes))
    assert len(source.asked) <= 2.0 / KEYFRAME_S + 3
    # The light the LEDs held, frame by frame, averages to what was asked (the dither makes the fractions).
    held_periods = gaps_in_periods(output.times + [output.times[-1] + PERIOD_S])
    held_codes = np.repeat(np.array(output.frames, dtype=float).mean(axis=(1, 2)), held_periods)
    asked_codes = (0.002 + 0.001 * np.arange(stats.shown) * PERIOD_S) * 255.0
    assert held_codes.size == asked_codes.size
    assert held_codes.mean() == pytest.approx(asked_codes.mean(), abs=0.002)


@pytest.mark.parametrize("ring_light_codes_at_start, steps_between_keyframes", [(20.0, 2), (80.0, 1)])
def test_in_dim_light_keyframes_are_twice_as_far_apart(ring_light_codes_at_start, steps_between_keyframes):
    # A slow ramp, interpolated between keyframes: below DIM_SPAN_CODES every other keyframe (80 ms
    # apart), above it every one (40 ms).
    assert (ring_light_codes_at_start < DIM_SPAN_CODES) == (steps_between_keyframes == 2)
    start = ring_light_codes_at_start / (PIXELS * 255.0)
    source = Light(lambda t: start * (1.0 + 0.01 * t), duration_s=1.0)
    stats, _ = play(source)
    asked = np.array(source.asked[1:-1]) / KEYFRAME_S  # bar the first and last frames, rendered exactly
    assert np.allclose(asked, np.rint(asked))
    assert set(np.diff(np.unique(np.rint(asked)))) == {steps_between_keyframes}
    assert stats.shown > 1.0 / (steps_between_keyframes * KEYFRAME_S)  # more frames than keyframes: interpolated


def test_keyframes_too_far_apart_are_not_interpolated_between():
    # A cut from dim to brighter between two keyframes: every frame in between is rendered exactly.
    source = Light(lambda t: 0.004 if t < 0.51 else 0.03)
    stats, _ = play(source, until_s=1.0)
    near_cut = [t for t in source.asked if 0.48 <= t <= 0.52]
    assert len(near_cut) >= 0.04 * FPS  # each 5 ms frame of the 40 ms around the cut


def test_the_last_frame_is_rendered_exactly():
    # A fade to dark: its last frame is dark, however the keyframes around it fall.
    source = FadeOut(Light(lambda t: 0.004, duration_s=10.0), 0.0, 1.013)
    stats, output = play(source)
    assert stats.last_t_s == pytest.approx(1.013)
    assert not output.last.any()


def test_an_unchanged_frame_is_not_written_again_but_is_refreshed():
    exact = 128.0 / 255.0  # a whole code on every channel: the dither has nothing to add, every frame is the same
    stats, output = play(Light(lambda t: exact, duration_s=3.5))
    assert stats.shown > 3.5 * FPS / MAX_STRIDE
    assert (np.array(output.frames) == 128).all()
    assert stats.written == len(output.frames) == 4  # the first, then one each REFRESH_S
    assert np.allclose(np.diff(output.times), REFRESH_S, atol=MAX_STRIDE * PERIOD_S)


def test_a_light_that_does_not_change_keeps_the_player_healthy():
    clock = ManualClock(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    output = CaptureOutput(PIXELS)
    player = Player(FrameLoop(output, Pipeline(OutputSettings(), PIXELS), clock, FPS)).start()
    try:
        player.play(Program(Light(lambda t: 128.0 / 255.0, duration_s=60.0), label="steady"))
        for _ in range(int(2 * MAX_SILENCE_S / REFRESH_S)):
            assert clock.wait_for_sleepers(1)
            clock.advance(REFRESH_S / 2)
            assert player.healthy()
        assert 2 * MAX_SILENCE_S / REFRESH_S / 2 <= output.shown < 4 * MAX_SILENCE_S / REFRESH_S
    finally:
        player.shutdown()


def test_a_brightness_turned_down_while_playing_brings_the_full_rate_back():
    # Bright enough for the low rate at full brightness; a tenth of it is dim, where the dither
    # needs every frame. Turned down as the first frame from 1 s goes out.
    clock = InstantClock(START)
    pipeline = Pipeline(OutputSettings(), PIXELS)
    began_s = clock.monotonic()

    class TurnedDown(CaptureOutput):
        def show(self, codes: np.ndarray) -> None:
            super().show(codes)
            if clock.monotonic() - began_s >= 1.0 and pipeline.settings.brightness == 1.0:
                pipeline.retune(OutputSettings(brightness=0.1))

    loop = FrameLoop(TurnedDown(PIXELS), pipeline, clock, FPS)
    stats = loop.play(Light(lambda t: 0.03, duration_s=2.0), threading.Event(), record_frames=True)
    gaps = gaps_in_periods(stats.shown_t_s)
    times = np.array(stats.shown_t_s[1:])
    assert (gaps[times < 1.0][3:] > 1).all()
    assert (gaps[times > 1.1] == 1).all()


def test_a_brightness_change_shows_at_the_next_frame_though_frames_were_made_ahead():
    # Dim light (a frame every period, made up to RUN_PERIODS ahead); the brightness goes to
    # nothing as the 200th frame goes out: the next frame, one period later, is dark.
    clock = InstantClock(START)
    pipeline = Pipeline(OutputSettings(), PIXELS)
    turned = 200

    class TurnedDown(ShownAt):
        def show(self, codes: np.ndarray) -> None:
            super().show(codes)
            if len(self.frames) == turned:
                pipeline.retune(OutputSettings(brightness=0.0))

    output = TurnedDown(clock)
    stats = FrameLoop(output, pipeline, clock, FPS).play(Light(lambda t: 0.5 / 255.0), threading.Event())
    frames = np.array(output.frames)
    assert stats.dropped == 0
    assert frames[:turned].any(axis=(1, 2)).all()  # lit to the last before the change
    assert not frames[turned:].any()  # dark from the first after it
    assert output.times[turned] - output.times[turned - 1] == pytest.approx(PERIOD_S)
