"""`emberwake run` as systemd runs it: READY=1, watchdog pings, STOPPING=1 on SIGTERM, exit 0,
dark ring; and the notify protocol itself against sockets made here."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from device.config import load_config
from device.output import CaptureOutput
from device.sdnotify import Notifier
from device.service import build_service

ROOT = Path(__file__).resolve().parents[3]
EMBERWAKE = [sys.executable, "-c", "import sys; from device.cli import main; sys.exit(main())"]


def notify_socket() -> tuple[socket.socket, str]:
    folder = tempfile.mkdtemp(prefix="ew-")  # short: a socket path must fit in 108 bytes
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(15)
    return sock, path


def test_notifier_sends_to_a_path_and_to_the_abstract_namespace():
    sock, path = notify_socket()
    with sock:
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
        assert notifier.watchdog_interval_s == 15.0
        assert notifier.ready("up") and notifier.watchdog() and notifier.stopping()
        assert [sock.recv(1024) for _ in range(3)] == [b"READY=1\nSTATUS=up", b"WATCHDOG=1", b"STOPPING=1"]
    name = f"emberwake-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as abstract:
        abstract.bind("\0" + name)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).watchdog()
        assert abstract.recv(1024) == b"WATCHDOG=1"


def test_without_a_socket_nothing_is_sent():
    notifier = Notifier({})
    assert not notifier.enabled and notifier.watchdog_interval_s is None
    assert not notifier.ready()
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}).watchdog_interval_s \
        is None  # the watchdog is some other process's


def test_run_under_systemd_notifies_and_stops_on_sigterm(home):
    sock, path = notify_socket()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000",
                   "JOURNAL_STREAM": "8:1234"}
    with sock:
        process = subprocess.Popen(EMBERWAKE + ["--home", str(home), "run", "--output", "null"], env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert sock.recv(1024).startswith(b"READY=1")
            assert sock.recv(1024) == b"WATCHDOG=1"
            assert sock.recv(1024) == b"WATCHDOG=1"
            process.send_signal(signal.SIGTERM)
            messages = []
            while b"STOPPING=1" not in messages:
                messages.append(sock.recv(1024))
            _, err = process.communicate(timeout=15)
        finally:
            process.kill()
    assert process.returncode == 0, err
    lines = err.splitlines()
    assert lines and all(line.startswith("<") for line in lines), err  # journald's priority prefixes
    assert any("emberwake starts" in line for line in lines) and lines[-1] == "<6>emberwake: emberwake stopped"


def test_a_port_in_use_is_one_line_and_exit_1(home, service, capsys):
    from tests.device.service.conftest import Cli
    code, _, err = Cli(home, capsys)("run", "--output", "null")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "already running" in err


def test_shutdown_blanks_the_ring(home):
    output = CaptureOutput(24)
    service = build_service(load_config(home), output, serve_api=False).start()
    service.controls.play("nightlight", by="test")
    deadline = time.monotonic() + 5
    while not (output.last is not None and output.last.any()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    service.shutdown()
    assert not np.any(output.last)


# `emberwake run` on the NeoPixel output, its bytes on the wire logged to argv[1] (and the write
# hanging while argv[1] + ".hang" exists), on a clock argv[3] times as fast from argv[2].
RUN_ON_A_FAST_CLOCK = """
import datetime as dt, os, sys, time
os.environ["BLINKA_OS_AGNOSTIC"] = "1"
import neopixel
log = open(sys.argv[1], "a")
def capture(pin, buffer):
    while os.path.exists(sys.argv[1] + ".hang"):
        time.sleep(0.01)
    log.write(bytes(buffer).hex() + "\\n"); log.flush()
neopixel.neopixel_write = capture
from device.cli import main
from sim.clock import SimClock
start = dt.datetime.fromisoformat(sys.argv[2])
sys.exit(main(sys.argv[4:], clock=SimClock(float(sys.argv[3]), start)))
"""


def lit(wire: Path) -> bool:
    return wire.exists() and any(int(line, 16) for line in wire.read_text().splitlines())


@pytest.mark.timeout(300)
def test_sigterm_while_a_rise_plays_and_ticks_fire_is_dark_and_quick(home):
    """20 runs of `emberwake run` on the NeoPixel output, on a clock 300 times as fast: a wake alarm
    every minute (a tick at each rise's start and end, one every 0.2 s), stopped at a different
    moment each run. Each exits 0 within 2 s of the SIGTERM, and the last bytes on the wire are dark."""
    from device.alarms import Alarm, parse_days
    from device.book import store_path
    from device.store import Store
    import datetime as dt
    with (home / "config.toml").open("a") as config:
        config.write("\n[output]\nfps = 2\n")  # 600 frames a second of real time at 300x
    store = Store(store_path(home))
    for minute in range(120):
        store.add(Alarm(0, "wake", dt.time(6 + minute // 60, minute % 60), parse_days("daily"),
                        "storm-to-firelight", 40.0, 10.0))
    store.close()
    for run in range(20):
        run_home = shutil.copytree(home, home.parent / f"run-{run}")  # each run from the same alarms, none fired yet
        wire, log = run_home / "wire.log", run_home / "log.txt"
        with log.open("w") as stderr:
            process = subprocess.Popen([sys.executable, "-c", RUN_ON_A_FAST_CLOCK, str(wire),
                                        "2026-11-23T05:59:50+01:00", "300", "--home", str(run_home), "run", "--output",
                                        "neopixel"],
                                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + 30
            while not lit(wire):
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.05)
            time.sleep(0.05 * run)  # a different moment of the rise, and of the ticks, each run
            stopped = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0, log.read_text()
            assert time.monotonic() - stopped < 2.0, f"run {run} took {time.monotonic() - stopped:.2f} s to stop"
        finally:
            process.kill()
            process.wait()
        assert wire.read_text().splitlines()[-1] == "00" * 72, f"run {run}: the ring was left lit"


@pytest.mark.timeout(60)
def test_leds_whose_writes_hang_starve_the_watchdog_until_frames_go_out_again(home):
    """A rise plays on a clock 20 times as fast; then the LEDs' write hangs (a wedged SPI bus):
    the watchdog is no longer fed, said in one line; the write comes back: fed again, said too."""
    from device.alarms import Alarm, parse_days
    from device.book import store_path
    from device.store import Store
    import datetime as dt
    with (home / "config.toml").open("a") as config:
        config.write("\n[output]\nfps = 5\n")
    store = Store(store_path(home))
    store.add(Alarm(0, "wake", dt.time(6, 30), parse_days("daily"), "storm-to-firelight", 1800.0, 1800.0))
    store.close()
    wire, log, hang = home / "wire.log", home / "log.txt", home / "wire.log.hang"
    sock, path = notify_socket()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}
    with sock, log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-c", RUN_ON_A_FAST_CLOCK, str(wire), "2026-11-23T06:05:00+01:00",
                                    "20", "--home", str(home), "run", "--output", "neopixel"],
                                   cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            assert sock.recv(1024).startswith(b"READY=1")
            deadline = time.monotonic() + 30
            while not lit(wire):
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.02)
            assert sock.recv(1024) == b"WATCHDOG=1"
            hang.touch()
            while "no frame has gone out" not in log.read_text():
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.02)
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                while True:
                    sock.recv(1024)  # the pings from before it was seen
            sock.settimeout(1.0)  # ten watchdog intervals
            with pytest.raises(TimeoutError):
                sock.recv(1024)  # starved
            hang.unlink()
            sock.settimeout(15)
            assert sock.recv(1024) == b"WATCHDOG=1"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0, log.read_text()
        finally:
            hang.unlink(missing_ok=True)
            process.kill()
            process.wait()
    said = [line for line in log.read_text().splitlines() if "watchdog" in line]
    assert len(said) == 2, said
    assert re.search(r"emberwake: no frame has gone out to the LEDs for \d+ s; the watchdog will restart the "
                     r"service unless it recovers$", said[0]), said
    assert said[1].endswith("the light is well again: feeding the watchdog again")


def test_run_on_a_broken_config_says_why_and_runs_on_the_last_good_one(home):
    import urllib.request
    from device.config import load_service_config
    port = load_config(home).port
    assert load_service_config(home)[1] == []  # an earlier start on this config kept it as the last good
    (home / "config.toml").write_text("[service]\nport = 'eighty'\n")
    sock, path = notify_socket()
    with sock:
        process = subprocess.Popen(EMBERWAKE + ["--home", str(home), "run", "--output", "null"],
                                   env={**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": path},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert sock.recv(1024).startswith(b"READY=1")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=10) as answer:
                assert answer.status == 200  # on the last good config's port
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=15)
        finally:
            process.kill()
    assert process.returncode == 0, err
    said = [line for line in err.splitlines() if "config.toml" in line]
    assert len(said) == 2, err
    assert said[0].endswith("service.port: expected a whole number, got 'eighty'"), said
    assert said[1].endswith("config.toml is broken: running on the last good config"), said
