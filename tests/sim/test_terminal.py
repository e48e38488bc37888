"""The terminal viewer's keys and its economy with bytes."""

from __future__ import annotations

import io

from sequences.catalog import find
from sequences.engine import Renderer
from sim.session import PreviewSession
from sim.terminal import TerminalViewer


def test_keys_pause_seek_speed_and_quit(config, solid_file):
    session = PreviewSession(Renderer(find(str(solid_file)), None, config.ring.pixels), config, speed_x=1.0)
    viewer = TerminalViewer(session, io.StringIO(), keys=False, size_px=24)
    assert viewer._key(b" ") is False and session.clock.paused
    viewer._key(b"+")
    assert session.clock.speed_x == 2.0
    viewer._key(b"\x1b[C")  # 5 s of watching at 2x
    assert session.position_s() == 10.0
    viewer._key(b"-")
    assert session.clock.speed_x == 1.0
    assert viewer._key(b"q") is True
    session.close()


def test_only_the_lines_that_changed_are_written_again(config, solid_file):
    session = PreviewSession(Renderer(find(str(solid_file)), None, config.ring.pixels), config)
    viewer = TerminalViewer(session, io.StringIO(), keys=False, size_px=24)
    first = viewer.changes(viewer.frame_lines())
    assert first.count(";1H") == 12 + 5  # 24 pixel rows in 12 lines, then the words
    assert viewer.changes(viewer.frame_lines()) == ""  # nothing played, nothing changed
    session.close()
