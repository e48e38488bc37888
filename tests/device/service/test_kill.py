"""kill -9 while alarms are being written: the store always opens whole, with a state the writer
had committed (or the one it was committing).

Each writer is a process of its own, forked from a zygote that has already imported everything
(so 30 kills take seconds, not a Python start-up each) and killed with SIGKILL at a random instant.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from device.store import Store
from tests.device.service.store_writer import content, fingerprint

ROOT = Path(__file__).resolve().parents[3]
KILLS = 30


def logged(log: Path) -> list[tuple[str, str]]:
    """The log's whole lines (a kill can cut the last one short)."""
    if not log.exists():
        return []
    return [tuple(line.split()) for line in log.read_text(encoding="utf-8").split("\n")[:-1]]


def check(home: Path, log: Path) -> int:
    """The store is whole and holds the last committed state or the pending one after it."""
    with sqlite3.connect(home / "alarms.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = Store(home / "alarms.db")
    try:
        found = fingerprint(content(a) for a in store.alarms())
    finally:
        store.close()
    lines = logged(log)
    last = max(i for i, (what, _) in enumerate(lines) if what == "committed")
    pending = [fp for what, fp in lines[last + 1:] if what == "pending"]
    assert found in [lines[last][1], *pending[:1]], f"{log.name}: {found} is neither {lines[last][1]} nor {pending}"
    return sum(what == "committed" for what, _ in lines)


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
            while len(logged(log)) < 2:  # it has opened the store and begun a change
                assert time.monotonic() < deadline, "the writer did not start"
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.2))
            os.kill(pid, signal.SIGKILL)
            zygote.stdin.write(f"wait {pid}\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().strip() == "done"
            commits += check(home, log)
    finally:
        zygote.stdin.close()
        zygote.wait(10)
    assert commits > KILLS * 5  # the kills came in the middle of busy writing
