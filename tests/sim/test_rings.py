"""The virtual ring: the output seam, averaging for the viewer, how codes look, its own viewer."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from device.output import PixelOutput
from device.output import open_output
from device.pipeline import OutputSettings
from sim.rings import LedAppearance, VirtualRing


def test_the_virtual_ring_is_a_pixel_output_that_averages_what_it_was_shown():
    ring = VirtualRing(4, 3, "GRB")
    assert isinstance(ring, PixelOutput)
    ring.show(np.zeros((4, 3), dtype=np.uint8))
    ring.show(np.full((4, 3), 100, dtype=np.uint8))
    ring.show(np.full((4, 3), 101, dtype=np.uint8))
    assert ring.take_average() == pytest.approx(np.full((4, 3), 67.0))
    # Nothing new shown: the LEDs hold the last frame.
    assert ring.take_average() == pytest.approx(np.full((4, 3), 101.0))
    assert ring.shown == 3


def test_closing_blanks_the_ring_tells_its_viewer_and_refuses_more_frames():
    ring = VirtualRing(2, 4, "GRBW")
    closed = []
    ring.when_closed(lambda: closed.append(True))
    ring.show(np.full((2, 4), 9, dtype=np.uint8))
    ring.close()
    assert ring.last.tolist() == [[0, 0, 0, 0]] * 2 and closed == [True]
    with pytest.raises(RuntimeError):
        ring.show(np.zeros((2, 4), dtype=np.uint8))
    with pytest.raises(ValueError):
        VirtualRing(2, 3, "GRB").show(np.zeros((3, 3), dtype=np.uint8))


def test_the_led_types_white_looks_white_and_a_white_chip_looks_its_colour():
    appearance = LedAppearance(OutputSettings(white_balance=(1.0, 0.86, 0.74)))
    balanced_white = np.array([[255.0, 0.86 * 255, 0.74 * 255]])
    assert appearance.to_linear(balanced_white) == pytest.approx(np.ones((1, 3)))
    warm = (1.0, 0.7, 0.4)
    rgbw = LedAppearance(OutputSettings(white_balance=(1.0, 0.9, 0.8), white_rgb=warm), channels=4)
    assert rgbw.to_linear(np.array([[0, 0, 0, 255]])) == pytest.approx(np.array([warm]))


def test_play_output_terminal_draws_the_ring_in_24_bit_colour(config, capsys):
    ring = open_output("terminal", config, title="Red test")
    red = np.zeros((ring.pixel_count, 3), dtype=np.uint8)
    red[:, 0] = 255
    out = ""
    deadline = time.monotonic() + 3.0
    while "Red test" not in out and time.monotonic() < deadline:
        ring.show(red)
        time.sleep(0.05)
        out += capsys.readouterr().out
    ring.show(red)
    time.sleep(0.3)
    ring.close()
    out += capsys.readouterr().out
    picture = "".join(line for line in re.split(r"\x1b\[\d+;1H", out) if "\u2580" in line)  # the ring, not the words
    reds = [tuple(map(int, m)) for m in re.findall(r"\x1b\[38;2;(\d+);(\d+);(\d+)m", picture)]
    assert max(r for r, g, b in reds) == 255  # the LEDs' cores are full red
    assert all(g <= 30 and b <= 30 for r, g, b in reds if r > 100)  # red light on a dark blue-black room


def test_play_output_sim_without_a_display_falls_back_to_the_terminal(config, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    ring = open_output("sim", config)
    time.sleep(0.3)
    ring.close()
    captured = capsys.readouterr()
    assert captured.err.strip() == "emberwake: no display ($DISPLAY is not set); showing the ring in the terminal"
    assert "\x1b[38;2;" in captured.out
