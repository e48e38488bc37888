"""The clock: the kernel's word on synchronisation, the jump watcher; the timers on APScheduler and
on an injected clock; the service resuming a rise it starts in, and running on the simulator's clock."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from device.alarms import Alarm, parse_days
from device.book import store_path
from device.clocksync import TIME_ERROR, JumpWatcher, clock_synchronized, kernel_clock_state
from device.config import load_config
from device.frame_loop import FrameLoop
from device.output import NullOutput
from device.pipeline import Pipeline
from device.player import Player
from device.service import build_service, service_for_sim
from device.store import Store
from device.timers import ClockTimers, SchedulerTimers
from device.triggers import UTC

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="adjtimex is Linux's")
def test_the_kernel_is_asked_whether_the_clock_is_synchronised():
    state = kernel_clock_state()
    assert state in range(6)
    assert clock_synchronized() == (state != TIME_ERROR)


class WallClock:
    """Real time plus an offset a test can jump."""

    def __init__(self):
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(UTC) + self.offset


def test_the_jump_watcher_calls_back_on_a_jump_and_on_synchronisation():
    wall, jumps, synced, state = WallClock(), [], [], {"synced": False}
    fired = threading.Event()
    watcher = JumpWatcher(lambda s: (jumps.append(s), fired.set()), wall, time.monotonic,
                          synchronized=lambda: state["synced"], on_synced=lambda: synced.append(1),
                          interval_s=0.02).start()
    try:
        time.sleep(0.1)
        assert jumps == [] and synced == []  # time passing is no jump
        wall.offset = dt.timedelta(hours=-1, seconds=-5)
        assert fired.wait(2)
        assert jumps[0] == pytest.approx(-3605, abs=0.5)
        state["synced"] = True
        deadline = time.monotonic() + 2
        while not synced:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert len(jumps) == 1 and synced == [1]
    finally:
        watcher.stop()


def test_the_jump_watcher_stops_at_once():
    watcher = JumpWatcher(lambda s: None, WallClock(), interval_s=30).start()
    started = time.monotonic()
    watcher.stop()
    assert time.monotonic() - started < 0.5
    assert not watcher._thread.is_alive()


class FakeController:
    def __init__(self, now, due):
        self.now, self.due, self.ticks = now, due, []
        self.ticked = threading.Event()

    def tick(self, resync: bool = False) -> None:
        self.ticks.append(self.now())
        self.due = [t for t in self.due if t > self.now()]
        self.ticked.set()

    def due_times(self):
        return [t for t in self.due if t > self.now()]


def test_apscheduler_timers_tick_when_due_and_replan_after():
    now = lambda: dt.datetime.now(UTC)  # noqa: E731
    soon = now() + dt.timedelta(seconds=0.3)
    controller = FakeController(now, [soon, now() + dt.timedelta(hours=3)])
    timers = SchedulerTimers(controller, now).start()
    try:
        assert soon in timers.planned()
        assert controller.ticked.wait(3)
        assert controller.ticks[0] >= soon
        time.sleep(0.1)
        assert soon not in timers.planned() and len(timers.planned()) == 2  # the 3-hour one and the daily re-plan
        timers.rebuild()
        assert len(timers.scheduler.get_jobs()) == 2
    finally:
        timers.shutdown()


class FastClock:
    """A simulated clock: `speed` simulated seconds per real second from `start`."""

    def __init__(self, start: dt.datetime, speed: float):
        self.start, self.speed, self.real0 = start, speed, time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self.real0) * self.speed

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0) / self.speed)


def test_clock_timers_run_on_an_injected_clock():
    clock = FastClock(dt.datetime(2026, 11, 23, 5, 0, tzinfo=UTC), 3600)  # an hour a second
    due = clock.start + dt.timedelta(minutes=30)
    controller = FakeController(clock.now, [due])
    timers = ClockTimers(controller, clock.now, clock.sleep).start()
    try:
        assert controller.ticked.wait(3)
        assert dt.timedelta(0) <= controller.ticks[0] - due < dt.timedelta(minutes=2)
    finally:
        timers.shutdown()


def playing(player, label: str, timeout_s: float = 3.0):
    deadline = time.monotonic() + timeout_s
    while player.state.label != label:
        assert time.monotonic() < deadline, f"{label} is not playing"
        time.sleep(0.005)
    return player.state


def add_wake(home, time_: str, rise_s: float = 1800) -> None:
    store = Store(store_path(home))
    store.add(Alarm(0, "wake", dt.time.fromisoformat(time_), parse_days("daily"), "storm-to-firelight", rise_s, 1800))
    store.close()


def test_a_service_started_inside_a_rise_resumes_it_once(home):
    add_wake(home, "06:00")
    at = dt.datetime(2026, 11, 23, 5, 50, tzinfo=BERLIN)  # twenty minutes into the 05:30-06:00 rise
    real0 = time.monotonic()
    now = lambda: (at + dt.timedelta(seconds=time.monotonic() - real0)).astimezone(UTC)  # noqa: E731
    config = load_config(home)
    for _ in range(2):  # a restart resumes again, at the point reached: never from the start
        service = build_service(config, NullOutput(24), now=now, synchronized=lambda: True, serve_api=False).start()
        state = playing(service.player, "wake 1")
        assert state.from_s == pytest.approx(1200, abs=5)
        service.shutdown()
    store = Store(store_path(home))
    store.set_occurrence_state((1, "2026-11-23"), "dismissed")
    store.close()
    service = build_service(config, NullOutput(24), now=now, synchronized=lambda: True, serve_api=False).start()
    time.sleep(0.2)
    assert service.player.state.mode == "idle" and service.player.program is None  # dismissed: not again today
    service.shutdown()


def test_an_unsynchronised_clock_fires_nothing_until_it_is(home):
    (home / "config.toml").write_text((home / "config.toml").read_text().replace("require_sync = false",
                                                                               "require_sync = true"))
    add_wake(home, "06:00")
    at = dt.datetime(2026, 11, 23, 5, 45, tzinfo=BERLIN)
    synced = {"ok": False}
    service = build_service(load_config(home), NullOutput(24), now=lambda: at.astimezone(UTC),
                            synchronized=lambda: synced["ok"], serve_api=False, jump_check_s=0.02).start()
    try:
        time.sleep(0.1)
        assert service.player.state.mode == "idle"
        synced["ok"] = True  # NTP has set the clock
        assert playing(service.player, "wake 1").from_s == pytest.approx(900, abs=1)
    finally:
        service.shutdown()


def test_the_service_on_the_simulators_clock(home):
    from sim.clock import SimClock
    add_wake(home, "06:30")
    config = load_config(home)
    clock = SimClock(600.0, dt.datetime(2026, 11, 23, 5, 59, 0, tzinfo=BERLIN))  # the rise starts in 6 s real
    output = NullOutput(24)
    player = Player(FrameLoop(output, Pipeline(config.output, 24, 3), 20, clock=clock.monotonic, sleep=clock.sleep),
                    clock=clock.monotonic).start()

    class Runtime:  # what sim.run.run_sim hands its services
        pass
    runtime = Runtime()
    runtime.config, runtime.clock, runtime.player = config, clock, player
    shutdown = service_for_sim(runtime)
    try:
        assert player.state.mode == "idle"
        state = playing(player, "wake 1", 10)
        assert clock.now() >= dt.datetime(2026, 11, 23, 6, 0, tzinfo=BERLIN)
        assert state.from_s < 120  # it started at (or within a couple of simulated minutes of) 06:00
    finally:
        shutdown()
        clock.wake()
        player.shutdown()
