"""A home folder with a config (zone, no clock sync needed, a free API port), the CLI run
in-process, and a running service on that home."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from device.cli import main
from device.config import load_config
from device.output import NullOutput


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


class Cli:
    """`emberwake --home HOME ...` in this process: (exit code, stdout, stderr)."""

    def __init__(self, home: Path, capsys):
        self.home = home
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--home", str(self.home), *args])
        except SystemExit as exit_:  # argparse
            code = exit_.code
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out


@pytest.fixture
def cli(home, capsys) -> Cli:
    return Cli(home, capsys)


def store_rows(home: Path) -> tuple[list, list]:
    """Everything the store holds about alarms, read behind its back."""
    path = home / "alarms.db"
    if not path.exists():
        return [], []
    with sqlite3.connect(path) as db:
        return (db.execute("SELECT * FROM alarms ORDER BY id").fetchall(),
                db.execute("SELECT * FROM occurrences ORDER BY alarm_id, day").fetchall())


@pytest.fixture
def service(home):
    from device.service import build_service
    running = build_service(load_config(home), NullOutput(12), synchronized=lambda: True).start()
    yield running
    running.shutdown()
