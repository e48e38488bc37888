"""The one clock and the one timer path: the clocks themselves, the timers on a test clock, the
service resuming a rise it starts in, waiting for NTP, following clock jumps, running an alarm
through the same timers on the test clock and on the simulator's, and stopping in bounded time."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time

import pytest
from zoneinfo import ZoneInfo

from device.alarms import Alarm, parse_days
from device.book import store_path
from device.clock import TIME_ERROR, Clock, ManualClock, RealClock, kernel_clock_state
from device.config import load_config
from device.frame_loop import FrameLoop
from device.output import NullOutput
from device.pipeline import Pipeline
from device.player import Player
from device.service import build_service, service_for_sim
from device.store import Store
from device.timers import Timers
from tests.dates import local, shifted

BERLIN = "Europe/Berlin"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="adjtimex is Linux's")
def test_the_kernel_is_asked_whether_the_clock_is_synchronised():
    state = kernel_clock_state()
    assert state in range(6)
    assert RealClock().synchronized() == (state != TIME_ERROR)


def test_every_clock_is_a_clock():
    from sim.clock import SimClock
    start = local("2026-11-23T04:00", BERLIN)
    for clock in (RealClock(), ManualClock(start), SimClock(60.0, start)):
        assert isinstance(clock, Clock)
        assert clock.now().utcoffset() == dt.timedelta(0)


def test_a_long_real_sleep_ends_at_a_wake_and_a_sleep_whose_until_is_true_never_starts():
    clock, ended = RealClock(), threading.Event()
    sleeper = threading.Thread(target=lambda: (clock.sleep(30.0), ended.set()), daemon=True)
    started = time.monotonic()
    sleeper.start()
    while not ended.is_set():  # wake until the sleeper has seen one (it may not be asleep yet)
        clock.wake()
        ended.wait(0.01)
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    clock.sleep(30.0, until=lambda: True)
    assert time.monotonic() - started < 0.1


def test_a_manual_clock_moves_only_when_told_and_a_jump_moves_the_wall_clock_alone():
    start = local("2026-11-23T04:00", BERLIN)
    clock, woke = ManualClock(start), threading.Event()
    threading.Thread(target=lambda: (clock.sleep(60.0), woke.set()), daemon=True).start()
    assert clock.wait_for_sleepers(1)
    clock.advance(59.0)
    assert clock.wait_for_sleepers(1) and not woke.is_set()
    clock.advance(1.0)
    assert woke.wait(2.0)
    clock.jump(dt.timedelta(hours=-3))
    assert clock.monotonic() == 60.0 and clock.now() == start + dt.timedelta(seconds=60, hours=-3)
    with pytest.raises(ValueError):
        clock.advance(-1.0)


class FakeController:
    """Ticks recorded at the clock's time; due instants as given (until ticked past)."""

    def __init__(self, clock: Clock, due: list[dt.datetime]):
        self.clock, self.due, self.ticks = clock, due, []

    def tick(self, resync: bool = False) -> None:  # noqa: ARG002
        self.ticks.append(self.clock.now())

    def due_times(self) -> list[dt.datetime]:
        now = self.clock.now()
        return [t for t in self.due if t > now]


def test_the_timers_tick_at_each_instant_on_the_test_clock_and_replan_after(years):
    clock = ManualClock(local("2026-11-23T04:00", BERLIN, years))
    first, second = (clock.now() + dt.timedelta(minutes=m) for m in (30, 90))
    controller = FakeController(clock, [first, second])
    timers = Timers(controller, clock).start()
    try:
        assert timers.wait_caught_up()
        assert timers.planned()[:2] == [first, second] and len(timers.planned()) == 3  # and the daily re-plan
        clock.advance_to(first - dt.timedelta(seconds=1))
        assert timers.wait_caught_up() and controller.ticks == []
        clock.advance_to(first + dt.timedelta(minutes=45))  # one tick, however late the clock runs
        assert timers.wait_caught_up() and controller.ticks == [first + dt.timedelta(minutes=45)]
        assert timers.planned()[0] == second
        controller.due.append(clock.now() + dt.timedelta(minutes=1))  # the alarms changed
        timers.rebuild()
        assert timers.wait_caught_up() and timers.planned()[0] == clock.now() + dt.timedelta(minutes=1)
        clock.advance(24 * 3600.0)  # past both, and past the daily re-plan: one tick for all
        assert timers.wait_caught_up() and len(controller.ticks) == 2
    finally:
        assert timers.stop()


def test_the_timers_see_a_jump_and_the_clock_becoming_synchronised():
    clock = ManualClock(local("2026-11-23T04:00", BERLIN), synchronized=False)
    jumps, synced = [], []
    timers = Timers(FakeController(clock, []), clock, on_jump=jumps.append, on_synced=lambda: synced.append(1))
    timers.start()
    try:
        assert timers.wait_caught_up()
        clock.advance(3600.0)  # time passing is no jump
        assert timers.wait_caught_up() and jumps == [] and synced == []
        clock.jump(dt.timedelta(hours=-1, seconds=-5))
        assert timers.wait_caught_up() and jumps == [pytest.approx(-3605.0)]
        clock.set_synchronized(True)
        assert timers.wait_caught_up() and synced == [1] and len(jumps) == 1
    finally:
        timers.stop()


def test_the_timers_stop_at_once_even_while_ticks_fire_back_to_back():
    clock = RealClock()

    class Busy(FakeController):
        def due_times(self):  # always something due: ticks fire back to back
            return [self.clock.now()]

    controller = Busy(clock, [])
    timers = Timers(controller, clock).start()
    while len(controller.ticks) < 50:
        time.sleep(0.001)
    started = time.monotonic()
    assert timers.stop()
    assert time.monotonic() - started < 0.5
    assert not timers._thread.is_alive()


def add_wake(home, time_: str, rise_s: float = 1800, hold_s: float = 1800) -> None:
    store = Store(store_path(home))
    store.add(Alarm(0, "wake", dt.time.fromisoformat(time_), parse_days("daily"), "storm-to-firelight", rise_s,
                    hold_s))
    store.close()


def playing(service, label: str) -> float:
    """Wait until the service's light plays `label`; where it started in the sequence."""
    assert service.timers.wait_caught_up()
    assert service.player.wait_for(lambda state: state.label == label), f"{label} is not playing"
    return service.player.state.from_s


def idle(service) -> bool:
    assert service.timers.wait_caught_up()
    return service.player.wait_for(lambda state: state.mode == "idle")


def test_an_alarm_runs_through_the_timers_on_the_test_clock(home, years):
    add_wake(home, "06:00")
    clock = ManualClock(local("2026-11-23T05:00", BERLIN, years))
    service = build_service(load_config(home), NullOutput(24), clock=clock, serve_api=False)
    played = []
    play = service.player.play
    service.player.play = lambda program: (played.append(program), play(program))[1]
    service.start()
    try:
        assert idle(service)
        clock.advance_to(local("2026-11-23T05:30", BERLIN, years))  # the rise starts
        assert playing(service, "wake 1") == 0.0
        clock.advance_to(local("2026-11-23T06:31", BERLIN, years))  # through the rise and the hold
        assert idle(service)
        clock.advance_to(local("2026-11-23T23:59", BERLIN, years))  # once a day: not again that day
        assert idle(service) and [program.label for program in played] == ["wake 1"]
        clock.advance_to(local("2026-11-24T05:30", BERLIN, years))  # and again the next morning
        assert playing(service, "wake 1") == 0.0
    finally:
        service.shutdown()


def test_a_service_started_inside_a_rise_resumes_it_once(home, years):
    add_wake(home, "06:00")
    clock = ManualClock(local("2026-11-23T05:50", BERLIN, years))  # twenty minutes into the 05:30-06:00 rise
    config = load_config(home)
    for minute in range(2):  # a restart resumes again, at the point reached: never from the start
        service = build_service(config, NullOutput(24), clock=clock, serve_api=False).start()
        assert playing(service, "wake 1") == pytest.approx(1200 + 60 * minute)
        service.shutdown()
        clock.advance(60.0)
    store = Store(store_path(home))
    store.set_occurrence_state((1, shifted("2026-11-23", years)), "dismissed")
    store.close()
    service = build_service(config, NullOutput(24), clock=clock, serve_api=False).start()
    try:
        assert idle(service) and service.player.program is None  # dismissed: not again today
    finally:
        service.shutdown()


def test_an_unsynchronised_clock_fires_nothing_until_it_is(home, years):
    (home / "config.toml").write_text((home / "config.toml").read_text().replace("require_sync = false",
                                                                               "require_sync = true"))
    add_wake(home, "06:00")
    clock = ManualClock(local("2026-11-23T05:45", BERLIN, years), synchronized=False)
    service = build_service(load_config(home), NullOutput(24), clock=clock, serve_api=False).start()
    try:
        assert idle(service)
        clock.set_synchronized(True)  # NTP has set the clock
        assert playing(service, "wake 1") == pytest.approx(900)
    finally:
        service.shutdown()


def test_a_jump_into_a_rise_resumes_at_the_new_time_and_a_jump_back_does_not_fire_twice(home, years):
    add_wake(home, "06:00")
    clock = ManualClock(local("2026-11-23T04:00", BERLIN, years))
    service = build_service(load_config(home), NullOutput(24), clock=clock, serve_api=False).start()
    try:
        assert idle(service)
        clock.jump(local("2026-11-23T05:40", BERLIN, years) - clock.now())  # NTP steps a stale clock
        assert playing(service, "wake 1") == pytest.approx(600)
        clock.jump(dt.timedelta(hours=2))  # past the hold: done
        assert idle(service)
        clock.jump(dt.timedelta(hours=-2, minutes=-30))  # back to 05:10: that morning's alarm has been
        clock.advance(30 * 60.0)  # ...and its rise comes round again: it does not fire twice
        assert idle(service)
    finally:
        service.shutdown()


def test_the_simulator_runs_the_same_timers_on_its_clock(home):
    from sim.clock import SimClock
    add_wake(home, "06:30")
    config = load_config(home)
    clock = SimClock(600.0, local("2026-11-23T05:59", BERLIN))  # the rise starts in 6 s real
    player = Player(FrameLoop(NullOutput(24), Pipeline(config.output, 24, 3), clock, 20)).start()

    class Runtime:  # what sim.run.run_sim hands its services
        pass
    runtime = Runtime()
    runtime.config, runtime.clock, runtime.player = config, clock, player
    shutdown = service_for_sim(runtime)
    try:
        assert player.state.mode == "idle"
        assert player.wait_for(lambda state: state.label == "wake 1", 15.0)
        assert clock.now() >= local("2026-11-23T06:00", BERLIN)
        assert player.state.from_s < 120  # it started at (or within a couple of simulated minutes of) 06:00
        assert type(shutdown.__self__.timers) is Timers  # the timers the Pi runs
    finally:
        shutdown()
        player.shutdown()


@pytest.mark.parametrize("years_jumped", [5, -5])
def test_a_jump_of_years_starts_no_storm_of_alarms_and_loses_none(home, years_jumped, caplog):
    add_wake(home, "06:00")
    clock = ManualClock(local("2026-11-23T12:00", BERLIN))
    service = build_service(load_config(home), NullOutput(24), clock=clock, serve_api=False)
    played = []
    play = service.player.play
    service.player.play = lambda program: (played.append(program.label), play(program))[1]
    service.start()
    try:
        assert idle(service)
        with caplog.at_level(logging.INFO, logger="emberwake"):
            clock.jump(dt.timedelta(days=round(365.25 * years_jumped)))  # a dead RTC battery, or NTP at last: noon
            assert idle(service) and played == []  # no storm of the years' missed alarms
        said = [r.getMessage() for r in caplog.records if "jumped" in r.getMessage()]
        assert said == [f"the wall clock jumped {round(365.25 * years_jumped) * 86400:+.1f} s"]  # in one line
        tomorrow = (clock.now().astimezone(ZoneInfo(BERLIN)) + dt.timedelta(days=1)).date()
        rise = dt.datetime.combine(tomorrow, dt.time(5, 30), tzinfo=ZoneInfo(BERLIN))
        assert rise in service.timers.planned()  # the plan follows the new date
        clock.advance_to(rise)
        assert playing(service, "wake 1") == 0.0 and played == ["wake 1"]
    finally:
        service.shutdown()
