"""A writer for the kill and pulled-plug tests: changes alarms through the AlarmBook in a loop, as
fast as it can, and what it must leave behind (check()).

    python store_writer.py HOME LOG SEED [CHANGES [CHECKPOINT_PAGES]]
                                             one writer; it stops after CHANGES changes (0: never),
                                             checkpointing every CHECKPOINT_PAGES pages of journal
                                             (0: SQLite's own 1000)
    python store_writer.py --fork            a zygote: imports once, then for each line
                                             "HOME LOG SEED" on stdin forks a writer and prints
                                             its pid; for "wait PID" reaps it and prints "done"

Before each change it logs `pending FINGERPRINT` (the state the change will commit), and after
the commit `committed FINGERPRINT`: that line is the change's acknowledgment. Killed (or its
plug pulled) at any instant, the store must hold the last committed state or the pending one
after it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import logging
import random
import sqlite3
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from device.clock import ManualClock
from device.alarms import Alarm, parse_days
from device.book import AlarmBook, store_path
from device.controller import Place
from device.store import Store, open_store
from tests.logs import keeping_messages

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


def content(alarm: Alarm) -> tuple:
    return (alarm.kind, alarm.time.strftime("%H:%M"), str(alarm.days), alarm.sequence, alarm.rise_s, alarm.hold_s,
            alarm.label, alarm.enabled)


def fingerprint(contents) -> str:
    return hashlib.sha1(repr(sorted(contents)).encode()).hexdigest()[:16]


def main(home: str, log_path: str, seed: str, changes: str = "0", checkpoint_pages: str = "0") -> None:
    store = Store(store_path(Path(home)))
    if int(checkpoint_pages):  # a few hundred changes then go through the checkpoints of months of use
        store._db.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
    book = AlarmBook(store, Place(ZoneInfo("UTC"), None, False), ManualClock(NOW))
    rng = random.Random(int(seed))
    with open(log_path, "a", buffering=1, encoding="utf-8") as log:
        current = [content(a) for a in store.alarms()]
        log.write(f"committed {fingerprint(current)}\n")
        serial = 0
        for _ in range(int(changes)) if int(changes) else itertools.count():
            alarms = store.alarms()
            current = [content(a) for a in alarms]
            choice = rng.random()
            if alarms and (len(alarms) >= 15 or choice < 0.35):
                victim = rng.choice(alarms)
                log.write(f"pending {fingerprint([c for a, c in zip(alarms, current) if a.id != victim.id])}\n")
                book.remove(victim.id)
            elif alarms and choice < 0.5:
                victim = rng.choice(alarms)
                flipped = [content(a.with_changes(enabled=not a.enabled) if a.id == victim.id else a) for a in alarms]
                log.write(f"pending {fingerprint(flipped)}\n")
                book.set_enabled(victim.id, not victim.enabled)
            else:
                used = {c[1] for c in current}
                minute = rng.choice([m for m in range(0, 1440, 5) if f"{m // 60:02d}:{m % 60:02d}" not in used])
                serial += 1
                label = f"{seed}-{serial}"
                time = f"{minute // 60:02d}:{minute % 60:02d}"
                new = Alarm(0, "wake", dt.time.fromisoformat(time), parse_days("daily"), "storm-to-firelight",
                            60.0, 60.0, label)
                log.write(f"pending {fingerprint(current + [content(new)])}\n")
                book.add("wake", time, "daily", None, "1m", "1m", label)
            log.write(f"committed {fingerprint(content(a) for a in store.alarms())}\n")
    store.close()  # the last checkpoint, which a pulled plug can interrupt too


def logged(text: str) -> list[tuple[str, str]]:
    """The writer's whole log lines in `text` (a kill can cut the last one short)."""
    return [tuple(line.split()) for line in text.split("\n")[:-1]]


def check(home: Path, lines: list[tuple[str, str]]) -> int:
    """The store in `home` (as a kill or a pulled plug left it, after the writer had logged
    `lines`) opens whole with open_store, nothing set aside, and holds the last committed state or
    the pending one after it. Returns how many changes had been acknowledged."""
    log = logging.getLogger("emberwake.check")  # one logger for every check (they run one at a time)
    log.propagate = False
    with keeping_messages(log) as kept:
        store = open_store(store_path(home), ManualClock(NOW), log)
        try:
            with contextlib.closing(sqlite3.connect(store_path(home))) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], home
            said = kept.messages
            assert said == [] and not any(".corrupt-" in path.name for path in home.iterdir()), said
            found = fingerprint(content(a) for a in store.alarms())
        finally:
            store.close()
    last = max(i for i, (what, _) in enumerate(lines) if what == "committed")
    pending = [fp for what, fp in lines[last + 1:] if what == "pending"]
    assert found in [lines[last][1], *pending[:1]], f"{home}: {found} is neither {lines[last][1]} nor {pending}"
    return sum(what == "committed" for what, _ in lines)


def zygote() -> None:
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["wait"]:
            os.waitpid(int(words[1]), 0)
            print("done", flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            try:
                main(*words)
            finally:
                os._exit(1)
        print(pid, flush=True)


if __name__ == "__main__":
    zygote() if sys.argv[1:] == ["--fork"] else main(*sys.argv[1:])
