"""An accelerated clock: simulated monotonic and wall time that run `speed_x` times faster than real time.

The frame loop and the player take its `monotonic` and `sleep` (FrameLoop(clock=, sleep=)), so the
firmware itself runs unchanged on simulated time: a 30-minute sunrise plays in 30 s at 60x.
The clock can be paused and re-sped while running; a sleep always ends when simulated time has
advanced by what was asked (so a paused clock holds every sleeper), or early when `wake()` is called.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from typing import Callable

MIN_SPEED_X = 0.01
MAX_SPEED_X = 10_000.0


def wall_start_at(hh_mm: str, today: date | None = None) -> datetime:
    """Local datetime today at 'HH:MM' (24-hour); ValueError with a one-line message otherwise."""
    try:
        clock = datetime.strptime(hh_mm.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"clock start {hh_mm!r} is not a time of day as HH:MM, e.g. 06:30") from None
    return datetime.combine(today or date.today(), clock).astimezone()


class SimClock:
    """Simulated time from a chosen wall-clock start, `speed_x` simulated seconds per real second."""

    def __init__(self, speed_x: float = 1.0, wall_start: datetime | None = None,
                 real_clock: Callable[[], float] = time.monotonic):
        self._real_clock = real_clock
        self._changed = threading.Condition()
        self._anchor_real_s = real_clock()
        self._anchor_sim_s = 0.0
        self._speed_x = _checked_speed(speed_x)
        self._paused = False
        self._wakes = 0
        self.wall_start = (wall_start or datetime.now()).astimezone()

    @property
    def speed_x(self) -> float:
        return self._speed_x

    @property
    def paused(self) -> bool:
        return self._paused

    def monotonic(self) -> float:
        """Simulated seconds since the clock was made (the frame loop's clock)."""
        with self._changed:
            return self._sim_now_s()

    def now(self) -> datetime:
        """The simulated wall clock (timezone-aware, local)."""
        return self.wall_start + timedelta(seconds=self.monotonic())

    def time(self) -> float:
        """The simulated wall clock as seconds since the epoch, like time.time()."""
        return self.now().timestamp()

    def set_speed(self, speed_x: float) -> None:
        with self._changed:
            self._re_anchor()
            self._speed_x = _checked_speed(speed_x)
            self._changed.notify_all()  # sleepers recompute how long is left in real time

    def pause(self) -> None:
        with self._changed:
            self._re_anchor()
            self._paused = True
            self._changed.notify_all()

    def resume(self) -> None:
        with self._changed:
            self._re_anchor()
            self._paused = False
            self._changed.notify_all()

    def wake(self) -> None:
        """End every sleep now: whoever interrupts a frame loop calls this, because a sleep on a
        paused clock would otherwise never end."""
        with self._changed:
            self._wakes += 1
            self._changed.notify_all()

    def sleep(self, duration_s: float) -> None:
        """Sleep until the clock has advanced `duration_s` simulated seconds, or until `wake()`."""
        with self._changed:
            target_s = self._sim_now_s() + max(0.0, duration_s)
            wakes = self._wakes
            while self._wakes == wakes:
                left_s = target_s - self._sim_now_s()
                if left_s <= 0:
                    return
                # A paused clock has no end in sight: wait for resume/set_speed/wake to notify.
                self._changed.wait(None if self._paused else left_s / self._speed_x)

    def _sim_now_s(self) -> float:
        if self._paused:
            return self._anchor_sim_s
        return self._anchor_sim_s + (self._real_clock() - self._anchor_real_s) * self._speed_x

    def _re_anchor(self) -> None:
        self._anchor_sim_s = self._sim_now_s()
        self._anchor_real_s = self._real_clock()


def _checked_speed(speed_x: float) -> float:
    if not MIN_SPEED_X <= speed_x <= MAX_SPEED_X:
        raise ValueError(f"clock speed {speed_x:g}x is outside {MIN_SPEED_X:g}-{MAX_SPEED_X:g}x")
    return float(speed_x)
