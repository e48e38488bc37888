"""The alarm store: SQLite in the home folder, the single source of truth for alarms.

Every change is one transaction, with the journal written through to disk (WAL, synchronous
FULL), so a kill -9 or a pulled plug at any instant leaves either the old alarms or the new,
never a broken file. FULL, not NORMAL: NORMAL syncs the journal only at checkpoints, which a kill
cannot hurt but a power cut can, losing changes already acknowledged; with FULL a change is
answered only once it is on the disk (tests/device/service/test_pulled_plug.py).

Besides the alarms it keeps what each occurrence has done (started, skipped, snoozed, dismissed,
done) so that nothing fires twice across restarts and clock jumps, and the pauses (a vacation:
dates with no light). A file of an older schema is migrated when it is opened (MIGRATIONS), in
one transaction. A damaged file is set aside at the service's start (open_store).
"""

from __future__ import annotations

import contextlib
import logging
import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from device.alarms import Alarm, Pause, parse_days

SCHEMA_VERSION = 4
# Version 1, as the first release created it; a new file starts here and migrates like an old one.
_SCHEMA_V1 = """
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
# MIGRATIONS[n] takes a file from version n to n + 1.
MIGRATIONS = {
    # Pauses (a vacation): local dates first_day..last_day with no light, for one alarm or
    # (alarm_id NULL) every wake alarm.
    1: """
CREATE TABLE pauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alarm_id INTEGER,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL CHECK (last_day >= first_day)
);
""",
    # The phone page's pairings: only a SHA-256 of each token (device/web/pairing.py), never the token.
    2: """
CREATE TABLE web_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha256 TEXT NOT NULL UNIQUE,
    paired_utc TEXT NOT NULL
);
""",
    # What each paired device said it was (its browser's User-Agent), so one can be told apart and revoked.
    3: """
ALTER TABLE web_tokens ADD COLUMN device TEXT NOT NULL DEFAULT ''
""",
}
# An alarm's row, as _alarm_from_row reads it.
_ALARM_COLUMNS = "id, kind, time, after_sunset_s, days, sequence, rise_s, hold_s, label, enabled"
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
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise

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
                if self._db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error:  # the commit itself failed (the disk filled up): none of it happened
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION in one transaction: a crash midway leaves it as it was."""
        with self._transaction() as db:
            _run_script(db, _SCHEMA_V1)
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1')")
            version = int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"{self.path} is schema version {version}, newer than this "
                                            f"emberwake's {SCHEMA_VERSION}: update emberwake")
            for step in range(version, SCHEMA_VERSION):
                _run_script(db, MIGRATIONS[step])
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    # Alarms

    def alarms(self) -> list[Alarm]:
        """Every alarm, each with the pauses that apply to it."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_ALARM_COLUMNS} FROM alarms ORDER BY id").fetchall()
            pauses = self._pauses()
        alarms = [_alarm_from_row(row) for row in rows]
        return [alarm.with_changes(pauses=tuple(p for p in pauses if _applies(p, alarm))) if pauses else alarm
                for alarm in alarms]

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
            db.execute("DELETE FROM pauses WHERE alarm_id=?", (alarm_id,))
        return bool(removed)

    # Pauses

    def pauses(self) -> list[Pause]:
        with self._lock:
            return self._pauses()

    def _pauses(self) -> list[Pause]:
        rows = self._db.execute("SELECT id, alarm_id, first_day, last_day FROM pauses ORDER BY first_day, id")
        return [Pause(pause_id, alarm_id, dt.date.fromisoformat(first), dt.date.fromisoformat(last))
                for pause_id, alarm_id, first, last in rows.fetchall()]

    def add_pause(self, alarm_id: int | None, first: dt.date, last: dt.date) -> Pause:
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO pauses (alarm_id, first_day, last_day) VALUES (?, ?, ?)",
                                (alarm_id, first.isoformat(), last.isoformat()))
            return Pause(cursor.lastrowid, alarm_id, first, last)

    def remove_pauses(self, pause_ids: list[int]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM pauses WHERE id=?", [(pause_id,) for pause_id in pause_ids])

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

    def end_occurrence(self, key: tuple[int, str], state: str) -> None:
        """An occurrence is over ('done' or 'dismissed'). A one-off alarm (its days are the
        occurrence's date) is switched off with it, in the same transaction, so it never fires
        again and stays listed, disabled."""
        if state not in ("done", "dismissed"):
            raise ValueError(f"{state!r} does not end an occurrence")
        with self._transaction() as db:
            db.execute("INSERT INTO occurrences (alarm_id, day, state, until_utc) VALUES (?, ?, ?, NULL) "
                       "ON CONFLICT (alarm_id, day) DO UPDATE SET state=excluded.state, until_utc=NULL",
                       (*key, state))
            db.execute("UPDATE alarms SET enabled=0 WHERE id=? AND days=?", key)

    def clear_skip(self, key: tuple[int, str]) -> bool:
        """Undo a skip: the occurrence is as if nothing had happened to it. False if it was not skipped."""
        with self._transaction() as db:
            return bool(db.execute("DELETE FROM occurrences WHERE alarm_id=? AND day=? AND state='skipped'",
                                   key).rowcount)

    def forget_occurrences_before(self, day: dt.date) -> None:
        """Drop records of days long past (they can no longer fire), and pauses over by then."""
        with self._transaction() as db:
            db.execute("DELETE FROM occurrences WHERE day < ?", (day.isoformat(),))
            db.execute("DELETE FROM pauses WHERE last_day < ?", (day.isoformat(),))

    # The phone page's pairings (hashes only)

    def web_token_hashes(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT token_sha256 FROM web_tokens ORDER BY id")]

    def add_web_token(self, token_sha256: str, paired: dt.datetime, device: str = "") -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO web_tokens (token_sha256, paired_utc, device) VALUES (?, ?, ?)",
                       (token_sha256, paired.astimezone(dt.timezone.utc).isoformat(), device))

    def web_tokens(self) -> list[tuple[int, str, dt.datetime, str]]:
        """Each pairing: (id, token hash, when it was paired, the device it said it was)."""
        with self._lock:
            rows = self._db.execute("SELECT id, token_sha256, paired_utc, device FROM web_tokens ORDER BY id").fetchall()
        return [(row[0], row[1], dt.datetime.fromisoformat(row[2]), row[3]) for row in rows]

    def forget_web_token(self, token_id: int) -> bool:
        """Unpair one device; False if there was no such pairing."""
        with self._transaction() as db:
            return db.execute("DELETE FROM web_tokens WHERE id=?", (token_id,)).rowcount == 1

    def forget_web_tokens(self) -> int:
        """Unpair every phone; returns how many pairings there were."""
        with self._transaction() as db:
            return db.execute("DELETE FROM web_tokens").rowcount

    def damage(self) -> str | None:
        """What SQLite's integrity check finds wrong with the file first, in one line; None if nothing."""
        with self._lock:
            found = self._db.execute("PRAGMA integrity_check(1)").fetchone()[0]
        return None if found == "ok" else " ".join(found.replace("*** in database main ***", "").split())

    # Small facts that must survive a restart

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value=excluded.value", (key, value))


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` inside the transaction under way (executescript would COMMIT it
    first). The schema's statements hold no ';' of their own."""
    for statement in filter(str.strip, script.split(";")):
        db.execute(statement)


def _applies(pause: Pause, alarm: Alarm) -> bool:
    """A pause of one alarm applies to it; a pause of all, to every wake alarm that repeats (a
    one-off was set for its date on purpose: a flight to catch on the third day of a vacation)."""
    if pause.alarm_id is not None:
        return pause.alarm_id == alarm.id
    return alarm.kind == "wake" and not alarm.one_off


def _row_values(alarm: Alarm) -> tuple:
    after_s = alarm.after_sunset.total_seconds() if alarm.after_sunset is not None else None
    return (alarm.kind, alarm.time.strftime("%H:%M"), after_s, str(alarm.days), alarm.sequence,
            alarm.rise_s, alarm.hold_s, alarm.label, int(alarm.enabled))


def _alarm_from_row(row: tuple) -> Alarm:
    alarm_id, kind, time, after_s, days, sequence, rise_s, hold_s, label, enabled = row
    return Alarm(id=alarm_id, kind=kind, time=dt.time.fromisoformat(time), days=parse_days(days), sequence=sequence,
                 rise_s=rise_s, hold_s=hold_s, label=label, enabled=bool(enabled),
                 after_sunset=None if after_s is None else dt.timedelta(seconds=after_s))


def open_store(path: Path, clock, log: logging.Logger) -> Store:
    """The store at `path`; a file that is not a database, or is damaged anywhere (SQLite's
    integrity check, run at every start: the file is small), is kept aside as
    alarms.db.corrupt-<UTC time on `clock`>, said in the log, and a new store starts with what
    could still be read from it (_salvage), so the light runs on rather than not at all. A file
    newer than this emberwake is not touched."""
    store = None
    try:
        store = Store(path)
        damage = store.damage()
    except sqlite3.DatabaseError as error:
        if store is not None:
            store.close()
        if not any(word in str(error) for word in ("not a database", "malformed", "disk image")):
            raise
        damage = str(error)
    else:
        if damage is None:
            return store
        store.close()
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):  # the journal with it: kept-wal is the kept file's journal
        damaged = path.with_name(path.name + suffix)
        if damaged.exists():
            damaged.rename(kept.with_name(kept.name + suffix))
    store = Store(path)
    saved = _salvage(kept, store)
    log.error("the alarm store %s could not be read (%s): kept aside as %s; %s", path, damage, kept.name,
              f"starting with what could be read back from it: {', '.join(saved)}" if saved
              else "starting with no alarms")
    return store


# What a damaged store may still hold, table by table, in the order they are copied.
_SALVAGED = ("alarms", "occurrences", "pauses", "web_tokens")


def _salvage(damaged: Path, store: Store) -> list[str]:
    """Copy into the new `store` each table of the `damaged` file that can still be read whole
    and makes sense (alarms that parse; the other tables only with the alarms they belong to):
    half a table could be a wrong one. Returns the names of the tables copied."""
    saved: list[str] = []
    try:
        source = sqlite3.connect(f"{damaged.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return saved
    with contextlib.closing(source):
        for table in _SALVAGED:
            if table in ("occurrences", "pauses") and "alarms" not in saved:
                continue
            try:
                columns = (_ALARM_COLUMNS if table == "alarms" else
                           ", ".join(row[1] for row in store._db.execute(f"PRAGMA table_info({table})")))
                rows = source.execute(f"SELECT {columns} FROM {table}").fetchall()
                if table == "alarms":
                    for row in rows:
                        _alarm_from_row(row)
                if rows:
                    with store._transaction() as db:
                        db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(rows[0]))})",
                                       rows)
                    saved.append(table)
            except (sqlite3.Error, ValueError, TypeError):
                continue
    return saved
