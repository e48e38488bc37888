"""The accelerated clock: simulated time X times faster, sleeps 1/X as long, pause and wake, jumps."""

from __future__ import annotations

import threading
import time
from datetime import datetime, time as time_of, timedelta, timezone

import numpy as np
import pytest

from device.clock import Clock
from device.frame_loop import FrameLoop
from device.output import CaptureOutput
from device.pipeline import OutputSettings, Pipeline
from sim.clock import SimClock, time_of_day, wall_start_at

START = datetime(2030, 1, 2, 6, 0, tzinfo=timezone.utc)


class FakeReal:
    def __init__(self):
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_simulated_time_runs_speed_x_times_faster_from_the_chosen_start():
    real = FakeReal()
    clock = SimClock(60.0, START, real_clock=real)
    assert isinstance(clock, Clock)
    real.now_s += 10.0
    assert clock.monotonic() == pytest.approx(600.0)
    assert clock.now() == START + timedelta(minutes=10)
    assert clock.now().utcoffset() == timedelta(0)  # the wall clock is aware, in UTC


def test_a_jump_moves_the_wall_clock_only_and_wakes_sleepers():
    real = FakeReal()
    clock = SimClock(1.0, START, real_clock=real)
    woke = threading.Event()
    threading.Thread(target=lambda: (clock.sleep(3600.0), woke.set()), daemon=True).start()
    assert clock.wait_for_sleepers(1)
    clock.jump(timedelta(hours=-2))
    assert woke.wait(2.0)
    assert clock.monotonic() == 0.0 and clock.now() == START - timedelta(hours=2)


def test_pause_holds_time_and_a_new_speed_carries_on_without_a_jump():
    real = FakeReal()
    clock = SimClock(10.0, START, real_clock=real)
    real.now_s += 1.0
    clock.pause()
    real.now_s += 5.0
    assert clock.monotonic() == pytest.approx(10.0)
    clock.resume()
    clock.set_speed(2.0)
    real.now_s += 1.0
    assert clock.monotonic() == pytest.approx(12.0)


def test_a_sleep_takes_one_xth_of_the_real_time():
    clock = SimClock(100.0, START)
    before_sim, before_real = clock.monotonic(), time.monotonic()
    clock.sleep(3.0)
    real_s = time.monotonic() - before_real
    assert clock.monotonic() - before_sim >= 3.0
    assert 0.025 <= real_s < 0.5


def test_a_sleep_on_a_paused_clock_lasts_until_resumed_or_woken():
    clock = SimClock(1000.0, START)
    for release in (clock.resume, clock.wake):
        clock.pause()
        done = threading.Event()
        threading.Thread(target=lambda: (clock.sleep(1.0), done.set()), daemon=True).start()
        assert not done.wait(0.2)
        release()
        assert done.wait(2.0)


def test_clock_start_is_a_time_of_day_on_the_day_given():
    today = datetime(2030, 5, 6, 23, 59, tzinfo=timezone(timedelta(hours=2)))
    start = wall_start_at(time_of_day("06:30"), today)
    assert start == datetime(2030, 5, 6, 6, 30, tzinfo=timezone(timedelta(hours=2)))
    assert time_of_day(" 07:05 ") == time_of(7, 5)
    for wrong in ("25:00", "6.30", "breakfast"):
        with pytest.raises(ValueError, match="HH:MM"):
            time_of_day(wrong)


def test_the_frame_loop_plays_a_sequence_on_the_fast_clock():
    class Source:
        duration_s = 4.0

        def frame(self, t_s: float) -> np.ndarray:
            return np.full((8, 3), t_s / 4.0)

    clock = SimClock(40.0, START)
    output = CaptureOutput(8)
    loop = FrameLoop(output, Pipeline(OutputSettings(), 8), clock, fps=25)
    started = time.monotonic()
    stats = loop.play(Source(), threading.Event())
    assert time.monotonic() - started < 1.0  # 4 simulated seconds at 40x: 0.1 s, give or take a busy machine
    assert stats.shown >= 20 and stats.last_t_s == 4.0  # a busy machine may drop some frames, not all
    assert output.last.min() >= 253  # full white, give or take the dither's carried error
