"""Undo a skip, a one-off alarm on a date, a vacation pause, and the store's migration to them:
through the CLI in-process (the store) and through a running service on the test clock."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from device.alarms import Alarm, Pause, parse_days
from device.clock import ManualClock
from device.occurrences import occurrences_between, upcoming
from device import store as store_module
from device.store import SCHEMA_VERSION, Store
from tests.dates import local, shifted
from tests.device.service.conftest import store_rows

BERLIN = "Europe/Berlin"
ZONE = ZoneInfo(BERLIN)


@pytest.fixture
def clock(years) -> ManualClock:
    """04:00 on Thursday 2026-10-22 in Berlin, shifted by `years`: the clocks go back (03:00 CEST
    to 02:00 CET) on Sunday the 25th."""
    return ManualClock(local("2026-10-22T04:00", BERLIN, years))


def rows(home: Path) -> tuple:
    """The store's alarms, occurrences and pauses, read behind its back."""
    with sqlite3.connect(home / "alarms.db") as db:
        return (*store_rows(home), db.execute("SELECT * FROM pauses ORDER BY id").fetchall())


def recorded(service) -> list[tuple[str, str]]:
    """(label, local date) of every program the service's player is given from now on."""
    played: list[tuple[str, str]] = []
    play = service.player.play
    clock = service.controller.clock

    def recording(program):
        played.append((program.label, clock.now().astimezone(ZONE).date().isoformat()))
        play(program)
    service.player.play = recording
    return played


def at(service, text: str, years: int) -> None:
    """Move the test clock to local `text` (written for 2026) and let the timers deal with it.
    The timers must first be asleep on the plan a change just made: a pass under way when the
    clock moves sleeps by its old `now` (Timers._run reads now before, monotonic after)."""
    assert service.timers.wait_caught_up()
    service.controller.clock.advance_to(local(text, BERLIN, years))
    assert service.timers.wait_caught_up()


def wakes(service) -> bool:
    return service.player.wait_for(lambda state: state.label == "wake 1")


def dark(service) -> bool:
    return service.player.wait_for(lambda state: state.mode == "idle")


# Undo a skip

def test_unskip_gives_back_the_skipped_occurrence(cli, years):
    cli.ok("alarm", "add", "06:30")
    assert "skips Thu" in cli.ok("alarm", "skip", "1")
    assert "(skipped)" in cli.ok("alarm", "next", "--count", "1")
    assert cli.ok("alarm", "unskip", "1").startswith(f"alarm 1 is back on Thu {shifted('2026-10-22', years)} 06:30")
    assert "(skipped)" not in cli.ok("alarm", "next", "--count", "1")
    assert "skips" not in cli.ok("alarm", "list")
    before = rows(cli.home)
    code, _, err = cli("alarm", "unskip", "1")
    assert (code, err) == (2, "emberwake: alarm 1 has no skipped occurrence to give back\n")
    assert rows(cli.home) == before


def test_an_unskipped_alarm_lights_up_at_its_time(cli, service, years):
    played = recorded(service)
    cli.ok("alarm", "add", "06:30")
    cli.ok("alarm", "skip", "1")
    cli.ok("alarm", "unskip", "1")  # through the service's API: it plans again at once
    at(service, "2026-10-22T06:00", years)  # the rise starts
    assert wakes(service)
    assert played == [("wake 1", shifted("2026-10-22", years))]


# A one-off alarm on a date

def test_a_one_off_is_listed_and_comes_once(cli, years):
    on = shifted("2026-10-24", years)
    assert "once on " + on in cli.ok("alarm", "add", "07:00", "--on", on)
    coming = json.loads(cli.ok("alarm", "next", "--count", "3", "--json"))
    assert [o["day"] for o in coming] == [on]
    listed = json.loads(cli.ok("alarm", "list", "--json"))
    assert listed[0]["on"] == on and listed[0]["enabled"]


def test_a_one_off_fires_once_at_its_date_and_is_disabled_after(cli, service, years):
    played = recorded(service)
    cli.ok("alarm", "add", "07:00", "--on", shifted("2026-10-24", years))
    at(service, "2026-10-23T06:45", years)  # the day before: nothing
    assert dark(service)
    at(service, "2026-10-24T06:30", years)
    assert wakes(service)
    at(service, "2026-10-24T07:31", years)  # through the rise and the hold
    assert dark(service)
    alarm = json.loads(cli.ok("alarm", "list", "--json"))[0]
    assert (alarm["enabled"], alarm["next"]) == (False, None)
    assert "disabled" in cli.ok("alarm", "list")
    at(service, "2026-10-25T06:45", years)
    assert dark(service) and service.controller.due_times() == []
    assert played == [("wake 1", shifted("2026-10-24", years))]


def test_a_dismissed_one_off_is_disabled_too(cli, service, years):
    cli.ok("alarm", "add", "07:00", "--on", shifted("2026-10-22", years))
    at(service, "2026-10-22T06:40", years)
    assert wakes(service)
    assert cli.ok("dismiss") == "dismissed\n"
    assert json.loads(cli.ok("alarm", "list", "--json"))[0]["enabled"] is False


# A vacation

def test_a_pause_is_listed_and_its_dates_have_no_occurrence(cli, years):
    cli.ok("alarm", "add", "06:30")
    first, last = shifted("2026-10-23", years), shifted("2026-10-25", years)
    assert cli.ok("alarm", "pause", "--from", first, "--to", last) == \
        f"paused {first} to {last}: every alarm (back by itself after)\n"
    assert f"paused {first} to {last}" in cli.ok("alarm", "list")
    coming = cli.ok("alarm", "next", "--count", "3")
    assert coming.splitlines()[0].startswith(f"paused {first} to {last}")
    days = [o["day"] for o in json.loads(cli.ok("alarm", "next", "--count", "3", "--json"))]
    assert days == [shifted(d, years) for d in ("2026-10-22", "2026-10-26", "2026-10-27")]
    assert cli.ok("alarm", "resume").startswith("resumed: every alarm")
    days = [o["day"] for o in json.loads(cli.ok("alarm", "next", "--count", "2", "--json"))]
    assert days == [shifted(d, years) for d in ("2026-10-22", "2026-10-23")]


def test_a_pause_of_every_alarm_spares_a_one_off_set_for_a_paused_date(cli, years):
    flight = shifted("2026-10-24", years)
    cli.ok("alarm", "add", "06:30")
    cli.ok("alarm", "pause", "--from", shifted("2026-10-23", years), "--to", shifted("2026-10-25", years))
    cli.ok("alarm", "add", "04:30", "--on", flight)
    coming = json.loads(cli.ok("alarm", "next", "--count", "3", "--json"))
    assert [(o["id"], o["day"]) for o in coming] == [(1, shifted("2026-10-22", years)), (2, flight),
                                                    (1, shifted("2026-10-26", years))]


def test_the_api_pauses_and_resumes_one_alarm_and_refuses_unknown_fields(home, clock, years):
    from device.api import Api
    from device.book import AlarmBook, store_path
    from device.config import load_config
    from device.controller import Place
    config = load_config(home)
    store = Store(store_path(home))
    try:
        api = Api(AlarmBook(store, Place.of(config), clock, config.sequence_dirs))
        assert api.handle("POST", "/api/alarms", body={"time": "06:30"})[0] == 201
        first, last = shifted("2026-10-23", years), shifted("2026-10-24", years)
        assert api.handle("POST", "/api/pause", body={"from": first, "to": last, "id": 1}) == \
            (201, {"id": 1, "alarm": 1, "from": first, "to": last})
        assert api.handle("GET", "/api/pauses")[1] == [{"id": 1, "alarm": 1, "from": first, "to": last}]
        assert api.handle("POST", "/api/pause", body={"from": first, "to": last, "why": "x"}) == \
            (400, {"error": "unknown field 'why'"})
        assert api.handle("POST", "/api/resume", body={"id": 1})[1][0]["from"] == first
        assert api.handle("GET", "/api/pauses") == (200, [])
    finally:
        store.close()


def test_a_vacation_over_a_weekend_and_a_dst_change_skips_exactly_its_days(cli, service, years):
    played = recorded(service)
    cli.ok("alarm", "add", "06:30")
    cli.ok("alarm", "pause", "--from", shifted("2026-10-23", years), "--to", shifted("2026-10-25", years))
    for day in ("2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"):
        at(service, f"{day}T04:00", years)
        if day == "2026-10-23":  # the timers plan nothing on the paused days
            assert service.controller.due_times() == []
        at(service, f"{day}T06:15", years)
        assert wakes(service) if day in ("2026-10-22", "2026-10-26", "2026-10-27") else dark(service), day
        at(service, f"{day}T07:01", years)
        assert dark(service)
    assert played == [("wake 1", shifted(day, years)) for day in ("2026-10-22", "2026-10-26", "2026-10-27")]


def test_resume_ends_a_pause_early_through_the_service(cli, service, years):
    cli.ok("alarm", "add", "06:30")
    cli.ok("alarm", "pause", "1", "--from", shifted("2026-10-22", years), "--to", shifted("2026-10-30", years))
    assert [p["alarm"] for p in json.loads(cli.ok("alarm", "list", "--json"))[0]["paused"]] == [1]
    at(service, "2026-10-22T06:15", years)
    assert dark(service)
    cli.ok("alarm", "resume", "1")
    at(service, "2026-10-23T06:15", years)
    assert wakes(service)


def test_a_paused_day_loses_even_a_rise_begun_the_evening_before():
    """An occurrence belongs to its wake time's local date: an alarm at 00:10 with a 30-minute
    rise starts lighting at 23:40 the day before, paused or not that day."""
    zone = ZoneInfo(BERLIN)
    friday, sunday = dt.date(2026, 10, 23), dt.date(2026, 10, 25)
    alarm = Alarm(1, "wake", dt.time(0, 10), parse_days("daily"), "storm-to-firelight", 1800.0, 60.0,
                  pauses=(Pause(1, None, friday, sunday),))
    thursday_evening = dt.datetime(2026, 10, 22, 23, 0, tzinfo=zone)
    assert occurrences_between(alarm, zone, None, thursday_evening, thursday_evening + dt.timedelta(hours=2)) == []
    monday = upcoming([alarm], zone, None, thursday_evening, 1)[0]
    assert monday.day == dt.date(2026, 10, 26)
    assert monday.start.astimezone(zone) == dt.datetime(2026, 10, 25, 23, 40, tzinfo=zone)


BAD_INPUT = [  # (the command, what its one line says)
    (["alarm", "add", "09:00", "--on", "2026-02-30"], "on '2026-02-30': that date does not exist"),
    (["alarm", "add", "09:00", "--on", "24.12.2026"], "on '24.12.2026' is not a date"),
    (["alarm", "add", "09:00", "--on", "1990-01-01"], "on 1990-01-01 is in the past"),
    (["alarm", "add", "09:00", "--on", "{today}", "--days", "daily"], "not both"),
    (["alarm", "add", "03:00", "--on", "{today}"], "03:00 that day is already past"),
    (["alarm", "pause", "--from", "{tomorrow}", "--to", "{today}"], "is before from"),
    (["alarm", "pause", "--from", "{today}", "--to", "2026-13-01"], "to '2026-13-01': that date does not exist"),
    (["alarm", "pause", "--from", "soon", "--to", "{today}"], "from 'soon' is not a date"),
    (["alarm", "pause", "--from", "1990-01-01", "--to", "1990-01-02"], "to 1990-01-02 is in the past"),
    (["alarm", "pause", "--from", "{today}"], "--to"),
    (["alarm", "pause", "9", "--from", "{today}", "--to", "{tomorrow}"], "there is no alarm 9"),
    (["alarm", "pause", "2", "--from", "{today}", "--to", "{tomorrow}"], "2 is a bedtime"),
    (["alarm", "resume"], "nothing is paused"),
    (["alarm", "resume", "1"], "alarm 1 has no pause of its own"),
    (["alarm", "unskip", "1"], "alarm 1 has no skipped occurrence"),
    (["alarm", "unskip", "2"], "2 is a bedtime"),
]


@pytest.mark.parametrize("args, says", BAD_INPUT, ids=[" ".join(args) for args, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, years, args, says):
    cli.ok("alarm", "add", "06:30")
    cli.ok("bedtime", "add", "22:30")
    dates = {"{today}": shifted("2026-10-22", years), "{tomorrow}": shifted("2026-10-23", years)}
    before = rows(cli.home)
    code, out, err = cli(*(dates.get(arg, arg) for arg in args))
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("emberwake: ") and says in err, err
    assert rows(cli.home) == before


# The store's migration

_SCHEMA_V1 = """
CREATE TABLE alarms (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('wake', 'bedtime')),
    time TEXT NOT NULL, after_sunset_s REAL, days TEXT NOT NULL, sequence TEXT NOT NULL, rise_s REAL NOT NULL,
    hold_s REAL NOT NULL, label TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE occurrences (alarm_id INTEGER NOT NULL, day TEXT NOT NULL, state TEXT NOT NULL, until_utc TEXT,
    PRIMARY KEY (alarm_id, day));
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1'), ('light_on', '1');
INSERT INTO alarms VALUES (1, 'wake', '06:30', NULL, 'weekdays', 'storm-to-firelight', 1800, 1800, 'work', 1);
INSERT INTO alarms VALUES (2, 'bedtime', '22:30', NULL, 'daily', 'tend-the-flame', 1800, 0, '', 0);
INSERT INTO occurrences VALUES (1, '2026-10-22', 'skipped', NULL);
"""


def v1_store(home: Path) -> Path:
    """An alarms.db as the first release wrote it (schema version 1)."""
    path = home / "alarms.db"
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA_V1)
    db.close()
    return path


def schema(path: Path) -> tuple[str, list[str]]:
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        tables = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    db.close()
    return version, [t for t in tables if t != "sqlite_sequence"]


def test_a_version_1_store_opens_and_upgrades_losing_nothing(cli, years):
    path = v1_store(cli.home)
    alarms_before, occurrences_before = store_rows(cli.home)
    listed = cli.ok("alarm", "list")  # opening it migrates it
    assert "'work'" in listed
    assert schema(path) == (str(SCHEMA_VERSION), ["alarms", "meta", "occurrences", "pauses", "web_tokens"])
    assert store_rows(cli.home) == (alarms_before, occurrences_before)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key='light_on'").fetchone() == ("1",)
    db.close()
    cli.ok("alarm", "pause", "--from", shifted("2026-10-26", years), "--to", shifted("2026-10-27", years))
    store = Store(path)  # and opens again as it is
    try:
        assert [p.first.isoformat() for p in store.pauses()] == [shifted("2026-10-26", years)]
    finally:
        store.close()


def test_a_migration_that_fails_leaves_the_version_1_file_as_it_was(home, monkeypatch):
    path = v1_store(home)
    before = store_rows(home)
    # The migration's first statement succeeds, its second fails: none of it may stay.
    monkeypatch.setitem(store_module.MIGRATIONS, 1,
                        "CREATE TABLE pauses (id INTEGER); CREATE TABLE alarms (id INTEGER)")
    with pytest.raises(sqlite3.OperationalError):
        Store(path)
    assert schema(path) == ("1", ["alarms", "meta", "occurrences"])
    assert store_rows(home) == before


def test_a_store_newer_than_this_emberwake_is_refused_in_one_line(cli):
    path = v1_store(cli.home)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.close()
    code, _, err = cli("alarm", "list")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "schema version 99" in err, err
