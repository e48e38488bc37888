"""The frame loop and the player: time from deadlines, late frames dropped, idle costs nothing."""

import datetime as dt
import threading
import time

import numpy as np
import pytest

from device.clock import InstantClock, ManualClock, RealClock
from device.frame_loop import FrameLoop
from device.pacing import RUN_FRAMES, RUN_PERIODS, FrameMaker
from device.output import CaptureOutput
from device.pipeline import OutputSettings, Pipeline
from device.player import Player, Program

START = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


class Ramp:
    """A source whose frame says the time it was asked for: pixel 0 red = t / duration."""

    def __init__(self, duration_s: float, compute_s: float = 0.0, clock=None):
        self.duration_s = duration_s
        self.asked: list[float] = []
        self.compute_s = compute_s
        self.clock = clock

    def frame(self, t_s: float) -> np.ndarray:
        self.asked.append(t_s)
        if self.clock is not None:
            self.clock.advance(self.compute_s)  # rendering takes time
        frame = np.zeros((4, 3))
        frame[0, 0] = t_s / self.duration_s
        return frame


def loop_with(clock, fps=100.0):
    """A loop that makes a frame for every deadline (its timing, apart from pacing by the light)."""
    output = CaptureOutput(4)
    return FrameLoop(output, Pipeline(OutputSettings(), 4), clock, fps, adaptive=False), output


def test_each_frame_shows_the_sequence_at_its_deadline():
    clock = InstantClock(START)
    loop, output = loop_with(clock)
    source = Ramp(1.0)
    stats = loop.play(source, threading.Event())
    assert stats.shown == 101 and stats.dropped == 0
    assert source.asked == pytest.approx([k / 100 for k in range(101)])
    assert stats.last_t_s == 1.0


def test_late_frames_are_dropped_and_the_sequence_does_not_shift():
    clock = InstantClock(START)
    loop, output = loop_with(clock)
    # every frame takes 25 ms to render at 100 fps: most deadlines are missed
    source = Ramp(2.0, compute_s=0.025, clock=clock)
    stats = loop.play(source, threading.Event())
    assert stats.dropped > 100
    assert stats.shown + stats.dropped >= 200
    # whatever was shown, each frame's time is on the deadline grid and tracks the clock
    assert all(abs(t * 100 - round(t * 100)) < 1e-9 for t in source.asked)
    assert clock.monotonic() == pytest.approx(2.0, abs=0.06)


def test_from_and_until_pick_the_part_to_play():
    clock = InstantClock(START)
    loop, _ = loop_with(clock)
    source = Ramp(10.0)
    stats = loop.play(source, threading.Event(), from_s=4.0, until_s=4.5)
    assert source.asked[0] == 4.0 and stats.last_t_s == 4.5 and stats.shown == 51


def test_an_interrupt_stops_at_once():
    clock = InstantClock(START)
    loop, _ = loop_with(clock)
    interrupt = threading.Event()
    interrupt.set()
    assert loop.play(Ramp(10.0), interrupt).shown == 0


def test_fps_is_bounded_by_what_the_leds_can_show():
    with pytest.raises(ValueError):
        FrameLoop(CaptureOutput(4), Pipeline(OutputSettings(), 4), RealClock(), fps=1000)


def test_the_real_clock_keeps_deadlines():
    # Every deadline (the ramp's red moves 2.5 codes a period: bright, the pacing would show half of them).
    loop, _ = loop_with(RealClock(), 200.0)
    start = time.monotonic()
    stats = loop.play(Ramp(0.5), threading.Event(), record_frames=True)
    assert time.monotonic() - start == pytest.approx(0.5, abs=0.1)
    assert stats.shown + stats.dropped == 101
    assert np.median(stats.lateness_s) < 0.002


def test_player_blanks_once_when_idle_and_uses_no_cpu():
    output = CaptureOutput(4)
    player = Player(FrameLoop(output, Pipeline(OutputSettings(), 4), RealClock(), 200.0)).start()
    try:
        player.play(Program(Ramp(0.2), label="ramp"))
        assert player.wait_for(lambda state: state.mode == "idle")
        shown = output.shown
        assert not output.last.any()  # dark after the program
        cpu_before = time.process_time()
        time.sleep(1.0)
        assert output.shown == shown  # nothing more was sent while idle
        assert time.process_time() - cpu_before < 0.05  # and the process hardly ran
    finally:
        player.shutdown()
    assert output.closed


def test_player_replaces_a_program_and_reports_its_state():
    output = CaptureOutput(4)
    player = Player(FrameLoop(output, Pipeline(OutputSettings(), 4), RealClock(), 200.0)).start()
    ended = threading.Event()
    try:
        player.play(Program(Ramp(60.0), label="long"))
        assert player.wait_for(lambda state: state.mode == "playing" and state.label == "long")
        player.play(Program(Ramp(0.1), label="short", on_end=ended.set))
        assert ended.wait(5.0)
        player.stop()
        assert player.wait_for(lambda state: state.mode == "idle")
        assert player.state.mode == "idle"
    finally:
        player.shutdown()


class SlowDither:
    """Wraps a pipeline's ditherer so that each frame it dithers takes `frame_s` on the clock (a
    slow Pi), noting how many frames each call took."""

    def __init__(self, pipeline: Pipeline, clock, frame_s: float):
        self.quantise_run, self.clock, self.frame_s = pipeline.ditherer.quantise_run, clock, frame_s
        self.runs: list[int] = []
        pipeline.ditherer.quantise_run = self

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        self.clock.advance(self.frame_s * len(codes))
        self.runs.append(len(codes))
        return self.quantise_run(codes)


class Dim:
    """A dim, slowly changing light: frames at the loop's full rate, interpolated in runs."""

    duration_s = 3.0

    def frame(self, t_s: float) -> np.ndarray:
        return np.full((4, 3), 0.002 + 0.0005 * t_s)


@pytest.mark.parametrize("frame_s", [0.0, 0.0004])
def test_runs_are_cut_to_what_the_machine_makes_before_they_are_due(frame_s):
    # On a machine where a frame of a run costs 0.4 ms (a run of 64 would take 25.6 ms, more than
    # five periods at 200 fps), the loop cuts its runs so that each is made before its first
    # frame is due: none is dropped. Where making costs nothing, runs are their longest.
    clock = InstantClock(START)
    pipeline = Pipeline(OutputSettings(), 4)
    loop = FrameLoop(CaptureOutput(4), pipeline, clock, 200.0)
    slow = SlowDither(pipeline, clock, frame_s)
    stats = loop.play(Dim(), threading.Event())
    assert stats.dropped == 0 and stats.shown == 601
    runs = [run for run in slow.runs[2:-2] if run > 1]  # bar the start and the end
    if frame_s:
        assert 1 < max(runs) <= 0.5 * (1.0 / 200.0 - 0.001) / frame_s
    else:
        assert max(runs) == RUN_FRAMES


def test_keyframes_are_rendered_in_the_slack_after_a_frame_so_a_run_renders_none(monkeypatch):
    # A run crosses several keyframes; rendered in one call they would all come between two
    # deadlines. The loop renders them ahead, one after each frame goes out.
    making: list[bool] = []
    original = FrameMaker.make

    def make(self, *args, **kwargs):
        making.append(True)
        try:
            return original(self, *args, **kwargs)
        finally:
            making.pop()

    monkeypatch.setattr(FrameMaker, "make", make)
    rendered_in_make: list[tuple[float, bool]] = []

    class Counted(Dim):
        def frame(self, t_s: float) -> np.ndarray:
            rendered_in_make.append((t_s, bool(making)))
            return super().frame(t_s)

    clock = InstantClock(START)
    stats = FrameLoop(CaptureOutput(4), Pipeline(OutputSettings(), 4), clock, 200.0).play(Counted(), threading.Event())
    assert stats.dropped == 0
    # At the start the loop makes RUN_PERIODS ahead at once (a frame costs nothing on this clock,
    # and nothing is rendered ahead yet); from then on every keyframe (one each 80 ms, the light
    # being dim) is rendered ahead, in the slack, and make renders only the last frame (exact).
    ahead_s = RUN_PERIODS / 200.0 + 2 * 0.08
    assert [t_s for t_s, in_make in rendered_in_make if in_make and t_s > ahead_s] == [3.0]
    assert sum(not in_make for _, in_make in rendered_in_make) >= (3.0 - ahead_s) / 0.08 - 2
