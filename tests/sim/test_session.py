"""Previews: the real frame loop on a fast clock, pause and seek, the end held, live reload."""

from __future__ import annotations

import os
import time

import pytest

from sequences.catalog import find
from sequences.engine import Renderer
from sim.session import MAX_REAL_FRAMES_PER_S, PreviewSession, SequenceWatcher, loop_fps
from tests.sim.conftest import SOLID


def wait_for(condition, timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def is_red(codes) -> bool:
    return codes[:, 0].min() > 150 and codes[:, 1:].max() == 0


def is_blue(codes) -> bool:
    return codes[:, 2].min() > 100 and codes[:, :2].max() == 0


@pytest.fixture
def session(solid_file, config):
    renderer = Renderer(find(str(solid_file)), None, config.ring.pixels)
    watcher = SequenceWatcher(solid_file, lambda: Renderer(find(str(solid_file)), None, config.ring.pixels))
    session = PreviewSession(renderer, config, speed_x=40.0, watcher=watcher)
    yield session
    session.close()


def test_fast_forward_steps_the_leds_less_often_not_the_clock():
    assert loop_fps(200.0, 1.0) == 200.0
    assert loop_fps(200.0, 10.0) == MAX_REAL_FRAMES_PER_S / 10.0
    assert loop_fps(200.0, 600.0) == 1.0


def test_it_plays_to_the_end_and_holds_the_last_frame_there(session):
    session.start()
    assert wait_for(lambda: is_red(session.ring.last))
    assert session.status().phase == "red"
    assert wait_for(lambda: session.clock.paused, 5.0)  # 20 s at 40x: half a second
    assert session.position_s() == 20.0
    assert is_blue(session.ring.last)  # held, not blanked
    assert session.status().phase == "blue"


def test_seeking_while_paused_shows_that_moment_and_stays_there(session):
    session.start()
    session.toggle_pause()
    session.seek(15.0)
    assert wait_for(lambda: is_blue(session.ring.last))
    time.sleep(0.2)
    assert session.position_s() == 15.0
    session.seek(2.0)
    assert wait_for(lambda: is_red(session.ring.last))


def test_the_average_of_the_dithered_codes_is_the_ideal_float(session):
    session.start()
    session.set_speed(1.0)
    session.seek(4.0)
    assert wait_for(lambda: is_red(session.ring.last))
    session.ring.take_average()
    time.sleep(0.2)
    average = session.ring.take_average()
    ideal = session.ideal_codes()
    assert ideal[0, 0] % 1 != 0  # a fractional code, made real by dithering
    assert average[:, 0].mean() == pytest.approx(ideal[:, 0].mean(), abs=0.05)


def test_an_edit_is_picked_up_and_a_broken_edit_keeps_the_last_good_version(session, solid_file):
    session.start()
    assert wait_for(lambda: is_red(session.ring.last))

    def edit(text: str, bump_s: int) -> None:
        solid_file.write_text(text, encoding="utf-8")
        stamp = time.time_ns() + bump_s * 1_000_000_000  # a new mtime even on a coarse file system
        os.utime(solid_file, ns=(stamp, stamp))
        session._next_check_s = 0.0  # the viewer polls a few times a second; the test does not wait
        session.poll()

    edit(SOLID.format(duration="20s").replace("#ff0000", "#00ff00"), 1)
    assert session.notice.startswith("reloaded test-solid.toml")
    assert session.renderer.frame(1.0)[0].tolist() == pytest.approx([0.0, session.renderer.frame(1.0)[0][1], 0.0])
    good = session.renderer
    edit(SOLID.format(duration="20s").replace('effect = "steady"', 'effect = "stedy"', 1), 2)
    assert "stedy" in session.notice and session.notice.endswith("showing the last good version")
    assert "\n" not in session.notice
    assert session.renderer is good
