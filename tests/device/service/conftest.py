"""A home folder with a config (zone, no clock sync needed, a free API port), a test clock on a
far date, the CLI run in-process on that clock, and a running service on that home and clock."""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path

import pytest

from device.cli import main
from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from tests.dates import YEAR_SHIFTS, local


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_home(path: Path, zone: str = "Europe/Berlin", location: tuple[float, float] | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    text = f'[clock]\ntimezone = "{zone}"\nrequire_sync = false\n\n[service]\nport = {free_port()}\n'
    if location:
        text += f"\n[location]\nlatitude = {location[0]}\nlongitude = {location[1]}\n"
    (path / "config.toml").write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path) -> Path:
    return make_home(tmp_path / "home")


@pytest.fixture(params=YEAR_SHIFTS, ids=lambda years: f"{years:+d}y")
def years(request) -> int:
    """How many years the test's dates are shifted (tests.dates)."""
    return request.param


@pytest.fixture
def clock(years) -> ManualClock:
    """A test clock at 04:00 on Monday 2026-11-23 in Berlin, shifted by `years`."""
    return ManualClock(local("2026-11-23T04:00", "Europe/Berlin", years))


class Cli:
    """`emberwake --home HOME ...` in this process: (exit code, stdout, stderr)."""

    def __init__(self, home: Path, capsys, clock: ManualClock | None = None):
        self.home = home
        self.capsys = capsys
        self.clock = clock

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--home", str(self.home), *args], clock=self.clock)
        except SystemExit as exit_:  # argparse
            code = exit_.code
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out


@pytest.fixture
def cli(home, capsys, clock) -> Cli:
    return Cli(home, capsys, clock)


def store_rows(home: Path) -> tuple[list, list]:
    """Everything the store holds about alarms, read behind its back."""
    path = home / "alarms.db"
    if not path.exists():
        return [], []
    with sqlite3.connect(path) as db:
        return (db.execute("SELECT * FROM alarms ORDER BY id").fetchall(),
                db.execute("SELECT * FROM occurrences ORDER BY alarm_id, day").fetchall())


@pytest.fixture
def service(home, clock):
    from device.service import build_service
    running = build_service(load_config(home), NullOutput(12), clock=clock).start()
    yield running
    running.shutdown()


def settle(service, clock: ManualClock, timeout_s: float = 10.0) -> None:
    """Every thread of `service` has done what the test clock's time now asks: the timers (and the
    button, if any) sleep, and the light sleeps on its frame or idles. The light may hand on from
    one program to the next by itself (a cue ending), so this looks until all of it holds at once."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert service.timers.wait_caught_up(timeout_s)
        assert service.button is None or service.button.wait_caught_up(timeout_s)
        state = service.player.state
        quiet = 1 + (service.button is not None) + (state.mode == "playing")  # each sleeps on the clock
        if clock.asleep() == quiet and service.player.wait_for(lambda now: now == state, 0.0):
            return
        assert time.monotonic() < deadline, f"not settled: {state}, {clock.asleep()} asleep"
        time.sleep(0.001)
