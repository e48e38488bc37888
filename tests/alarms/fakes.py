"""A fake clock and player for driving the controller through days in microseconds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from device.alarms import Alarm, parse_days
from device.controller import Controller, Place
from device.player import PlayerState, Program
from device.store import Store
from device.triggers import UTC


class FakeClock:
    def __init__(self, start: dt.datetime):
        self.now = start.astimezone(UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def set_local(self, text: str, zone: str) -> None:
        self.now = dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


class FakePlayer:
    """Records what it is asked to play; `monotonic` runs with the fake wall clock."""

    def __init__(self, clock: FakeClock):
        self.wall = clock
        self.played: list[Program] = []
        self.program: Program | None = None
        self.state = PlayerState("idle")
        self.stops = 0

    def clock(self) -> float:
        return self.wall.now.timestamp()

    def play(self, program: Program) -> None:
        self.played.append(program)
        self.program = program
        self.state = PlayerState("playing", program.label, self.clock(), program.from_s)

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
    clock = FakeClock(dt.datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone)))
    player = FakePlayer(clock)
    store = Store(tmp_path / "alarms.db")
    sync = {"ok": synced}
    controller = Controller(store, player, 12, (), Place(ZoneInfo(zone), location, require_sync=True),
                            now=clock, synchronized=lambda: sync["ok"])
    controller.sync = sync  # tests flip it
    return controller, clock, player, store


def wake(store: Store, time: str = "06:00", days: str = "daily", rise_s: float = 1800, hold_s: float = 1800,
         sequence: str = "storm-to-firelight") -> Alarm:
    return store.add(Alarm(0, "wake", dt.time.fromisoformat(time), parse_days(days), sequence, rise_s, hold_s))
