"""The simulator's bedside button: the window's button (clicked, under Xvfb) and the terminal's
space bar drive the service's own button logic, on the simulated clock."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest

from device.frame_loop import FrameLoop
from device.pipeline import Pipeline
from device.player import Player
from device.service import service_for_sim
from sim.clock import SimClock
from sim.rings import VirtualRing
from sim.run import RunSource, SimRuntime
from sim.status import BUTTON
from sim.terminal import TerminalViewer
from tests.device.service.conftest import make_home
from device.config import load_config


@pytest.fixture
def simulated(tmp_path):
    """The firmware on the simulator's clock at 10x (a double-press gap: 40 ms), as run --sim runs it."""
    config = load_config(make_home(tmp_path / "home"))
    clock = SimClock(10.0, dt.datetime(2030, 1, 7, 22, 0, tzinfo=dt.timezone.utc))
    ring = VirtualRing.for_config(config)
    player = Player(FrameLoop(ring, Pipeline(config.output, ring.pixel_count, ring.channels), clock, 20)).start()
    runtime = SimRuntime(config, clock, ring, player, threading.Event())
    shutdown = service_for_sim(runtime)
    yield runtime
    shutdown()
    player.shutdown()


def test_clicking_the_windows_button_turns_the_night_light_on(tk_root, simulated):
    from sim.window import WindowViewer
    source = RunSource(simulated)
    assert BUTTON in source.controls
    viewer = WindowViewer(tk_root, source, threading.Event())
    tk_root.update()
    assert viewer.bedside_button.winfo_ismapped()
    viewer.bedside_button.event_generate("<ButtonPress-1>")
    viewer.bedside_button.event_generate("<ButtonRelease-1>")
    tk_root.update()
    assert simulated.player.wait_for(lambda state: state.label == "night light", 5.0)
    viewer.bedside_button.event_generate("<ButtonPress-1>")  # held for two simulated seconds or more: nothing
    tk_root.update()                                          # (a hold when idle does nothing; five skips)
    simulated.clock.sleep(2.5)
    viewer.bedside_button.event_generate("<ButtonRelease-1>")
    tk_root.update()
    simulated.clock.sleep(1.0)
    assert simulated.player.state.label == "night light"


def test_the_terminals_space_bar_presses_the_button(simulated):
    source = RunSource(simulated)
    viewer = TerminalViewer(source, io.StringIO(), keys=False, size_px=24)
    assert viewer._key(b" ") is False
    assert simulated.player.wait_for(lambda state: state.label == "night light", 5.0)
    assert not simulated.clock.paused  # space is the button here; p pauses
    viewer._key(b"p")
    assert simulated.clock.paused
