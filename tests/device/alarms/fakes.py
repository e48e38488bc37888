"""A fake clock and player for driving the controller through days in microseconds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from device.alarms import Alarm, parse_days
from device.clock import ManualClock
from device.controller import Controller, Place
from device.player import PlayerState, Program
from device.store import Store


class FakeClock(ManualClock):
    """A ManualClock that also steps by timedelta keywords; a step back is a wall-clock jump."""

    def advance(self, duration_s: float = 0.0, **delta) -> None:
        step_s = duration_s + dt.timedelta(**delta).total_seconds()
        if step_s < 0:
            self.jump(dt.timedelta(seconds=step_s))
        else:
            super().advance(step_s)

    def set_local(self, text: str, zone: str) -> None:
        """Set the wall clock to a local time (a jump, forwards or back)."""
        self.jump(dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)) - self.now())


class FakePlayer:
    """Records what it is asked to play, on the fake clock."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.played: list[Program] = []
        self.program: Program | None = None
        self.state = PlayerState("idle")
        self.stops = 0

    def position_s(self) -> float | None:
        state = self.state
        return None if state.mode != "playing" else state.from_s + self.clock.monotonic() - state.started_at

    def play(self, program: Program) -> None:
        self.played.append(program)
        self.program = program
        self.state = PlayerState("playing", program.label, self.clock.monotonic(), program.from_s)

    def stop(self) -> None:
        self.stops += 1
        self.program = None
        self.state = PlayerState("idle")

    def finish(self) -> None:
        """The program plays to its end by itself."""
        program = self.program
        self.program = None
        self.state = PlayerState("idle")
        if program and program.on_end:
            program.on_end()

    def starts(self) -> list[Program]:
        return [p for p in self.played if p.label.startswith(("wake", "bedtime"))]


def make(tmp_path, zone: str = "Europe/Berlin", start: str = "2026-11-23T04:00", synced: bool = True,
         location=None) -> tuple[Controller, FakeClock, FakePlayer, Store]:
    clock = FakeClock(dt.datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone)), synchronized=synced)
    player = FakePlayer(clock)
    store = Store(tmp_path / "alarms.db")
    controller = Controller(store, player, 12, (), Place(ZoneInfo(zone), location, require_sync=True), clock)
    return controller, clock, player, store


def wake(store: Store, time: str = "06:00", days: str = "daily", rise_s: float = 1800, hold_s: float = 1800,
         sequence: str = "storm-to-firelight") -> Alarm:
    return store.add(Alarm(0, "wake", dt.time.fromisoformat(time), parse_days(days), sequence, rise_s, hold_s))
