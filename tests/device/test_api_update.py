"""POST /api/alarms/ID: change some fields of an alarm, checked exactly as a new one is (the
far-date clock of tests.device.service.conftest: 04:00 on Monday 2026-11-23 in Berlin, years on);
a refusal is one line naming the field and changes nothing."""

from __future__ import annotations

import sqlite3

import pytest

from device.api import Api
from device.book import AlarmBook
from device.controller import Place
from tests.dates import shifted
from tests.device.conftest import BERLIN, BERLIN_LOCATION


@pytest.fixture
def years() -> int:
    return 28


@pytest.fixture
def api(store, clock, changes) -> Api:
    return Api(AlarmBook(store, Place(BERLIN, BERLIN_LOCATION, False), clock, on_change=changes))


def rows(api: Api) -> tuple:
    with sqlite3.connect(api.book.store.path) as db:
        return tuple(db.execute(f"SELECT * FROM {t}").fetchall() for t in ("alarms", "occurrences", "pauses"))


def post(api: Api, path: str, body: dict, status: int = 200) -> dict:
    got, answer = api.handle("POST", path, {}, body)
    assert got == status, answer
    return answer


def test_a_change_keeps_the_other_fields_and_answers_the_new_json(api, changes, years):
    alarm = post(api, "/api/alarms", {"time": "06:45", "days": "weekdays", "rise": "20m", "label": "work"}, 201)
    changed = post(api, f"/api/alarms/{alarm['id']}", {"time": "07:10", "hold": "10m"})
    assert changed == {**alarm, "time": "07:10", "hold": "10m", "hold_s": 600.0,
                       "next": shifted("2026-11-23T07:10:00+01:00", years)}
    assert api.handle("GET", "/api/alarms") == (200, [changed])
    assert changes.count == 2


def test_every_field_can_change_and_days_and_a_date_replace_each_other(api, years):
    alarm = post(api, "/api/alarms", {"time": "06:45"}, 201)
    one_off = post(api, "/api/alarms/1", {"on": shifted("2026-11-25", years), "label": "flight",
                                          "sequence": "lavender-dawn", "rise": 900, "enabled": False})
    assert (one_off["on"], one_off["days"], one_off["label"], one_off["sequence"], one_off["rise_s"],
            one_off["enabled"], one_off["id"]) == (shifted("2026-11-25", years), shifted("2026-11-25", years),
                                                   "flight", "lavender-dawn", 900.0, False, alarm["id"])
    repeating = post(api, "/api/alarms/1", {"days": "mon,sat", "enabled": True})
    assert (repeating["on"], repeating["days"], repeating["next"]) == (
        None, "mon,sat", shifted("2026-11-23T06:45:00+01:00", years))


def test_a_bedtime_moves_to_sunset_and_back_to_a_clock_time(api):
    bedtime = post(api, "/api/alarms", {"kind": "bedtime", "time": "22:00"}, 201)
    at_sunset = post(api, f"/api/alarms/{bedtime['id']}", {"kind": "bedtime", "time": "sunset-30m", "rise": "45m"})
    assert (at_sunset["time"], at_sunset["rise"]) == ("sunset-30m", "45m")
    assert post(api, f"/api/alarms/{bedtime['id']}", {"time": "21:30"})["time"] == "21:30"


def test_an_unchanged_alarm_is_not_written_again(api, changes):
    alarm = post(api, "/api/alarms", {"kind": "bedtime", "time": "sunset+15m", "days": "fri"}, 201)
    assert post(api, "/api/alarms/1", {"time": "sunset+15m", "days": "fri"}) == alarm
    assert changes.count == 1


def test_the_skip_and_the_pauses_of_an_alarm_stay_with_it(api, years):
    post(api, "/api/alarms", {"time": "06:45"}, 201)
    post(api, "/api/alarms/1/skip", {})
    post(api, "/api/pause", {"from": shifted("2026-11-30", years), "to": shifted("2026-12-02", years), "id": 1}, 201)
    changed = post(api, "/api/alarms/1", {"time": "07:00"})
    assert changed["skipped"] == shifted("2026-11-23T07:00:00+01:00", years)
    assert [p["to"] for p in changed["paused"]] == [shifted("2026-12-02", years)]


REFUSED = [  # (body, status, the start of the one line: the field it names)
    ({"time": "25:00"}, 400, "time '25:00' does not exist"),
    ({"time": 700}, 400, "time must be text"),
    ({"days": "mon,funday"}, 400, "days 'mon,funday'"),
    ({"on": "2026-02-30"}, 400, "on '2026-02-30': that date does not exist"),
    ({"on": "2000-01-01"}, 400, "on 2000-01-01 is in the past"),
    ({"days": "mon", "on": "2100-01-01"}, 400, "give the days it repeats or the date"),
    ({"rise": "1h", "time": "09:00"}, 400, "the rise of 1h from 08:00"),  # overlaps alarm 2
    ({"rise": "4h"}, 400, "rise 4h is outside"),
    ({"hold": "5h"}, 400, "hold 5h is outside"),
    ({"label": "x" * 61}, 400, "label must be one line"),
    ({"sequence": "breathe"}, 400, "sequence 'breathe' is an ambient sequence"),
    ({"time": "sunset"}, 400, "only a bedtime can be relative to sunset"),
    ({"enabled": "yes"}, 400, "enabled must be true or false"),
    ({"id": 3}, 400, "unknown field 'id'"),
    ({"kind": "bedtime", "time": "07:00"}, 404, "there is no bedtime 1 (1 is an alarm"),
]


@pytest.mark.parametrize("body, status, message", REFUSED, ids=[str(b)[:40] for b, *_ in REFUSED])
def test_a_bad_change_is_one_line_naming_the_field_and_changes_nothing(api, changes, body, status, message):
    post(api, "/api/alarms", {"time": "06:45", "days": "daily", "rise": "10m"}, 201)
    post(api, "/api/alarms", {"time": "08:30", "days": "daily", "rise": "10m"}, 201)
    post(api, "/api/alarms/1/skip", {})
    before, count = rows(api), changes.count
    got, answer = api.handle("POST", "/api/alarms/1", {}, body)
    assert (got, list(answer)) == (status, ["error"]) and answer["error"].startswith(message), answer
    assert "\n" not in answer["error"]
    assert rows(api) == before and changes.count == count


@pytest.mark.parametrize("path, status", [("/api/alarms/9", 404), ("/api/alarms/x", 404)])
def test_a_change_to_no_alarm_is_not_found(api, path, status):
    assert api.handle("POST", path, {}, {"time": "07:00"})[0] == status
