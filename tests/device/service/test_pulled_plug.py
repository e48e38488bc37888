"""A pulled plug while alarms are being written: every snapshot of alarms.db with its -wal and
-shm opens whole (integrity_check ok, open_store sets nothing aside) and holds every change
acknowledged before it.

A change is acknowledged when the store has committed it and said so (the writer logs
`committed ...`; the API answers). Acknowledged must mean durable, so the store runs its journal
ahead (WAL) with synchronous=FULL: SQLite syncs the journal at every commit, before answering.
With NORMAL it would sync only at checkpoints, which survives a kill but loses the last
acknowledged changes to a power cut: the user who just set an alarm would find it gone.

Two stand-ins for the cut, since no VM is at hand:
- the writer frozen (SIGSTOP) at random instants and the three files copied as they are: what the
  page cache holds at one instant, the -shm included (a copy while it ran would mix instants);
- the writer's every write and sync recorded by strace and replayed (power_cut.py): what the disk
  holds after a cut at any instant, with or without parts of the writes not yet synced.

PULLED_PLUGS (default 50) sets how many instants each tries; `make soak` tries 1000.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from device.store import Store
from tests.ci import skip_or_fail
from tests.device.service.power_cut import Disk, events, lay, strace_command
from tests.device.service.store_writer import check, fingerprint, logged

ROOT = Path(__file__).resolve().parents[3]
WRITER = [sys.executable, str(ROOT / "tests/device/service/store_writer.py")]
PLUGS = int(os.environ.get("PULLED_PLUGS", "50"))
FILES = ("alarms.db", "alarms.db-wal", "alarms.db-shm")


def writer_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_the_store_journals_ahead_and_syncs_the_journal_at_every_commit(tmp_path):
    store = Store(tmp_path / "alarms.db")
    try:
        assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    finally:
        store.close()


@pytest.mark.timeout(60 + PLUGS // 5)
def test_snapshots_at_random_instants_open_whole_with_every_acknowledged_change(tmp_path):
    rng = random.Random(20261124)
    home, log = tmp_path / "home", tmp_path / "writer.log"
    writer = subprocess.Popen([*WRITER, str(home), str(log), "7"], env=writer_env())
    acknowledged, in_flight = [], 0
    try:
        deadline = time.monotonic() + 20
        while not log.exists() or len(logged(log.read_text())) < 2:  # it has opened the store and begun a change
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.002)
        for plug in range(PLUGS):
            time.sleep(rng.uniform(0.0, 0.02))
            os.kill(writer.pid, signal.SIGSTOP)  # the instant the power goes
            try:
                assert os.waitpid(writer.pid, os.WUNTRACED)[0] == writer.pid  # stopped: nothing moves
                lines = logged(log.read_text())
                snapshot = tmp_path / f"snapshot-{plug}"
                snapshot.mkdir()
                for name in FILES:  # as they are at that instant, the -shm too
                    if (home / name).exists():
                        shutil.copyfile(home / name, snapshot / name)
            finally:
                os.kill(writer.pid, signal.SIGCONT)
            acknowledged.append(check(snapshot, lines))
            in_flight += lines[-1][0] == "pending"
            shutil.rmtree(snapshot)
    finally:
        writer.kill()
        writer.wait(10)
    print(json.dumps({"pulled_plug": "snapshots", "snapshots": PLUGS, "acknowledged": acknowledged[-1],
                      "mid_change": in_flight}))
    assert acknowledged[-1] > PLUGS  # snapshots came amid busy writing
    assert in_flight > 0  # some came in the middle of a change


@pytest.mark.timeout(120 + PLUGS // 2)
def test_a_power_cut_at_any_instant_keeps_every_acknowledged_change(tmp_path):
    if shutil.which("strace") is None:
        skip_or_fail("strace is not installed (apt install strace)")
    rng = random.Random(20261125)
    home, log, trace = tmp_path / "home", tmp_path / "writer.log", tmp_path / "writer.trace"
    Store(home / "alarms.db").close()  # an empty store, checkpointed: all of it on the disk
    empty = ("committed", fingerprint([]))  # as good as acknowledged: a cut before the writer's first line finds it
    db = str((home / "alarms.db").resolve())
    initial = {db: (home / "alarms.db").read_bytes()}
    # 300 changes (or more, for more instants) with a checkpoint every 40 pages of journal: through
    # a dozen checkpoints and restarts of the journal, and the last checkpoint at close.
    changes = max(300, PLUGS)
    subprocess.run([*strace_command(trace), *WRITER, str(home), str(log), "11", str(changes), "40"], env=writer_env(),
                   check=True, timeout=60 + changes // 10)
    calls = events(trace.read_text(), home.resolve(), log.resolve())
    said = logged(b"".join(call.data for call in calls if call.kind == "ack").decode())
    assert sum(what == "committed" for what, _ in said) == changes + 1 and any(call.kind == "sync" for call in calls)

    disk = Disk(initial)
    # Random instants, and every step of each checkpoint (rare among the calls, and where the
    # journal's pages move into the database file).
    checkpoints = {i + step for i, call in enumerate(calls) if call.path == db for step in (0, 1)}
    instants = sorted(set(rng.sample(range(len(calls) + 1), min(PLUGS, len(calls) + 1))) | checkpoints)
    tried = len(instants)
    kept, mid_change = [], 0
    for index, call in enumerate([*calls, None]):
        while instants and instants[0] == index:
            instant = instants.pop(0)
            lines = [empty, *logged(disk.acknowledged.decode())]
            variants = {"synced": disk.cut(None), "cut": disk.cut(rng), "cache": disk.page_cache()}
            for name, files in variants.items():
                snapshot = lay(files, tmp_path / f"cut-{instant}-{name}")
                kept.append(check(snapshot, lines))
                shutil.rmtree(snapshot)
            mid_change += lines[-1][0] == "pending"
        if call is not None:
            disk.apply(call)
    # The replay is true to the files: replayed to the end, they are what the writer left.
    assert disk.page_cache() == {str(path.resolve()): path.read_bytes() for path in home.iterdir()
                                 if not path.name.endswith("-shm")}
    print(json.dumps({"pulled_plug": "power cuts", "instants": tried, "snapshots": 3 * tried,
                      "calls": len(calls), "changes": max(kept) - 2, "mid_change": mid_change}))  # less the empty store, the writer's first line
    assert mid_change > 0 and len(checkpoints) > 20
