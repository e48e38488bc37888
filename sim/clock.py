"""The simulator's clock: simulated time running `speed_x` times faster than real time.

A SimClock is a device.clock.Clock, so the firmware itself (frame loop, player, timers, controller)
runs unchanged on simulated time: a 30-minute sunrise plays in 30 s at 60x. It can be paused and
re-sped while running; a sleep always ends when simulated time has advanced by what was asked (so a
paused clock holds every sleeper), or early when `wake()` is called.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

from device.clock import SteppedClock

MIN_SPEED_X = 0.01
MAX_SPEED_X = 10_000.0
# The day a preview or an export is set on: only its time of day is ever shown, and no picture
# may depend on the date it was made.
PREVIEW_DAY = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def time_of_day(hh_mm: str) -> dt.time:
    """'HH:MM' (24-hour) as a time of day; ValueError with a one-line message otherwise."""
    try:
        return dt.datetime.strptime(hh_mm.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"clock start {hh_mm!r} is not a time of day as HH:MM, e.g. 06:30") from None


def wall_start_at(at: dt.time, today: dt.datetime) -> dt.datetime:
    """`at` on the day of `today` (an aware datetime, in its own zone)."""
    return dt.datetime.combine(today.date(), at, tzinfo=today.tzinfo)


class SimClock(SteppedClock):
    """Simulated time from `wall_start` (aware), `speed_x` simulated seconds per real second.

    `real_clock` is the real monotonic time it runs on (a test may give its own)."""

    def __init__(self, speed_x: float, wall_start: dt.datetime,
                 real_clock: Callable[[], float] = time.monotonic):
        super().__init__(wall_start)
        self._real_clock = real_clock
        self._anchor_real_s = real_clock()
        self._anchor_sim_s = 0.0
        self._speed_x = _checked_speed(speed_x)
        self._paused = False

    @property
    def speed_x(self) -> float:
        return self._speed_x

    @property
    def paused(self) -> bool:
        return self._paused

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

    def _elapsed_s(self) -> float:
        if self._paused:
            return self._anchor_sim_s
        return self._anchor_sim_s + (self._real_clock() - self._anchor_real_s) * self._speed_x

    def _real_wait_s(self, left_s: float) -> float | None:
        # A paused clock has no end in sight: wait for resume/set_speed/wake to notify.
        return None if self._paused else left_s / self._speed_x

    def _re_anchor(self) -> None:
        self._anchor_sim_s = self._elapsed_s()
        self._anchor_real_s = self._real_clock()


def _checked_speed(speed_x: float) -> float:
    if not MIN_SPEED_X <= speed_x <= MAX_SPEED_X:
        raise ValueError(f"clock speed {speed_x:g}x is outside {MIN_SPEED_X:g}-{MAX_SPEED_X:g}x")
    return float(speed_x)
