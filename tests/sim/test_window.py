"""The window under a private X server (Xvfb): screenshots checked against the frames shown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tests.device.service.conftest import make_home
from sequences.colour import srgb_codes
from sim.rings import LedAppearance, VirtualRing
from sim.status import RingOnlySource
from tests.sim.conftest import need

PALETTE = np.array([[200, 0, 0], [0, 200, 0], [0, 0, 200], [200, 200, 0], [0, 200, 200], [200, 0, 200]])


def screenshot(xdisplay: str) -> np.ndarray:
    from PIL import ImageGrab, features
    need(features.check("xcb"), "this Pillow cannot grab X screens (no XCB support)")
    return np.asarray(ImageGrab.grab(xdisplay=xdisplay).convert("RGB")).astype(int)


def test_the_window_shows_the_average_of_the_codes_at_each_led(tk_root, xdisplay, config):
    from sim.window import WindowViewer

    ring = VirtualRing.for_config(config)
    appearance = LedAppearance(config.output)
    viewer = WindowViewer(tk_root, RingOnlySource(ring, appearance, "Window test"), threading.Event())
    lit = PALETTE[np.arange(ring.pixel_count) % len(PALETTE)].astype(np.uint8)
    ring.show(lit)
    ring.show(np.zeros_like(lit))  # within one screen frame: the eye sees half of `lit`
    viewer.redraw()
    tk_root.update()
    time.sleep(0.2)
    tk_root.update()
    shown = appearance.to_linear(lit / 2.0)
    assert viewer.shown_linear == pytest.approx(shown)

    picture = viewer.painter.paint(shown)
    screen = screenshot(xdisplay)
    left, top = viewer.ring_canvas.winfo_rootx(), viewer.ring_canvas.winfo_rooty()
    alone = srgb_codes(appearance.to_linear(PALETTE / 2.0)).astype(int)  # each colour as one LED shows it
    for index, (x, y) in enumerate(np.round(viewer.painter.centres_px - 0.5).astype(int)):
        seen = screen[top + y, left + x]
        assert np.abs(seen - picture[y, x]).max() <= 3, (index, seen, picture[y, x])
        nearest = int(np.argmin(np.abs(alone - seen).sum(axis=1)))
        assert nearest == index % len(PALETTE), (index, seen)
    assert tk_root.title() == "Window test \u2014 Emberwake simulator"


def test_run_sim_opens_the_window_on_a_display_and_stops_cleanly(tmp_path, xdisplay, solid_file):
    environment = {**os.environ, "DISPLAY": xdisplay}
    make_home(tmp_path)  # a free port for the API: another emberwake may be running
    command = [sys.executable, "-c", "import sys; from device.cli import main; sys.exit(main())", "--home", str(tmp_path), "run", "--sim", "--clock-speed", "2",
               "--play", str(solid_file)]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20.0
        red_pixels = 0
        while red_pixels < 200 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.3)
            screen = screenshot(xdisplay)
            red_pixels = int(((screen[..., 0] > 200) & (screen[..., 1] < 40) & (screen[..., 2] < 40)).sum())
        assert red_pixels >= 200, "no glowing red ring on the screen"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert err == "" and out == ""


def test_clicking_the_timeline_scrubs_and_the_switch_shows_the_ideal_floats(tk_root, config, solid_file):
    from sequences.catalog import find
    from sequences.engine import Renderer
    from sim.session import PreviewSession
    from sim.window import WindowViewer

    session = PreviewSession(Renderer(find(str(solid_file)), None, config.ring.pixels), config).start()
    try:
        session.toggle_pause()
        viewer = WindowViewer(tk_root, session, threading.Event())
        viewer.redraw()
        tk_root.update()
        width_px = int(viewer.timeline["width"])
        viewer.timeline.event_generate("<Button-1>", x=width_px * 3 // 4, y=5)
        tk_root.update()
        assert session.position_s() == pytest.approx(15.0, abs=0.1)  # three quarters of 20 s: blue
        deadline = time.monotonic() + 3.0
        while session.ring.last[:, 2].max() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        viewer.redraw()
        assert viewer.shown_linear[:, 2].min() > 0.1 and viewer.shown_linear[:, :2].max() == 0
        viewer.show_ideal.set(True)
        viewer.redraw()
        assert viewer.shown_linear == pytest.approx(session.appearance.to_linear(session.ideal_codes()))
    finally:
        session.close()
