"""What a viewer shows besides the LEDs, and the controls it may offer: the seam between the
things that drive a virtual ring (a preview, the simulated firmware) and the window or terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from sequences.timeline import TimelineStrip
from sim.rings import LedAppearance, VirtualRing

PAUSE, SEEK, SPEED, BUTTON = "pause", "seek", "speed", "button"
SLIDER_MIN_X, SLIDER_MAX_X = 1.0, 600.0  # the viewers' speed control (the clock itself goes further)


def clock_text(seconds: float) -> str:
    """m:ss below an hour, h:mm:ss above."""
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def speed_text(speed_x: float) -> str:
    return f"{speed_x:.3g}\u00d7"


@dataclass(frozen=True)
class Status:
    """One moment of a simulation, in words and numbers.

    sequence_s / duration_s: where the sequence clock is, and its length (None when idle);
    wall: the simulated wall clock; notice: one line worth reading (a reload error, say).
    """

    title: str
    phase: str = ""
    caption: str = ""
    sequence_s: float | None = None
    duration_s: float | None = None
    wall: datetime | None = None
    speed_x: float = 1.0
    paused: bool = False
    notice: str = ""


class ViewSource(Protocol):
    """What a viewer draws from, and the controls it forwards. `controls` says which of
    PAUSE, SEEK, SPEED and BUTTON (the bedside button: press_button, release_button) the source
    accepts; the others are no-ops."""

    ring: VirtualRing
    appearance: LedAppearance
    controls: frozenset[str]

    def status(self) -> Status: ...

    def ideal_codes(self) -> np.ndarray | None: ...

    def timeline(self) -> TimelineStrip | None: ...

    def poll(self) -> None: ...

    def toggle_pause(self) -> None: ...

    def set_speed(self, speed_x: float) -> None: ...

    def seek(self, t_s: float) -> None: ...

    def press_button(self) -> None: ...

    def release_button(self) -> None: ...


class RingOnlySource:
    """A ring seen with nothing else known about it: what `play --output sim` shows."""

    controls: frozenset[str] = frozenset()

    def __init__(self, ring: VirtualRing, appearance: LedAppearance, title: str):
        self.ring = ring
        self.appearance = appearance
        self.title = title

    def status(self) -> Status:
        return Status(self.title, notice=f"{self.ring.shown} frames shown")

    def ideal_codes(self) -> np.ndarray | None:
        return None

    def timeline(self) -> TimelineStrip | None:
        return None

    def poll(self) -> None:
        pass

    def toggle_pause(self) -> None:
        pass

    def set_speed(self, speed_x: float) -> None:
        pass

    def seek(self, t_s: float) -> None:
        pass

    def press_button(self) -> None:
        pass

    def release_button(self) -> None:
        pass
