"""Rendering from several threads: the light's thread and a viewer (or an export) may draw frames of
one sequence at the same moment, and each must get exactly the frames one thread alone would draw."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import sequences
from sequences.catalog import builtin_names, load_builtin
from sequences.effects import EFFECTS, FrameInputs
from sequences.effects.base import ring_positions
from sequences.engine import Renderer

SEQUENCES_DIR = str(Path(sequences.__file__).parent)
STOPS_FRAMES = 4  # consecutive frames at each stop
FPS = 200.0
OTHER_THREAD_LATER_S = 20.0  # the same phases, other NoiseTable cells and other rain and firefly slots
TURN_TIMEOUT_S = 10.0  # for the second thread's first turn
# A turn the other thread has not taken by then: it waits on a lock this one holds (Python 3.11's
# functools.cached_property takes one, as the effects did before they built their tables up front),
# so this one carries on. On a busy machine that only makes the interleaving less dense.
TURN_WAIT_S = 0.01


class TakingTurns:
    """Two threads that run sequences/ code one line each in turn: a dense, repeatable interleaving
    (the GIL alone hands over every few frames, too seldom to find a race)."""

    def __init__(self):
        self._changed = threading.Condition()
        self._turn = 0
        self._finished = [False, False]

    def run(self, who: int, work) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._turn == who, TURN_TIMEOUT_S)
        sys.settrace(self._tracer(who))
        try:
            work()
        finally:
            sys.settrace(None)
            with self._changed:
                self._finished[who] = True
                self._turn = 1 - who
                self._changed.notify_all()

    def _tracer(self, who: int):
        def trace(frame, event, arg):
            if not frame.f_code.co_filename.startswith(SEQUENCES_DIR):
                return None  # threading's own code and the test's run untraced
            if event == "line":
                self._hand_over(who)
            return trace
        return trace

    def _hand_over(self, who: int) -> None:
        other = 1 - who
        with self._changed:
            if self._finished[other]:
                return
            self._turn = other
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._turn == who or self._finished[other], TURN_WAIT_S)


def two_threads(draw_a, draw_b, times_a: np.ndarray, times_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames draw_a(t) over times_a and draw_b(t) over times_b, one thread each, taking turns line by line."""
    turns = TakingTurns()
    frames: list[list[np.ndarray]] = [[], []]
    errors: list[BaseException] = []

    def work(who: int, draw, times: np.ndarray):
        def draw_all() -> None:
            for t_s in times:
                frames[who].append(np.array(draw(float(t_s))))

        def guarded() -> None:
            try:
                turns.run(who, draw_all)
            except BaseException as error:  # noqa: BLE001 - reported by the test thread
                errors.append(error)
        return guarded

    threads = [threading.Thread(target=work(0, draw_a, times_a)), threading.Thread(target=work(1, draw_b, times_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60.0)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    return np.array(frames[0]), np.array(frames[1])


def frame_times(renderer: Renderer) -> np.ndarray:
    """Runs of consecutive frames at the middle and the start of every phase (cross-fades included)."""
    stops = sorted({p.start_s for p in renderer.placed} | {(p.start_s + p.end_s) / 2 for p in renderer.placed})
    return np.concatenate([stop + np.arange(STOPS_FRAMES) / FPS for stop in stops])


def alone(draw, times: np.ndarray) -> np.ndarray:
    return np.array([draw(float(t_s)) for t_s in times])


@pytest.mark.parametrize("own_memory", [True, False], ids=["frames-each", "renderer.frame"])
@pytest.mark.parametrize("name", builtin_names())
def test_two_threads_rendering_one_renderer_get_the_frames_of_one_thread(name, own_memory):
    """Each thread with its own renderer.frames() (as the light's thread and a viewer do), or both
    calling the shared renderer's frame(t_s)."""
    shared = Renderer(load_builtin(name), None, 24)
    times_a = frame_times(shared)
    times_b = times_a + OTHER_THREAD_LATER_S
    draw_a, draw_b = (shared.frames().frame, shared.frames().frame) if own_memory else (shared.frame, shared.frame)
    got_a, got_b = two_threads(draw_a, draw_b, times_a, times_b)
    reference = Renderer(load_builtin(name), None, 24)
    want_a, want_b = alone(reference.frame, times_a), alone(reference.frame, times_b)
    wrong = np.any(got_a != want_a, axis=(1, 2)) | np.any(got_b != want_b, axis=(1, 2))
    worst = max(np.abs(got_a - want_a).max(), np.abs(got_b - want_b).max())
    assert not wrong.any(), f"{name}: {int(wrong.sum())} of {len(times_a)} frame pairs wrong, by up to {worst:.3g}"


@pytest.mark.parametrize("own_memory", [True, False], ids=["scratch-each", "fresh"])
@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_two_threads_drawing_one_effect_get_the_frames_of_one_thread(name, own_memory):
    """Every registered effect (built-in sequences or not), as the renderer draws it."""
    effect = EFFECTS[name]({}, seed=7)
    pixels, rgb = 24, np.array([0.8, 0.5, 0.3])

    def inputs(t_s: float) -> FrameInputs:
        return FrameInputs(t_s, t_s - 100.0, 0.5, rgb, ring_positions(pixels))

    def drawer():
        scratch = effect.new_scratch(ring_positions(pixels)) if own_memory else None
        return lambda t_s: effect.draw(inputs(t_s), scratch)

    times_a = 100.0 + np.arange(24) * 0.37  # crossing noise cells, rain and firefly slots
    times_b = times_a + 31.0  # and lightning's
    got_a, got_b = two_threads(drawer(), drawer(), times_a, times_b)
    reference = EFFECTS[name]({}, seed=7)
    want_a = alone(lambda t_s: reference.draw(inputs(t_s)), times_a)
    want_b = alone(lambda t_s: reference.draw(inputs(t_s)), times_b)
    assert np.array_equal(got_a, want_a) and np.array_equal(got_b, want_b)
