"""Can the wall clock be trusted, and did it just jump?

A Raspberry Pi has no real-time clock: it boots with a stale time (or the one fake-hwclock
saved at shutdown) until NTP sets it. The kernel knows: adjtimex(2) returns TIME_ERROR while
the clock is unsynchronised. When NTP then steps the clock, the wall clock jumps against the
monotonic one; JumpWatcher notices that (and the moment the clock becomes synchronised) so the
service can re-tick and reschedule.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import logging
import sys
import threading
import time
from typing import Callable

TIME_ERROR = 5  # adjtimex's answer while the clock is not synchronised
JUMP_THRESHOLD_S = 2.0
CHECK_INTERVAL_S = 2.0
_log = logging.getLogger("emberwake.clock")
_warned: list[str] = []


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


def clock_synchronized() -> bool:
    """True once the kernel says the clock is synchronised (NTP, or an RTC driver).

    Where the kernel cannot be asked (not Linux, a sandbox refusing the call) this says True
    and logs so once: refusing every alarm forever would be worse than trusting the clock.
    """
    state = kernel_clock_state()
    if state is None:
        if not _warned:
            _warned.append("unknown")
            _log.warning("cannot ask the kernel whether the clock is synchronised; trusting it")
        return True
    return state != TIME_ERROR


class JumpWatcher:
    """A thread that every `interval_s` compares wall minus monotonic time; on a change of more
    than `threshold_s` it calls `on_jump(seconds)`. It also calls `on_synced()` when
    `synchronized()` turns true. `check()` is one step (for tests)."""

    def __init__(self, on_jump: Callable[[float], None], now: Callable[[], dt.datetime],
                 monotonic: Callable[[], float] = time.monotonic,
                 synchronized: Callable[[], bool] | None = None, on_synced: Callable[[], None] | None = None,
                 interval_s: float = CHECK_INTERVAL_S, threshold_s: float = JUMP_THRESHOLD_S,
                 log: logging.Logger | None = None):
        self.on_jump = on_jump
        self.now = now
        self.monotonic = monotonic
        self.synchronized = synchronized
        self.on_synced = on_synced
        self.interval_s = interval_s
        self.threshold_s = threshold_s
        self.log = log or _log
        self._offset = self._measure()
        self._synced = synchronized() if synchronized else True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emberwake-clock", daemon=True)

    def _measure(self) -> float:
        return self.now().timestamp() - self.monotonic()

    def start(self) -> "JumpWatcher":
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def check(self) -> float | None:
        """Look once; the jump in seconds if there was one (after calling back), else None."""
        offset = self._measure()
        jump = offset - self._offset
        self._offset = offset
        if self.synchronized is not None and not self._synced and self.synchronized():
            self._synced = True
            self.log.info("the system clock is synchronised now")
            if self.on_synced is not None:
                self.on_synced()
        if abs(jump) <= self.threshold_s:
            return None
        self.log.warning("the wall clock jumped %+.1f s", jump)
        self.on_jump(jump)
        return jump

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive a failing callback
                self.log.exception("clock check failed")
