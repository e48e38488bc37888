"""When to call controller.tick(): one timer per instant in controller.due_times().

The store is the single source of truth: the timers hold nothing that is not rebuilt from it,
at start, after every change, after every tick, when the wall clock jumps, and once a day.

On the real clock the timers are APScheduler 3 DateTrigger jobs in a BackgroundScheduler with
a memory job store. APScheduler plans on the wall clock (datetime.now()), which is why a jump
means a rebuild. It cannot run on a simulated clock, so with an injected clock (the desktop
simulator) `ClockTimers` does the same job by sleeping on that clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Callable, Protocol

from device.triggers import UTC

REPLAN_EVERY = dt.timedelta(hours=24)
KEEP_OCCURRENCES_DAYS = 7


class Ticking(Protocol):
    """What the timers drive (a Controller)."""

    def tick(self, resync: bool = False) -> None: ...
    def due_times(self) -> list[dt.datetime]: ...


class _Timers:
    def __init__(self, controller: Ticking, now: Callable[[], dt.datetime],
                 on_replan: Callable[[], None] | None = None, log: logging.Logger | None = None):
        self.controller = controller
        self.now = now
        self.on_replan = on_replan
        self.log = log or logging.getLogger("emberwake.timers")
        self._lock = threading.RLock()
        self._planned: list[dt.datetime] = []
        self._replan_at: dt.datetime | None = None
        self._first_due: list[dt.datetime] | None = None
        self.zone: dt.tzinfo = UTC  # for logs only

    def planned(self) -> list[dt.datetime]:
        """The instants tick() is set to run at, the daily re-plan included."""
        with self._lock:
            return list(self._planned)

    def _plan(self) -> list[dt.datetime]:
        self._replan_at = self.now() + REPLAN_EVERY
        due = sorted(set(self.controller.due_times()))
        if due[:1] != self._first_due:
            self._first_due = due[:1]
            self.log.info("next timer at %s (%d in the next 36 h)" if due else "no timer in the next 36 h",
                          *([due[0].astimezone(self.zone).isoformat(timespec="seconds"), len(due)] if due else []))
        return sorted({*due, self._replan_at})

    def _fire(self, replan: bool = False) -> None:
        try:
            if replan and self.on_replan is not None:
                self.on_replan()
            self.controller.tick()
        except Exception:  # noqa: BLE001 - a failing tick must not stop the timers
            self.log.exception("tick failed")
        self.rebuild()

    def rebuild(self) -> None:
        raise NotImplementedError


class SchedulerTimers(_Timers):
    """APScheduler 3 on the real wall clock."""

    def __init__(self, controller: Ticking, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
                 on_replan: Callable[[], None] | None = None, log: logging.Logger | None = None):
        super().__init__(controller, now, on_replan, log)
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        self.scheduler = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._generation = 0  # job ids are never reused

    def start(self) -> "SchedulerTimers":
        self.scheduler.start()
        self.rebuild()
        return self

    def rebuild(self) -> None:
        from apscheduler.triggers.date import DateTrigger
        with self._lock:
            times = self._plan()
            self._generation += 1
            self.scheduler.remove_all_jobs()
            for index, when in enumerate(times):
                replan = when == self._replan_at
                self.scheduler.add_job(self._fire, DateTrigger(when), kwargs={"replan": replan},
                                       id=f"{self._generation}-{index}", name="replan" if replan else "tick")
            self._planned = times

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # a tick under way ends before the store closes


class ClockTimers(_Timers):
    """The same timers on an injected clock: a thread that sleeps on it (the simulator's)."""

    def __init__(self, controller: Ticking, now: Callable[[], dt.datetime], sleep: Callable[[float], None],
                 on_replan: Callable[[], None] | None = None, log: logging.Logger | None = None):
        super().__init__(controller, now, on_replan, log)
        self.sleep = sleep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emberwake-timers", daemon=True)

    def start(self) -> "ClockTimers":
        self.rebuild()
        self._thread.start()
        return self

    def rebuild(self) -> None:
        with self._lock:
            self._planned = self._plan()

    def shutdown(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        step_s = 1.0  # simulated seconds per sleep, adapted so that each lasts 20-200 ms of real time
        while not self._stop.is_set():
            now = self.now()
            with self._lock:
                due = [t for t in self._planned if t <= now]
                self._planned = [t for t in self._planned if t > now]
                ahead = self._planned[0] if self._planned else now + REPLAN_EVERY
                replan = self._replan_at is not None and any(t >= self._replan_at for t in due)
            if due:
                self._fire(replan=replan)
                continue
            wait_s = min((ahead - now).total_seconds(), step_s)
            started = time.monotonic()
            self.sleep(max(wait_s, 0.001))
            real_s = time.monotonic() - started
            if wait_s >= step_s:
                step_s = min(step_s * 2, 60.0) if real_s < 0.02 else max(step_s / 2, 0.01) if real_s > 0.2 else step_s
