"""device.store.Store on its own: alarms and occurrence states round-trip, writes are all or
nothing, a reopened file sees everything, and several threads may write at once."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from device.alarms import Alarm, Days, parse_days
from device.store import SCHEMA_VERSION, STATES, Store

UTC = dt.timezone.utc


@pytest.fixture
def path(tmp_path):
    return tmp_path / "deep" / "folder" / "alarms.db"  # the store makes its folder


@pytest.fixture
def store(path):
    opened = Store(path)
    yield opened
    opened.close()


def wake(**changes) -> Alarm:
    alarm = Alarm(0, "wake", dt.time(6, 45), parse_days("mon,wed,fri"), "lavender-dawn", 1200.0, 900.0,
                  "work", True, None)
    return alarm.with_changes(**changes)


def rows(path) -> tuple[list, list, list]:
    """Everything in the file, read behind the store's back."""
    with sqlite3.connect(path) as db:
        return (db.execute("SELECT * FROM alarms ORDER BY id").fetchall(),
                db.execute("SELECT * FROM occurrences ORDER BY alarm_id, day").fetchall(),
                db.execute("SELECT * FROM meta ORDER BY key").fetchall())


EVERY_FIELD = [
    wake(),
    wake(time=dt.time(0, 0), days=Days(), sequence="storm-to-firelight", rise_s=60.0, hold_s=0.0, label=""),
    wake(time=dt.time(23, 59), days=Days(date=dt.date(2054, 12, 24)), label="Christmas Eve ✨", enabled=False),
    wake(days=parse_days("weekends"), rise_s=10800.0, hold_s=14400.0, label="it's \"quoted\""),
    Alarm(0, "bedtime", dt.time(22, 15), parse_days("weekdays"), "tend-the-flame", 2700.0, 0.0, "wind down"),
    Alarm(0, "bedtime", dt.time(0, 0), Days(), "tend-the-flame", 1800.0, 0.0, "", True, dt.timedelta(minutes=-90)),
    Alarm(0, "bedtime", dt.time(0, 0), Days(), "tend-the-flame", 1800.0, 0.0, "", False, dt.timedelta(0)),
]


@pytest.mark.parametrize("alarm", EVERY_FIELD, ids=range(len(EVERY_FIELD)))
def test_an_added_alarm_comes_back_with_every_field_and_its_new_id(store, path, alarm):
    added = store.add(alarm)
    assert added == alarm.with_changes(id=added.id) and added.id >= 1
    assert store.alarms() == [added]
    assert store.alarm(added.id) == added
    store.close()
    reopened = Store(path)
    try:
        assert reopened.alarms() == [added]
    finally:
        reopened.close()


def test_ids_are_assigned_in_order_and_never_reused(store):
    first, second = store.add(wake()), store.add(wake(label="two"))
    assert second.id == first.id + 1
    assert store.remove(second.id)
    third = store.add(wake(label="three"))
    assert third.id == second.id + 1  # AUTOINCREMENT: a removed alarm's id is not handed to another
    assert [a.id for a in store.alarms()] == [first.id, third.id]


def test_update_changes_every_field_of_that_alarm_only(store):
    first, second = store.add(wake()), store.add(wake(label="other"))
    changed = first.with_changes(kind="bedtime", time=dt.time(21, 0), days=Days(date=dt.date(2082, 1, 2)),
                                 sequence="tend-the-flame", rise_s=3600.0, hold_s=0.0, label="changed",
                                 enabled=False, after_sunset=dt.timedelta(minutes=30))
    store.update(changed)
    assert store.alarms() == [changed, second]


def test_remove_drops_the_alarm_and_its_occurrences_and_says_whether_there_was_one(store, path):
    kept, removed = store.add(wake()), store.add(wake(label="gone"))
    store.set_occurrence_state((kept.id, "2054-11-23"), "done")
    store.set_occurrence_state((removed.id, "2054-11-23"), "skipped")
    assert store.remove(removed.id) is True
    assert store.alarm(removed.id) is None
    assert store.occurrence_state((removed.id, "2054-11-23")) == (None, None)
    assert store.occurrence_state((kept.id, "2054-11-23")) == ("done", None)
    assert store.remove(removed.id) is False
    assert store.remove(999) is False
    assert [a.id for a in store.alarms()] == [kept.id]


def test_an_unknown_alarm_is_none_and_an_empty_store_has_none(store):
    assert store.alarms() == []
    assert store.alarm(1) is None


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("until", [None, dt.datetime(2054, 11, 23, 5, 9, 30, 250000, tzinfo=UTC)],
                         ids=["no-until", "until"])
def test_each_occurrence_state_round_trips_with_and_without_until(store, path, state, until):
    key = (3, "2054-11-23")
    assert store.occurrence_state(key) == (None, None)
    store.set_occurrence_state(key, state, until)
    assert store.occurrence_state(key) == (state, until)
    store.close()
    reopened = Store(path)
    try:
        assert reopened.occurrence_state(key) == (state, until)
        assert reopened.occurrence_state((3, "2054-11-24")) == (None, None)  # keyed by the day too
        assert reopened.occurrence_state((4, "2054-11-23")) == (None, None)  # and by the alarm
    finally:
        reopened.close()


def test_a_new_state_replaces_the_old_one_and_its_until(store):
    key = (1, "2054-11-23")
    until = dt.datetime(2054, 11, 23, 6, 0, tzinfo=UTC)
    store.set_occurrence_state(key, "snoozed", until)
    store.set_occurrence_state(key, "dismissed")
    assert store.occurrence_state(key) == ("dismissed", None)
    assert len(rows(store.path)[1]) == 1


def test_an_unknown_state_is_refused_and_writes_nothing(store):
    with pytest.raises(ValueError, match="unknown occurrence state 'fired'"):
        store.set_occurrence_state((1, "2054-11-23"), "fired")
    assert rows(store.path)[1] == []


def test_forget_occurrences_before_drops_earlier_days_only(store):
    for day in ("2054-11-21", "2054-11-22", "2054-11-23", "2054-12-01"):
        store.set_occurrence_state((1, day), "done")
    store.forget_occurrences_before(dt.date(2054, 11, 23))
    assert [row[1] for row in rows(store.path)[1]] == ["2054-11-23", "2054-12-01"]
    assert store.occurrence_state((1, "2054-11-22")) == (None, None)
    assert store.occurrence_state((1, "2054-11-23")) == ("done", None)


def test_meta_is_none_until_set_then_the_last_value_survives_a_reopen(store, path):
    assert store.meta("last_tick") is None
    store.set_meta("last_tick", "2054-11-23T04:00:00+00:00")
    store.set_meta("last_tick", "2054-11-23T04:01:00+00:00")
    assert store.meta("last_tick") == "2054-11-23T04:01:00+00:00"
    store.close()
    reopened = Store(path)
    try:
        assert reopened.meta("last_tick") == "2054-11-23T04:01:00+00:00"
    finally:
        reopened.close()


def test_the_schema_version_is_in_meta_and_a_newer_file_is_refused_untouched(store, path):
    assert store.meta("schema_version") == str(SCHEMA_VERSION) == "4"
    store.set_meta("schema_version", "7")  # as a later version would have written it
    store.close()
    with pytest.raises(sqlite3.DatabaseError, match="schema version 7, newer than this emberwake's 4"):
        Store(path)
    with sqlite3.connect(path) as db:  # and left as it was
        assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("7",)


def test_the_file_uses_the_write_ahead_log(store, path):
    """WAL is what lets a reader (the CLI) look while the service writes."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_write_that_fails_inside_its_transaction_leaves_nothing(store, path):
    kept = store.add(wake())
    before = rows(path)
    with pytest.raises(RuntimeError, match="power cut"):
        with store._transaction() as db:  # noqa: SLF001 - the one seam every write goes through
            db.execute("DELETE FROM alarms")
            db.execute("INSERT INTO occurrences VALUES (1, '2054-11-23', 'done', NULL)")
            db.execute("INSERT INTO meta VALUES ('half', 'written')")
            raise RuntimeError("power cut")
    assert rows(path) == before
    assert store.alarms() == [kept]
    store.set_meta("after", "ok")  # the lock was let go and the store still writes
    assert store.meta("after") == "ok"


def test_an_alarm_the_schema_refuses_writes_nothing(store, path):
    before = rows(path)
    with pytest.raises(sqlite3.IntegrityError):
        store.add(wake(kind="nap"))
    assert rows(path) == before
    assert store.add(wake()).id == 1


def test_a_second_store_on_the_same_file_sees_every_committed_write(store, path):
    other = Store(path)
    try:
        added = store.add(wake())
        store.set_occurrence_state((added.id, "2054-11-23"), "started")
        store.set_meta("k", "v")
        assert other.alarms() == [added]
        assert other.occurrence_state((added.id, "2054-11-23")) == ("started", None)
        assert other.meta("k") == "v"
    finally:
        other.close()


def test_several_threads_writing_at_once_lose_nothing(store, path):
    threads_n, per_thread = 8, 25
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait(timeout=10)
            for i in range(per_thread):
                added = store.add(wake(label=f"t{number}-{i}"))
                store.set_occurrence_state((added.id, "2054-11-23"), STATES[i % len(STATES)])
                store.set_meta(f"t{number}", str(i))
                store.alarms()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads) and errors == []
    labels = sorted(a.label for a in store.alarms())
    assert labels == sorted(f"t{n}-{i}" for n in range(threads_n) for i in range(per_thread))
    alarm_rows, occurrence_rows, _ = rows(path)
    assert len(alarm_rows) == len(occurrence_rows) == threads_n * per_thread
    assert all(store.meta(f"t{n}") == str(per_thread - 1) for n in range(threads_n))
