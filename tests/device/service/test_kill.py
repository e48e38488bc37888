"""kill -9 while alarms are being written: the store always opens whole (nothing set aside), with a
state the writer had committed (or the one it was committing).

Each writer is a process of its own, forked from a zygote that has already imported everything
(so 30 kills take seconds, not a Python start-up each) and killed with SIGKILL at a random instant.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.device.service.store_writer import check, logged

ROOT = Path(__file__).resolve().parents[3]
KILLS = 30


def logged_in(log: Path) -> list[tuple[str, str]]:
    return logged(log.read_text(encoding="utf-8")) if log.exists() else []


def test_sigkill_at_random_instants_leaves_a_committed_state(tmp_path):
    rng = random.Random(20261123)
    home = tmp_path / "home"
    zygote = subprocess.Popen([sys.executable, str(ROOT / "tests/device/service/store_writer.py"), "--fork"],
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    commits = 0
    try:
        for kill in range(KILLS):
            log = tmp_path / f"writer-{kill}.log"
            zygote.stdin.write(f"{home} {log} {kill}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            deadline = time.monotonic() + 20
            while len(logged_in(log)) < 2:  # it has opened the store and begun a change
                assert time.monotonic() < deadline, "the writer did not start"
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.2))
            os.kill(pid, signal.SIGKILL)
            zygote.stdin.write(f"wait {pid}\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().strip() == "done"
            commits += check(home, logged_in(log))
    finally:
        zygote.stdin.close()
        zygote.wait(10)
    assert commits > KILLS * 5  # the kills came in the middle of busy writing
