"""When to call controller.tick(): one thread that sleeps on the Clock until the next instant due.

This is the one timer path, on the Pi, in the simulator and in the tests alike; only the Clock
differs. It uses APScheduler's triggers, which are pure functions of the time they are given
(`get_next_fire_time(previous, now)`): a DateTrigger per instant in controller.due_times() and an
IntervalTrigger for the daily re-plan. It does not use APScheduler's schedulers: they read the
wall clock behind the Clock's back and wait on their own, so they cannot run on simulated or test
time, and shutting one down while a job runs can deadlock.

The store is the single source of truth: the plan holds nothing that is not rebuilt from it, at
start, after every change (rebuild()), after every tick, when the wall clock jumps, and once a day.
The same thread watches the wall clock against the monotonic one: a jump (NTP stepping a Pi's
stale clock) or the clock becoming synchronised calls `on_jump`/`on_synced`.

Locks: `_lock` guards the plan and flags only; nothing is called while holding it, so it is always
the last lock taken. The controller is called with no lock of ours held.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from device.clock import UTC, Clock

REPLAN_EVERY = dt.timedelta(hours=24)
KEEP_OCCURRENCES_DAYS = 7
JUMP_THRESHOLD_S = 2.0
STOP_TIMEOUT_S = 2.0
READ_TOLERANCE_S = 0.01  # two clock reads this close count as one instant
RETRY_S = 60.0  # after a failing pass (the store unreadable, say), try again this soon


class Ticking(Protocol):
    """What the timers drive (a Controller)."""

    def tick(self, resync: bool = False) -> None: ...
    def due_times(self) -> list[dt.datetime]: ...


@dataclass
class _Job:
    name: str  # "tick" or "replan"
    trigger: BaseTrigger
    next_at: dt.datetime | None


class Timers:
    """Calls controller.tick() at every instant it says is due, on `clock`.

    on_replan: once a day (housekeeping); on_jump(seconds): the wall clock jumped against the
    monotonic one by more than JUMP_THRESHOLD_S; on_synced(): the clock became trustworthy.
    """

    def __init__(self, controller: Ticking, clock: Clock, on_replan: Callable[[], None] | None = None,
                 on_jump: Callable[[float], None] | None = None, on_synced: Callable[[], None] | None = None,
                 zone: dt.tzinfo = UTC, log: logging.Logger | None = None):
        self.controller = controller
        self.clock = clock
        self.on_replan = on_replan
        self.on_jump = on_jump
        self.on_synced = on_synced
        self.zone = zone  # for logs only
        self.log = log or logging.getLogger("emberwake.timers")
        self._lock = threading.Condition()
        self._ticks: list[_Job] = []
        self._replan: _Job | None = None
        self._dirty = True  # the plan must be rebuilt from the store
        self._stopping = False
        self._asleep = False
        self._sleep_until_s = 0.0  # the monotonic time the thread sleeps until
        self._first_due: list[dt.datetime] | None = None
        self._wall_offset_s = 0.0
        self._synced = True
        self._thread = threading.Thread(target=self._run, name="emberwake-timers", daemon=True)

    # Used from other threads

    def start(self) -> "Timers":
        now, now_mono_s = self._read_clock()
        self._wall_offset_s = now.timestamp() - now_mono_s
        self._synced = self.clock.synchronized()
        self._replan = _replan_job(now)
        self._thread.start()
        return self

    def rebuild(self) -> None:
        """Plan again from the store, at once (the alarms or their states changed)."""
        with self._lock:
            self._dirty = True
        self.clock.wake()

    def planned(self) -> list[dt.datetime]:
        """The instants tick() is set to run at, the daily re-plan included."""
        with self._lock:
            return sorted(job.next_at for job in self._jobs() if job.next_at is not None)

    def wait_caught_up(self, timeout_s: float = 5.0) -> bool:
        """Block until the thread has dealt with everything due by the clock's time now and sleeps
        with nothing new to see (tests move a ManualClock, then wait on this); False on timeout."""
        def caught_up() -> bool:
            if not self._asleep or self._dirty or self.clock.monotonic() >= self._sleep_until_s:
                return False
            offset_s = self.clock.now().timestamp() - self.clock.monotonic()
            return abs(offset_s - self._wall_offset_s) < 1e-3 and self._synced == self.clock.synchronized()
        with self._lock:
            return self._lock.wait_for(caught_up, timeout_s)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """End the thread: at once if it sleeps, after the tick under way if one is. Returns
        whether it ended within `timeout_s` (a tick stuck longer is left to die with the process)."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self.clock.wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)
        if self._thread.is_alive():
            self.log.error("the timers did not stop within %.1f s (a tick is stuck)", timeout_s)
            return False
        return True

    # The timers' thread

    def _jobs(self) -> list[_Job]:
        return [*self._ticks, *([self._replan] if self._replan else [])]

    def _run(self) -> None:
        retry = False  # the last pass failed: plan again after the sleep
        while True:
            with self._lock:
                if self._stopping:
                    return
                self._asleep = False
            now, now_mono_s = self._read_clock()
            try:
                self._watch_clock(now, now_mono_s)
                with self._lock:
                    rebuild, self._dirty = self._dirty or retry, False
                retry = False
                if rebuild:
                    self._plan(now)
                due = self._take_due(now)
                if due:
                    try:
                        self._fire(replan="replan" in due)
                    finally:
                        self.rebuild()  # what the tick did changes the plan
                    continue
            except Exception:  # noqa: BLE001 - the timers must outlive a failing tick or store
                self.log.exception("tick failed")
                retry = True
            with self._lock:
                # The wait counts from `now`: if the clock moved on during this pass (a test's
                # ManualClock, a slow tick), the sleep is that much shorter, or none.
                self._sleep_until_s = now_mono_s + self._wait_s(now, RETRY_S if retry else None)
                self._asleep = True
                self._lock.notify_all()
            self.clock.sleep(max(0.0, self._sleep_until_s - self.clock.monotonic()),
                             until=lambda: self._dirty or self._stopping)

    def _read_clock(self) -> tuple[dt.datetime, float]:
        """The wall and monotonic clocks read together (again, if the clock moved in between)."""
        while True:
            mono_s = self.clock.monotonic()
            now = self.clock.now()
            if abs(self.clock.monotonic() - mono_s) < READ_TOLERANCE_S:
                return now, mono_s

    def _watch_clock(self, now: dt.datetime, now_mono_s: float) -> None:
        """Call back on a wall-clock jump or when the clock becomes synchronised."""
        offset_s = now.timestamp() - now_mono_s
        jump_s, self._wall_offset_s = offset_s - self._wall_offset_s, offset_s
        if not self._synced and self.clock.synchronized():
            self._synced = True
            self.log.info("the system clock is synchronised now")
            if self.on_synced is not None:
                self.on_synced()
        if abs(jump_s) > JUMP_THRESHOLD_S:
            self.log.warning("the wall clock jumped %+.1f s", jump_s)
            replan = _replan_job(now)  # the daily re-plan counts from the new time
            with self._lock:
                self._replan = replan
                self._dirty = True
            if self.on_jump is not None:
                self.on_jump(jump_s)

    def _plan(self, now: dt.datetime) -> None:
        due = sorted(set(self.controller.due_times()))
        if due[:1] != self._first_due:
            self._first_due = due[:1]
            if due:
                self.log.info("next timer at %s (%d in the next 36 h)",
                              due[0].astimezone(self.zone).isoformat(timespec="seconds"), len(due))
            else:
                self.log.info("no timer in the next 36 h")
        ticks = [_Job("tick", trigger, trigger.get_next_fire_time(None, now))
                 for trigger in (DateTrigger(when, timezone=UTC) for when in due)]
        with self._lock:
            self._ticks = ticks

    def _take_due(self, now: dt.datetime) -> set[str]:
        """The names of the jobs due by `now`, each moved on to its next fire time after `now`
        (missed fire times coalesce into one)."""
        due = set()
        with self._lock:
            for job in self._jobs():
                if job.next_at is None or job.next_at > now:
                    continue
                due.add(job.name)
                while job.next_at is not None and job.next_at <= now:
                    job.next_at = job.trigger.get_next_fire_time(job.next_at, now)
            self._ticks = [job for job in self._ticks if job.next_at is not None]
        return due

    def _fire(self, replan: bool) -> None:
        if replan and self.on_replan is not None:
            self.on_replan()
        self.controller.tick()

    def _wait_s(self, now: dt.datetime, at_most_s: float | None) -> float:
        """Seconds to sleep: to the next fire time, but no longer than the clock's wall-poll
        interval (or `at_most_s`)."""
        coming = [job.next_at for job in self._jobs() if job.next_at is not None]
        wait_s = (min(coming) - now).total_seconds() if coming else REPLAN_EVERY.total_seconds()
        for limit_s in (self.clock.wall_poll_s, at_most_s):
            if limit_s is not None:
                wait_s = min(wait_s, limit_s)
        return max(0.0, wait_s)


def _replan_job(now: dt.datetime) -> _Job:
    trigger = IntervalTrigger(seconds=REPLAN_EVERY.total_seconds(), start_date=now + REPLAN_EVERY, timezone=UTC)
    return _Job("replan", trigger, trigger.get_next_fire_time(None, now))
