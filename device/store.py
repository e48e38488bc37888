"""The alarm store: SQLite in the home folder, the single source of truth for alarms.

Every change is one transaction, with the journal written through to disk (WAL, synchronous
FULL), so a kill -9 or a pulled plug at any instant leaves either the old alarms or the new,
never a broken file. Besides the alarms it keeps what each occurrence has done (started,
skipped, snoozed, dismissed, done) so that nothing fires twice across restarts and clock jumps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from device.alarms import Alarm, parse_days

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('wake', 'bedtime')),
    time TEXT NOT NULL,
    after_sunset_s REAL,
    days TEXT NOT NULL,
    sequence TEXT NOT NULL,
    rise_s REAL NOT NULL,
    hold_s REAL NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS occurrences (
    alarm_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    state TEXT NOT NULL,
    until_utc TEXT,
    PRIMARY KEY (alarm_id, day)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# What an occurrence can have done. Only 'started' and 'snoozed' may still light the ring.
STATES = ("started", "snoozed", "skipped", "dismissed", "done")


class Store:
    """Alarms and occurrence states in one SQLite file. Thread-safe."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        self._set_meta_default("schema_version", str(SCHEMA_VERSION))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it reaches the disk, or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _set_meta_default(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # Alarms

    def alarms(self) -> list[Alarm]:
        with self._lock:
            rows = self._db.execute("SELECT id, kind, time, after_sunset_s, days, sequence, rise_s, hold_s, "
                                    "label, enabled FROM alarms ORDER BY id").fetchall()
        return [_alarm_from_row(row) for row in rows]

    def alarm(self, alarm_id: int) -> Alarm | None:
        return next((a for a in self.alarms() if a.id == alarm_id), None)

    def add(self, alarm: Alarm) -> Alarm:
        """Store a new alarm (its id is assigned here) and return it."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO alarms (kind, time, after_sunset_s, days, sequence, rise_s, hold_s, label, enabled) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _row_values(alarm))
            return alarm.with_changes(id=cursor.lastrowid)

    def update(self, alarm: Alarm) -> None:
        with self._transaction() as db:
            db.execute("UPDATE alarms SET kind=?, time=?, after_sunset_s=?, days=?, sequence=?, rise_s=?, "
                       "hold_s=?, label=?, enabled=? WHERE id=?", (*_row_values(alarm), alarm.id))

    def remove(self, alarm_id: int) -> bool:
        with self._transaction() as db:
            removed = db.execute("DELETE FROM alarms WHERE id=?", (alarm_id,)).rowcount
            db.execute("DELETE FROM occurrences WHERE alarm_id=?", (alarm_id,))
        return bool(removed)

    # Occurrences

    def occurrence_state(self, key: tuple[int, str]) -> tuple[str | None, dt.datetime | None]:
        """(state, until) of an occurrence; (None, None) if it has done nothing yet."""
        with self._lock:
            row = self._db.execute("SELECT state, until_utc FROM occurrences WHERE alarm_id=? AND day=?",
                                   key).fetchone()
        if row is None:
            return None, None
        return row[0], dt.datetime.fromisoformat(row[1]) if row[1] else None

    def set_occurrence_state(self, key: tuple[int, str], state: str, until: dt.datetime | None = None) -> None:
        if state not in STATES:
            raise ValueError(f"unknown occurrence state {state!r}")
        with self._transaction() as db:
            db.execute("INSERT INTO occurrences (alarm_id, day, state, until_utc) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (alarm_id, day) DO UPDATE SET state=excluded.state, until_utc=excluded.until_utc",
                       (*key, state, until.isoformat() if until else None))

    def clear_occurrence_state(self, key: tuple[int, str]) -> None:
        """Forget what an occurrence has done (an undone skip): it may fire again."""
        with self._transaction() as db:
            db.execute("DELETE FROM occurrences WHERE alarm_id=? AND day=?", key)

    def forget_occurrences_before(self, day: dt.date) -> None:
        """Drop records of days long past (they can no longer fire)."""
        with self._transaction() as db:
            db.execute("DELETE FROM occurrences WHERE day < ?", (day.isoformat(),))

    # Small facts that must survive a restart

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value=excluded.value", (key, value))


def _row_values(alarm: Alarm) -> tuple:
    after_s = alarm.after_sunset.total_seconds() if alarm.after_sunset is not None else None
    return (alarm.kind, alarm.time.strftime("%H:%M"), after_s, str(alarm.days), alarm.sequence,
            alarm.rise_s, alarm.hold_s, alarm.label, int(alarm.enabled))


def _alarm_from_row(row: tuple) -> Alarm:
    alarm_id, kind, time, after_s, days, sequence, rise_s, hold_s, label, enabled = row
    return Alarm(id=alarm_id, kind=kind, time=dt.time.fromisoformat(time), days=parse_days(days), sequence=sequence,
                 rise_s=rise_s, hold_s=hold_s, label=label, enabled=bool(enabled),
                 after_sunset=None if after_s is None else dt.timedelta(seconds=after_s))
