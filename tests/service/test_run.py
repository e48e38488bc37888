"""`emberwake run` as systemd runs it: READY=1, watchdog pings, STOPPING=1 on SIGTERM, exit 0,
dark ring; and the notify protocol itself against sockets made here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from device.config import load_config
from device.output import CaptureOutput
from device.sdnotify import Notifier
from device.service import build_service

ROOT = Path(__file__).resolve().parents[2]
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
    from tests.service.conftest import Cli
    code, _, err = Cli(home, capsys)("run", "--output", "null")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "already running" in err


def test_shutdown_blanks_the_ring(home):
    output = CaptureOutput(24)
    service = build_service(load_config(home), output, serve_api=False).start()
    service.play("nightlight", None)
    deadline = time.monotonic() + 5
    while not (output.last is not None and output.last.any()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    service.shutdown()
    assert not np.any(output.last)
