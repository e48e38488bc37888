"""The terminal viewer: the glowing ring in 24-bit ANSI colour, for SSH sessions on the Pi itself.

Each character cell is an upper-half block whose foreground is one picture pixel and background
the one below, so a cell holds two square-ish pixels. It redraws at REDRAW_FPS, waiting on the
keyboard (select) or on the stop event in between, and writes nothing when nothing changed.
Keys: space the bedside button where there is one (a press: a terminal sees no key release, so no
holds), else pause/play; p pause/play, left/right seek, + and - speed, i ideal floats, q quit.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import sys
import threading
import time
from typing import IO, Iterator

import numpy as np

from sim.glow import RingPainter
from sim.status import BUTTON, SLIDER_MAX_X, SLIDER_MIN_X, SEEK, SPEED, Status, ViewSource, clock_text, speed_text

REDRAW_FPS = 15.0
STATUS_LINES = 5
_SPEEDS_X = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


def picture_to_ansi(picture: np.ndarray) -> list[str]:
    """sRGB uint8 (height, width, 3), height even -> one line of half blocks per two picture rows."""
    lines = []
    for top, bottom in zip(picture[0::2], picture[1::2]):
        cells, last = [], None
        for upper, lower in zip(top.tolist(), bottom.tolist()):
            colours = (*upper, *lower)
            # Only write a colour change: a dark ring is mostly runs of the same background.
            cells.append("\u2580" if colours == last else "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm\u2580" % colours)
            last = colours
        lines.append("".join(cells) + "\x1b[0m")
    return lines


def status_lines(status: Status, width: int, ideal: bool) -> list[str]:
    where = ""
    if status.sequence_s is not None and status.duration_s is not None:
        where = f"{clock_text(status.sequence_s)} / {clock_text(status.duration_s)}   "
    wall = f"{status.wall:%H:%M:%S}   " if status.wall is not None else ""
    state = ("paused" if status.paused else "playing") if status.sequence_s is not None else "idle"
    lines = [
        f"\x1b[1m{status.title}\x1b[0m",
        f"\x1b[1;38;2;243;181;107m{status.phase.replace('-', ' ')}\x1b[0m  {status.caption}",
        f"{where}{wall}{speed_text(status.speed_x)}  {state}{'  (ideal floats)' if ideal else ''}",
        f"\x1b[38;2;255;154;122m{status.notice}\x1b[0m",
        "\x1b[2mspace button/pause  p pause  \u2190/\u2192 seek  +/- speed  i ideal  q quit\x1b[0m",
    ]
    return [_clip(line, width) for line in lines]


def _clip(line: str, width: int) -> str:
    """Cut a line to `width` visible characters, leaving its escape codes whole."""
    out, visible, index = [], 0, 0
    while index < len(line):
        if line[index] == "\x1b":
            end = line.index("m", index) + 1
            out.append(line[index:end])
            index = end
            continue
        if visible < width:
            out.append(line[index])
            visible += 1
        index += 1
    return "".join(out)


class TerminalViewer:
    """Draws a ViewSource on a terminal until `stopping` is set (or q is pressed, with keys)."""

    def __init__(self, source: ViewSource, out: IO[str] | None = None, keys: bool = True, size_px: int | None = None):
        self.source = source
        self.out = out or sys.stdout
        self.keys = keys and sys.stdin.isatty()
        columns, rows = shutil.get_terminal_size((80, 24))
        if size_px is None:
            size_px = max(16, min(64, columns - 2, 2 * (rows - STATUS_LINES - 1)))
        self.width = columns
        self.painter = RingPainter(source.ring.pixel_count, size_px - size_px % 2, dither=False)
        self.ideal = False
        self._shown_lines: list[str] = []

    def frame_lines(self) -> list[str]:
        """One whole screen: the ring, then the status lines."""
        self.source.poll()
        codes = self.source.ideal_codes() if self.ideal else None
        if codes is None:
            codes = self.source.ring.take_average()
        picture = self.painter.paint(self.source.appearance.to_linear(codes))
        return picture_to_ansi(picture) + status_lines(self.source.status(), self.width, self.ideal)

    def changes(self, lines: list[str]) -> str:
        """What to write to turn the screen shown into `lines`: only the lines that changed, since
        over SSH every byte counts (a whole 40x20 ring is some 30 kB)."""
        changed = [row for row, line in enumerate(lines)
                   if row >= len(self._shown_lines) or self._shown_lines[row] != line]
        self._shown_lines = lines
        return "".join(f"\x1b[{row + 1};1H{lines[row]}\x1b[K" for row in changed)

    def run(self, stopping: threading.Event) -> None:
        with self._screen(), self._keyboard() as keyboard:
            while not stopping.is_set():
                started = time.monotonic()
                text = self.changes(self.frame_lines())
                if text:
                    self.out.write(text)
                    self.out.flush()
                wait_s = max(0.0, 1.0 / REDRAW_FPS - (time.monotonic() - started))
                if keyboard is None:
                    stopping.wait(wait_s)
                elif select.select([keyboard], [], [], wait_s)[0] and self._key(os.read(keyboard, 16)):
                    stopping.set()

    def _key(self, pressed: bytes) -> bool:
        """Act on a key press; True to quit."""
        source, status = self.source, self.source.status()
        if pressed in (b"q", b"Q", b"\x1b"):
            return True
        if pressed == b" " and BUTTON in source.controls:
            source.press_button()
            source.release_button()
        elif pressed in (b" ", b"p"):
            source.toggle_pause()
        elif pressed == b"i":
            self.ideal = not self.ideal
        elif pressed in (b"\x1b[C", b"\x1b[D") and SEEK in source.controls and status.sequence_s is not None:
            source.seek(status.sequence_s + (5.0 if pressed == b"\x1b[C" else -5.0) * status.speed_x)
        elif pressed in (b"+", b"=", b"-") and SPEED in source.controls:
            faster = [s for s in _SPEEDS_X if s > status.speed_x]
            slower = [s for s in _SPEEDS_X if s < status.speed_x]
            choice = (faster[:1] or [SLIDER_MAX_X]) if pressed != b"-" else (slower[-1:] or [SLIDER_MIN_X])
            source.set_speed(choice[0])
        return False

    @contextlib.contextmanager
    def _screen(self) -> Iterator[None]:
        # The alternate screen keeps the user's scrollback clean; the cursor is hidden while drawing.
        tty_out = hasattr(self.out, "isatty") and self.out.isatty()
        self.out.write(("\x1b[?1049h" if tty_out else "") + "\x1b[?25l\x1b[2J")
        try:
            yield
        finally:
            self.out.write("\x1b[0m\x1b[?25h" + ("\x1b[?1049l" if tty_out else "\n"))
            self.out.flush()

    @contextlib.contextmanager
    def _keyboard(self) -> Iterator[int | None]:
        if not self.keys or os.name != "posix":
            yield None
            return
        import termios  # Unix only, like the keys: elsewhere the viewer runs without them
        import tty

        descriptor = sys.stdin.fileno()
        saved = termios.tcgetattr(descriptor)
        tty.setcbreak(descriptor)
        try:
            yield descriptor
        finally:
            termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)
