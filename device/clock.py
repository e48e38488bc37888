"""The one clock: wall time, monotonic time, sleeping, and waking a sleeper early.

Every part that needs time takes one Clock and asks it, the way every gpiozero device asks one
pin factory: the frame loop paces frames on `monotonic()` and `sleep()`, the timers plan on
`now()` and wait with `sleep()`, the controller decides on `now()`, and whoever must interrupt a
wait (a new program for the player, a new plan for the timers) calls `wake()`.

- RealClock: the system's clocks (the Pi, `emberwake run`).
- ManualClock: time stands still until a test moves it (`advance`, `jump`); sleepers wait for that.
- InstantClock: a ManualClock whose sleeps move it on at once (a loop that plays as fast as it can).
- sim.clock.SimClock: simulated time running `speed_x` times faster than real time.

`wake()` ends every sleep under way, so a sleep may end early for someone else's reason: every
sleeper checks its own condition again when it wakes. A sleeper that must not miss an interrupt
passes `until` (e.g. `event.is_set`); the interrupter sets it, then calls `wake()`. `until` is asked
under the clock's lock before waiting, so an interrupt that comes just before the sleep is not lost.
Units: seconds (floats) for durations and monotonic time; aware datetimes for wall time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import logging
import sys
import threading
import time
from typing import Callable, Protocol, runtime_checkable

UTC = dt.timezone.utc
TIME_ERROR = 5  # adjtimex's answer while the clock is not synchronised
SHORT_SLEEP_S = 0.02  # a wait this short is one precise sleep, not interruptible

_log = logging.getLogger("emberwake.clock")


@runtime_checkable
class Clock(Protocol):
    """What every part of the firmware takes time from."""

    def now(self) -> dt.datetime:
        """The wall clock: an aware datetime in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (the frame loop's)."""

    wall_poll_s: float | None
    """How often a watcher must look at the wall clock to notice a jump or synchronisation;
    None where the clock itself wakes every sleeper when either happens."""

    def sleep(self, duration_s: float, until: Callable[[], bool] | None = None) -> None:
        """Wait `duration_s` seconds of this clock's time, or less: until the first wake(), or
        until `until` is true (asked under the clock's lock before waiting, and at every wake)."""

    def wake(self) -> None:
        """End every sleep under way now."""

    def synchronized(self) -> bool:
        """Can the wall clock be trusted (NTP has set it, or there is a real-time clock)?"""


def kernel_clock_state() -> int | None:
    """adjtimex(2) with modes=0 (read only): the clock state (0-5), or None where it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        # struct timex is under 256 bytes on every Linux ABI; modes (the first field) = 0 asks only.
        buffer = ctypes.create_string_buffer(512)
        state = libc.adjtimex(buffer)
    except (OSError, AttributeError):
        return None
    return None if state < 0 else state


class RealClock:
    """The system's clocks. A Pi has no real-time clock: it boots with a stale time until NTP sets
    it, and the kernel says so (adjtimex returns TIME_ERROR until then)."""

    wall_poll_s = 2.0  # NTP steps the clock without telling anyone: look this often

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._wakes = 0
        self._warned_unknown = False

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, duration_s: float, until: Callable[[], bool] | None = None) -> None:
        # A wake-up costs far more CPU than a frame, so a short wait (a frame at 200 fps) is one
        # precise sleep (clock_nanosleep); a longer one waits on the condition, so that wake()
        # ends it at once, and sleeps its last millisecond precisely.
        if duration_s <= SHORT_SLEEP_S:
            if duration_s > 0 and not (until is not None and until()):
                time.sleep(duration_s)
            return
        deadline = time.monotonic() + duration_s
        with self._changed:
            woken = _woken(self, until)
            if self._changed.wait_for(woken, duration_s - 0.001):
                return
        left_s = deadline - time.monotonic()
        if left_s > 0:
            time.sleep(left_s)

    def wake(self) -> None:
        with self._changed:
            self._wakes += 1
            self._changed.notify_all()

    def synchronized(self) -> bool:
        """True once the kernel says the clock is synchronised. Where the kernel cannot be asked
        (not Linux, a sandbox refusing the call) this says True and logs so once: refusing every
        alarm forever would be worse than trusting the clock."""
        state = kernel_clock_state()
        if state is None:
            if not self._warned_unknown:
                self._warned_unknown = True
                _log.warning("cannot ask the kernel whether the clock is synchronised; trusting it")
            return True
        return state != TIME_ERROR


class SteppedClock:
    """A clock whose time is computed, not read (ManualClock, the simulator's SimClock): sleepers
    wait on a condition until the clock's own time reaches their target, or wake() is called.

    Subclasses give `_elapsed_s()` (monotonic seconds since start, called with the lock held) and
    `_real_wait_s(left_s)` (how long in real seconds a sleeper with `left_s` to go may wait before
    looking again; None: until notified). The wall clock is `wall_start` plus elapsed time plus any
    `jump()`s, so a test or the simulator can jump the wall clock as NTP would.
    """

    wall_poll_s = None  # jump() and set_synchronized() wake every sleeper

    def __init__(self, wall_start: dt.datetime, synchronized: bool = True):
        if wall_start.tzinfo is None:
            raise ValueError("a clock's wall start must be an aware datetime")
        self._changed = threading.Condition()
        self._wakes = 0
        self._sleepers: dict[int, tuple[float, Callable[[], bool]]] = {}  # each sleep: its target, its wake test
        self._wall_start = wall_start.astimezone(UTC)
        self._wall_jump = dt.timedelta(0)
        self._synchronized = synchronized

    def _elapsed_s(self) -> float:
        raise NotImplementedError

    def _real_wait_s(self, left_s: float) -> float | None:
        raise NotImplementedError

    def monotonic(self) -> float:
        with self._changed:
            return self._elapsed_s()

    def now(self) -> dt.datetime:
        with self._changed:
            return self._wall_start + self._wall_jump + dt.timedelta(seconds=self._elapsed_s())

    def synchronized(self) -> bool:
        return self._synchronized

    def set_synchronized(self, synchronized: bool = True) -> None:
        """Say whether the wall clock is trusted (as NTP would, once it has set it); wakes sleepers."""
        with self._changed:
            self._synchronized = synchronized
            self._wakes += 1
            self._changed.notify_all()

    def jump(self, delta: dt.timedelta) -> None:
        """Jump the wall clock by `delta` (NTP stepping it); monotonic time does not move. Wakes
        sleepers, so a watcher notices at once."""
        with self._changed:
            self._wall_jump += delta
            self._wakes += 1
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._wakes += 1
            self._changed.notify_all()

    def sleep(self, duration_s: float, until: Callable[[], bool] | None = None) -> None:
        with self._changed:
            target_s = self._elapsed_s() + max(0.0, duration_s)
            woken = _woken(self, until)
            ticket = object()
            self._sleepers[id(ticket)] = (target_s, woken)
            self._changed.notify_all()
            try:
                while not woken():
                    left_s = target_s - self._elapsed_s()
                    if left_s <= 0:
                        return
                    self._changed.wait(self._real_wait_s(left_s))
            finally:
                del self._sleepers[id(ticket)]
                self._changed.notify_all()

    def asleep(self) -> int:
        """How many threads sleep on this clock with nothing to wake them yet (not woken, their
        time not come): for tests, which wait until every thread has done what this time asks."""
        with self._changed:
            return self._asleep()

    def _asleep(self) -> int:
        now_s = self._elapsed_s()
        return sum(1 for target_s, woken in self._sleepers.values() if now_s < target_s and not woken())

    def wait_for_sleepers(self, count: int, timeout_s: float = 5.0) -> bool:
        """Block until at least `count` threads are asleep on this clock (see asleep()); False if
        that did not happen in `timeout_s`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._asleep() >= count, timeout_s)


class ManualClock(SteppedClock):
    """A clock that a test moves by hand: time stands still until `advance()`."""

    def __init__(self, wall_start: dt.datetime, synchronized: bool = True):
        super().__init__(wall_start, synchronized)
        self._now_s = 0.0

    def _elapsed_s(self) -> float:
        return self._now_s

    def _real_wait_s(self, left_s: float) -> float | None:
        return None  # nothing moves until advance(), which notifies

    def advance(self, duration_s: float) -> None:
        """Move time on by `duration_s` seconds; sleepers whose time has come wake."""
        if duration_s < 0:
            raise ValueError("a clock does not run backwards (use jump() for the wall clock)")
        with self._changed:
            self._now_s += duration_s
            self._changed.notify_all()

    def advance_to(self, when: dt.datetime) -> None:
        """Move time on until the wall clock reads `when` (not backwards)."""
        self.advance(max(0.0, (when - self.now()).total_seconds()))


class InstantClock(ManualClock):
    """Time that passes only when someone sleeps: a frame loop on it plays as fast as it can make
    frames and never drops one (exports, measurements of the light, tests of the loop)."""

    def sleep(self, duration_s: float, until: Callable[[], bool] | None = None) -> None:  # noqa: ARG002
        self.advance(max(0.0, duration_s))


def _woken(clock: RealClock | SteppedClock, until: Callable[[], bool] | None) -> Callable[[], bool]:
    """The predicate a sleeper waits on (called with the clock's lock held): has wake() been
    called since the sleep began, or is `until` true."""
    wakes = clock._wakes  # noqa: SLF001 - the clocks' shared wake count
    return lambda: clock._wakes != wakes or (until is not None and until())  # noqa: SLF001
