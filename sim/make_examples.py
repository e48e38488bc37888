"""Makes the pictures in sim/examples/ that the README shows: for each built-in wake and dusk
sequence, its timeline (PNG) and the ring playing it in 3 seconds (a 160x160 GIF of 60 frames),
and, where there is a display, a screenshot of the window (window.png).

    .venv/bin/python -m sim.make_examples [FOLDER]     # default: sim/examples
    Xvfb :99 & DISPLAY=:99 .venv/bin/python -m sim.make_examples   # with the screenshot, headless

They are what `emberwake preview NAME --export FILE` writes, on the default ring (24 WS2812B LEDs).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from device.config import Config, default_config
from sequences.catalog import load_builtin
from sequences.engine import Renderer
from sim.export import export

SEQUENCES = ("storm-to-firelight", "lavender-dawn", "tend-the-flame")
GIF_SECONDS = 3.0
GIF_SIZE_PX = 160


def make_examples(folder: Path) -> list[str]:
    """Write the example pictures into `folder`; one line for each file written."""
    folder.mkdir(parents=True, exist_ok=True)
    config = default_config(Path(tempfile.gettempdir()))  # the defaults, whatever this machine's config says
    written = []
    for name in SEQUENCES:
        renderer = Renderer(load_builtin(name), None, config.ring.pixels)
        written.append(export(folder / f"{name}.png", renderer, config))
        written.append(export(folder / f"{name}.gif", renderer, config, renderer.duration_s / GIF_SECONDS, GIF_SIZE_PX))
    if os.environ.get("DISPLAY"):
        written.append(window_screenshot(folder / "window.png", config))
    return written


def window_screenshot(path: Path, config: Config, name: str = "lavender-dawn", at_s: float = 1320.0) -> str:
    """The preview window at `at_s` into `name`, paused there, as a PNG."""
    import threading
    import tkinter

    from PIL import ImageGrab

    from sim.session import PreviewSession
    from sim.window import WindowViewer

    session = PreviewSession(Renderer(load_builtin(name), None, config.ring.pixels), config, speed_x=60.0).start()
    session.toggle_pause()
    session.seek(at_s)
    root = tkinter.Tk()
    viewer = WindowViewer(root, session, threading.Event())
    for _ in range(20):  # long enough for the paused frame to arrive and the window to map
        viewer.redraw()
        root.update()
        time.sleep(0.05)
    left, top = root.winfo_rootx(), root.winfo_rooty()
    ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).crop(
        (left, top, left + root.winfo_width(), top + root.winfo_height())).save(path, optimize=True)
    root.destroy()
    session.close()
    return f"{path}: the window"


if __name__ == "__main__":
    for line in make_examples(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "examples"):
        print(line)
